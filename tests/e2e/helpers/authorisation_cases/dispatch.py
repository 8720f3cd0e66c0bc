"""The authorisation matrix's requests for the DispatchService's methods (see __init__.py): matching, duty rosters,
absences and alerts.

Objects are made with the admin token in the place given. A member may act only for themselves, so requests name the
place's member: in our place that is the member calling, in theirs someone else."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.wishes.v1 import wishes_pb2 as wish

from services.runtime.auth import Role
from tests.e2e.helpers.authorisation_cases import Place, World, case, once, request_id
from tests.e2e.helpers.community import register_member

DISPATCH = "linli.dispatch.v1.DispatchService"
_days = itertools.count()


def _far_day() -> str:
    """A day of its own for each roster a case sets, years ahead: today's duty (which alerts call) stays as it is."""
    return (date(2031, 1, 1) + timedelta(days=next(_days))).isoformat()


def _whole_week(member_id: str) -> list[dis.WeeklyDutySlot]:
    return [dis.WeeklyDutySlot(weekday=day, slot=dis.DutySlot(member_id=member_id)) for day in range(1, 8)]


async def _on_duty(world: World, place: Place) -> None:
    """The place's member on duty all day, every day: alerts raised there call them, and they may answer."""

    async def make() -> bool:
        await world.api.dispatch.SetWeeklyDutyPattern(
            dis.SetWeeklyDutyPatternRequest(
                request_id=request_id(), community_id=place.community_id, slots=_whole_week(place.member_id)
            ),
            metadata=world.api.admin,
        )
        return True

    await once(world, ("on duty", place.community_id), make)


async def _raised(world: World, place: Place) -> str:
    await _on_duty(world, place)
    response = await world.api.dispatch.RaiseAlert(
        dis.RaiseAlertRequest(request_id=request_id(), kind=dis.ALERT_KIND_FALL, unit_id=place.grid_id, note="矩阵"),
        metadata=world.api.admin,
    )
    return response.alert.id


async def _answered(world: World, place: Place) -> str:
    """A fresh alert the place's member has acknowledged (staff answering for them): its responder."""
    alert_id = await _raised(world, place)
    await world.api.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=request_id(), alert_id=alert_id, member_id=place.member_id),
        metadata=world.api.admin,
    )
    return alert_id


async def _second_member(world: World, place: Place) -> str:
    async def make() -> str:
        return (await register_member(world.api, place.grid_id, name="矩阵二")).id

    return await once(world, ("second member", place.community_id), make)  # type: ignore[return-value]


@case(f"{DISPATCH}/RecommendClaimants")
async def recommend_claimants(world: World, place: Place, role: Role) -> Message:
    async def make() -> str:
        response = await world.api.wishes.SubmitWish(
            wish.SubmitWishRequest(
                request_id=request_id(),
                community_id=place.community_id,
                text="我想要一个音响组织大家跳舞",
                source=wish.WISH_SOURCE_VISIT,
                resident_name="张大妈",
            ),
            metadata=world.api.admin,
        )
        # Decided at once: its lifecycle has no timer left to write while the tests after the matrix run.
        await world.api.wishes.ReviewWish(
            wish.ReviewWishRequest(
                request_id=request_id(), wish_id=response.wish.id, reject=wish.Rejection(reason="矩阵")
            ),
            metadata=world.api.admin,
        )
        return response.wish.id

    wish_id = await once(world, ("wish", place.community_id), make)
    return dis.RecommendClaimantsRequest(wish_id=wish_id, limit=3)  # type: ignore[arg-type]


@case(f"{DISPATCH}/RecommendVolunteers")
async def recommend_volunteers(world: World, place: Place, role: Role) -> Message:
    return dis.RecommendVolunteersRequest(org_unit_id=place.community_id, limit=3)


@case(f"{DISPATCH}/SetDutyRoster")
async def set_duty_roster(world: World, place: Place, role: Role) -> Message:
    return dis.SetDutyRosterRequest(
        request_id=request_id(),
        community_id=place.community_id,
        date=_far_day(),
        slots=[dis.DutySlot(member_id=place.member_id)],
    )


@case(f"{DISPATCH}/SetWeeklyDutyPattern")
async def set_weekly_duty_pattern(world: World, place: Place, role: Role) -> Message:
    await _on_duty(world, place)
    # The same pattern again: the alerts' cases rely on it.
    return dis.SetWeeklyDutyPatternRequest(
        request_id=request_id(), community_id=place.community_id, slots=_whole_week(place.member_id)
    )


@case(f"{DISPATCH}/SwapDuty")
async def swap_duty(world: World, place: Place, role: Role) -> Message:
    day = _far_day()
    await world.api.dispatch.SetDutyRoster(
        dis.SetDutyRosterRequest(
            request_id=request_id(),
            community_id=place.community_id,
            date=day,
            slots=[dis.DutySlot(member_id=place.member_id)],
        ),
        metadata=world.api.admin,
    )
    return dis.SwapDutyRequest(
        request_id=request_id(),
        community_id=place.community_id,
        date=day,
        from_member_id=place.member_id,
        to_member_id=await _second_member(world, place),
        reason="出差",
    )


@case(f"{DISPATCH}/GetDutyRoster")
async def get_duty_roster(world: World, place: Place, role: Role) -> Message:
    return dis.GetDutyRosterRequest(community_id=place.community_id, date=date.today().isoformat())


@case(f"{DISPATCH}/GetOnDuty")
async def get_on_duty(world: World, place: Place, role: Role) -> Message:
    return dis.GetOnDutyRequest(community_id=place.community_id)


@case(f"{DISPATCH}/GetDutyGaps")
async def get_duty_gaps(world: World, place: Place, role: Role) -> Message:
    return dis.GetDutyGapsRequest(community_id=place.community_id, start_date="2031-01-01", end_date="2031-01-07")


@case(f"{DISPATCH}/ListUncoveredDutyDays")
async def list_uncovered_duty_days(world: World, place: Place, role: Role) -> Message:
    return dis.ListUncoveredDutyDaysRequest(
        org_unit_id=place.community_id, start_date="2031-01-01", end_date="2031-01-07"
    )


def _far_absence(days: int = 0) -> tuple[Timestamp, Timestamp]:
    """An absence years ahead, so nobody the alerts' cases call is away now."""
    start = datetime(2031, 6, 1, tzinfo=UTC) + timedelta(days=days)
    first, last = Timestamp(), Timestamp()
    first.FromDatetime(start)
    last.FromDatetime(start + timedelta(days=1))
    return first, last


@case(f"{DISPATCH}/DeclareUnavailability")
async def declare_unavailability(world: World, place: Place, role: Role) -> Message:
    start, end = _far_absence(next(_days))
    return dis.DeclareUnavailabilityRequest(
        request_id=request_id(),
        community_id=place.community_id,
        member_id=place.member_id,
        start_time=start,
        end_time=end,
        reason="出差",
    )


@case(f"{DISPATCH}/WithdrawUnavailability")
async def withdraw_unavailability(world: World, place: Place, role: Role) -> Message:
    declared = await world.api.dispatch.DeclareUnavailability(
        await declare_unavailability(world, place, role), metadata=world.api.admin
    )
    return dis.WithdrawUnavailabilityRequest(request_id=request_id(), unavailability_id=declared.unavailability.id)


@case(f"{DISPATCH}/ListUnavailability")
async def list_unavailability(world: World, place: Place, role: Role) -> Message:
    return dis.ListUnavailabilityRequest(community_id=place.community_id, page_size=10)


@case(f"{DISPATCH}/RaiseAlert")
async def raise_alert(world: World, place: Place, role: Role) -> Message:
    return dis.RaiseAlertRequest(
        request_id=request_id(), kind=dis.ALERT_KIND_FALL, unit_id=place.grid_id, address="2单元301"
    )


@case(f"{DISPATCH}/AcknowledgeAlert")
async def acknowledge_alert(world: World, place: Place, role: Role) -> Message:
    return dis.AcknowledgeAlertRequest(
        request_id=request_id(), alert_id=await _raised(world, place), member_id=place.member_id
    )


@case(f"{DISPATCH}/ArriveAlert")
async def arrive_alert(world: World, place: Place, role: Role) -> Message:
    return dis.ArriveAlertRequest(request_id=request_id(), alert_id=await _answered(world, place))


@case(f"{DISPATCH}/ResolveAlert")
async def resolve_alert(world: World, place: Place, role: Role) -> Message:
    return dis.ResolveAlertRequest(
        request_id=request_id(), alert_id=await _answered(world, place), outcome=dis.ALERT_OUTCOME_HELPED_ON_SITE
    )


@case(f"{DISPATCH}/CancelAlert")
async def cancel_alert(world: World, place: Place, role: Role) -> Message:
    return dis.CancelAlertRequest(request_id=request_id(), alert_id=await _answered(world, place), reason="误报")


@case(f"{DISPATCH}/GetAlert")
async def get_alert(world: World, place: Place, role: Role) -> Message:
    alert_id = await once(world, ("answered alert", place.community_id), lambda: _answered(world, place))
    return dis.GetAlertRequest(alert_id=alert_id)  # type: ignore[arg-type]


@case(f"{DISPATCH}/GetAlertStats")
async def get_alert_stats(world: World, place: Place, role: Role) -> Message:
    return dis.GetAlertStatsRequest(org_unit_id=place.community_id)


async def _an_alert(world: World, place: Place) -> str:
    return await once(world, ("alert", place.community_id), lambda: _raised(world, place))  # type: ignore[return-value]


@case(f"{DISPATCH}/GetAlertCallList")
async def get_alert_call_list(world: World, place: Place, role: Role) -> Message:
    return dis.GetAlertCallListRequest(alert_id=await _an_alert(world, place))


@case(f"{DISPATCH}/RecordAlertEvent")
async def record_alert_event(world: World, place: Place, role: Role) -> Message:
    return dis.RecordAlertEventRequest(
        request_id=request_id(),
        alert_id=await _an_alert(world, place),
        kind=dis.ALERT_EVENT_KIND_DELIVERED,
        recipient=f"member:{place.member_id}",
        note="matrix",
    )
