"""The wishes service's domain metrics."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from prometheus_client import Counter, Gauge

from services.wishes.store import WishStore

log = logging.getLogger(__name__)

TRANSITIONS = Counter("linli_wish_transitions_total", "Wish transitions committed, by the state entered.", ["state"])
REMINDERS = Counter(
    "linli_wish_reminders_total",
    "Reminders and escalations recorded, by kind and the state that overran.",
    ["kind", "state"],
)
# Every replica reports the same totals from the database: aggregate with max(), not sum().
WISHES = Gauge("linli_wishes", "Wishes by state and category, read from the database.", ["state", "category"])

_REFRESH_SECONDS = 15


async def refresh_wish_gauges(store: WishStore) -> None:
    """Keeps the wishes-by-state gauge current (runs for the life of the service)."""
    seen: set[tuple[str, str]] = set()
    while True:
        try:
            counts = await store.count_by_state()
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("cannot count wishes", extra={"error": type(exc).__name__})
        else:
            current = set()
            for state, category, n in counts:
                WISHES.labels(state, category).set(n)
                current.add((state, category))
            for gone in seen - current:
                WISHES.labels(*gone).set(0)
            seen |= current
        await asyncio.sleep(_REFRESH_SECONDS)
