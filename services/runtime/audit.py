"""The audit log: every change to personal data and every read of it in the clear.

Each service keeps an `audit_log` table in its own schema (created by its migrations); rows name who did
what to which record, never the personal data itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import asyncpg

from services.runtime.auth import Caller
from services.runtime.db import Connection

log = logging.getLogger("linli.audit")


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
