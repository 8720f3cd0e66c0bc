"""Duty rosters (值班表) over gRPC: weekly patterns, a day's own roster, swaps, who is on duty, and gaps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from devstack.demo_data import MEMBERS, load_demo_data
from devstack.stack import LocalStack
from services.dispatch.metrics import duty_gap_seconds
from services.dispatch.store import DispatchStore
from services.runtime.auth import Role
from services.runtime.db import create_pool
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id

FRIDAY, SATURDAY, SUNDAY = "2026-06-19", "2026-06-20", "2026-06-21"


def at(utc: str) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.fromisoformat(utc).replace(tzinfo=UTC))
    return stamp


def slot(member_id: str, start: str = "", end: str = "") -> dis.DutySlot:
    return dis.DutySlot(member_id=member_id, start_time=start, end_time=end)


async def test_a_weekly_pattern_a_day_roster_and_a_swap_decide_who_is_on_duty(api: Api) -> None:
    community = await make_community(api)
    day_volunteer = (await register_member(api, community.grid_id, name="周日班")).id
    night_volunteer = (await register_member(api, community.community_id, name="吴夜班")).id
    stand_in = (await register_member(api, community.community_id, name="郑替班")).id

    pattern = await api.dispatch.SetWeeklyDutyPattern(
        dis.SetWeeklyDutyPatternRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            slots=[
                dis.WeeklyDutySlot(weekday=day, slot=s)
                for day in range(1, 8)
                for s in (slot(day_volunteer, "08:00", "20:00"), slot(night_volunteer))
            ],
        ),
        metadata=api.admin,
    )
    assert len(pattern.slots) == 14
    assert [(s.weekday, s.slot.member_id, s.slot.end_time) for s in pattern.slots[:2]] == [
        (1, day_volunteer, "20:00"),
        (1, night_volunteer, "24:00"),
    ]

    # Friday 10:00 in Asia/Shanghai is 02:00 UTC: the day volunteer is primary, the night volunteer the backup.
    on_duty = await api.dispatch.GetOnDuty(
        dis.GetOnDutyRequest(community_id=community.community_id, time=at("2026-06-19T02:00:00")), metadata=api.admin
    )
    assert on_duty.date == FRIDAY
    assert [s.member_id for s in on_duty.on_duty] == [day_volunteer, night_volunteer]
    late = await api.dispatch.GetOnDuty(
        dis.GetOnDutyRequest(community_id=community.community_id, time=at("2026-06-19T13:30:00")), metadata=api.admin
    )
    assert [s.member_id for s in late.on_duty] == [night_volunteer]

    # Saturday has its own roster: mornings only.
    saturday = await api.dispatch.SetDutyRoster(
        dis.SetDutyRosterRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            date=SATURDAY,
            slots=[slot(night_volunteer, "00:00", "12:00")],
        ),
        metadata=api.admin,
    )
    assert saturday.roster.source == dis.ROSTER_SOURCE_DAY
    assert [(s.member_id, s.start_time, s.end_time) for s in saturday.roster.slots] == [
        (night_volunteer, "00:00", "12:00")
    ]
    # Sunday: nobody at all.
    await api.dispatch.SetDutyRoster(
        dis.SetDutyRosterRequest(
            request_id=new_request_id(), community_id=community.community_id, date=SUNDAY, slots=[]
        ),
        metadata=api.admin,
    )
    gaps = await api.dispatch.GetDutyGaps(
        dis.GetDutyGapsRequest(community_id=community.community_id, start_date=FRIDAY, end_date=SUNDAY),
        metadata=api.admin,
    )
    assert [(g.date, g.start_time, g.end_time) for g in gaps.gaps] == [
        (SATURDAY, "12:00", "24:00"),
        (SUNDAY, "00:00", "24:00"),
    ]
    assert (gaps.uncovered_days, gaps.uncovered_hours) == (1, 36.0)

    # A swap on Friday: the stand-in takes the day volunteer's slot, in the same place; a retry changes nothing more.
    swap = dis.SwapDutyRequest(
        request_id=new_request_id(),
        community_id=community.community_id,
        date=FRIDAY,
        from_member_id=day_volunteer,
        to_member_id=stand_in,
        reason="家中有事",
    )
    swapped = await api.dispatch.SwapDuty(swap, metadata=api.admin)
    again = await api.dispatch.SwapDuty(swap, metadata=api.admin)
    assert swapped.roster == again.roster
    assert swapped.roster.source == dis.ROSTER_SOURCE_DAY
    assert [(s.member_id, s.start_time) for s in swapped.roster.slots] == [
        (stand_in, "08:00"),
        (night_volunteer, "00:00"),
    ]
    thursday = await api.dispatch.GetDutyRoster(
        dis.GetDutyRosterRequest(community_id=community.community_id, date="2026-06-18"), metadata=api.admin
    )
    assert thursday.roster.source == dis.ROSTER_SOURCE_WEEKLY_PATTERN  # other days keep the pattern
    assert thursday.roster.slots[0].member_id == day_volunteer

    with pytest.raises(grpc.aio.AioRpcError) as not_on_duty:
        await api.dispatch.SwapDuty(
            dis.SwapDutyRequest(
                request_id=new_request_id(),
                community_id=community.community_id,
                date=FRIDAY,
                from_member_id=day_volunteer,
                to_member_id=stand_in,
            ),
            metadata=api.admin,
        )
    assert not_on_duty.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert (not_on_duty.value.details() or "").startswith("from_member_id:")


async def test_bad_roster_requests_are_refused_with_the_field_named(api: Api) -> None:
    community = await make_community(api)
    other = await make_community(api)
    member = (await register_member(api, community.community_id)).id
    outsider = (await register_member(api, other.community_id)).id

    async def refused(request: dis.SetDutyRosterRequest, code: grpc.StatusCode, field: str, metadata=None) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await api.dispatch.SetDutyRoster(request, metadata=metadata or api.admin)
        assert error.value.code() == code, error.value.details()
        assert (error.value.details() or "").startswith(f"{field}:"), error.value.details()

    def roster(**fields: object) -> dis.SetDutyRosterRequest:
        base = {"request_id": new_request_id(), "community_id": community.community_id, "date": FRIDAY}
        return dis.SetDutyRosterRequest(**{**base, **fields})

    await refused(roster(date="2026-13-01"), grpc.StatusCode.INVALID_ARGUMENT, "date")
    await refused(roster(slots=[slot(member, "20:00", "08:00")]), grpc.StatusCode.INVALID_ARGUMENT, "slots[0].end_time")
    await refused(
        roster(slots=[slot(member), slot(member, "25:00")]), grpc.StatusCode.INVALID_ARGUMENT, "slots[1].start_time"
    )
    await refused(roster(slots=[slot("abc")]), grpc.StatusCode.INVALID_ARGUMENT, "slots[0].member_id")
    await refused(roster(slots=[slot(outsider)]), grpc.StatusCode.FAILED_PRECONDITION, "slots[0].member_id")
    await refused(roster(slots=[slot("99999999")]), grpc.StatusCode.NOT_FOUND, "slots[0].member_id")
    await refused(roster(community_id=community.grid_id), grpc.StatusCode.INVALID_ARGUMENT, "community_id")
    with pytest.raises(grpc.aio.AioRpcError) as outside_scope:
        await api.dispatch.SetDutyRoster(
            roster(slots=[slot(member)]), metadata=api.token(Role.STAFF, scope=other.community_id)
        )
    assert outside_scope.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as too_long:
        await api.dispatch.GetDutyGaps(
            dis.GetDutyGapsRequest(community_id=community.community_id, start_date="2026-01-01", end_date="2026-12-31"),
            metadata=api.admin,
        )
    assert (too_long.value.details() or "").startswith("end_date:")


async def team_volunteer(api: Api, org_unit_id: str, name: str = "刘秀英") -> tuple[str, str]:
    """A red-cross rescue team of the unit with one resident volunteer (not a party member): (team, volunteer)."""
    team = await api.registry.CreateTeam(
        reg.CreateTeamRequest(
            request_id=new_request_id(),
            org_unit_id=org_unit_id,
            kind=reg.TEAM_KIND_RED_CROSS_RESCUE,
            name="红十字救援队",
        ),
        metadata=api.admin,
    )
    added = await api.registry.AddTeamMember(
        reg.AddTeamMemberRequest(
            request_id=new_request_id(),
            team_id=team.team.id,
            volunteer=reg.ResidentVolunteer(name=name, phone="13800001111"),
        ),
        metadata=api.admin,
    )
    return team.team.id, added.team_member.id


async def test_team_volunteers_stand_duty_beside_members_and_absences_take_people_off_duty(
    api: Api, stack: LocalStack
) -> None:
    community = await make_community(api)
    member = (await register_member(api, community.community_id, name="钱全天")).id
    team_id, volunteer = await team_volunteer(api, community.community_id)
    pattern = await api.dispatch.SetWeeklyDutyPattern(
        dis.SetWeeklyDutyPatternRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            slots=[
                dis.WeeklyDutySlot(weekday=day, slot=s)
                for day in range(1, 8)
                for s in (
                    slot(member),
                    dis.DutySlot(team_id=team_id, team_member_id=volunteer, start_time="08:00", end_time="20:00"),
                )
            ],
        ),
        metadata=api.admin,
    )
    rostered = pattern.slots[1].slot
    assert (rostered.member_id, rostered.team_id, rostered.team_member_id) == ("", team_id, volunteer)
    assert rostered.member_name == "刘**"  # masked, as the registry gives it

    # Friday 10:30 in Asia/Shanghai is 02:30 UTC: both on duty, the member first.
    async def on_duty_at(utc: str) -> list[tuple[str, str]]:
        response = await api.dispatch.GetOnDuty(
            dis.GetOnDutyRequest(community_id=community.community_id, time=at(utc)), metadata=api.admin
        )
        return [(s.member_id, s.team_member_id) for s in response.on_duty]

    assert await on_duty_at("2026-06-19T02:30:00") == [(member, ""), ("", volunteer)]

    # The member declares their own absence, Friday 10:00-12:00: off duty then, and the volunteer covers it.
    me = api.token(Role.MEMBER, scope=community.community_id, subject=member)
    declared = await api.dispatch.DeclareUnavailability(
        dis.DeclareUnavailabilityRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            member_id=member,
            start_time=at("2026-06-19T02:00:00"),
            end_time=at("2026-06-19T04:00:00"),
            reason="体检",
        ),
        metadata=me,
    )
    absence = declared.unavailability
    assert (absence.member_id, absence.reason) == (member, "体检")
    assert await on_duty_at("2026-06-19T02:30:00") == [("", volunteer)]
    assert await on_duty_at("2026-06-19T04:30:00") == [(member, ""), ("", volunteer)]

    async def friday_gaps() -> list[tuple[str, str]]:
        response = await api.dispatch.GetDutyGaps(
            dis.GetDutyGapsRequest(community_id=community.community_id, start_date=FRIDAY, end_date=FRIDAY),
            metadata=api.admin,
        )
        return [(g.start_time, g.end_time) for g in response.gaps]

    assert await friday_gaps() == []
    # Staff declare the volunteer away all Friday: the member's two hours away become a gap.
    await api.dispatch.DeclareUnavailability(
        dis.DeclareUnavailabilityRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            team_id=team_id,
            team_member_id=volunteer,
            start_time=at("2026-06-18T16:00:00"),
            end_time=at("2026-06-19T16:00:00"),
        ),
        metadata=api.admin,
    )
    assert await friday_gaps() == [("10:00", "12:00")]
    # The duty-gap gauge counts the week from Friday as GetDutyGaps does, absences and all.
    week = await api.dispatch.GetDutyGaps(
        dis.GetDutyGapsRequest(community_id=community.community_id, start_date=FRIDAY, end_date="2026-06-25"),
        metadata=api.admin,
    )
    assert week.uncovered_hours == 2
    async with create_pool(stack.database_url, "dispatch", 1) as pool:
        gauge_seconds = await duty_gap_seconds(
            DispatchStore(pool), ZoneInfo("Asia/Shanghai"), int(community.community_id), date.fromisoformat(FRIDAY)
        )
    assert gauge_seconds == week.uncovered_hours * 3600
    roster = await api.dispatch.GetDutyRoster(
        dis.GetDutyRosterRequest(community_id=community.community_id, date=FRIDAY), metadata=api.admin
    )
    assert [s.away for s in roster.roster.slots] == [True, True]
    listed = await api.dispatch.ListUnavailability(
        dis.ListUnavailabilityRequest(
            community_id=community.community_id, start_time=at("2026-06-19T00:00:00"), page_size=1
        ),
        metadata=api.admin,
    )
    assert len(listed.unavailability) == 1 and listed.next_page_token
    # A member sees only their own.
    own = await api.dispatch.ListUnavailability(
        dis.ListUnavailabilityRequest(community_id=community.community_id, start_time=at("2026-06-19T00:00:00")),
        metadata=me,
    )
    assert [(a.member_id, a.team_member_id) for a in own.unavailability] == [(member, "")]

    # Back early: withdrawn, on duty again; a retry of the withdrawal changes nothing.
    withdraw = dis.WithdrawUnavailabilityRequest(request_id=new_request_id(), unavailability_id=absence.id)
    withdrawn = await api.dispatch.WithdrawUnavailability(withdraw, metadata=me)
    again = await api.dispatch.WithdrawUnavailability(withdraw, metadata=me)
    assert withdrawn.unavailability.withdraw_time == again.unavailability.withdraw_time
    assert await on_duty_at("2026-06-19T02:30:00") == [(member, "")]


async def test_swaps_hand_duties_between_members_and_team_volunteers_checked_as_rosters_are(api: Api) -> None:
    community = await make_community(api)
    other = await make_community(api)
    member = (await register_member(api, community.community_id, name="孙值班")).id
    team_id, volunteer = await team_volunteer(api, community.community_id)
    other_team, other_volunteer = await team_volunteer(api, other.community_id)
    await api.dispatch.SetDutyRoster(
        dis.SetDutyRosterRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            date=FRIDAY,
            slots=[slot(member, "00:00", "08:00"), dis.DutySlot(team_id=team_id, team_member_id=volunteer)],
        ),
        metadata=api.admin,
    )

    def swap(**fields: str) -> dis.SwapDutyRequest:
        return dis.SwapDutyRequest(
            request_id=new_request_id(), community_id=community.community_id, date=FRIDAY, **fields
        )

    def who(roster: dis.DutyRoster) -> list[tuple[str, str, str, str]]:
        return [(s.member_id, s.team_id, s.team_member_id, s.start_time) for s in roster.slots]

    # The team volunteer's day goes to the member, in the same place; a retry changes nothing more.
    to_member = swap(from_team_id=team_id, from_team_member_id=volunteer, to_member_id=member)
    swapped = await api.dispatch.SwapDuty(to_member, metadata=api.admin)
    assert (await api.dispatch.SwapDuty(to_member, metadata=api.admin)).roster == swapped.roster
    assert who(swapped.roster) == [(member, "", "", "00:00"), (member, "", "", "00:00")]
    # And back: the member's slots go to the team volunteer.
    back = await api.dispatch.SwapDuty(
        swap(from_member_id=member, to_team_id=team_id, to_team_member_id=volunteer), metadata=api.admin
    )
    assert who(back.roster) == [("", team_id, volunteer, "00:00"), ("", team_id, volunteer, "00:00")]
    assert back.roster.slots[0].member_name == "刘**"

    async def refused(request: dis.SwapDutyRequest, code: grpc.StatusCode, field: str) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await api.dispatch.SwapDuty(request, metadata=api.admin)
        assert error.value.code() == code, error.value.details()
        assert (error.value.details() or "").startswith(f"{field}:"), error.value.details()

    await refused(
        swap(
            from_team_id=team_id,
            from_team_member_id=volunteer,
            to_team_id=other_team,
            to_team_member_id=other_volunteer,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "to_team_id",
    )
    await refused(
        swap(from_team_id=team_id, from_team_member_id=volunteer, to_team_id=team_id, to_team_member_id="99999999"),
        grpc.StatusCode.NOT_FOUND,
        "to_team_member_id",
    )
    await refused(
        swap(from_team_id=other_team, from_team_member_id=other_volunteer, to_member_id=member),
        grpc.StatusCode.FAILED_PRECONDITION,
        "from_team_member_id",
    )
    await refused(
        swap(from_member_id=member, from_team_member_id=volunteer, to_member_id=member),
        grpc.StatusCode.INVALID_ARGUMENT,
        "from_member_id",
    )
    await refused(
        swap(from_team_member_id=volunteer, to_member_id=member), grpc.StatusCode.INVALID_ARGUMENT, "from_team_id"
    )
    await refused(
        swap(from_team_id=team_id, from_team_member_id=volunteer, to_team_id=team_id, to_team_member_id=volunteer),
        grpc.StatusCode.INVALID_ARGUMENT,
        "to_team_member_id",
    )
    await refused(swap(to_member_id=member), grpc.StatusCode.INVALID_ARGUMENT, "from_member_id")
    # Nothing half-written: the roster is as the last swap left it.
    roster = await api.dispatch.GetDutyRoster(
        dis.GetDutyRosterRequest(community_id=community.community_id, date=FRIDAY), metadata=api.admin
    )
    assert who(roster.roster) == who(back.roster)


async def test_bad_absences_and_volunteers_are_refused_with_the_field_named(api: Api) -> None:
    community = await make_community(api)
    other = await make_community(api)
    member = (await register_member(api, community.community_id)).id
    neighbour = (await register_member(api, community.community_id)).id
    other_team, other_volunteer = await team_volunteer(api, other.community_id)

    async def refused(call: object, code: grpc.StatusCode, field: str) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call  # type: ignore[misc]
        assert error.value.code() == code, error.value.details()
        assert (error.value.details() or "").startswith(f"{field}:"), error.value.details()

    def absence(**fields: object) -> dis.DeclareUnavailabilityRequest:
        base = {
            "request_id": new_request_id(),
            "community_id": community.community_id,
            "member_id": member,
            "end_time": at("2030-01-01T00:00:00"),
            "start_time": at("2029-12-01T00:00:00"),
        }
        return dis.DeclareUnavailabilityRequest(**{**base, **fields})

    me = api.token(Role.MEMBER, scope=community.community_id, subject=member)
    declare = api.dispatch.DeclareUnavailability
    await refused(declare(absence(member_id=neighbour), metadata=me), grpc.StatusCode.PERMISSION_DENIED, "member_id")
    await refused(
        declare(absence(end_time=at("2029-11-01T00:00:00")), metadata=me), grpc.StatusCode.INVALID_ARGUMENT, "end_time"
    )
    await refused(
        declare(absence(end_time=at("2031-01-01T00:00:00")), metadata=me), grpc.StatusCode.INVALID_ARGUMENT, "end_time"
    )
    await refused(
        declare(absence(member_id="", team_id=other_team, team_member_id=other_volunteer), metadata=api.admin),
        grpc.StatusCode.FAILED_PRECONDITION,
        "team_id",
    )
    await refused(
        api.dispatch.SetDutyRoster(
            dis.SetDutyRosterRequest(
                request_id=new_request_id(),
                community_id=community.community_id,
                date=FRIDAY,
                slots=[slot(member), dis.DutySlot(team_id=other_team, team_member_id=other_volunteer)],
            ),
            metadata=api.admin,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "slots[1].team_id",
    )
    await refused(
        api.dispatch.SetDutyRoster(
            dis.SetDutyRosterRequest(
                request_id=new_request_id(),
                community_id=community.community_id,
                date=FRIDAY,
                slots=[dis.DutySlot(member_id=member, team_member_id=other_volunteer)],
            ),
            metadata=api.admin,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "slots[0].member_id",
    )
    await refused(
        api.dispatch.WithdrawUnavailability(
            dis.WithdrawUnavailabilityRequest(request_id=new_request_id(), unavailability_id="99999999"),
            metadata=api.admin,
        ),
        grpc.StatusCode.NOT_FOUND,
        "unavailability_id",
    )


async def test_the_demo_data_puts_someone_on_duty_in_every_demo_community_every_day(api: Api) -> None:
    demo = await load_demo_data(api, say=lambda _: None)
    for community in {m.community for m in MEMBERS}:
        gaps = await api.dispatch.GetDutyGaps(
            dis.GetDutyGapsRequest(community_id=demo.org_units[community], start_date=FRIDAY, end_date="2026-06-25"),
            metadata=api.admin,
        )
        assert list(gaps.gaps) == [], community
    xiangfuli = await api.dispatch.GetOnDuty(
        dis.GetOnDutyRequest(community_id=demo.org_units["祥富里社区"]), metadata=api.admin
    )
    # Of members, one a day (the rescue team's resident volunteer backs up the evenings).
    assert [s.member_id for s in xiangfuli.on_duty if s.member_id] == [demo.members["郑红"]]
    roster = await api.dispatch.GetDutyRoster(
        dis.GetDutyRosterRequest(community_id=demo.org_units["祥富里社区"], date=FRIDAY), metadata=api.admin
    )
    assert [(s.member_name, s.start_time) for s in roster.roster.slots if s.team_member_id] == [("刘**", "18:00")]
