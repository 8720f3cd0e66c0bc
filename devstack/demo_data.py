"""Demo data for the local run: the places DESIGN.md names, a handful of members and wishes.

Loaded over the public gRPC API like any other client. Every request carries a fixed request id, so
loading twice (each `./linli up`) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2 as dsp
from linli.registry.v1 import care_pb2 as care
from linli.registry.v1 import commitments_pb2 as com
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wsh

from devstack.client import Api
from services.registry.domain import id_number_check_char

K = reg.OrgUnitKind
# Where DESIGN.md names no street above a community, the tree gets a street marked as a demo placeholder.
PLACES: list[tuple[str, ...]] = [
    ("河北省", "唐山市", "路北区", "路北区演示街道", "祥富里社区"),
    ("湖北省", "咸宁市", "咸安区", "温泉街道", "南昌路社区"),
    ("湖北省", "咸宁市", "咸安区", "温泉街道", "十六潭社区", "福星城小区"),
    ("湖北省", "咸宁市", "咸安区", "温泉街道", "桂花路社区", "第9网格"),
    ("湖北省", "咸宁市", "咸安区", "温泉街道", "滨河社区", "中央城小区"),
    ("四川省", "成都市", "武侯区", "望江路街道", "共和路社区"),
    ("内蒙古自治区", "鄂尔多斯市", "伊金霍洛旗", "伊金霍洛旗演示街道", "王府路社区"),
    ("内蒙古自治区", "鄂尔多斯市", "东胜区", "天骄街道", "安达社区"),
    ("内蒙古自治区", "鄂尔多斯市", "东胜区", "纺织街道", "曙光社区"),
    ("内蒙古自治区", "鄂尔多斯市", "乌审旗", "嘎鲁图镇", "呼热胡社区"),
    ("陕西省", "宝鸡市", "金台区", "中山东路街道", "陈仓园社区", "第1网格"),
    ("陕西省", "宝鸡市", "金台区", "中山东路街道", "三迪社区"),
    ("陕西省", "宝鸡市", "金台区", "中山东路街道", "卧龙社区"),
    ("陕西省", "宝鸡市", "金台区", "中山东路街道", "宝铁社区"),
    ("陕西省", "宝鸡市", "金台区", "中山东路街道", "行政西路社区"),
    ("陕西省", "宝鸡市", "金台区", "中山东路街道", "大庆路社区"),
]
# Every district of the demo tree, by the names of its path: the local run's LINLI_REPORT_UNITS, so the registry
# keeps their weekly and yearly report Schedules once the demo data has made them.
REPORT_UNITS = ",".join(dict.fromkeys("/".join(place[:3]) for place in PLACES))
KINDS = [K.ORG_UNIT_KIND_PROVINCE, K.ORG_UNIT_KIND_CITY, K.ORG_UNIT_KIND_DISTRICT, K.ORG_UNIT_KIND_STREET]
KINDS += [K.ORG_UNIT_KIND_COMMUNITY, K.ORG_UNIT_KIND_GRID]


@dataclass(frozen=True)
class DemoMember:
    community: str
    name: str
    workplace: str
    skills: tuple[reg.Skill, ...]
    level: reg.ManagementLevel
    birth: str  # YYYYMMDD, for a valid (made-up) ID number


S = reg.Skill
CITY, DISTRICT, OTHER = (
    reg.MANAGEMENT_LEVEL_CITY,
    reg.MANAGEMENT_LEVEL_DISTRICT,
    reg.MANAGEMENT_LEVEL_OTHER,
)
MEMBERS = [
    DemoMember("陈仓园社区", "王芳", "宝鸡市中心医院党委", (S.SKILL_MEDICAL, S.SKILL_FIRST_AID), CITY, "19780312"),
    DemoMember("陈仓园社区", "李建国", "金台区司法局党支部", (S.SKILL_LEGAL, S.SKILL_MEDIATION), DISTRICT, "19700805"),
    DemoMember("陈仓园社区", "赵敏", "金台区文化馆党支部", (S.SKILL_CULTURE_ARTS,), DISTRICT, "19850120"),
    DemoMember("陈仓园社区", "刘洋", "宝鸡供电公司党委", (S.SKILL_REPAIR, S.SKILL_FIRE_SAFETY), CITY, "19880917"),
    DemoMember("陈仓园社区", "孙丽", "金台区人社局党支部", (S.SKILL_EMPLOYMENT,), DISTRICT, "19820404"),
    DemoMember("三迪社区", "周强", "金台区城管局党支部", (S.SKILL_ENVIRONMENT,), DISTRICT, "19790630"),
    DemoMember("卧龙社区", "吴静", "宝鸡市第一中学党委", (S.SKILL_EDUCATION, S.SKILL_PSYCHOLOGY), OTHER, "19900211"),
    DemoMember(
        "祥富里社区", "郑红", "路北区民政局党支部", (S.SKILL_ELDER_CARE, S.SKILL_SOCIAL_WORK), DISTRICT, "19750728"
    ),
    DemoMember(
        "共和路社区", "马骏", "武侯区消防救援大队党支部", (S.SKILL_FIRE_SAFETY, S.SKILL_FIRST_AID), OTHER, "19860115"
    ),
    DemoMember("安达社区", "高娃", "东胜区卫健委党支部", (S.SKILL_MEDICAL, S.SKILL_ELDER_CARE), CITY, "19810909"),
    DemoMember("十六潭社区", "黄磊", "咸安区信息中心党支部", (S.SKILL_IT,), DISTRICT, "19920502"),
]


@dataclass(frozen=True)
class DemoWish:
    key: str
    community: str
    text: str
    resident: str
    source: wsh.WishSource
    # How far the demo moves it: submitted, published or claimed (by the member named).
    category: wsh.WishCategory = wsh.WISH_CATEGORY_UNSPECIFIED
    publish: bool = False
    claimant: str = ""


C = wsh.WishCategory
WISHES = [
    DemoWish(
        "dance",
        "陈仓园社区",
        "我要一个音响组织大家跳舞",
        "张桂兰",
        wsh.WISH_SOURCE_WISH_BOX,
        C.WISH_CATEGORY_CULTURE,
        publish=True,
        claimant="赵敏",
    ),
    DemoWish(
        "work",
        "陈仓园社区",
        "我希望就近打工",
        "陈大爷",
        wsh.WISH_SOURCE_WISH_BOX,
        C.WISH_CATEGORY_CONVENIENCE,
        publish=True,
    ),
    DemoWish("partner", "三迪社区", "我想找对象", "杨小伟", wsh.WISH_SOURCE_RESIDENT_APP),
    DemoWish(
        "job",
        "卧龙社区",
        "退休了还想找份工作，离家近一点",
        "何师傅",
        wsh.WISH_SOURCE_HOTLINE,
        C.WISH_CATEGORY_POVERTY_RELIEF,
        publish=True,
    ),
    DemoWish(
        "checkup",
        "祥富里社区",
        "独居老人希望每月有人上门量血压",
        "钱奶奶",
        wsh.WISH_SOURCE_WISH_BOX,
        C.WISH_CATEGORY_MEDICAL_CARE,
        publish=True,
        claimant="郑红",
    ),
]


def demo_id_number(region: str, birth: str, serial: int) -> str:
    first17 = f"{region}{birth}{serial:03d}"
    return first17 + id_number_check_char(first17)


@dataclass
class DemoData:
    org_units: dict[str, str]  # community (or grid) name → id
    members: dict[str, str]  # member name → id
    wishes: dict[str, str]  # wish key → id
    units: dict[str, str] = field(default_factory=dict)  # every unit of the tree (districts, streets, …) by name


async def load_demo_data(api: Api, say: Callable[[str], None] = print) -> DemoData:
    units = await _load_places(api)
    communities = {place[index] for place in PLACES for index in range(4, len(place))}
    org_units = {name: unit_id for name, unit_id in units.items() if name in communities}
    say(f"demo: {len(org_units)} communities and grids in {len(PLACES)} places")
    members = await _load_members(api, org_units)
    say(f"demo: {len(members)} members")
    wishes = await _load_wishes(api, org_units, members)
    say(f"demo: {len(wishes)} wishes")
    rostered = await _load_duty_rosters(api, org_units, members)
    say(f"demo: weekly duty rosters in {rostered} communities")
    say(f"demo: {await _load_care_pairs(api, org_units, members)} care pairs")
    say(f"demo: {await _load_commitments(api, members)} service commitments for this year")
    return DemoData(org_units, members, wishes, units)


async def _load_duty_rosters(api: Api, org_units: dict[str, str], members: dict[str, str]) -> int:
    """Someone on duty every day (365 志愿者工作室): each community's members take the days in turn, the next one
    as backup."""
    by_community: dict[str, list[str]] = {}
    for member in MEMBERS:
        by_community.setdefault(member.community, []).append(members[member.name])
    for community, member_ids in by_community.items():
        slots = [
            dsp.WeeklyDutySlot(weekday=day, slot=dsp.DutySlot(member_id=member_ids[(day + turn) % len(member_ids)]))
            for day in range(1, 8)
            for turn in range(min(2, len(member_ids)))
        ]
        if community == RESCUE_TEAM_COMMUNITY:
            # A resident volunteer of the community's red-cross rescue team (not a party member) backs up the
            # evenings.
            team_id, volunteer_id = await _rescue_team_volunteer(api, org_units[community])
            slots += [
                dsp.WeeklyDutySlot(
                    weekday=day,
                    slot=dsp.DutySlot(team_id=team_id, team_member_id=volunteer_id, start_time="18:00"),
                )
                for day in range(1, 8)
            ]
        await api.dispatch.SetWeeklyDutyPattern(
            dsp.SetWeeklyDutyPatternRequest(
                request_id=f"demo:duty:{community}", community_id=org_units[community], slots=slots
            ),
            metadata=api.admin,
        )
    return len(by_community)


RESCUE_TEAM_COMMUNITY = "祥富里社区"


# Care pairs (结对帮扶): (community, resident reference, the resident's name, household size, carers, cadence in days).
CARE_PAIRS = [
    ("祥富里社区", "resident-qian", "钱奶奶", 1, ("郑红",), 3),  # living alone: a visit every few days (隔三差五)
    ("陈仓园社区", "household-chen", "陈大爷", 3, ("王芳", "孙丽"), 7),
    ("安达社区", "resident-bai", "白大娘", 1, ("高娃",), 2),  # 话疗: companionship talks
]


async def _load_care_pairs(api: Api, org_units: dict[str, str], members: dict[str, str]) -> int:
    for community, ref, name, people, carers, cadence in CARE_PAIRS:
        try:
            await api.care.CreateCarePair(
                care.CreateCarePairRequest(
                    request_id=f"demo:care:{ref}",
                    unit_id=org_units[community],
                    resident_ref=ref,
                    caree_kind=care.CAREE_KIND_RESIDENT if people == 1 else care.CAREE_KIND_HOUSEHOLD,
                    people=people,
                    resident_name=name,
                    carer_member_ids=[members[c] for c in carers],
                    cadence_days=cadence,
                ),
                metadata=api.admin,
            )
        except grpc.aio.AioRpcError as error:
            # Loaded before, longer ago than the request ids are kept: the pair is there.
            if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise
    return len(CARE_PAIRS)


# Service commitments (服务承诺) made at registration: (member, services, hours) for the year.
COMMITMENTS = [("郑红", 24, 48.0), ("王芳", 12, 0.0), ("赵敏", 0, 30.0)]


async def _load_commitments(api: Api, members: dict[str, str]) -> int:
    year = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).year  # LINLI_TIMEZONE's default, the local run's
    for name, services, hours in COMMITMENTS:
        await api.registry.SetServiceCommitment(
            com.SetServiceCommitmentRequest(
                request_id=f"demo:commitment:{name}:{year}",
                member_id=members[name],
                year=year,
                services=services,
                hours=hours,
            ),
            metadata=api.admin,
        )
    return len(COMMITMENTS)


async def _rescue_team_volunteer(api: Api, community_id: str) -> tuple[str, str]:
    team = await api.registry.CreateTeam(
        reg.CreateTeamRequest(
            request_id="demo:team:rescue",
            org_unit_id=community_id,
            kind=reg.TEAM_KIND_RED_CROSS_RESCUE,
            name="祥富里红十字救援队",
        ),
        metadata=api.admin,
    )
    added = await api.registry.AddTeamMember(
        reg.AddTeamMemberRequest(
            request_id="demo:team:rescue:volunteer",
            team_id=team.team.id,
            volunteer=reg.ResidentVolunteer(name="刘秀英", phone="13800001111"),
        ),
        metadata=api.admin,
    )
    return team.team.id, added.team_member.id


async def _load_places(api: Api) -> dict[str, str]:
    """Every unit of the demo tree by its name (names do not repeat across levels here)."""
    ids: dict[tuple[str, ...], str] = {}
    for place in PLACES:
        for depth in range(1, len(place) + 1):
            path = place[:depth]
            if path in ids:
                continue
            response = await api.registry.CreateOrgUnit(
                reg.CreateOrgUnitRequest(
                    request_id="demo:org:" + "/".join(path),
                    parent_id=ids.get(path[:-1], ""),
                    kind=KINDS[depth - 1],
                    name=path[-1],
                ),
                metadata=api.admin,
            )
            ids[path] = response.org_unit.id
    return {path[-1]: unit_id for path, unit_id in ids.items()}


async def _load_members(api: Api, org_units: dict[str, str]) -> dict[str, str]:
    members = {}
    for serial, member in enumerate(MEMBERS, start=1):
        response = await api.registry.RegisterMember(
            reg.RegisterMemberRequest(
                request_id=f"demo:member:{member.name}",
                name=member.name,
                workplace_org=member.workplace,
                residence_unit_id=org_units[member.community],
                skills=list(member.skills),
                management_level=member.level,
                phone=f"139{serial:08d}",
                id_number=demo_id_number("610303", member.birth, serial),
            ),
            metadata=api.admin,
        )
        members[member.name] = response.member.id
    return members


async def _load_wishes(api: Api, org_units: dict[str, str], members: dict[str, str]) -> dict[str, str]:
    deadline = Timestamp()
    deadline.FromDatetime(datetime.now(UTC) + timedelta(days=14))
    wishes = {}
    for serial, wish in enumerate(WISHES, start=1):
        rid = f"demo:wish:{wish.key}"
        submitted = await api.wishes.SubmitWish(
            wsh.SubmitWishRequest(
                request_id=f"{rid}:submit",
                community_id=org_units[wish.community],
                text=wish.text,
                source=wish.source,
                resident_name=wish.resident,
                resident_contact=f"138{serial:08d}",
            ),
            metadata=api.admin,
        )
        wish_id = wishes[wish.key] = submitted.wish.id
        if wish.category:
            approval = wsh.Approval(category=wish.category, service_standard="当面办结，居民满意", deadline=deadline)
            await api.wishes.ReviewWish(
                wsh.ReviewWishRequest(request_id=f"{rid}:review", wish_id=wish_id, approve=approval),
                metadata=api.admin,
            )
        if wish.publish:
            await api.wishes.PublishWish(
                wsh.PublishWishRequest(request_id=f"{rid}:publish", wish_id=wish_id), metadata=api.admin
            )
        if wish.claimant:
            await api.wishes.ClaimWish(
                wsh.ClaimWishRequest(request_id=f"{rid}:claim", wish_id=wish_id, member_id=members[wish.claimant]),
                metadata=api.admin,
            )
    return wishes
