"""Care pairs' metrics: pairs by state and overdue (read from the database), visits and missed periods counted."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from prometheus_client import Counter, Gauge

from services.registry.care.store import CareStore

log = logging.getLogger(__name__)

VISITS = Counter("linli_care_visits_recorded_total", "Care visits recorded (a retry is not counted).")
MISSES = Counter(
    "linli_care_visits_missed_total",
    "Cadence periods that ran out with no visit, by who was told (carers: reminded; office: told after the grace).",
    ["told"],
)
# Every replica reports the same totals from the database: aggregate with max(), not sum().
PAIRS = Gauge("linli_care_pairs", "Care pairs by state, read from the database.", ["state"])
OVERDUE = Gauge("linli_care_pairs_overdue", "Active care pairs whose next visit is past due, read from the database.")

_REFRESH_SECONDS = 15


async def refresh_care_gauges(store: CareStore) -> None:
    """Keeps the pairs-by-state and overdue gauges current (runs for the life of the service)."""
    for state in ("active", "ended"):
        PAIRS.labels(state).set(0)
    for told in ("carers", "office"):
        MISSES.labels(told)
    while True:
        try:
            counts = dict(await store.count_by_state())
            overdue = await store.count_overdue()
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("cannot count care pairs", extra={"error": type(exc).__name__})
        else:
            for state in ("active", "ended"):
                PAIRS.labels(state).set(counts.get(state, 0))
            OVERDUE.set(overdue)
        await asyncio.sleep(_REFRESH_SECONDS)
