"""The activities' domain metrics, exported by the dispatch service."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from prometheus_client import Counter, Gauge

from services.dispatch.activities.domain import KINDS, NOTICE_KINDS, STATES
from services.dispatch.activities.store import ActivityStore

log = logging.getLogger(__name__)

TRANSITIONS = Counter(
    "linli_activity_transitions_total", "Activity transitions committed, by the state entered.", ["state"]
)
SIGN_UPS = Counter(
    "linli_activity_sign_ups_total",
    "Sign-ups taken, withdrawn and promoted from the waiting list, by outcome and kind (participant or volunteer).",
    ["outcome", "kind"],
)
CHECK_INS = Counter("linli_activity_check_ins_total", "Check-ins (签到), by kind (participant or volunteer).", ["kind"])
CHECK_OUTS = Counter(
    "linli_activity_check_outs_total", "Check-outs (签退), by kind (participant or volunteer).", ["kind"]
)
NOTICE_DELIVERIES = Counter(
    "linli_activity_notice_deliveries_total",
    "Activity notices the gateway took (delivered) or refused for good, or that were given up on after six hours "
    "of retries (given_up), per recipient, by notice kind.",
    ["notice_kind", "outcome"],
)
NOTICE_OUTCOMES = ("delivered", "refused", "given_up")
# Every replica reports the same totals from the database: aggregate with max(), not sum() (docs/metrics.md).
ACTIVITIES = Gauge("linli_activities", "Activities by state and kind, read from the database.", ["state", "kind"])

_REFRESH_SECONDS = 15


async def refresh_activity_gauges(store: ActivityStore) -> None:
    """Keeps the activities-by-state gauge current (runs for the life of the service)."""
    # Every kind and outcome of a notice is a series from the start, so the first refusal is an increase.
    for notice_kind in NOTICE_KINDS.values():
        for outcome in NOTICE_OUTCOMES:
            NOTICE_DELIVERIES.labels(notice_kind, outcome)
    seen = {(state, kind) for state in STATES.values() for kind in KINDS.values()}
    for state, kind in seen:
        ACTIVITIES.labels(state, kind)  # "none in this state" reads 0, not "no data"
    for kind in ("participant", "volunteer"):
        CHECK_INS.labels(kind)
        CHECK_OUTS.labels(kind)
    while True:
        try:
            counts = await store.count_by_state()
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("cannot count activities", extra={"error": type(exc).__name__})
        else:
            current = set()
            for state, kind, n in counts:
                ACTIVITIES.labels(state, kind).set(n)
                current.add((state, kind))
            for gone in seen - current:
                ACTIVITIES.labels(*gone).set(0)
            seen |= current
        await asyncio.sleep(_REFRESH_SECONDS)
