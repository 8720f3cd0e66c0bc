"""SearchMembers over N members in one district (1M by default): latency of the first page and of the 100th
page (keyset paging, 50 a page), and the ratio to the same SQL sent straight through asyncpg in the same run.

    ./linli bench search_members [--members 1000000] [--calls 200] [--quick]

The members are written straight into the registry's table with one INSERT … SELECT (the import has its own
benchmark); their sealed fields are random bytes, which a search never opens.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable

import asyncpg
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc

from bench._harness import Load, emit, main, platform_on, ratio, servers
from bench.import_members import admin_metadata, make_tree

PAGE_SIZE = 50
TARGET_PAGE = 100
SEARCH_SQL = """select id, name, workplace_org, community_id, residence_unit_id, residence_path::text, skills, tags,
    management_level, phone_masked, id_number_masked, status, registered_at, deregistered_at, deregister_reason
    from registry.members
    where residence_path >= $1::public.ltree and residence_path < $4::public.ltree
      and residence_path <@ $1::public.ltree and status = 'active' and id > $2 order by id limit $3"""


async def fill(database_url: str, grid_ids: list[str], count: int) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        grids = await conn.fetch(
            """select g.id, g.parent_id as community_id, g.path::text as path from registry.org_units g
               where g.id = any($1::bigint[])""",
            [int(g) for g in grid_ids],
        )
        await conn.execute("create temp table grids (n int, id bigint, community_id bigint, path text)")
        await conn.copy_records_to_table(
            "grids", records=[(n, g["id"], g["community_id"], g["path"]) for n, g in enumerate(grids)]
        )
        await conn.execute(
            f"""insert into registry.members (name, workplace_org, community_id, residence_unit_id, residence_path,
                    skills, tags, management_level, phone_sealed, phone_hash, phone_masked, id_number_sealed,
                    id_number_hash, id_number_masked, created_by, request_id)
                select '党员' || i, '机关党委', g.community_id, g.id, g.path::public.ltree,
                    array[(array['legal', 'medical', 'repair'])[1 + i % 3]], '{{}}', 'district',
                    gen_random_uuid()::text::bytea, sha256(('p' || i)::bytea), '138****0000',
                    gen_random_uuid()::text::bytea, sha256(('i' || i)::bytea), '610302********0000',
                    'bench', 'bench-' || i
                from generate_series(1, {count}) i join grids g on g.n = i % {len(grids)}"""
        )
        await conn.execute("analyze registry.members")
    finally:
        await conn.close()


async def timed(call, calls: int) -> Load:  # type: ignore[no-untyped-def]
    load = Load()
    began = time.perf_counter()
    for _ in range(calls):
        start = time.perf_counter()
        await call()
        load.latencies.append(time.perf_counter() - start)
    load.seconds = time.perf_counter() - began
    return load


async def benchmark() -> None:
    parser = argparse.ArgumentParser(prog="./linli bench search_members")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="100,000 members")
    args = parser.parse_args()
    count = 100_000 if args.quick else args.members

    async with servers(temporal=False) as bench_servers, platform_on(bench_servers, ("registry",)) as stack:
        metadata = admin_metadata(stack.secrets.issuer)
        async with stack.channel(stack.ports.grpc("registry")) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)
            tree = await make_tree(stub, metadata, streets=10, communities=10)
            began = time.perf_counter()
            await fill(bench_servers.database_url, tree.grid_ids, count)
            fill_seconds = time.perf_counter() - began

            def search(token: str = "") -> Awaitable[reg.SearchMembersResponse]:
                call: Awaitable[reg.SearchMembersResponse] = stub.SearchMembers(
                    reg.SearchMembersRequest(org_unit_id=tree.district_id, page_size=PAGE_SIZE, page_token=token),
                    metadata=metadata,
                    timeout=10,
                )
                return call

            token = ""
            for _ in range(TARGET_PAGE - 1):
                token = (await search(token)).next_page_token
            last_id_before = int((await search(token)).members[0].id) - 1
            first_page = await timed(lambda: search(), args.calls)
            hundredth_page = await timed(lambda: search(token), args.calls)

        conn = await asyncpg.connect(bench_servers.database_url)
        try:
            path = await conn.fetchval("select path::text from registry.org_units where id = $1", int(tree.district_id))
            raw_first = await timed(lambda: conn.fetch(SEARCH_SQL, path, 0, PAGE_SIZE + 1, path + "0"), args.calls)
            raw_hundredth = await timed(
                lambda: conn.fetch(SEARCH_SQL, path, last_id_before, PAGE_SIZE + 1, path + "0"), args.calls
            )
        finally:
            await conn.close()

    emit(
        "search_members",
        members=count,
        page_size=PAGE_SIZE,
        fill_seconds=round(fill_seconds, 1),
        first_page_p50_ms=round(first_page.percentile(50), 2),
        first_page_p99_ms=round(first_page.percentile(99), 2),
        page_100_p50_ms=round(hundredth_page.percentile(50), 2),
        page_100_p99_ms=round(hundredth_page.percentile(99), 2),
        raw_sql_first_page_p99_ms=round(raw_first.percentile(99), 2),
        raw_sql_page_100_p99_ms=round(raw_hundredth.percentile(99), 2),
        ratio_first_page_p50_raw_to_ours=ratio(raw_first.percentile(50), first_page.percentile(50)),
        ratio_page_100_p50_raw_to_ours=ratio(raw_hundredth.percentile(50), hundredth_page.percentile(50)),
    )


if __name__ == "__main__":
    main(benchmark)
