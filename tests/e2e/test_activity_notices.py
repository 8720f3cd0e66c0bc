"""Activity notices over dispatch's real gRPC API: a member may ask for a daily digest of their own notices only; and
a notice given up on, where the worker's give-up step records the recipients it missed as failed with the reason,
the organising org's undelivered notice names them in the activity's history, and the metrics count the give-up
apart from the gateway's refusals. (The six hours of retries before it are run on the time-skipping server in
tests/integration/test_activity_notice_delivery.py.)"""

from __future__ import annotations

import grpc
import pytest
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from services.runtime.clients import service_channel
from services.runtime.config import load_settings
from tests.e2e.helpers.activities import proposal
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.helpers.scrape import sample_value, scrape
from workflows.activity_notice_steps import ActivityNoticeSteps
from workflows.activity_steps import GiveUp, NoticeRef


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


async def test_a_notice_given_up_on_is_recorded_failed_and_the_org_told_in_the_history(
    api: Api, stack: LocalStack
) -> None:
    community = await make_community(api)
    address = f"127.0.0.1:{stack.ports.dispatch}"
    tls = load_settings("worker", stack.env("worker")).tls
    async with (
        stack.channel(stack.ports.dispatch) as plain,
        service_channel(address, stack.secrets.signing_key("worker"), "worker", tls=tls) as ch,
    ):
        activities = activities_pb2_grpc.ActivityServiceStub(plain)
        proposed = await activities.ProposeActivity(proposal(community), metadata=api.admin)
        activity_id = proposed.activity.id
        # A notice recorded by hand: no workflow sends it, as if every attempt had failed.
        recorded = await activities.NotifyParticipants(
            act.NotifyParticipantsRequest(
                request_id=new_request_id(),
                activity_id=activity_id,
                kind=act.ACTIVITY_NOTICE_KIND_APPROVAL_REMINDER,
                note="not approved after 1d",
                include_signed_up=False,
                recipients=["org:1", "member:77"],
            ),
            metadata=api.token(Role.SERVICE),
        )
        sequence = recorded.notice.sequence
        steps = ActivityNoticeSteps(activities_pb2_grpc.ActivityServiceStub(ch), ())
        give_up = GiveUp(activity_id, sequence, "not delivered after 6h of retries: gateway failed: HTTP 503", "org:9")
        told = await ActivityEnvironment().run(steps.give_up_notice, give_up)
        # A retry (the worker died before the workflow heard) records nothing twice and returns the same notice.
        assert await ActivityEnvironment().run(steps.give_up_notice, give_up) == told
        assert told != NoticeRef(activity_id, 0)

        history = await activities.GetActivityHistory(
            act.GetActivityHistoryRequest(activity_id=activity_id), metadata=api.admin
        )
    by_sequence = {e.sequence: e for e in history.events}
    reminder, undelivered = by_sequence[sequence], by_sequence[told.sequence]
    assert reminder.HasField("sent_time") and (reminder.delivered, reminder.failed) == (0, 2)
    assert undelivered.notice_kind == act.ACTIVITY_NOTICE_KIND_UNDELIVERED
    assert list(undelivered.recipients) == ["org:9"] and not undelivered.HasField("sent_time")
    assert undelivered.note == (
        f"2 of 2 recipient(s) of notice {sequence} (approval_reminder) could not be reached "
        "(not delivered after 6h of retries: gateway failed: HTTP 503): org:1, member:77"
    )
    metrics = scrape(stack.ports.dispatch_metrics)
    given_up = {"notice_kind": "approval_reminder", "outcome": "given_up"}
    assert sample_value(metrics, "linli_activity_notice_deliveries_total", **given_up) >= 2
