"""Faults: the worker killed mid-workflow, the wishes service killed between its commit and telling the
workflow, and a service stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest
from linli.wishes.v1 import wishes_pb2 as wish
from linli.wishes.v1 import wishes_pb2_grpc
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.db import create_pool, migrate
from services.wishes.__main__ import MIGRATIONS
from services.wishes.contract import workflow_id
from tests.conftest import create_database, drop_database
from tests.e2e.conftest import make_community, new_request_id, register_member
from tests.e2e.test_wish_slice import in_days, submit, workflow_state


async def events_of(api: Api, wish_id: str) -> list[wish.WishEvent]:
    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=wish_id), metadata=api.admin)
    return list(history.events)


async def test_a_workflow_goes_on_after_its_worker_is_killed(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    await register_member(api, community.community_id)
    submitted = await submit(api, community)
    assert await workflow_state(stack, submitted.id, 1) == "submitted"

    stack.processes["worker"].kill()  # SIGKILL: no chance to finish anything
    await api.wishes.ReviewWish(
        wish.ReviewWishRequest(
            request_id=new_request_id(),
            wish_id=submitted.id,
            approve=wish.Approval(
                category=wish.WISH_CATEGORY_CONVENIENCE, service_standard="上门", deadline=in_days(7)
            ),
        ),
        metadata=api.admin,
    )
    await api.wishes.PublishWish(
        wish.PublishWishRequest(request_id=new_request_id(), wish_id=submitted.id), metadata=api.admin
    )
    await asyncio.sleep(3)  # past the 2 s claim limit, with no worker to act on it
    assert not [
        e
        for e in await events_of(api, submitted.id)
        if e.kind != wish.WISH_EVENT_KIND_TRANSITION and e.state == wish.WISH_STATE_PUBLISHED
    ]

    stack.start_process("worker")
    assert await workflow_state(stack, submitted.id, 3) == "published"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        followed_up = {e.kind for e in await events_of(api, submitted.id) if e.state == wish.WISH_STATE_PUBLISHED}
        if wish.WISH_EVENT_KIND_ESCALATION in followed_up:
            break
        await asyncio.sleep(0.3)
    assert {wish.WISH_EVENT_KIND_REMINDER, wish.WISH_EVENT_KIND_ESCALATION} <= followed_up


@pytest.fixture
async def separate_wishes_database(postgres_server: str) -> AsyncIterator[str]:
    """A wishes schema of its own, its ids far above the main stack's (both share one Temporal namespace)."""
    url = await create_database(postgres_server)
    async with create_pool(url, "wishes", 2) as pool:
        await migrate(pool, "wishes", MIGRATIONS)
        await pool.execute("select setval(pg_get_serial_sequence('wishes.wishes', 'id'), 10000000)")
    try:
        yield url
    finally:
        await drop_database(postgres_server, url)


async def test_a_transition_committed_before_the_service_died_still_reaches_its_workflow(
    api: Api, stack: LocalStack, separate_wishes_database: str, refused_address: str
) -> None:
    community = await make_community(api)
    overrides = {
        "DATABASE_URL": separate_wishes_database,
        "LINLI_TASK_QUEUE": "outbox-test",  # no worker polls it: the test reads the workflow's history instead
    }
    doomed = stack.start_process("wishes", "wishes-doomed", TEMPORAL_ADDRESS=refused_address, **overrides)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{doomed.ports['grpc']}") as channel:
            response = await wishes_pb2_grpc.WishServiceStub(channel).SubmitWish(
                wish.SubmitWishRequest(
                    request_id=new_request_id(),
                    community_id=community.community_id,
                    text="我希望就近打工",
                    source=wish.WISH_SOURCE_HOTLINE,
                    resident_name="钱七",
                ),
                metadata=api.admin,
            )
        conn = await asyncpg.connect(separate_wishes_database)
        try:
            pending = await conn.fetchval("select count(*) from wishes.wish_events where delivered_at is null")
            assert pending == 1  # committed, and Temporal has not heard of it
            doomed.kill()  # dies between its commit and telling the workflow

            stack.start_process("wishes", "wishes-revived", TEMPORAL_ADDRESS=stack.temporal_address, **overrides)
            deadline = time.monotonic() + 20
            while await conn.fetchval("select count(*) from wishes.wish_events where delivered_at is null"):
                assert time.monotonic() < deadline, "the transition was never delivered"
                await asyncio.sleep(0.2)
        finally:
            await conn.close()
        client = await Client.connect(stack.temporal_address)
        handle = client.get_workflow_handle(workflow_id(response.wish.id))
        signals = [
            json.loads(e.workflow_execution_signaled_event_attributes.input.payloads[0].data)
            async for e in handle.fetch_history_events()
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        ]
        assert signals == [
            {"version": 1, "state": "submitted", "claimant_member_id": "", "category": "", "deadline": 0.0}
        ]
        await handle.terminate("test over")
    finally:
        for name in ("wishes-doomed", "wishes-revived"):
            if name in stack.processes:
                stack.processes.pop(name).stop()


async def test_sigterm_drains_and_exits_cleanly(api: Api, stack: LocalStack) -> None:
    extra = stack.start_process("registry", "registry-extra")
    try:
        extra.process.send_signal(signal.SIGTERM)
        assert extra.process.wait(15) == 0
        log = [json.loads(line)["msg"] for line in extra.log_tail(20_000).splitlines() if line.startswith("{")]
        assert log[-2:] == ["draining", "stopped"]
    finally:
        stack.processes.pop("registry-extra").stop()
