"""The reports a deployment always has: the weekly and yearly Temporal Schedules of every unit LINLI_REPORT_UNITS
names, kept by the registry from its start-up — made once, an existing one left as it is (paused or changed by an
operator included), as ScheduleReports makes them.

A unit is named by its id or by the names of its path from the root (陕西省/宝鸡市/金台区; names are unique among
siblings). One not in the tree yet — the local run loads its demo tree after the services start — is looked for
again, sooner at first and then every minute, so a mistyped name shows in the log rather than stopping the start.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from temporalio.client import Client

from services.registry.reports import contract
from services.runtime.temporal import keep_schedule

log = logging.getLogger(__name__)

REPORTING_KINDS = ("city", "district", "street")
_FIRST_WAIT_SECONDS = 1.0
_LONGEST_WAIT_SECONDS = 60.0


async def unit_named(pool: asyncpg.Pool, entry: str) -> tuple[int, str, bool] | None:
    """The unit an entry of LINLI_REPORT_UNITS names, as (id, kind, closed); None while there is no such unit."""
    if entry.isdigit():
        row = await pool.fetchrow("select id, kind, closed_at from org_units where id = $1", int(entry))
    else:
        row, parent = None, 0
        for name in entry.split("/"):
            row = await pool.fetchrow(
                "select id, kind, closed_at from org_units where coalesce(parent_id, 0) = $1 and name = $2",
                parent,
                name.strip(),
            )
            if row is None:
                return None
            parent = row["id"]
    return None if row is None else (row["id"], row["kind"], row["closed_at"] is not None)


async def keep_unit_schedules(
    pool: asyncpg.Pool,
    temporal: Client,
    entry: str,
    timezone: str,
    task_queue: str,
    first_wait: float = _FIRST_WAIT_SECONDS,
) -> None:
    """Finds the unit (waiting for it while it is not in the tree), then keeps its two Schedules."""
    wait = first_wait
    while True:
        try:
            found = await unit_named(pool, entry)
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("cannot look for a report unit yet", extra={"unit": entry, "error": type(exc).__name__})
            found = None
        if found is not None:
            break
        log.info("report unit not in the org tree yet", extra={"unit": entry, "retry_seconds": wait})
        await asyncio.sleep(wait)
        wait = min(wait * 2, _LONGEST_WAIT_SECONDS)
    unit_id, kind, closed = found
    if kind not in REPORTING_KINDS or closed:
        why = "closed" if closed else f"a {kind}; reports are by street/town and up"
        log.error("report unit not scheduled", extra={"unit": entry, "org_unit_id": unit_id, "reason": why})
        return
    for schedule_id, schedule in contract.report_schedules(str(unit_id), timezone, task_queue):
        await keep_schedule(temporal, schedule_id, schedule)


async def keep_report_schedules(
    pool: asyncpg.Pool, temporal: Client, entries: tuple[str, ...], timezone: str, task_queue: str
) -> None:
    """Every configured unit's Schedules, each unit on its own (one not found yet holds back no other)."""
    await asyncio.gather(*(keep_unit_schedules(pool, temporal, e, timezone, task_queue) for e in entries))
