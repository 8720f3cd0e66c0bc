"""Duty rosters (值班表) over gRPC: weekly patterns, a day's own roster, swaps, who is on duty, and gaps."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2 as dis

from devstack.client import Api
from devstack.demo_data import MEMBERS, load_demo_data
from services.runtime.auth import Role
from tests.e2e.conftest import make_community, new_request_id, register_member

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
    assert [s.member_id for s in xiangfuli.on_duty] == [demo.members["郑红"]]
