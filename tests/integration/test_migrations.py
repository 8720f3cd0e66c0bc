"""Versioned migrations on a real Postgres: applied once, recorded, and safe with replicas starting together."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from services.runtime.db import MigrationError, create_pool, migrate, read_functions, read_migrations

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


async def test_stored_functions_are_defined_anew_after_the_migrations_on_every_start(
    database_url: str, tmp_path: Path
) -> None:
    migrations, functions = tmp_path / "migrations", tmp_path / "functions"
    migrations.mkdir()
    functions.mkdir()
    (migrations / "0001_things.sql").write_text("create table things (n int); insert into things values (41);")
    answer = functions / "answer.sql"
    answer.write_text(
        "-- The answer.\ncreate or replace function answer() returns int language sql as 'select n + 1 from things';"
    )
    async with create_pool(database_url, "demo", 2) as pool:
        assert await migrate(pool, "demo", migrations) == [1]  # functions/ beside migrations/ by default
        assert await pool.fetchval("select answer()") == 42
        # Changed in its file, the function is changed on the next start, with no migration to copy it.
        answer.write_text("create or replace function answer() returns int language sql as 'select n from things';")
        assert await migrate(pool, "demo", migrations) == []
        assert await pool.fetchval("select answer()") == 41
        # And starting again changes nothing.
        assert await migrate(pool, "demo", migrations) == []
        assert await pool.fetchval("select answer()") == 41
        assert await pool.fetchval("select count(*) from pg_proc where proname = 'answer'") == 1


def test_a_stored_function_file_defines_the_function_it_is_named_for(tmp_path: Path) -> None:
    (tmp_path / "answer.sql").write_text("create function answer() returns int language sql as 'select 42';")
    with pytest.raises(ValueError, match="create or replace function answer"):
        read_functions(tmp_path)
    (tmp_path / "answer.sql").write_text(
        "create or replace function question() returns int language sql as 'select 6';"
    )
    with pytest.raises(ValueError, match="create or replace function answer"):
        read_functions(tmp_path)


async def test_the_wishes_claim_function_is_the_one_in_its_file(database_url: str) -> None:
    folder = SERVICES / "wishes" / "functions"
    async with create_pool(database_url, "wishes", 2) as pool:
        await migrate(pool, "wishes", SERVICES / "wishes" / "migrations")
        await migrate(pool, "wishes", SERVICES / "wishes" / "migrations")  # twice: harmless
        for function in read_functions(folder):
            sources = await pool.fetch(
                "select prosrc from pg_proc where proname = $1 and pronamespace = 'wishes'::regnamespace",
                function.name,
            )
            assert any(row["prosrc"] in function.sql for row in sources), function.name
