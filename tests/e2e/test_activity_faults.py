"""Faults: dispatch killed between committing a proposal and telling its workflow (the workflow still starts);
the worker killed while a notice waits for a gateway that is down (the next worker sends it, once)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from temporalio.api.enums.v1 import EventType, PendingActivityState
from temporalio.client import Client
from temporalio.service import RPCError

from devstack.client import Api
from devstack.stack import LocalStack
from services.dispatch.__main__ import MIGRATIONS
from services.dispatch.activities.contract import workflow_id
from tests.e2e.helpers.community import make_community
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import from_now
from tests.helpers.databases import create_database, drop_database, migrate_with_ids_from
from tests.helpers.notice_gateway import NoticeGateway


@pytest.fixture
async def separate_dispatch_database(postgres_server: str) -> AsyncIterator[str]:
    """A dispatch schema of its own, its activity ids far above the main stack's (both share one Temporal)."""
    url = await create_database(postgres_server)
    await migrate_with_ids_from(url, "dispatch", MIGRATIONS, "activities", random.randint(10**9, 10**12))
    try:
        yield url
    finally:
        await drop_database(postgres_server, url)


async def test_a_proposal_committed_before_dispatch_died_still_starts_its_workflow(
    api: Api, stack: LocalStack, separate_dispatch_database: str, refused_address: str
) -> None:
    community = await make_community(api)
    overrides = {
        "DATABASE_URL": separate_dispatch_database,
        "LINLI_TASK_QUEUE": "activity-outbox-test",  # no worker polls it: the test reads the workflow's history
    }
    doomed = stack.start_process("dispatch", "dispatch-doomed", TEMPORAL_ADDRESS=refused_address, **overrides)
    port = doomed.ports["grpc"]
    try:
        async with stack.channel(port) as channel:
            proposed = await activities_pb2_grpc.ActivityServiceStub(channel).ProposeActivity(
                act.ProposeActivityRequest(
                    request_id=new_request_id(),
                    org_unit_id=community.community_id,
                    title="三会一课",
                    kind=act.ACTIVITY_KIND_PARTY_LESSON,
                    place="党群服务中心",
                    start_time=from_now(timedelta(days=3)),
                    end_time=from_now(timedelta(days=3, hours=1)),
                    signup_deadline=from_now(timedelta(days=2)),
                    capacity=40,
                ),
                metadata=api.admin,
            )
        conn = await asyncpg.connect(separate_dispatch_database)
        try:
            pending = "select count(*) from dispatch.activity_events where kind = 'transition' and delivered_at is null"
            assert await conn.fetchval(pending) == 1  # committed; Temporal has not heard of it
            doomed.kill()  # dies between its commit and telling the workflow

            stack.start_process(
                "dispatch", "dispatch-revived", TEMPORAL_ADDRESS=stack.temporal_address or "", **overrides
            )
            deadline = time.monotonic() + 20
            while await conn.fetchval(pending):
                assert time.monotonic() < deadline, "the proposal never reached its workflow"
                await asyncio.sleep(0.2)
        finally:
            await conn.close()
        client = await Client.connect(stack.temporal_address or "")
        handle = client.get_workflow_handle(workflow_id(proposed.activity.id))
        signals = [
            json.loads(e.workflow_execution_signaled_event_attributes.input.payloads[0].data)
            async for e in handle.fetch_history_events()
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        ]
        assert signals == [{"version": 1, "state": "proposed"}]
        await handle.terminate("test over")
    finally:
        for name in ("dispatch-doomed", "dispatch-revived"):
            if name in stack.processes:
                stack.processes.pop(name).stop()


async def test_a_notice_pending_when_the_worker_is_killed_is_sent_once_by_the_next_worker(
    api: Api, stack: LocalStack, separate_dispatch_database: str
) -> None:
    community = await make_community(api)
    gateway = NoticeGateway()  # down: every attempt to send fails and is retried
    queue = "activity-notices-test"
    dispatch = stack.start_process(
        "dispatch", "dispatch-notices", DATABASE_URL=separate_dispatch_database, LINLI_TASK_QUEUE=queue
    )
    port = dispatch.ports["grpc"]
    worker_env = {
        "LINLI_TASK_QUEUE": queue,
        "LINLI_DISPATCH_ADDRESS": f"127.0.0.1:{port}",
        "LINLI_NOTIFY_WEBHOOK_URL": gateway.url,
    }
    stack.start_process("worker", "worker-notices", **worker_env)
    client = await Client.connect(stack.temporal_address or "")
    handle = None
    try:
        async with stack.channel(port) as channel:
            activities = activities_pb2_grpc.ActivityServiceStub(channel)
            proposed = await activities.ProposeActivity(
                act.ProposeActivityRequest(
                    request_id=new_request_id(),
                    org_unit_id=community.community_id,
                    title="端午粽飘香",
                    kind=act.ACTIVITY_KIND_HOLIDAY,
                    place="幸福里活动中心",
                    start_time=from_now(timedelta(days=3)),
                    end_time=from_now(timedelta(days=3, hours=3)),
                    signup_deadline=from_now(timedelta(days=2)),
                    capacity=300,
                ),
                metadata=api.admin,
            )
            activity_id = proposed.activity.id
            handle = client.get_workflow_handle(workflow_id(activity_id))
            await activities.ReviewActivity(
                act.ReviewActivityRequest(
                    request_id=new_request_id(), activity_id=activity_id, approve=act.ActivityApproval()
                ),
                metadata=api.admin,
            )

            async def published_notice() -> act.ActivityEvent | None:
                history = await activities.GetActivityHistory(
                    act.GetActivityHistoryRequest(activity_id=activity_id), metadata=api.admin
                )
                found = [e for e in history.events if e.notice_kind == act.ACTIVITY_NOTICE_KIND_PUBLISHED]
                return found[0] if found else None

            deadline = time.monotonic() + 30
            while (notice := await published_notice()) is None:
                assert time.monotonic() < deadline, "the activity was never published"
                await asyncio.sleep(0.2)
            assert not notice.HasField("sent_time")  # recorded; the gateway is down

            async def waiting_to_retry() -> bool:
                pending = (await handle.describe()).raw_description.pending_activities
                return any(
                    p.activity_type.name == "send_activity_notice"
                    and p.attempt >= 2
                    and p.state == PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED
                    for p in pending
                )

            deadline = time.monotonic() + 30
            while not await waiting_to_retry():
                assert time.monotonic() < deadline, "the notice was never retried"
                await asyncio.sleep(0.1)
            stack.processes.pop("worker-notices").kill()  # SIGKILL, with the notice waiting for its next attempt
            stack.start_process("worker", "worker-notices-2", **worker_env)
            gateway.up()
            # The next attempt, on the new worker, comes within the back-off (or the heartbeat time-out, should the
            # kill have caught an attempt under way).
            deadline = time.monotonic() + 90
            while not (notice := await published_notice()).HasField("sent_time"):  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the notice was never sent"
                await asyncio.sleep(0.5)
        assert (notice.delivered, notice.failed) == (1, 0)
        [(body, key)] = gateway.received  # once
        assert body["recipient"] == f"org:{community.community_id}" and body["purpose"] == "activity_published"
        assert key.startswith(f"activity-{activity_id}/notice-{notice.sequence}/")
    finally:
        if handle is not None:
            with contextlib.suppress(RPCError):
                await handle.terminate("test over")
        for name in ("worker-notices", "worker-notices-2", "dispatch-notices"):
            if name in stack.processes:
                stack.processes.pop(name).stop()
        gateway.down()
