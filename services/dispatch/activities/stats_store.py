"""The activities' statistics in SQL: by state and over a period, for weekly reports (GetActivityStats) and the
gauges. In dispatch's own schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.runtime.db import one_row


@dataclass(frozen=True)
class Stats:
    by_state: dict[str, int]
    proposed: int
    held: int
    signed_up: int
    checked_in: int
    cancelled: int
    volunteer_hours: float = 0.0


class ActivityStatsStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def stats(self, organisers: Sequence[int], start: datetime, end: datetime) -> Stats:
        """The activities organised by any of `organisers` (the communities and streets under an org unit, as the
        tree is now: a community moved to another street counts in the new one's)."""
        units = list(organisers)
        async with self.pool.acquire() as conn:
            by_state = await conn.fetch(
                "select state, count(*) as n from activities where org_unit_id = any($1::bigint[]) group by state",
                units,
            )
            row = await one_row(
                conn,
                """select count(*) filter (where a.created_at >= $2 and a.created_at < $3) as proposed,
                          count(*) filter (where a.state = 'closed' and a.closed_at >= $2 and a.closed_at < $3) as held,
                          count(*) filter (where a.state = 'cancelled' and a.cancelled_at >= $2 and a.cancelled_at < $3)
                              as cancelled
                   from activities a where a.org_unit_id = any($1::bigint[])""",
                units,
                start,
                end,
            )
            attendance = await one_row(
                conn,
                """select count(*) as signed_up, count(s.checked_in_at) as checked_in,
                          coalesce(sum(s.service_hours), 0) as volunteer_hours
                   from activities a join activity_signups s on s.activity_id = a.id and s.status = 'confirmed'
                   where a.org_unit_id = any($1::bigint[]) and a.state = 'closed' and a.closed_at >= $2
                     and a.closed_at < $3""",
                units,
                start,
                end,
            )
        return Stats(
            by_state={r["state"]: int(r["n"]) for r in by_state},
            proposed=int(row["proposed"]),
            held=int(row["held"]),
            signed_up=int(attendance["signed_up"]),
            checked_in=int(attendance["checked_in"]),
            cancelled=int(row["cancelled"]),
            volunteer_hours=float(attendance["volunteer_hours"]),
        )

    async def count_by_state(self) -> list[tuple[str, str, int]]:
        rows = await self.pool.fetch("select state, kind, count(*) as n from activities group by state, kind")
        return [(r["state"], r["kind"], int(r["n"])) for r in rows]
