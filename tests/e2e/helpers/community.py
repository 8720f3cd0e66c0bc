"""A community of a test's own on the org tree, with its members and teams, made through the registry's API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from tests.e2e.helpers.ids import new_id_number, new_request_id


@dataclass
class Community:
    street_id: str
    community_id: str
    grid_id: str


async def make_community(api: Api, name: str | None = None) -> Community:
    """A street with one community and one grid under a shared city and district."""
    suffix = uuid.uuid4().hex[:6]
    parent = ""
    ids = []
    for kind, unit_name in [
        (reg.ORG_UNIT_KIND_CITY, "宝鸡市"),
        (reg.ORG_UNIT_KIND_DISTRICT, "金台区"),
        (reg.ORG_UNIT_KIND_STREET, f"中山东路街道-{suffix}"),
        (reg.ORG_UNIT_KIND_COMMUNITY, name or f"陈仓园社区-{suffix}"),
        (reg.ORG_UNIT_KIND_GRID, "第1网格"),
    ]:
        response = await api.registry.CreateOrgUnit(
            reg.CreateOrgUnitRequest(
                request_id=f"org-{parent}-{kind}-{unit_name}", parent_id=parent, kind=kind, name=unit_name
            ),
            metadata=api.admin,
        )
        parent = response.org_unit.id
        ids.append(parent)
    return Community(street_id=ids[2], community_id=ids[3], grid_id=ids[4])


async def register_member(
    api: Api, residence_unit_id: str, *, name: str = "王芳", skills: tuple[int, ...] = (reg.SKILL_MEDICAL,)
) -> reg.Member:
    response = await api.registry.RegisterMember(
        reg.RegisterMemberRequest(
            request_id=new_request_id(),
            name=name,
            workplace_org="宝鸡市人民医院党委",
            residence_unit_id=residence_unit_id,
            skills=list(skills),
            management_level=reg.MANAGEMENT_LEVEL_DISTRICT,
            phone="13912345678",
            id_number=new_id_number(),
        ),
        metadata=api.admin,
    )
    return response.member


async def register_at(api: Api, unit_id: str, workplace_org: str) -> reg.Member:
    """A member of the given workplace unit, registered where they live."""
    response = await api.registry.RegisterMember(
        reg.RegisterMemberRequest(
            request_id=new_request_id(),
            name="赵敏",
            workplace_org=workplace_org,
            residence_unit_id=unit_id,
            management_level=reg.MANAGEMENT_LEVEL_CITY,
            phone="13700001234",
            id_number=new_id_number(),
        ),
        metadata=api.admin,
    )
    return response.member


async def team_of(api: Api, community: Community, *members: reg.Member) -> reg.Team:
    """A party-member volunteer team of the community, holding these members."""
    team = (
        await api.registry.CreateTeam(
            reg.CreateTeamRequest(
                request_id=new_request_id(),
                org_unit_id=community.community_id,
                kind=reg.TEAM_KIND_PARTY_MEMBER,
                name="党员志愿服务队",
            ),
            metadata=api.admin,
        )
    ).team
    for member in members:
        await api.registry.AddTeamMember(
            reg.AddTeamMemberRequest(request_id=new_request_id(), team_id=team.id, member_id=member.id),
            metadata=api.admin,
        )
    return team
