"""The authorisation matrix's requests for the ActivityService's methods (see __init__.py), served by the dispatch
process beside the DispatchService.

Objects are made with the admin token in the place given. Where the table lets members reach objects anywhere
(published activities, their own sign-ups), the requests name the calling member wherever the object is."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import grpc
from google.protobuf.message import Message
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc

from services.runtime.auth import Role
from tests.e2e.helpers.authorisation_cases import Place, World, case, once, request_id
from tests.e2e.helpers.authorisation_cases.registry import team_volunteer
from tests.e2e.helpers.times import from_now

ACTIVITIES = "linli.dispatch.v1.ActivityService"


def activities(world: World) -> activities_pb2_grpc.ActivityServiceStub:
    """The ActivityService, served by the dispatch process beside the DispatchService (the Api has no stub of it)."""
    stub = world.store.get("activities")
    if stub is None:
        channel = world.api.dispatch.GetAlert._python_channel  # type: ignore[attr-defined]
        stub = world.store["activities"] = activities_pb2_grpc.ActivityServiceStub(channel)
    return stub  # type: ignore[return-value]


def _proposal(place: Place) -> act.ProposeActivityRequest:
    return act.ProposeActivityRequest(
        request_id=request_id(),
        org_unit_id=place.community_id,
        title="端午粽飘香·社区邻里节",
        kind=act.ACTIVITY_KIND_HOLIDAY,
        place="幸福里活动中心",
        start_time=from_now(timedelta(days=10)),
        end_time=from_now(timedelta(days=10, hours=3)),
        signup_deadline=from_now(timedelta(days=8)),
        capacity=100,
        roles=[act.ActivityRole(name="steward", count=5)],
    )


async def _proposed(world: World, place: Place) -> str:
    response = await activities(world).ProposeActivity(_proposal(place), metadata=world.api.admin)
    return response.activity.id


async def _a_proposed(world: World, place: Place) -> str:
    return await once(world, ("proposed", place.community_id), lambda: _proposed(world, place))  # type: ignore[return-value]


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

    return await once(world, ("published", place.community_id), make)  # type: ignore[return-value]


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
    if role == Role.STAFF:  # staff sign a team volunteer who is not a member up for a volunteer role
        volunteer = await team_volunteer(world, place)
        return act.SignUpRequest(
            request_id=request_id(),
            activity_id=activity_id,
            team_id=volunteer.team_id,
            team_member_id=volunteer.id,
            role="steward",
        )
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

    return await once(world, ("notice", place.community_id), make)  # type: ignore[return-value]


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
    return act.GetNoticeDigestsRequest(before=from_now(timedelta(0)), page_size=1)


@case(f"{ACTIVITIES}/RecordDigestDelivery")
async def record_digest_delivery(world: World, place: Place, role: Role) -> Message:
    return act.RecordDigestDeliveryRequest()


@case(f"{ACTIVITIES}/RouteNotice")
async def route_notice(world: World, place: Place, role: Role) -> Message:
    return act.RouteNoticeRequest(
        request_id=request_id(), purpose="wish_published", text="a notice", recipients=[f"member:{place.member_id}"]
    )


@case(f"{ACTIVITIES}/GetActivityStats")
async def get_activity_stats(world: World, place: Place, role: Role) -> Message:
    return act.GetActivityStatsRequest(
        org_unit_id=place.street_id, start_time=from_now(-timedelta(days=7)), end_time=from_now(timedelta(hours=1))
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

    return await once(world, ("recurring", place.community_id), make)  # type: ignore[return-value]


@case(f"{ACTIVITIES}/GetRecurringActivity")
async def get_recurring_activity(world: World, place: Place, role: Role) -> Message:
    return act.GetRecurringActivityRequest(recurring_activity_id=await _a_recurring(world, place))


@case(f"{ACTIVITIES}/SetRecurringActivityPaused")
async def set_recurring_activity_paused(world: World, place: Place, role: Role) -> Message:
    return act.SetRecurringActivityPausedRequest(
        request_id=request_id(), recurring_activity_id=await _a_recurring(world, place), paused=True
    )


@case(f"{ACTIVITIES}/ListRecurringActivities")
async def list_recurring_activities(world: World, place: Place, role: Role) -> Message:
    await _a_recurring(world, place)
    return act.ListRecurringActivitiesRequest(org_unit_id=place.street_id)


@case(f"{ACTIVITIES}/UpdateRecurringActivity")
async def update_recurring_activity(world: World, place: Place, role: Role) -> Message:
    changed = _recurring(place).recurring_activity
    changed.id = await _a_recurring(world, place)
    changed.every_days = 5
    return act.UpdateRecurringActivityRequest(request_id=request_id(), recurring_activity=changed)


@case(f"{ACTIVITIES}/DeleteRecurringActivity")
async def delete_recurring_activity(world: World, place: Place, role: Role) -> Message:
    created = await activities(world).CreateRecurringActivity(_recurring(place), metadata=world.api.admin)
    return act.DeleteRecurringActivityRequest(
        request_id=request_id(), recurring_activity_id=created.recurring_activity.id
    )
