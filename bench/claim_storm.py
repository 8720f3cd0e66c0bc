"""Claim storm: W published wishes (500), C concurrent ClaimWish calls (5,000) from M members (100) → exactly W
winners and no wish claimed twice; claims/s, and the ratio to a raw asyncpg conditional-UPDATE loop making the
same claims on the same Postgres in the same run.

    ./linli bench claim_storm [--wishes 500] [--claims 5000] [--members 100] [--concurrency 500] [--quick]

The wishes service runs as in production (gRPC, auth, scope checks, the member look-up in the registry, the
per-member claim cap under its lock, the history event that is also the outbox row, the relay signalling
Temporal); only the cap is raised (LINLI_WISH_MAX_OPEN_CLAIMS) so that it, not the race, decides nothing here.
The raw loop is `update ... set state = 'claimed' where id = $1 and state = 'published'` over a pool of the same
size (LINLI_DB_POOL_MAX) with the same concurrency. A third figure shows the ceiling Python gRPC sets on this
machine: a bare grpc.aio server in a process of its own whose ClaimWish runs that same UPDATE (no auth, no read,
no registry, no history, no relay) and answers FAILED_PRECONDITION to a loser, called by the same client.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2 as wish
from linli.wishes.v1 import wishes_pb2_grpc

from bench._harness import bare_server, emit, main, platform_on, ratio, servers
from bench.import_members import admin_metadata, id_number

POOL = 10


async def published_wishes(
    stub: wishes_pb2_grpc.WishServiceStub, metadata: tuple[tuple[str, str], ...], community_id: str, count: int
) -> list[str]:
    deadline = Timestamp()
    deadline.FromDatetime(datetime.now(UTC) + timedelta(days=30))
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> str:
        async with gate:
            submitted: wish.SubmitWishResponse = await stub.SubmitWish(
                wish.SubmitWishRequest(
                    request_id=uuid.uuid4().hex,
                    community_id=community_id,
                    text=f"心愿{i}",
                    source=wish.WISH_SOURCE_WISH_BOX,
                    resident_name="张三",
                ),
                metadata=metadata,
            )
            wish_id = submitted.wish.id
            await stub.ReviewWish(
                wish.ReviewWishRequest(
                    request_id=uuid.uuid4().hex,
                    wish_id=wish_id,
                    approve=wish.Approval(
                        category=wish.WISH_CATEGORY_CONVENIENCE, service_standard="上门", deadline=deadline
                    ),
                ),
                metadata=metadata,
            )
            await stub.PublishWish(
                wish.PublishWishRequest(request_id=uuid.uuid4().hex, wish_id=wish_id), metadata=metadata
            )
            return wish_id

    return list(await asyncio.gather(*(one(i) for i in range(count))))


def storm_plan(wish_ids: list[str], member_ids: list[str], claims: int, seed: int = 7) -> list[tuple[str, str]]:
    """`claims` (wish, member) pairs, spread evenly over the wishes, each wish's claimants distinct, shuffled."""
    rng = random.Random(seed)
    per_wish = claims // len(wish_ids)
    plan = [(w, m) for w in wish_ids for m in rng.sample(member_ids, per_wish)]
    rng.shuffle(plan)
    return plan


async def run_storm(
    stub: wishes_pb2_grpc.WishServiceStub,
    metadata: tuple[tuple[str, str], ...],
    plan: list[tuple[str, str]],
    concurrency: int,
) -> tuple[float, list[tuple[str, str]], Counter[str]]:
    gate = asyncio.Semaphore(concurrency)
    wins: list[tuple[str, str]] = []
    refusals: Counter[str] = Counter()

    async def claim(wish_id: str, member_id: str) -> None:
        async with gate:
            try:
                response = await stub.ClaimWish(
                    wish.ClaimWishRequest(request_id=uuid.uuid4().hex, wish_id=wish_id, member_id=member_id),
                    metadata=metadata,
                    timeout=60,
                )
                wins.append((response.wish.id, response.wish.claimant_member_id))
            except grpc.aio.AioRpcError as exc:
                refusals[exc.code().name] += 1

    began = time.perf_counter()
    await asyncio.gather(*(claim(w, m) for w, m in plan))
    return time.perf_counter() - began, wins, refusals


async def raw_storm(
    database_url: str, wish_count: int, plan: list[tuple[str, str]], concurrency: int
) -> tuple[float, int]:
    """The same claims as bare conditional UPDATEs; returns (seconds, rows claimed)."""
    index = {w: i + 1 for i, w in enumerate(sorted({w for w, _ in plan}, key=int))}
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            """create table bench_raw_wishes (id bigint primary key, state text not null, claimant bigint)"""
        )
        await conn.executemany(
            "insert into bench_raw_wishes values ($1, 'published', null)", [(i,) for i in range(1, wish_count + 1)]
        )
    finally:
        await conn.close()
    won = 0
    async with asyncpg.create_pool(database_url, min_size=POOL, max_size=POOL) as pool:
        gate = asyncio.Semaphore(concurrency)

        async def claim(wish_id: str, member_id: str) -> None:
            nonlocal won
            async with gate:
                status = await pool.execute(
                    "update bench_raw_wishes set state = 'claimed', claimant = $2 where id = $1 and state = 'published'",
                    index[wish_id],
                    int(member_id),
                )
                won += status == "UPDATE 1"

        began = time.perf_counter()
        await asyncio.gather(*(claim(w, m) for w, m in plan))
        return time.perf_counter() - began, won


async def serve_bare(port: int, database_url: str) -> None:
    """A bare grpc.aio WishService whose ClaimWish is the raw conditional UPDATE and nothing else."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_health.v1._async import HealthServicer

    pool = await asyncpg.create_pool(database_url, min_size=POOL, max_size=POOL)

    class BareWishes(wishes_pb2_grpc.WishServiceServicer):
        async def ClaimWish(
            self, request: wish.ClaimWishRequest, context: grpc.aio.ServicerContext[Any, Any]
        ) -> wish.ClaimWishResponse:
            status = await pool.execute(
                "update bench_bare_wishes set state = 'claimed', claimant = $2 where id = $1 and state = 'published'",
                int(request.wish_id),
                int(request.member_id),
            )
            if status != "UPDATE 1":
                await context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"wish {request.wish_id} is claimed")
            return wish.ClaimWishResponse(
                wish=wish.Wish(id=request.wish_id, state=wish.WISH_STATE_CLAIMED, claimant_member_id=request.member_id)
            )

    server = grpc.aio.server()
    wishes_pb2_grpc.add_WishServiceServicer_to_server(BareWishes(), server)
    health = HealthServicer()
    await health.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


async def bare_grpc_storm(
    database_url: str, metadata: tuple[tuple[str, str], ...], plan: list[tuple[str, str]], concurrency: int
) -> tuple[float, list[tuple[str, str]], Counter[str]]:
    """The same claims through the same client against the bare server."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "create table bench_bare_wishes (id bigint primary key, state text not null, claimant bigint)"
        )
        await conn.executemany(
            "insert into bench_bare_wishes values ($1, 'published', null)",
            [(int(w),) for w in sorted({w for w, _ in plan})],
        )
    finally:
        await conn.close()
    home = Path(tempfile.mkdtemp(prefix="linli-bench-bare-"))
    bare = bare_server(
        "bare-wishes", lambda port: ["-m", "bench.claim_storm", "--serve-bare", str(port), database_url], home
    )
    port = bare.ports["grpc"]
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            # The same client work as for linli, the token included (the bare server ignores it).
            return await run_storm(wishes_pb2_grpc.WishServiceStub(channel), metadata, plan, concurrency)
    finally:
        bare.stop()
        shutil.rmtree(home, ignore_errors=True)


async def benchmark() -> None:
    parser = argparse.ArgumentParser(prog="./linli bench claim_storm")
    parser.add_argument("--wishes", type=int, default=500)
    parser.add_argument("--claims", type=int, default=5000)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=500, help="claims in flight at once")
    parser.add_argument("--quick", action="store_true", help="100 wishes, 1,000 claims, 20 members")
    args = parser.parse_args()
    if args.quick:
        args.wishes, args.claims, args.members = 100, 1000, 20

    async with (
        servers() as bench_servers,
        platform_on(
            bench_servers,
            ("registry", "wishes"),
            LINLI_WISH_MAX_OPEN_CLAIMS=str(args.wishes),
            LINLI_DB_POOL_MAX=str(POOL),
            LINLI_LOG_LEVEL="WARNING",
        ) as stack,
    ):
        metadata = admin_metadata(stack.secrets.issuer)
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
            for i in range(args.members):
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
            wish_ids = await published_wishes(wishes, metadata, community_id, args.wishes)
            plan = storm_plan(wish_ids, members, args.claims)
            seconds, wins, refusals = await run_storm(wishes, metadata, plan, args.concurrency)

        # What is stored is the proof: one claimant per wish, one claim transition per wish.
        conn = await asyncpg.connect(bench_servers.database_url)
        try:
            claimed = await conn.fetchval("select count(*) from wishes.wishes where state = 'claimed'")
            double = await conn.fetchval(
                """select count(*) from (select wish_id from wishes.wish_events
                   where kind = 'transition' and state = 'claimed' group by wish_id having count(*) > 1) d"""
            )
        finally:
            await conn.close()
        raw_seconds, raw_won = await raw_storm(bench_servers.database_url, args.wishes, plan, args.concurrency)
        bare_seconds, bare_wins, _ = await bare_grpc_storm(bench_servers.database_url, metadata, plan, args.concurrency)

    winners = len({w for w, _ in wins})
    assert len(wins) == winners == claimed == args.wishes and double == 0, (len(wins), winners, claimed, double)
    assert raw_won == args.wishes == len(bare_wins), (raw_won, len(bare_wins))
    rate, raw_rate, bare_rate = len(plan) / seconds, len(plan) / raw_seconds, len(plan) / bare_seconds
    emit(
        "claim_storm",
        wishes=args.wishes,
        claims=len(plan),
        members=args.members,
        concurrency=args.concurrency,
        winners=winners,
        double_claims=double,
        refusals=dict(refusals),
        seconds=round(seconds, 2),
        claims_per_s=round(rate),
        raw_seconds=round(raw_seconds, 3),
        raw_claims_per_s=round(raw_rate),
        ratio_to_raw_update=ratio(rate, raw_rate),
        bare_grpc_seconds=round(bare_seconds, 2),
        bare_grpc_claims_per_s=round(bare_rate),
        bare_grpc_ratio_to_raw_update=ratio(bare_rate, raw_rate),
        ratio_to_bare_grpc=ratio(rate, bare_rate),
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-bare":
        asyncio.run(serve_bare(int(sys.argv[2]), sys.argv[3]))
    else:
        main(benchmark)
