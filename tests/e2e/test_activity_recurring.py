"""Recurring activities (“a small activity every three days”) over gRPC: a Temporal Schedule that proposes each
run from its template and can be paused, with exactly one rhythm."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from temporalio.client import Client

from devstack.client import Api
from devstack.stack import LocalStack
from tests.e2e.helpers.activities import proposal
from tests.e2e.helpers.community import make_community
from tests.e2e.helpers.ids import new_request_id


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
