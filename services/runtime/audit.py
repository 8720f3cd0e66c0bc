"""The audit log: every change to personal data and every read of it in the clear, every export, every refused
use of a calling system's credential, and every read of the log itself.

Each service keeps an `audit_log` table in its own schema (created by its migrations); rows name who did
what to which record, never the personal data itself. Each service lists its own with ListAuditEvents
(docs/audit.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypeVar

import asyncpg
from google.protobuf.message import Message

from services.runtime import access, validate
from services.runtime.auth import Caller, current_caller
from services.runtime.convert import to_timestamp
from services.runtime.db import Connection
from services.runtime.errors import InvalidArgument
from services.runtime.paging import decode_page_token, encode_page_token

log = logging.getLogger("linli.audit")
M = TypeVar("M", bound=Message)


async def write_audit(
    conn: Connection, caller: Caller, action: str, subject_kind: str, subject_id: int | str, **detail: Any
) -> None:
    """Call inside the transaction that makes the change, so the change and its audit row commit together."""
    await conn.execute(
        """insert into audit_log (actor, actor_role, action, subject_kind, subject_id, detail)
           values ($1, $2, $3, $4, $5, $6)""",
        caller.subject,
        caller.role.value,
        action,
        subject_kind,
        str(subject_id),
        detail,
    )


class RefusalAudit:
    """Audits refused uses of calling systems' credentials (a revoked token, a method the credential does not name).

    Written beside the call, never in its way; one row per credential, method and reason a minute, so a system
    retrying in a loop cannot flood the log (the metric linli_system_calls_refused_total counts every one)."""

    def __init__(self, pool: asyncpg.Pool, every_seconds: float = 60.0) -> None:
        self.pool = pool
        self.every_seconds = every_seconds
        self._last: dict[tuple[str, str, str], float] = {}
        self._writing: set[asyncio.Task[None]] = set()

    def refused(self, caller: Caller, method: str, reason: str) -> None:
        key = (caller.credential, method, reason)
        now = time.monotonic()
        if now - self._last.get(key, -self.every_seconds) < self.every_seconds:
            return
        if len(self._last) > 10_000:
            self._last.clear()
        self._last[key] = now
        task = asyncio.get_running_loop().create_task(self._write(caller, method, reason))
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _write(self, caller: Caller, method: str, reason: str) -> None:
        try:
            async with self.pool.acquire() as conn:
                await write_audit(
                    conn, caller, "credential.refused", "credential", caller.credential, method=method, reason=reason
                )
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("could not audit a refused call", extra={"error": type(error).__name__})


# ---- reading the audit log (ListAuditEvents, in every service over its own table) ---------------------------------

_MAX_FILTER = 200  # characters of an actor, action, object type or id: longer is never a value written here
AUDIT_LOG_READ = "list_audit_events"


@dataclass(frozen=True)
class AuditFilter:
    """Which audit rows to list: each field applies when set, by exact match; the period is [start, end)."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    start: datetime | None = None
    end: datetime | None = None

    def query(self) -> dict[str, Any]:
        """What a page token is bound to."""
        return {"audit": 1, **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()}}


@dataclass(frozen=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    detail_json: str


def audit_filter(
    actor: str, action: str, object_type: str, object_id: str, start: datetime | None, end: datetime | None
) -> AuditFilter:
    """The filter of a ListAuditEvents request, each bad field named."""
    chosen = AuditFilter(
        actor=validate.text("actor", actor, max_length=_MAX_FILTER, required=False),
        action=validate.text("action", action, max_length=_MAX_FILTER, required=False),
        object_type=validate.text("object_type", object_type, max_length=_MAX_FILTER, required=False),
        object_id=validate.text("object_id", object_id, max_length=_MAX_FILTER, required=False),
        start=start,
        end=end,
    )
    if chosen.object_id and not chosen.object_type:
        raise InvalidArgument(
            "needs object_type (an id means nothing without the kind of record it names)", "object_id"
        )
    if start is not None and end is not None and start >= end:
        raise InvalidArgument("must lie after start_time", "end_time")
    return chosen


async def read_audit_log(
    pool: asyncpg.Pool, caller: Caller, chosen: AuditFilter, before_id: int | None, limit: int
) -> list[AuditEvent]:
    """The rows matching, newest first (below `before_id` when given). The read is itself audited in the same
    transaction, after the rows are read: no page leaves unaudited, and a page never lists its own reading."""
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """select id, at, actor, actor_role, action, subject_kind, subject_id, detail::text as detail
               from audit_log
               where ($1 = '' or actor = $1) and ($2 = '' or action = $2)
                 and ($3 = '' or subject_kind = $3) and ($4 = '' or subject_id = $4)
                 and ($5::timestamptz is null or at >= $5) and ($6::timestamptz is null or at < $6)
                 and ($7::bigint is null or id < $7)
               order by id desc limit $8""",
            chosen.actor,
            chosen.action,
            chosen.object_type,
            chosen.object_id,
            chosen.start,
            chosen.end,
            before_id,
            limit,
        )
        filters = {k: v for k, v in chosen.query().items() if v and k != "audit"}
        await write_audit(conn, caller, AUDIT_LOG_READ, "audit_log", "*", filters=filters, rows=len(rows))
    return [
        AuditEvent(
            r["id"], r["at"], r["actor"], r["actor_role"], r["action"], r["subject_kind"], r["subject_id"], r["detail"]
        )
        for r in rows
    ]


async def list_audit_events(
    pool: asyncpg.Pool, request: Any, response_type: Callable[..., M], event_type: Callable[..., Message]
) -> M:
    """ListAuditEvents for any service: its request, response and event messages are the same in every package
    (protos/linli/<service>/v1/audit.proto), each over the service's own audit_log."""
    caller = current_caller()
    access.require_whole_deployment(caller, "read the audit log")
    page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
    chosen = audit_filter(
        request.actor,
        request.action,
        request.object_type,
        request.object_id,
        validate.optional_time("start_time", request.start_time),
        validate.optional_time("end_time", request.end_time),
    )
    query = chosen.query()
    last = decode_page_token(request.page_token, query)
    if last is not None and (len(last) != 1 or not isinstance(last[0], int)):
        raise InvalidArgument("is not a page token this service issued", "page_token")
    events = await read_audit_log(pool, caller, chosen, last[0] if last else None, page_size + 1)
    token = encode_page_token(query, [events[page_size - 1].id]) if len(events) > page_size else ""
    return response_type(
        events=[
            event_type(
                id=str(e.id),
                time=to_timestamp(e.at),
                actor=e.actor,
                actor_role=e.actor_role,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                detail_json=e.detail_json,
            )
            for e in events[:page_size]
        ],
        next_page_token=token,
    )
