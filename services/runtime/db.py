"""The asyncpg pool, and the versioned migrations and stored functions of one service's schema.

Each service owns one Postgres schema and reads no other. Migrations are files NNNN_name.sql in the
service's migrations/ folder, applied in order, each in its own transaction, recorded with a checksum in
<schema>.schema_migrations; an advisory lock lets several replicas start at once and apply each exactly once.

Stored functions are not migrations: each is one file, functions/NAME.sql beside migrations/, holding
`create or replace function NAME ...`, and every start defines them all anew after the migrations (under the same
lock, in one transaction). So a function has one definition to read and change, and a change reaches the database
on the next start without a migration that copies the whole function again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
from asyncpg.pool import PoolConnectionProxy

log = logging.getLogger(__name__)

_MIGRATION_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_FUNCTION_FILE = re.compile(r"^([a-z_][a-z0-9_]*)\.sql$")
_LEADING_COMMENTS = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z))*")
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

# asyncpg and OS errors that mean "the database is not reachable right now", as opposed to a bad query.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)


# A connection as linli's code takes it: lent by a pool (a proxy, which asyncpg-stubs type apart from Connection
# though asyncpg takes it for one) or opened alone.
Connection = asyncpg.Connection | PoolConnectionProxy


class PooledConnection(asyncpg.Connection):
    """A pool's connection that knows whether it holds session state (a session-level advisory lock, a SET
    without LOCAL, a LISTEN), so that only such a connection pays a reset round trip when it goes back."""

    holds_session_state = False

    def keep_session_state(self) -> None:
        """Call before taking session state: the connection is then reset in full when released."""
        self.holds_session_state = True


async def _reset_connection(conn: PooledConnection) -> None:
    """Run by the pool on release, after asyncpg has rolled back any transaction left open (an error
    mid-transaction included). asyncpg's default resets every connection with a query — a second round trip on
    every call; linli's statements hold no session state, so only a connection that said it does is reset."""
    if conn.holds_session_state:
        await conn.execute(conn.get_reset_query())
        conn.holds_session_state = False


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def create_pool(database_url: str, schema: str, max_size: int) -> asyncpg.Pool:
    """An unopened pool: `await pool` (or `async with`) opens it. No connection is made until one is needed,
    so a service can start and report NOT_SERVING while its database is still coming up."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"bad schema name {schema!r}")
    # asyncpg-stubs type `reset`'s argument as a plain Connection: asyncpg passes it an instance of connection_class.
    pool: asyncpg.Pool = asyncpg.create_pool(  # type: ignore[call-overload]
        database_url,
        min_size=0,
        max_size=max_size,
        max_inactive_connection_lifetime=300,
        init=_init_connection,
        connection_class=PooledConnection,
        reset=_reset_connection,
        server_settings={"search_path": f"{schema},public", "application_name": f"linli-{schema}"},
        command_timeout=30,
    )
    return pool


async def wait_for_database(pool: asyncpg.Pool, *, max_wait: float = 5.0) -> None:
    """Returns once the database answers; retries with back-off (capped at max_wait) until it does."""
    delay = 0.1
    while True:
        try:
            await pool.fetchval("select 1")
            return
        except CONNECTION_ERRORS as exc:
            # An SSL error's message says what failed (an unknown CA, a host name the certificate does not carry).
            detail = str(exc)[:500] if isinstance(exc, ssl.SSLError) else ""
            log.warning(
                "database not reachable yet", extra={"error": type(exc).__name__, "detail": detail, "retry_in_s": delay}
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_wait)


async def one_row(conn: Connection | asyncpg.Pool, query: str, *args: object) -> asyncpg.Record:
    """The row of a statement that always returns one: an aggregate, an insert or update ... returning, a select of a
    row this transaction has locked or written. (fetchrow's None there would be a bug, not an answer.)"""
    row = await conn.fetchrow(query, *args)
    if row is None:
        raise LookupError(f"no row where one was certain: {query.split(maxsplit=1)[0]} ...")
    return row


def assignments(columns: Mapping[str, object], first: int) -> tuple[str, list[object]]:
    """`, column = $n` for each column a move sets besides its state, numbered from `first`, and the values in that
    order. The columns come from the store's own mapping of a typed change (a column's name is never a caller's)."""
    sql = "".join(f", {column} = ${index}" for index, column in enumerate(columns, start=first))
    return sql, list(columns.values())


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def read_migrations(folder: Path) -> list[Migration]:
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if not match:
            raise ValueError(f"{path}: migration files are named NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), match.group(2), path.read_text()))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise ValueError(f"{folder}: two migrations share a version number")
    return migrations


@dataclass(frozen=True)
class StoredFunction:
    name: str
    sql: str


def read_functions(folder: Path) -> list[StoredFunction]:
    """The stored functions of a functions/ folder, by name: each file NAME.sql defines the function NAME, with
    `create or replace function`, so defining it again is harmless."""
    functions = []
    for path in sorted(folder.glob("*.sql")):
        match = _FUNCTION_FILE.match(path.name)
        if not match:
            raise ValueError(f"{path}: stored function files are named NAME.sql (lower case)")
        sql = path.read_text()
        body = _LEADING_COMMENTS.sub("", sql)
        if not re.match(rf"create\s+or\s+replace\s+function\s+{match.group(1)}\s*\(", body, re.IGNORECASE):
            raise ValueError(f"{path}: must begin with `create or replace function {match.group(1)}(`")
        functions.append(StoredFunction(match.group(1), sql))
    return functions


class MigrationError(RuntimeError):
    pass


async def migrate(pool: asyncpg.Pool, schema: str, folder: Path | None, functions: Path | None = None) -> list[int]:
    """Applies the migrations not yet applied, then defines every stored function anew; returns the versions applied
    now. `functions` is the folder of stored functions, by default functions/ beside the migrations folder. Safe to
    run from many replicas, and on every start."""
    migrations = read_migrations(folder) if folder and folder.exists() else []
    if functions is None and folder is not None:
        functions = folder.parent / "functions"
    stored = read_functions(functions) if functions and functions.exists() else []
    applied_now: list[int] = []
    async with pool.acquire() as conn:
        lock_key = f"linli.migrate.{schema}"
        # The advisory lock below is the session's, not a transaction's. (The pool's proxy hands attributes on to its
        # PooledConnection, which asyncpg-stubs cannot know.)
        conn.keep_session_state()  # type: ignore[attr-defined]
        await conn.execute("select pg_advisory_lock(hashtext($1))", lock_key)
        try:
            await conn.execute(f"create schema if not exists {schema}")
            await conn.execute(
                f"""create table if not exists {schema}.schema_migrations (
                        version integer primary key,
                        name text not null,
                        checksum text not null,
                        applied_at timestamptz not null default now())"""
            )
            rows = await conn.fetch(f"select version, checksum from {schema}.schema_migrations")
            applied = {row["version"]: row["checksum"] for row in rows}
            for migration in migrations:
                if migration.version in applied:
                    if applied[migration.version] != migration.checksum:
                        raise MigrationError(
                            f"{schema} migration {migration.version:04d}_{migration.name} was changed after it was "
                            "applied; add a new migration instead"
                        )
                    continue
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        f"insert into {schema}.schema_migrations (version, name, checksum) values ($1, $2, $3)",
                        migration.version,
                        migration.name,
                        migration.checksum,
                    )
                log.info("migration applied", extra={"schema": schema, "version": migration.version})
                applied_now.append(migration.version)
            if stored:
                # After the migrations, which made the tables and types the functions name; search_path is the
                # pool's (the service's schema first), as for the migrations.
                async with conn.transaction():
                    for function in stored:
                        await conn.execute(function.sql)
                log.info("stored functions defined", extra={"schema": schema, "functions": [f.name for f in stored]})
        finally:
            await conn.execute("select pg_advisory_unlock(hashtext($1))", lock_key)
    return applied_now


async def forget_request_results(pool: asyncpg.Pool, retention: timedelta, *, batch: int = 10_000) -> int:
    """Deletes the stored answers of idempotent writes (`request_results`, in the service's schema) older than
    `retention`, a batch at a time so no statement holds many locks for long; returns how many."""
    forgotten = 0
    while True:
        done = await pool.execute(
            """delete from request_results where ctid = any(array(
                   select ctid from request_results where at < now() - $1::interval order by at limit $2))""",
            retention,
            batch,
        )
        deleted = int(done.rsplit(" ", 1)[-1])
        forgotten += deleted
        if deleted < batch:
            return forgotten


async def forget_old_request_results(pool: asyncpg.Pool, retention: timedelta, *, every_seconds: float = 3600) -> None:
    """For the life of the service, hourly: forget_request_results. A retry that comes later than the retention
    is a new request."""
    while True:
        try:
            forgotten = await forget_request_results(pool, retention)
            if forgotten:
                log.info("old request results forgotten", extra={"rows": forgotten})
        except CONNECTION_ERRORS + (asyncpg.PostgresError,) as exc:
            log.warning("cannot forget old request results", extra={"error": type(exc).__name__})
        await asyncio.sleep(every_seconds)
