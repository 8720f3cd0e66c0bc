"""Activities over gRPC on the whole platform: propose, approval by the parent org, the workflow publishing,
sign-ups with a waiting list, bad input named by field, cancel telling everyone, recurring schedules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg
from temporalio.client import Client

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from tests.e2e.conftest import Community, make_community, new_request_id, register_member


@pytest.fixture(scope="module")
async def activities(stack: LocalStack) -> AsyncIterator[activities_pb2_grpc.ActivityServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.ports.dispatch}") as channel:
        yield activities_pb2_grpc.ActivityServiceStub(channel)


def at(delta: timedelta) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.now(UTC) + delta)
    return stamp


def proposal(community: Community, **overrides: object) -> act.ProposeActivityRequest:
    fields: dict[str, object] = {
        "request_id": new_request_id(),
        "org_unit_id": community.community_id,
        "title": "端午粽飘香·社区邻里节",
        "kind": act.ACTIVITY_KIND_HOLIDAY,
        "place": "幸福里活动中心",
        "start_time": at(timedelta(days=10)),
        "end_time": at(timedelta(days=10, hours=3)),
        "signup_deadline": at(timedelta(days=8)),
        "capacity": 1,
        "roles": [act.ActivityRole(name="steward", count=1, skills=[reg.SKILL_FIRST_AID])],
    }
    fields.update(overrides)
    return act.ProposeActivityRequest(**fields)  # type: ignore[arg-type]


async def until_state(
    activities: activities_pb2_grpc.ActivityServiceStub, api: Api, activity_id: str, state: int
) -> act.Activity:
    deadline = time.monotonic() + 30
    while True:
        found = (
            await activities.GetActivity(act.GetActivityRequest(activity_id=activity_id), metadata=api.admin)
        ).activity
        if found.state == state:
            return found
        assert time.monotonic() < deadline, f"activity {activity_id} stayed {act.ActivityState.Name(found.state)}"
        await asyncio.sleep(0.2)


async def test_an_approved_activity_is_published_by_its_workflow_and_takes_sign_ups_with_a_waiting_list(
    api: Api, activities: activities_pb2_grpc.ActivityServiceStub
) -> None:
    community = await make_community(api)
    community_staff = api.token(Role.STAFF, scope=community.community_id, subject="staff-community")
    street_staff = api.token(Role.STAFF, scope=community.street_id, subject="staff-street")
    request = proposal(community)
    proposed = (await activities.ProposeActivity(request, metadata=community_staff)).activity
    again = (await activities.ProposeActivity(request, metadata=community_staff)).activity
    assert proposed.state == act.ACTIVITY_STATE_PROPOSED and again.id == proposed.id

    # The community may not approve its own activity; its street (the parent org) does.
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await activities.ReviewActivity(
            act.ReviewActivityRequest(
                request_id=new_request_id(), activity_id=proposed.id, approve=act.ActivityApproval()
            ),
            metadata=community_staff,
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await activities.ReviewActivity(
        act.ReviewActivityRequest(request_id=new_request_id(), activity_id=proposed.id, approve=act.ActivityApproval()),
        metadata=street_staff,
    )
    await until_state(activities, api, proposed.id, act.ACTIVITY_STATE_PUBLISHED)

    first = (
        await activities.SignUp(
            act.SignUpRequest(request_id=new_request_id(), activity_id=proposed.id, resident_ref="hotline-0001"),
            metadata=api.token(Role.SYSTEM, subject="front-end"),
        )
    ).sign_up
    second = (
        await activities.SignUp(
            act.SignUpRequest(request_id=new_request_id(), activity_id=proposed.id, resident_ref="hotline-0002"),
            metadata=community_staff,
        )
    ).sign_up
    assert (first.status, second.status, second.waitlist_position) == (
        act.SIGN_UP_STATUS_CONFIRMED,
        act.SIGN_UP_STATUS_WAITLISTED,
        1,
    )
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await activities.SignUp(
            act.SignUpRequest(request_id=new_request_id(), activity_id=proposed.id, resident_ref="hotline-0002"),
            metadata=community_staff,
        )
    assert error.value.code() == grpc.StatusCode.ALREADY_EXISTS

    # A front end scoped to another community may not sign people up here.
    elsewhere = await make_community(api)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await activities.SignUp(
            act.SignUpRequest(request_id=new_request_id(), activity_id=proposed.id, resident_ref="hotline-0003"),
            metadata=api.token(Role.SYSTEM, scope=elsewhere.community_id, subject="front-end-elsewhere"),
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED

    member = await register_member(api, community.community_id, skills=(reg.SKILL_FIRST_AID,))
    volunteer = (
        await activities.SignUp(
            act.SignUpRequest(
                request_id=new_request_id(), activity_id=proposed.id, member_id=member.id, role="steward"
            ),
            metadata=api.token(Role.MEMBER, scope=community.community_id, subject=member.id),
        )
    ).sign_up
    assert volunteer.status == act.SIGN_UP_STATUS_CONFIRMED

    withdraw = act.CancelSignUpRequest(request_id=new_request_id(), activity_id=proposed.id, sign_up_id=first.id)
    withdrawn = await activities.CancelSignUp(withdraw, metadata=community_staff)
    retried = await activities.CancelSignUp(withdraw, metadata=community_staff)
    assert withdrawn.promoted.id == retried.promoted.id == second.id
    assert withdrawn.promoted.status == act.SIGN_UP_STATUS_CONFIRMED

    # Check-in opens an hour before the start, not ten days before.
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await activities.CheckIn(
            act.CheckInRequest(request_id=new_request_id(), activity_id=proposed.id, sign_up_id=second.id),
            metadata=community_staff,
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    # Nor can anyone check out who has not checked in.
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await activities.CheckOut(
            act.CheckOutRequest(request_id=new_request_id(), activity_id=proposed.id, sign_up_id=second.id),
            metadata=community_staff,
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "sign_up_id" in (error.value.details() or "")

    cancelled = (
        await activities.CancelActivity(
            act.CancelActivityRequest(request_id=new_request_id(), activity_id=proposed.id, reason="暴雨预警"),
            metadata=community_staff,
        )
    ).activity
    assert cancelled.state == act.ACTIVITY_STATE_CANCELLED
    deadline = time.monotonic() + 30
    while True:
        history = await activities.GetActivityHistory(
            act.GetActivityHistoryRequest(activity_id=proposed.id), metadata=api.admin
        )
        notices = [e for e in history.events if e.notice_kind == act.ACTIVITY_NOTICE_KIND_CANCELLED]
        if notices:
            break
        assert time.monotonic() < deadline, "nobody was told of the cancellation"
        await asyncio.sleep(0.2)
    assert set(notices[0].recipients) == {"resident:hotline-0002", f"member:{member.id}"}
    stats = await activities.GetActivityStats(
        act.GetActivityStatsRequest(
            org_unit_id=community.street_id, start_time=at(-timedelta(hours=1)), end_time=at(timedelta(hours=1))
        ),
        metadata=api.admin,
    )
    assert (stats.proposed, stats.cancelled) == (1, 1)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"title": ""}, "title", grpc.StatusCode.INVALID_ARGUMENT),
        ({"kind": 0}, "kind", grpc.StatusCode.INVALID_ARGUMENT),
        ({"start_time": at(-timedelta(days=1))}, "start_time", grpc.StatusCode.INVALID_ARGUMENT),
        ({"end_time": at(timedelta(days=9))}, "end_time", grpc.StatusCode.INVALID_ARGUMENT),
        ({"signup_deadline": at(timedelta(days=11))}, "signup_deadline", grpc.StatusCode.INVALID_ARGUMENT),
        ({"capacity": 0}, "capacity", grpc.StatusCode.INVALID_ARGUMENT),
        ({"roles": [act.ActivityRole(name="steward", count=0)]}, "roles[0].count", grpc.StatusCode.INVALID_ARGUMENT),
        ({"org_unit_id": "999999999"}, "org_unit_id", grpc.StatusCode.NOT_FOUND),
    ],
)
async def test_a_bad_proposal_is_refused_naming_the_field(
    api: Api,
    activities: activities_pb2_grpc.ActivityServiceStub,
    overrides: dict[str, object],
    field: str,
    code: grpc.StatusCode,
) -> None:
    community = await make_community(api)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await activities.ProposeActivity(proposal(community, **overrides), metadata=api.admin)
    assert error.value.code() == code
    assert (error.value.details() or "").startswith(f"{field}: ")


async def test_a_recurring_activity_is_a_schedule_that_can_be_paused(
    api: Api, activities: activities_pb2_grpc.ActivityServiceStub, stack: LocalStack
) -> None:
    community = await make_community(api)
    template = proposal(community, kind=act.ACTIVITY_KIND_SMALL, title="小型邻里活动", capacity=30)
    request = act.CreateRecurringActivityRequest(
        request_id=new_request_id(),
        recurring_activity=act.RecurringActivity(template=template, every_days=3, lead_hours=48, duration_minutes=90),
    )
    created = (await activities.CreateRecurringActivity(request, metadata=api.admin)).recurring_activity
    assert (await activities.CreateRecurringActivity(request, metadata=api.admin)).recurring_activity.id == created.id
    got = await activities.GetRecurringActivity(
        act.GetRecurringActivityRequest(recurring_activity_id=created.id), metadata=api.admin
    )
    assert got.recurring_activity.template.title == "小型邻里活动"
    assert got.next_run_times and got.next_run_times[0].seconds - int(time.time()) <= 3 * 86400 + 60

    paused = await activities.SetRecurringActivityPaused(
        act.SetRecurringActivityPausedRequest(
            request_id=new_request_id(), recurring_activity_id=created.id, paused=True
        ),
        metadata=api.admin,
    )
    assert paused.recurring_activity.paused
    client = await Client.connect(stack.temporal_address)
    described = await client.get_schedule_handle(created.schedule_id).describe()
    assert described.schedule.state.paused

    # A run proposes an activity from the template (triggered now rather than waiting three days).
    await client.get_schedule_handle(created.schedule_id).trigger()
    deadline = time.monotonic() + 30
    while (await client.get_schedule_handle(created.schedule_id).describe()).info.num_actions < 1:
        assert time.monotonic() < deadline, "the schedule never ran"
        await asyncio.sleep(0.2)
    run = (await client.get_schedule_handle(created.schedule_id).describe()).info.recent_actions[-1]
    result = await client.get_workflow_handle(run.action.workflow_id, run_id=run.action.first_execution_run_id).result()
    proposed = (await activities.GetActivity(act.GetActivityRequest(activity_id=result), metadata=api.admin)).activity
    assert (proposed.title, proposed.recurring_activity_id, proposed.state) == (
        "小型邻里活动",
        created.id,
        act.ACTIVITY_STATE_PROPOSED,
    )
    await client.get_schedule_handle(created.schedule_id).delete()


async def test_a_recurring_activity_needs_exactly_one_rhythm(
    api: Api, activities: activities_pb2_grpc.ActivityServiceStub
) -> None:
    community = await make_community(api)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await activities.CreateRecurringActivity(
            act.CreateRecurringActivityRequest(
                request_id=new_request_id(),
                recurring_activity=act.RecurringActivity(
                    template=proposal(community), every_days=3, day_of_month=1, lead_hours=48, duration_minutes=90
                ),
            ),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.value.details() or "").startswith("recurring_activity.every_days: ")


async def test_a_member_may_ask_for_a_daily_digest_of_their_own_notices_only(
    api: Api, stack: LocalStack, activities: activities_pb2_grpc.ActivityServiceStub
) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)

    def preference(recipient: str, daily_digest: bool = True) -> act.SetNoticePreferenceRequest:
        return act.SetNoticePreferenceRequest(
            request_id=new_request_id(), recipient=recipient, daily_digest=daily_digest
        )

    answer = await activities.SetNoticePreference(preference(f"member:{member.id}"), metadata=as_member)
    assert (answer.recipient, answer.daily_digest) == (f"member:{member.id}", True)
    # Asking for a digest makes sure the daily digest's schedule exists.
    temporal = await Client.connect(stack.temporal_address or "")
    described = await temporal.get_schedule_handle("activity-notice-digest").describe()
    assert described.schedule.spec.time_zone_name == "Asia/Shanghai"

    front_end = api.token(Role.SYSTEM, subject="community-app")
    assert (await activities.SetNoticePreference(preference("resident:app-77", False), metadata=front_end)).recipient
    for request, caller, code, says in (
        (preference(f"member:{int(member.id) + 1}"), as_member, grpc.StatusCode.PERMISSION_DENIED, "recipient"),
        (preference(f"org:{community.community_id}"), api.token(Role.STAFF), grpc.StatusCode.PERMISSION_DENIED, "role"),
        (preference("phone:13800000000"), api.admin, grpc.StatusCode.INVALID_ARGUMENT, "recipient"),
        (preference("member:abc"), api.admin, grpc.StatusCode.INVALID_ARGUMENT, "recipient"),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await activities.SetNoticePreference(request, metadata=caller)
        assert error.value.code() == code and says in (error.value.details() or "")
