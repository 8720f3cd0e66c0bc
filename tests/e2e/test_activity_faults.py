"""Faults: dispatch killed between committing a proposal and telling its workflow; the workflow still starts."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from devstack.client import Api
from devstack.processes import free_port
from devstack.stack import LocalStack
from services.dispatch.__main__ import MIGRATIONS
from services.runtime.db import create_pool, migrate
from tests.conftest import create_database, drop_database
from tests.e2e.conftest import make_community, new_request_id
from workflows.holiday_activity import workflow_id


@pytest.fixture
async def separate_dispatch_database(postgres_server: str) -> AsyncIterator[str]:
    """A dispatch schema of its own, its activity ids far above the main stack's (both share one Temporal)."""
    url = await create_database(postgres_server)
    async with create_pool(url, "dispatch", 2) as pool:
        await migrate(pool, "dispatch", MIGRATIONS)
        await pool.execute(
            "select setval(pg_get_serial_sequence('dispatch.activities', 'id'), $1)", random.randint(10**9, 10**12)
        )
    try:
        yield url
    finally:
        await drop_database(postgres_server, url)


def stamp(delta: timedelta) -> Timestamp:
    result = Timestamp()
    result.FromDatetime(datetime.now(UTC) + delta)
    return result


async def test_a_proposal_committed_before_dispatch_died_still_starts_its_workflow(
    api: Api, stack: LocalStack, separate_dispatch_database: str
) -> None:
    community = await make_community(api)
    port = free_port()
    overrides = {
        "DATABASE_URL": separate_dispatch_database,
        "LINLI_GRPC_PORT": str(port),
        "LINLI_METRICS_PORT": str(free_port()),
        "LINLI_TASK_QUEUE": "activity-outbox-test",  # no worker polls it: the test reads the workflow's history
    }
    doomed = stack.start_process(
        "dispatch", "dispatch-doomed", TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}", **overrides
    )
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            proposed = await activities_pb2_grpc.ActivityServiceStub(channel).ProposeActivity(
                act.ProposeActivityRequest(
                    request_id=new_request_id(),
                    org_unit_id=community.community_id,
                    title="三会一课",
                    kind=act.ACTIVITY_KIND_PARTY_LESSON,
                    place="党群服务中心",
                    start_time=stamp(timedelta(days=3)),
                    end_time=stamp(timedelta(days=3, hours=1)),
                    signup_deadline=stamp(timedelta(days=2)),
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
