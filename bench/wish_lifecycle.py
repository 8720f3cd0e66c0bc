"""Lifecycle throughput: N wishes (1,000) from submission to close-out on the local Temporal dev server;
wishes/s, and the ratio to a bare Temporal workflow receiving the same signals and making the same activity
calls, on the same Temporal server in the same run.

    ./linli bench wish_lifecycle [--wishes 1000] [--concurrency 50] [--quick]

Ours: each wish goes SubmitWish → ReviewWish → PublishWish → ClaimWish → FulfilWish → ConfirmWish over gRPC;
each transition is committed with its outbox row and relayed to the wish's WishLifecycle as a signal (six
signals); on close the workflow runs the record_service activity (GetWish, then the registry's RecordService).
A wish counts when its workflow has completed. Bare: a workflow started by signal-with-start, signalled five
more times by the client, that then runs one activity and completes — the same six signals and one activity.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2 as wish
from linli.wishes.v1 import wishes_pb2_grpc
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from bench._bare_lifecycle import BareLifecycle, BareStep, bare_record
from bench._harness import emit, main, platform_on, ratio, servers
from bench.import_members import admin_metadata, id_number
from services.wishes.contract import workflow_id

STEPS = ("submitted", "approved", "published", "claimed", "fulfilled", "closed")


async def closed_workflow(temporal: Client, wish_id: str) -> str:
    """The result of the wish's workflow, once the relay has started it and it has ended."""
    while True:
        try:
            state: str = await temporal.get_workflow_handle(workflow_id(wish_id)).result()
            return state
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            await asyncio.sleep(0.05)


async def bare_run(address: str, count: int, concurrency: int) -> float:
    client = await Client.connect(address)
    task_queue = f"bare-{uuid.uuid4().hex[:6]}"
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            wish_id = f"bare-{i}"
            handle = await client.start_workflow(
                BareLifecycle.run,
                wish_id,
                id=wish_id,
                task_queue=task_queue,
                start_signal="transition",
                start_signal_args=[BareStep(STEPS[0])],
            )
            for state in STEPS[1:]:
                await handle.signal(BareLifecycle.transition, BareStep(state))
            assert await handle.result() == "closed"

    async with Worker(client, task_queue=task_queue, workflows=[BareLifecycle], activities=[bare_record]):
        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return time.perf_counter() - began


async def benchmark() -> None:
    parser = argparse.ArgumentParser(prog="./linli bench wish_lifecycle")
    parser.add_argument("--wishes", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50, help="wishes moving at once")
    parser.add_argument("--quick", action="store_true", help="200 wishes")
    args = parser.parse_args()
    if args.quick:
        args.wishes = 200

    async with (
        servers() as bench_servers,
        platform_on(
            bench_servers,
            ("registry", "wishes", "dispatch", "worker"),
            LINLI_WISH_MAX_OPEN_CLAIMS=str(args.wishes),
            LINLI_LOG_LEVEL="WARNING",
        ) as stack,
    ):
        metadata = admin_metadata(stack.secrets.issuer)
        # Whoever records a fulfilment never signs it off: the resident's confirmation comes through another caller.
        confirmer = admin_metadata(stack.secrets.issuer, "bench-resident-desk")
        temporal = await Client.connect(bench_servers.temporal_address)
        async with (
            stack.channel(stack.ports.grpc("registry")) as registry_channel,
            stack.channel(stack.ports.grpc("wishes")) as wishes_channel,
        ):
            registry = registry_pb2_grpc.RegistryServiceStub(registry_channel)
            wishes = wishes_pb2_grpc.WishServiceStub(wishes_channel)
            parent = ""
            for kind, name in [
                (reg.ORG_UNIT_KIND_CITY, "宝鸡市"),
                (reg.ORG_UNIT_KIND_DISTRICT, "金台区"),
                (reg.ORG_UNIT_KIND_STREET, "中山东路街道"),
                (reg.ORG_UNIT_KIND_COMMUNITY, "陈仓园社区"),
            ]:
                unit = await registry.CreateOrgUnit(
                    reg.CreateOrgUnitRequest(request_id=uuid.uuid4().hex, parent_id=parent, kind=kind, name=name),
                    metadata=metadata,
                )
                parent = unit.org_unit.id
            community_id = parent
            members = []
            for i in range(20):
                registered = await registry.RegisterMember(
                    reg.RegisterMemberRequest(
                        request_id=uuid.uuid4().hex,
                        name=f"党员{i}",
                        workplace_org="宝鸡市机关党委",
                        residence_unit_id=community_id,
                        management_level=reg.MANAGEMENT_LEVEL_DISTRICT,
                        phone=f"139{i:08d}",
                        id_number=id_number(i),
                    ),
                    metadata=metadata,
                )
                members.append(registered.member.id)
            deadline = Timestamp()
            deadline.FromDatetime(datetime.now(UTC) + timedelta(days=30))
            gate = asyncio.Semaphore(args.concurrency)

            async def one(i: int) -> None:
                async with gate:
                    rid = uuid.uuid4().hex
                    submitted = await wishes.SubmitWish(
                        wish.SubmitWishRequest(
                            request_id=rid,
                            community_id=community_id,
                            text=f"心愿{i}",
                            source=wish.WISH_SOURCE_HOTLINE,
                            resident_name="张三",
                        ),
                        metadata=metadata,
                    )
                    wish_id = submitted.wish.id
                    await wishes.ReviewWish(
                        wish.ReviewWishRequest(
                            request_id=f"{rid}-r",
                            wish_id=wish_id,
                            approve=wish.Approval(
                                category=wish.WISH_CATEGORY_CULTURE, service_standard="借到音响", deadline=deadline
                            ),
                        ),
                        metadata=metadata,
                    )
                    await wishes.PublishWish(
                        wish.PublishWishRequest(request_id=f"{rid}-p", wish_id=wish_id), metadata=metadata
                    )
                    member_id = members[i % len(members)]
                    await wishes.ClaimWish(
                        wish.ClaimWishRequest(request_id=f"{rid}-c", wish_id=wish_id, member_id=member_id),
                        metadata=metadata,
                    )
                    await wishes.FulfilWish(
                        wish.FulfilWishRequest(request_id=f"{rid}-f", wish_id=wish_id, report="送到了", hours=1.5),
                        metadata=metadata,
                    )
                    await wishes.ConfirmWish(
                        wish.ConfirmWishRequest(
                            request_id=f"{rid}-k", wish_id=wish_id, confirm=wish.Confirmation(rating=5)
                        ),
                        metadata=confirmer,
                    )
                    assert await closed_workflow(temporal, wish_id) == "closed"

            began = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(args.wishes)))
            seconds = time.perf_counter() - began

        conn = await asyncpg.connect(bench_servers.database_url)
        try:
            closed = await conn.fetchval("select count(*) from wishes.wishes where state = 'closed'")
            recorded = await conn.fetchval("select count(*) from registry.service_records where kind = 'wish'")
        finally:
            await conn.close()
        bare_seconds = await bare_run(bench_servers.temporal_address, args.wishes, args.concurrency)

    assert closed == recorded == args.wishes, (closed, recorded)
    rate, bare_rate = args.wishes / seconds, args.wishes / bare_seconds
    emit(
        "wish_lifecycle",
        wishes=args.wishes,
        concurrency=args.concurrency,
        closed=closed,
        services_recorded=recorded,
        seconds=round(seconds, 2),
        wishes_per_s=round(rate, 1),
        bare_seconds=round(bare_seconds, 2),
        bare_wishes_per_s=round(bare_rate, 1),
        ratio_to_bare_workflow=ratio(rate, bare_rate),
    )


if __name__ == "__main__":
    main(benchmark)
