"""ImportMembers of N synthetic members (200k by default): rows/s, and the ratio to a raw asyncpg COPY of the
same rows into a bare table on the same Postgres in the same run.

    ./linli bench import_members [--rows 200000] [--quick]

The rows are built before the clock starts; the import is timed from the first message to the answer, so it
includes checking, sealing (AES-GCM) and hashing each row, the COPY into staging and the merge. A second
import of the same rows (which must change nothing) is timed too.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc

from bench._harness import emit, main, platform_on, ratio, servers
from services.registry.domain import id_number_check_char
from services.runtime.auth import WHOLE_DEPLOYMENT, Role, issue_token
from services.runtime.token_keys import SigningKey

ROWS_PER_MESSAGE = 1000
LEVELS = [reg.MANAGEMENT_LEVEL_CITY, reg.MANAGEMENT_LEVEL_DISTRICT, reg.MANAGEMENT_LEVEL_OTHER]
SKILLS = [reg.SKILL_LEGAL, reg.SKILL_MEDICAL, reg.SKILL_REPAIR, reg.SKILL_EDUCATION, reg.SKILL_CULTURE_ARTS]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


@dataclass
class Tree:
    district_id: str
    grid_ids: list[str]


def admin_metadata(issuer: SigningKey, subject: str = "bench") -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {issue_token(issuer, subject, Role.ADMIN, WHOLE_DEPLOYMENT, 7200)}"),)


async def make_tree(
    stub: registry_pb2_grpc.RegistryServiceStub, metadata: tuple[tuple[str, str], ...], streets: int, communities: int
) -> Tree:
    """A city and district with `streets` streets of `communities` communities of two grids each."""

    async def create(parent: str, kind: reg.OrgUnitKind, name: str) -> str:
        response: reg.CreateOrgUnitResponse = await stub.CreateOrgUnit(
            reg.CreateOrgUnitRequest(request_id=uuid.uuid4().hex, parent_id=parent, kind=kind, name=name),
            metadata=metadata,
        )
        return response.org_unit.id

    city = await create("", reg.ORG_UNIT_KIND_CITY, f"宝鸡市-{uuid.uuid4().hex[:6]}")
    district = await create(city, reg.ORG_UNIT_KIND_DISTRICT, "金台区")
    grids: list[str] = []
    for s in range(streets):
        street = await create(district, reg.ORG_UNIT_KIND_STREET, f"街道{s}")
        for c in range(communities):
            community = await create(street, reg.ORG_UNIT_KIND_COMMUNITY, f"社区{s}-{c}")
            for g in range(2):
                grids.append(await create(community, reg.ORG_UNIT_KIND_GRID, f"第{g + 1}网格"))
    return Tree(district, grids)


def id_number(n: int) -> str:
    """A valid, distinct resident ID number for each n below 10 million."""
    birth = f"{1950 + n % 50}{1 + n // 50 % 12:02d}{1 + n // 600 % 28:02d}"
    first17 = f"{610302 + n // 16_800_000}{birth}{n // 16800 % 1000:03d}"
    return first17 + id_number_check_char(first17)


def synthetic_rows(count: int, grid_ids: list[str], offset: int = 0) -> list[reg.ImportRow]:
    rows = []
    for i in range(offset, offset + count):
        rows.append(
            reg.ImportRow(
                name=SURNAMES[i % 20] + GIVEN[i // 20 % 20] + GIVEN[i // 400 % 20],
                workplace_org=f"宝鸡市第{i % 97}机关党委",
                residence_unit_id=grid_ids[i % len(grid_ids)],
                skills=[SKILLS[i % 5], SKILLS[(i // 5) % 5]],
                tags=["志愿服务"],
                management_level=LEVELS[i % 3],
                phone=f"13{i % 10}{i:08d}"[-11:],
                id_number=id_number(i),
            )
        )
    return rows


def messages(rows: list[reg.ImportRow], request_id: str) -> list[reg.ImportMembersRequest]:
    return [
        reg.ImportMembersRequest(request_id=request_id, rows=rows[i : i + ROWS_PER_MESSAGE])
        for i in range(0, len(rows), ROWS_PER_MESSAGE)
    ]


async def stream(batches: list[reg.ImportMembersRequest]) -> AsyncIterator[reg.ImportMembersRequest]:
    for batch in batches:
        yield batch


async def raw_copy(database_url: str, rows: list[reg.ImportRow]) -> float:
    """Seconds for asyncpg to COPY the same rows (as plain columns) into a table with no indexes."""
    records = [
        (
            r.name,
            r.workplace_org,
            int(r.residence_unit_id),
            [str(s) for s in r.skills],
            list(r.tags),
            str(r.management_level),
            r.phone,
            r.id_number,
        )
        for r in rows
    ]
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            """create table bench_raw_members (name text, workplace_org text, residence_unit_id bigint, skills text[],
                   tags text[], management_level text, phone text, id_number text)"""
        )
        began = time.perf_counter()
        await conn.copy_records_to_table("bench_raw_members", records=records)
        return time.perf_counter() - began
    finally:
        await conn.close()


async def benchmark() -> None:
    parser = argparse.ArgumentParser(prog="./linli bench import_members")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    args = parser.parse_args()
    count = 20_000 if args.quick else args.rows

    async with servers(temporal=False) as bench_servers, platform_on(bench_servers, ("registry",)) as stack:
        metadata = admin_metadata(stack.secrets.issuer)
        async with stack.channel(stack.ports.grpc("registry")) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)
            tree = await make_tree(stub, metadata, streets=5, communities=10)
            rows = synthetic_rows(count, tree.grid_ids)
            first, again = messages(rows, "bench-1"), messages(rows, "bench-2")

            began = time.perf_counter()
            result = await stub.ImportMembers(stream(first), metadata=metadata, timeout=3600)
            import_seconds = time.perf_counter() - began
            began = time.perf_counter()
            rerun = await stub.ImportMembers(stream(again), metadata=metadata, timeout=3600)
            rerun_seconds = time.perf_counter() - began
        copy_seconds = await raw_copy(bench_servers.database_url, rows)

    assert result.inserted == count and result.failed == 0, result
    assert rerun.unchanged == count and rerun.inserted == rerun.updated == 0, rerun
    import_rate, copy_rate = count / import_seconds, count / copy_seconds
    emit(
        "import_members",
        rows=count,
        import_seconds=round(import_seconds, 2),
        import_rows_per_s=round(import_rate),
        rerun_seconds=round(rerun_seconds, 2),
        rerun_rows_per_s=round(count / rerun_seconds),
        raw_copy_seconds=round(copy_seconds, 2),
        raw_copy_rows_per_s=round(copy_rate),
        ratio_to_raw_copy=ratio(import_rate, copy_rate),
    )


if __name__ == "__main__":
    main(benchmark)
