"""Versioned migrations on a real Postgres: applied once, recorded, and safe with replicas starting together."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from services.runtime.db import MigrationError, create_pool, migrate, read_migrations

SERVICES = Path(__file__).resolve().parents[2] / "services"


@pytest.mark.parametrize("service", ["registry", "wishes", "dispatch"])
async def test_each_service_migrates_its_own_schema_once(database_url: str, service: str) -> None:
    async with create_pool(database_url, service, 4) as pool:
        first = await migrate(pool, service, SERVICES / service / "migrations")
        again = await migrate(pool, service, SERVICES / service / "migrations")
        recorded = await pool.fetchval(f"select count(*) from {service}.schema_migrations")
    assert again == []
    assert recorded == len(first)


async def test_replicas_starting_together_apply_each_migration_once(database_url: str) -> None:
    pools = [create_pool(database_url, "wishes", 2) for _ in range(4)]
    for pool in pools:
        await pool
    try:
        results = await asyncio.gather(*(migrate(p, "wishes", SERVICES / "wishes" / "migrations") for p in pools))
    finally:
        await asyncio.gather(*(p.close() for p in pools))
    applied = [versions for versions in results if versions]
    every = [m.version for m in read_migrations(SERVICES / "wishes" / "migrations")]
    assert len(applied) == 1 and applied[0] == every


async def test_a_migration_changed_after_it_ran_stops_start_up(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("create table things (id int);")
    async with create_pool(database_url, "demo", 2) as pool:
        await migrate(pool, "demo", tmp_path)
        (tmp_path / "0001_first.sql").write_text("create table things (id bigint);")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrate(pool, "demo", tmp_path)


async def test_a_failing_migration_leaves_nothing_half_applied(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("create table a (id int);")
    (tmp_path / "0002_broken.sql").write_text("create table b (id int); select no_such_function();")
    async with create_pool(database_url, "demo", 2) as pool:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await migrate(pool, "demo", tmp_path)
        versions = await pool.fetch("select version from demo.schema_migrations")
        table_b = await pool.fetchval("select to_regclass('demo.b')")
    assert [r["version"] for r in versions] == [1]
    assert table_b is None
