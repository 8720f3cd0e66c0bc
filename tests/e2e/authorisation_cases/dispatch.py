"""The authorisation matrix's requests for the dispatch service's methods (see __init__.py): the DispatchService
(matching, duty rosters, absences, alerts) and the ActivityService.

Objects are made with the admin token in the place given. A member may act only for themselves, so requests name the
place's member: in our place that is the member calling, in theirs someone else. Where the table lets members reach
objects anywhere (published activities, their own sign-ups), the requests name the calling member wherever the object
is."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, date, datetime, timedelta

import grpc
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.wishes.v1 import wishes_pb2 as wish

from services.runtime.auth import Role
from tests.e2e.authorisation_cases import Place, World, case, request_id
from tests.e2e.conftest import register_member

DISPATCH = "linli.dispatch.v1.DispatchService"
ACTIVITIES = "linli.dispatch.v1.ActivityService"
_days = itertools.count()


def _at(delta: timedelta) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.now(UTC) + delta)
    return stamp


def _far_day() -> str:
    """A day of its own for each roster a case sets, years ahead: today's duty (which alerts call) stays as it is."""
    return (date(2031, 1, 1) + timedelta(days=next(_days))).isoformat()


def activities(world: World) -> activities_pb2_grpc.ActivityServiceStub:
    """The ActivityService, served by the dispatch process beside the DispatchService (the Api has no stub of it)."""
    stub = world.store.get("activities")
    if stub is None:
        channel = world.api.dispatch.GetAlert._python_channel  # type: ignore[attr-defined]
        stub = world.store["activities"] = activities_pb2_grpc.ActivityServiceStub(channel)
    return stub  # type: ignore[return-value]


async def _once(world: World, key: tuple[str, ...], make: object) -> object:
    if key not in world.store:
        world.store[key] = await make()  # type: ignore[operator]
    return world.store[key]


# -- duty and alerts --------------------------------------------------------------------------------------------


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

    await _once(world, ("on duty", place.community_id), make)


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

    return await _once(world, ("second member", place.community_id), make)  # type: ignore[return-value]


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

    wish_id = await _once(world, ("wish", place.community_id), make)
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
    alert_id = await _once(world, ("answered alert", place.community_id), lambda: _answered(world, place))
    return dis.GetAlertRequest(alert_id=alert_id)  # type: ignore[arg-type]


@case(f"{DISPATCH}/GetAlertStats")
async def get_alert_stats(world: World, place: Place, role: Role) -> Message:
    return dis.GetAlertStatsRequest(org_unit_id=place.community_id)


async def _an_alert(world: World, place: Place) -> str:
    return await _once(world, ("alert", place.community_id), lambda: _raised(world, place))  # type: ignore[return-value]


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


# -- activities -------------------------------------------------------------------------------------------------


def _proposal(place: Place) -> act.ProposeActivityRequest:
    return act.ProposeActivityRequest(
        request_id=request_id(),
        org_unit_id=place.community_id,
        title="端午粽飘香·社区邻里节",
        kind=act.ACTIVITY_KIND_HOLIDAY,
        place="幸福里活动中心",
        start_time=_at(timedelta(days=10)),
        end_time=_at(timedelta(days=10, hours=3)),
        signup_deadline=_at(timedelta(days=8)),
        capacity=100,
        roles=[act.ActivityRole(name="steward", count=5)],
    )


async def _proposed(world: World, place: Place) -> str:
    response = await activities(world).ProposeActivity(_proposal(place), metadata=world.api.admin)
    return response.activity.id


async def _a_proposed(world: World, place: Place) -> str:
    return await _once(world, ("proposed", place.community_id), lambda: _proposed(world, place))  # type: ignore[return-value]


async def _published(world: World, place: Place) -> str:
    """An activity of the place its workflow has published (approved by the admin, its parent org's)."""

    async def make() -> str:
        activity_id = await _proposed(world, place)
        stub = activities(world)
        await stub.ReviewActivity(
            act.ReviewActivityRequest(request_id=request_id(), activity_id=activity_id, approve=act.ActivityApproval()),
            metadata=world.api.admin,
        )
        deadline = time.monotonic() + 30
        while True:
            found = await stub.GetActivity(act.GetActivityRequest(activity_id=activity_id), metadata=world.api.admin)
            if found.activity.state == act.ACTIVITY_STATE_PUBLISHED:
                return activity_id
            assert time.monotonic() < deadline, f"activity {activity_id} was never published"
            await asyncio.sleep(0.2)

    return await _once(world, ("published", place.community_id), make)  # type: ignore[return-value]


async def _resident_sign_up(world: World, place: Place) -> tuple[str, str]:
    activity_id = await _published(world, place)
    response = await activities(world).SignUp(
        act.SignUpRequest(request_id=request_id(), activity_id=activity_id, resident_ref=request_id()),
        metadata=world.api.admin,
    )
    return activity_id, response.sign_up.id


@case(f"{ACTIVITIES}/ProposeActivity")
async def propose_activity(world: World, place: Place, role: Role) -> Message:
    return _proposal(place)


@case(f"{ACTIVITIES}/GetActivity", members_anywhere=True)
async def get_activity(world: World, place: Place, role: Role) -> Message:
    return act.GetActivityRequest(activity_id=await _published(world, place))


@case(f"{ACTIVITIES}/ReviewActivity")
async def review_activity(world: World, place: Place, role: Role) -> Message:
    return act.ReviewActivityRequest(
        request_id=request_id(), activity_id=await _proposed(world, place), approve=act.ActivityApproval()
    )


@case(f"{ACTIVITIES}/CancelActivity")
async def cancel_activity(world: World, place: Place, role: Role) -> Message:
    return act.CancelActivityRequest(request_id=request_id(), activity_id=await _proposed(world, place), reason="暴雨")


@case(f"{ACTIVITIES}/SignUp", members_anywhere=True)
async def sign_up(world: World, place: Place, role: Role) -> Message:
    activity_id = await _published(world, place)
    if role == Role.MEMBER:  # a member signs themselves up, wherever the activity is
        return act.SignUpRequest(request_id=request_id(), activity_id=activity_id, member_id=world.ours.member_id)
    return act.SignUpRequest(request_id=request_id(), activity_id=activity_id, resident_ref=request_id())


@case(f"{ACTIVITIES}/CancelSignUp", members_anywhere=True)
async def cancel_sign_up(world: World, place: Place, role: Role) -> Message:
    if role != Role.MEMBER:
        activity_id, sign_up_id = await _resident_sign_up(world, place)
        return act.CancelSignUpRequest(request_id=request_id(), activity_id=activity_id, sign_up_id=sign_up_id)
    # The calling member's own sign-up, wherever the activity is.
    activity_id = await _published(world, place)
    stub = activities(world)
    try:
        signed = await stub.SignUp(
            act.SignUpRequest(request_id=request_id(), activity_id=activity_id, member_id=world.ours.member_id),
            metadata=world.api.admin,
        )
        sign_up_id = signed.sign_up.id
    except grpc.aio.AioRpcError as exc:
        if exc.code() != grpc.StatusCode.ALREADY_EXISTS:
            raise
        listed = await stub.ListSignUps(
            act.ListSignUpsRequest(activity_id=activity_id, page_size=500), metadata=world.api.admin
        )
        sign_up_id = next(
            s.id
            for s in listed.sign_ups
            if s.member_id == world.ours.member_id and s.status != act.SIGN_UP_STATUS_CANCELLED
        )
    return act.CancelSignUpRequest(request_id=request_id(), activity_id=activity_id, sign_up_id=sign_up_id)


@case(f"{ACTIVITIES}/CheckIn")
async def check_in(world: World, place: Place, role: Role) -> Message:
    activity_id, sign_up_id = await _resident_sign_up(world, place)
    return act.CheckInRequest(request_id=request_id(), activity_id=activity_id, sign_up_id=sign_up_id)


@case(f"{ACTIVITIES}/CheckOut")
async def check_out(world: World, place: Place, role: Role) -> Message:
    activity_id, sign_up_id = await _resident_sign_up(world, place)
    return act.CheckOutRequest(request_id=request_id(), activity_id=activity_id, sign_up_id=sign_up_id)


@case(f"{ACTIVITIES}/ListSignUps")
async def list_sign_ups(world: World, place: Place, role: Role) -> Message:
    return act.ListSignUpsRequest(activity_id=await _published(world, place), page_size=10)


@case(f"{ACTIVITIES}/GetActivityHistory")
async def get_activity_history(world: World, place: Place, role: Role) -> Message:
    return act.GetActivityHistoryRequest(activity_id=await _a_proposed(world, place), page_size=10)


@case(f"{ACTIVITIES}/AdvanceActivity")
async def advance_activity(world: World, place: Place, role: Role) -> Message:
    # Publishing a proposed activity: refused for its state (never approved), which is past authorisation.
    return act.AdvanceActivityRequest(
        request_id=request_id(), activity_id=await _a_proposed(world, place), step=act.ACTIVITY_STEP_PUBLISH
    )


def _notice_request(activity_id: str, place: Place) -> act.NotifyParticipantsRequest:
    return act.NotifyParticipantsRequest(
        request_id=request_id(),
        activity_id=activity_id,
        kind=act.ACTIVITY_NOTICE_KIND_REMINDER_DAY_BEFORE,
        note="matrix",
        recipients=[f"org:{place.community_id}"],
    )


@case(f"{ACTIVITIES}/NotifyParticipants")
async def notify_participants(world: World, place: Place, role: Role) -> Message:
    return _notice_request(await _a_proposed(world, place), place)


async def _a_notice(world: World, place: Place) -> tuple[str, int]:
    async def make() -> tuple[str, int]:
        activity_id = await _a_proposed(world, place)
        recorded = await activities(world).NotifyParticipants(
            _notice_request(activity_id, place), metadata=world.api.token(Role.SERVICE, subject="service:matrix")
        )
        return activity_id, recorded.notice.sequence

    return await _once(world, ("notice", place.community_id), make)  # type: ignore[return-value]


@case(f"{ACTIVITIES}/GetNoticeDelivery")
async def get_notice_delivery(world: World, place: Place, role: Role) -> Message:
    activity_id, sequence = await _a_notice(world, place)
    return act.GetNoticeDeliveryRequest(activity_id=activity_id, sequence=sequence)


@case(f"{ACTIVITIES}/RecordNoticeDelivery")
async def record_notice_delivery(world: World, place: Place, role: Role) -> Message:
    activity_id, sequence = await _a_notice(world, place)
    return act.RecordNoticeDeliveryRequest(activity_id=activity_id, sequence=sequence)


@case(f"{ACTIVITIES}/SetNoticePreference")
async def set_notice_preference(world: World, place: Place, role: Role) -> Message:
    return act.SetNoticePreferenceRequest(
        request_id=request_id(), recipient=f"member:{place.member_id}", daily_digest=False
    )


@case(f"{ACTIVITIES}/GetNoticeDigests")
async def get_notice_digests(world: World, place: Place, role: Role) -> Message:
    return act.GetNoticeDigestsRequest(before=_at(timedelta(0)), page_size=1)


@case(f"{ACTIVITIES}/RecordDigestDelivery")
async def record_digest_delivery(world: World, place: Place, role: Role) -> Message:
    return act.RecordDigestDeliveryRequest()


@case(f"{ACTIVITIES}/GetActivityStats")
async def get_activity_stats(world: World, place: Place, role: Role) -> Message:
    return act.GetActivityStatsRequest(
        org_unit_id=place.street_id, start_time=_at(-timedelta(days=7)), end_time=_at(timedelta(hours=1))
    )


def _recurring(place: Place) -> act.CreateRecurringActivityRequest:
    template = _proposal(place)
    for name in ("request_id", "start_time", "end_time", "signup_deadline"):
        template.ClearField(name)
    return act.CreateRecurringActivityRequest(
        request_id=request_id(),
        recurring_activity=act.RecurringActivity(template=template, every_days=3, lead_hours=48, duration_minutes=60),
    )


@case(f"{ACTIVITIES}/CreateRecurringActivity")
async def create_recurring_activity(world: World, place: Place, role: Role) -> Message:
    return _recurring(place)


async def _a_recurring(world: World, place: Place) -> str:
    async def make() -> str:
        created = await activities(world).CreateRecurringActivity(_recurring(place), metadata=world.api.admin)
        return created.recurring_activity.id

    return await _once(world, ("recurring", place.community_id), make)  # type: ignore[return-value]


@case(f"{ACTIVITIES}/GetRecurringActivity")
async def get_recurring_activity(world: World, place: Place, role: Role) -> Message:
    return act.GetRecurringActivityRequest(recurring_activity_id=await _a_recurring(world, place))


@case(f"{ACTIVITIES}/SetRecurringActivityPaused")
async def set_recurring_activity_paused(world: World, place: Place, role: Role) -> Message:
    return act.SetRecurringActivityPausedRequest(
        request_id=request_id(), recurring_activity_id=await _a_recurring(world, place), paused=True
    )
