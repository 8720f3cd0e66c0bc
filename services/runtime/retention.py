"""Erasing personal data whose retention period has run out, the same way in every service: a batch of records
picked and locked (SKIP LOCKED, so replicas and overlapping runs share the work), their personal data replaced by the
erased marker, one audit row per record in the same transaction, and the count in linli_personal_data_erased_total.

The records themselves, their states and their history stay: counts and reports are unchanged. Each service owns
its own SQL (what to pick, what to null); the worker's `personal-data-retention` Schedule calls each service's
EraseExpiredPersonalData until nothing is left (workflows/retention.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from prometheus_client import Counter

from services.runtime.auth import Caller

# What an erased name, phone, contact or address reads as, everywhere it is shown (masked or revealed).
ERASED = "（已删除）"

PERSONAL_DATA_ERASED = Counter(
    "linli_personal_data_erased_total",
    "Records whose personal data was erased when its retention period ran out, by service and kind.",
    ["service", "kind"],
)


@dataclass(frozen=True)
class Erasure:
    """One service's kind of erasure: `pick` selects the ids of records past their period (oldest first; its
    parameters, then the limit), `erase` replaces their personal data (`$1`: the ids)."""

    service: str
    kind: str  # what is erased, the metric's label: wish_resident, alert_address, deregistered_member
    subject_kind: str  # the records, as the audit log names them: wish, alert, member
    pick: str
    erase: str

    def __post_init__(self) -> None:
        PERSONAL_DATA_ERASED.labels(self.service, self.kind)  # the series exists at 0 from the start


async def erase_expired(
    pool: asyncpg.Pool, caller: Caller, erasure: Erasure, args: Sequence[object], batch_size: int
) -> tuple[int, bool]:
    """Erases up to `batch_size` records; returns how many it erased and whether more remain."""
    async with pool.acquire() as conn, conn.transaction():
        ids = [
            row["id"]
            for row in await conn.fetch(
                f"{erasure.pick} limit ${len(args) + 1} for update skip locked", *args, batch_size + 1
            )
        ]
        more, ids = len(ids) > batch_size, ids[:batch_size]
        if ids:
            await conn.execute(erasure.erase, ids)
            await conn.execute(
                """insert into audit_log (actor, actor_role, action, subject_kind, subject_id, detail)
                   select $1, $2, 'erase_personal_data', $3, id::text, $4::jsonb from unnest($5::bigint[]) as id""",
                caller.subject,
                caller.role.value,
                erasure.subject_kind,
                {"erased": erasure.kind, "reason": "retention period ended"},
                ids,
            )
    PERSONAL_DATA_ERASED.labels(erasure.service, erasure.kind).inc(len(ids))
    return len(ids), more
