"""The pool resets on release only a connection that holds session state; an open transaction is always
rolled back, so nothing of one call leaks into the next. Old answers of idempotent writes are forgotten."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from services.registry.__main__ import MIGRATIONS
from services.runtime.db import create_pool, forget_request_results, migrate


async def test_a_connection_that_kept_session_state_comes_back_without_its_advisory_lock(database_url: str) -> None:
    async with create_pool(database_url, "demo", 1) as pool:
        async with pool.acquire() as conn:
            conn.keep_session_state()
            await conn.execute("select pg_advisory_lock(4242)")
        async with pool.acquire() as conn:  # the same connection: the pool holds one
            held = await conn.fetchval(
                "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()"
            )
    assert held == 0
    other = await asyncpg.connect(database_url)
    try:
        assert await other.fetchval("select pg_try_advisory_lock(4242)")
    finally:
        await other.close()


async def test_a_transaction_left_open_by_an_error_is_rolled_back_on_release(database_url: str) -> None:
    async with create_pool(database_url, "demo", 1) as pool:
        await pool.execute("create schema if not exists demo; create table demo.pool_probe (n int)")
        try:
            async with pool.acquire() as conn:
                await conn.execute("begin")
                await conn.execute("insert into demo.pool_probe values (1)")
                raise RuntimeError("the call fails mid-transaction")
        except RuntimeError:
            pass
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("select count(*) from demo.pool_probe") == 0


async def test_answers_of_idempotent_writes_are_forgotten_after_the_retention(database_url: str) -> None:
    async with create_pool(database_url, "registry", 2) as pool:
        await migrate(pool, "registry", MIGRATIONS)
        await pool.execute(
            """insert into request_results (actor, request_id, method, at)
               select 'ops', 'old-' || n, 'CreateOrgUnit', now() - interval '31 days' from generate_series(1, 5) n
               union all
               select 'ops', 'new-' || n, 'CreateOrgUnit', now() - interval '29 days' from generate_series(1, 2) n"""
        )
        assert await forget_request_results(pool, timedelta(days=30), batch=2) == 5
        kept = await pool.fetch("select request_id from request_results order by request_id")
    assert [r["request_id"] for r in kept] == ["new-1", "new-2"]
