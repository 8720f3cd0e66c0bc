"""A notice given up on, over dispatch's real gRPC API: the worker's give-up step records the recipients it
missed as failed with the reason, the organising org's undelivered notice names them in the activity's history,
and the metrics count the give-up apart from the gateway's refusals. (The six hours of retries before it are
run on the time-skipping server in tests/integration/test_activity_workflow.py.)"""

from __future__ import annotations

import urllib.request

import grpc
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from temporalio.testing import ActivityEnvironment

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from services.runtime.clients import service_channel
from tests.e2e.conftest import make_community, new_request_id
from tests.e2e.test_activity_api import proposal
from workflows.activity_notice_steps import ActivityNoticeSteps
from workflows.activity_steps import GiveUp, NoticeRef


async def test_a_notice_given_up_on_is_recorded_failed_and_the_org_told_in_the_history(
    api: Api, stack: LocalStack
) -> None:
    community = await make_community(api)
    address = f"127.0.0.1:{stack.ports.dispatch}"
    async with grpc.aio.insecure_channel(address) as plain, service_channel(address, api.auth_secret, "worker") as ch:
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
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{stack.ports.dispatch_metrics}/metrics", timeout=5).read()
    assert (
        'linli_activity_notice_deliveries_total{notice_kind="approval_reminder",outcome="given_up"}' in metrics.decode()
    )
