"""The wishes service's domain metrics."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import asyncpg
from prometheus_client import Counter, Gauge, Histogram

from services.wishes.domain import CATEGORIES, STATES, Wish
from services.wishes.store import WishStore

log = logging.getLogger(__name__)

TRANSITIONS = Counter(
    "linli_wish_transitions_total",
    "Wish transitions committed, by the state entered and category.",
    ["state", "category"],
)
STATE_SECONDS = Histogram(
    "linli_wish_state_seconds",
    "Time wishes spent in a state, observed when they leave it.",
    ["state"],
    buckets=(60, 600, 3600, 6 * 3600, 86400, 2 * 86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400),
)
SLA_BREACHES = Counter(
    "linli_wish_sla_breaches_total",
    "Limits passed (a wish waited too long in a state, or a claim ran past its deadline), by state and category.",
    ["state", "category"],
)
ESCALATIONS = Counter(
    "linli_wish_escalations_total",
    "Escalations up the org tree, by state, category and the level escalated to (parent: not named).",
    ["state", "category", "level"],
)
REMINDERS = Counter(
    "linli_wish_reminders_total",
    "Reminders and escalations recorded, by kind and the state that overran.",
    ["kind", "state"],
)
DUPLICATES_SCORED = Histogram(
    "linli_wish_duplicate_candidates_scored",
    "Open wishes a new wish's duplicate check scored its text against (bounded per submission; retries score none).",
    buckets=(0, 5, 10, 25, 50, 100, 250, 500),
)
# Every replica reports the same totals from the database: aggregate with max(), not sum() (docs/metrics.md).
WISHES = Gauge("linli_wishes", "Wishes by state and category, read from the database.", ["state", "category"])
OVERDUE = Gauge(
    "linli_wishes_overdue", "Open wishes past their deadline, by category, read from the database.", ["category"]
)


def observe_transition(from_state: str, wish: Wish, entered_at: datetime) -> None:
    TRANSITIONS.labels(wish.state, wish.category or "").inc()
    STATE_SECONDS.labels(from_state).observe(max(0.0, (wish.updated_at - entered_at).total_seconds()))


_REFRESH_SECONDS = 15


# The states a limit can pass in, and the levels an escalation names ("parent": a release-3 wish's one escalation).
_WAITING = ("submitted", "approved", "published", "claimed")
_LEVELS = ("grid", "community", "street", "district", "city", "parent")


def initialise_wish_counters() -> None:
    """Every known label set of the limit counters at 0 from the start: a dashboard shows "none yet" as 0."""
    categories = ("", *CATEGORIES.values())
    for state in _WAITING:
        for kind in ("reminder", "escalation"):
            REMINDERS.labels(kind, state)
        for category in categories:
            SLA_BREACHES.labels(state, category)
            for level in _LEVELS:
                ESCALATIONS.labels(state, category, level)


async def refresh_wish_gauges(store: WishStore) -> None:
    """Keeps the wishes-by-state gauge current (runs for the life of the service)."""
    initialise_wish_counters()
    # Every state and category is a series from the start, so "none" reads 0, not "no data".
    seen = {(state, category) for state in STATES.values() for category in CATEGORIES.values()}
    overdue_seen = set(CATEGORIES.values())
    for state, category in seen:
        WISHES.labels(state, category)
    for category in overdue_seen:
        OVERDUE.labels(category)
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
        try:
            overdue = dict(await store.count_overdue())
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("cannot count overdue wishes", extra={"error": type(exc).__name__})
        else:
            for category in set(overdue) | overdue_seen:
                OVERDUE.labels(category).set(overdue.get(category, 0))
            overdue_seen |= set(overdue)
        await asyncio.sleep(_REFRESH_SECONDS)
