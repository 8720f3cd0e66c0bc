"""An activity over gRPC on the whole platform, up to its start: proposed, approved by the parent org, published by
its workflow, sign-ups with a waiting list, cancelled with everyone told; and a bad proposal named by field."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import grpc
import pytest
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.activities import proposal, until_state
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import from_now


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
            org_unit_id=community.street_id,
            start_time=from_now(-timedelta(hours=1)),
            end_time=from_now(timedelta(hours=1)),
        ),
        metadata=api.admin,
    )
    assert (stats.proposed, stats.cancelled) == (1, 1)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"title": ""}, "title", grpc.StatusCode.INVALID_ARGUMENT),
        ({"kind": 0}, "kind", grpc.StatusCode.INVALID_ARGUMENT),
        ({"start_time": from_now(-timedelta(days=1))}, "start_time", grpc.StatusCode.INVALID_ARGUMENT),
        ({"end_time": from_now(timedelta(days=9))}, "end_time", grpc.StatusCode.INVALID_ARGUMENT),
        ({"signup_deadline": from_now(timedelta(days=11))}, "signup_deadline", grpc.StatusCode.INVALID_ARGUMENT),
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
