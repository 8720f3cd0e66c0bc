"""The audit log: every change to personal data and every read of it in the clear.

Each service keeps an `audit_log` table in its own schema (created by its migrations); rows name who did
what to which record, never the personal data itself.
"""

from __future__ import annotations

from typing import Any

from services.runtime.auth import Caller
from services.runtime.db import Connection


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
