"""Wish faults: the worker killed with SIGKILL mid-lifecycle, the wishes service killed between its commit and telling
the workflow, Postgres restarted while claims run, one SubmitWish retried ten times across the restart. After each,
every wish is in a correct state, every committed transition reached its workflow, and the wishes that went in are
the wishes that came out."""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import asyncpg
import grpc
import pytest
from linli.wishes.v1 import wishes_pb2 as wish
from linli.wishes.v1 import wishes_pb2_grpc
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.service import RPCError

from devstack.client import Api
from devstack.postgres import EmbeddedPostgres
from devstack.stack import LocalStack
from services.wishes.__main__ import MIGRATIONS
from services.wishes.contract import workflow_id
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import in_days
from tests.e2e.helpers.wishes import claimed, fulfil, get, services_of, submit, workflow_ended, workflow_state
from tests.helpers.databases import create_database, drop_database, migrate_with_ids_from

T = TypeVar("T")
UNAVAILABLE_SEEN = [0]


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


async def test_wishes_close_and_record_their_service_once_though_the_worker_is_killed(
    api: Api, stack: LocalStack
) -> None:
    community = await make_community(api)
    members = [await register_member(api, community.community_id, name=f"党员{i}") for i in range(4)]
    wishes = [await claimed(api, community, m, category=wish.WISH_CATEGORY_ENVIRONMENT) for m in members]

    stack.processes["worker"].kill()  # SIGKILL mid-lifecycle: timers and activities in flight are abandoned
    try:
        for w, m in zip(wishes, members, strict=True):
            await fulfil(api, w.id, m, hours=1.5)
        await asyncio.sleep(3)  # past the 2 s confirm limit of environment wishes, with no worker to act
        assert {(await get(api, w.id)).state for w in wishes} == {wish.WISH_STATE_FULFILLED}
    finally:
        stack.start_process("worker")

    assert [await workflow_ended(stack, w.id) for w in wishes] == ["closed"] * len(wishes)  # wishes in == out
    for w, m in zip(wishes, members, strict=True):
        closed = await get(api, w.id)
        assert closed.state == wish.WISH_STATE_CLOSED and closed.claimant_member_id == m.id
        assert (await services_of(api, m.id)).count == 1  # recorded exactly once


@pytest.fixture
async def separate_wishes_database(postgres_server: str) -> AsyncIterator[str]:
    """A wishes schema of its own, its ids far above the main stack's (both share one Temporal namespace)."""
    url = await create_database(postgres_server)
    await migrate_with_ids_from(url, "wishes", MIGRATIONS, "wishes", 10000000)
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
        async with stack.channel(doomed.ports["grpc"]) as channel:
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


async def _until_answered(call: Callable[[], Awaitable[T]], timeout: float = 90) -> T | grpc.StatusCode:
    """Retries a call (with its same request id) while the service says it is unavailable, as a client would."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return await call()
        except grpc.aio.AioRpcError as exc:
            if exc.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return exc.code()
            UNAVAILABLE_SEEN[0] += 1
            assert time.monotonic() < deadline, "the service never came back"
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)


@pytest.fixture
async def own_postgres(tmp_path: Path) -> AsyncIterator[EmbeddedPostgres]:
    """A Postgres of this test's own: it is restarted mid-test, which the session's shared one must never be."""
    server = EmbeddedPostgres(tmp_path / "postgres", secrets.token_urlsafe(24), durable=True)
    server.start()
    server.create_database("linli")
    try:
        # Its wish ids far above every other test's: all share one Temporal namespace and workflow ids wish-<id>.
        await migrate_with_ids_from(server.url("linli"), "wishes", MIGRATIONS, "wishes", 20000000)
        yield server
    finally:
        server.remove()


async def test_claims_and_retried_submissions_survive_a_postgres_restart(
    api: Api, stack: LocalStack, own_postgres: EmbeddedPostgres
) -> None:
    task_queue = "wish-postgres-restart"  # no worker polls it: the test reads what reached each workflow
    wishes = stack.start_process(
        "wishes",
        "wishes-own-postgres",
        DATABASE_URL=own_postgres.url("linli"),
        LINLI_TASK_QUEUE=task_queue,
        LINLI_WISH_MAX_OPEN_CLAIMS="100",
        LINLI_OUTBOX_POLL="200ms",
    )
    temporal = await Client.connect(stack.temporal_address)
    wish_ids: list[str] = []
    try:
        async with stack.channel(wishes.ports["grpc"]) as channel:
            wishes = wishes_pb2_grpc.WishServiceStub(channel)
            community = await make_community(api)
            members = [await register_member(api, community.community_id, name=f"成员{i}") for i in range(10)]
            for _ in range(30):
                submitted = await wishes.SubmitWish(
                    wish.SubmitWishRequest(
                        request_id=new_request_id(),
                        community_id=community.community_id,
                        text="帮忙修理楼道灯",
                        source=wish.WISH_SOURCE_WISH_BOX,
                        resident_name="孙八",
                    ),
                    metadata=api.admin,
                )
                wish_id = submitted.wish.id
                wish_ids.append(wish_id)
                await wishes.ReviewWish(
                    wish.ReviewWishRequest(
                        request_id=new_request_id(),
                        wish_id=wish_id,
                        approve=wish.Approval(
                            category=wish.WISH_CATEGORY_CONVENIENCE, service_standard="修好", deadline=in_days(7)
                        ),
                    ),
                    metadata=api.admin,
                )
                await wishes.PublishWish(
                    wish.PublishWishRequest(request_id=new_request_id(), wish_id=wish_id), metadata=api.admin
                )

            # Five members race for each wish, in waves, while Postgres goes down and comes back.
            attempts = [(w, m.id, new_request_id()) for w in wish_ids for m in members[:5]]
            shuffled = sorted(attempts, key=lambda a: hash(a[2]))

            async def claim(wish_id: str, member_id: str, request_id: str) -> tuple[str, str, object]:
                request = wish.ClaimWishRequest(request_id=request_id, wish_id=wish_id, member_id=member_id)
                result = await _until_answered(lambda: wishes.ClaimWish(request, metadata=api.admin, timeout=10))
                return wish_id, member_id, result

            retried_submit = wish.SubmitWishRequest(
                request_id=new_request_id(),
                community_id=community.community_id,
                text="想找人陪老人聊天",
                source=wish.WISH_SOURCE_HOTLINE,
                resident_name="周九",
            )

            async def submit_again() -> wish.Wish:
                response = await _until_answered(lambda: wishes.SubmitWish(retried_submit, metadata=api.admin))
                assert isinstance(response, wish.SubmitWishResponse), response
                return response.wish

            async def come_back() -> None:
                await asyncio.sleep(1)  # claims meet a database that is down
                own_postgres.start()  # in this thread: forking from a helper thread of a gRPC process is not safe

            waves = [shuffled[i : i + 50] for i in range(0, len(shuffled), 50)]
            outcomes = list(await asyncio.gather(*(claim(*a) for a in waves[0])))
            first = await submit_again()
            own_postgres.stop("immediate")  # as if it crashed, with the next wave of claims about to start
            during = await asyncio.gather(
                *(claim(*a) for a in waves[1]), *(submit_again() for _ in range(4)), come_back()
            )
            outcomes += during[: len(waves[1])]
            for wave in waves[2:]:
                outcomes += await asyncio.gather(*(claim(*a) for a in wave))
            retried = [first, *during[len(waves[1]) : -1], *[await submit_again() for _ in range(5)]]
            assert UNAVAILABLE_SEEN[0] > 0, "no call met the database down: the restart did not overlap the claims"

            # The same SubmitWish, retried ten times across the restart: one wish.
            assert len({w.id for w in retried}) == 1
            wish_ids.append(retried[0].id)

            wins = [(w, m) for w, m, result in outcomes if isinstance(result, wish.ClaimWishResponse)]
            refusals = Counter(result for _, _, result in outcomes if not isinstance(result, wish.ClaimWishResponse))
            assert set(refusals) <= {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED}, refusals
            assert sorted(w for w, _ in wins) == sorted(wish_ids[:-1])  # exactly one winner for every wish
            for wish_id, member_id in wins:
                stored = (await wishes.GetWish(wish.GetWishRequest(wish_id=wish_id), metadata=api.admin)).wish
                assert (stored.state, stored.claimant_member_id, stored.version) == (
                    wish.WISH_STATE_CLAIMED,
                    member_id,
                    4,
                )

        # Wishes in == wishes out, and every committed transition reached its workflow.
        conn = await asyncpg.connect(own_postgres.url("linli"))
        try:
            assert await conn.fetchval("select count(*) from wishes.wishes") == len(wish_ids)
            deadline = time.monotonic() + 60
            while await conn.fetchval("select count(*) from wishes.wish_events where delivered_at is null"):
                assert time.monotonic() < deadline, "committed transitions were never delivered"
                await asyncio.sleep(0.3)
            claims = await conn.fetchval(
                "select count(*) from wishes.wish_events where kind = 'transition' and state = 'claimed'"
            )
            assert claims == len(wish_ids) - 1
        finally:
            await conn.close()
        for wish_id in itertools.islice(wish_ids, 5):
            history = temporal.get_workflow_handle(workflow_id(wish_id)).fetch_history_events()
            signalled = [e async for e in history if e.workflow_execution_signaled_event_attributes.signal_name]
            assert len(signalled) >= 4  # submitted, approved, published, claimed (at least once each)
    finally:
        stack.processes.pop("wishes-own-postgres").stop()
        for wish_id in wish_ids:
            try:
                await temporal.get_workflow_handle(workflow_id(wish_id)).terminate("test over")
            except RPCError:
                pass
