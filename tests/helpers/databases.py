"""Databases of a test's own on the Postgres server the run uses, created empty and dropped with force."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from services.runtime.db import create_pool, migrate


def _with_database(admin_url: str, database: str) -> str:
    """The URL of another database on the same server, its parameters (sslmode, sslrootcert) kept."""
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{database}"))


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


async def create_database(admin_url: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'create database "{name}"')
    finally:
        await conn.close()
    return _with_database(admin_url, name)


async def drop_database(admin_url: str, url: str) -> None:
    name = database_of(url)
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await conn.close()


async def migrate_with_ids_from(url: str, schema: str, migrations: Path, table: str, first_id: int) -> None:
    """A service's schema migrated on `url`, the ids of `table` starting past `first_id`: a service of a test's own
    shares the run's one Temporal namespace, where workflow ids are made of these ids, with the main stack."""
    async with create_pool(url, schema, 2) as pool:
        await migrate(pool, schema, migrations)
        await pool.execute(f"select setval(pg_get_serial_sequence('{schema}.{table}', 'id'), $1)", first_id)
