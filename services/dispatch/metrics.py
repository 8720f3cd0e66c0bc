"""The dispatch service's domain metrics: alerts through their lives, time to acknowledge, duty gaps."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from prometheus_client import Counter, Gauge, Histogram

from services.dispatch.alerts.domain import ESCALATIONS, OPEN_STATES
from services.dispatch.store import DispatchStore
from services.runtime.config import AlertSettings

log = logging.getLogger(__name__)

ALERTS_RAISED = Counter("linli_alerts_raised_total", "Emergency alerts raised, by kind.", ["kind"])
ALERTS_ACKNOWLEDGED = Counter("linli_alerts_acknowledged_total", "Alerts someone answered for, by kind.", ["kind"])
ALERTS_ESCALATED = Counter(
    "linli_alerts_escalated_total", "Alert escalations beyond the volunteers, by the level reached.", ["level"]
)
ALERTS_RESOLVED = Counter("linli_alerts_resolved_total", "Alerts resolved, by outcome.", ["outcome"])
ALERTS_CANCELLED = Counter("linli_alerts_cancelled_total", "Alerts cancelled as false alarms.")
ACKNOWLEDGE_SECONDS = Histogram(
    "linli_alert_acknowledge_seconds",
    "Time from an alert being raised to its first acknowledgement.",
    buckets=(5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800),
)
# The time-outs of this deployment (LINLI_ALERT_ACK_TIMEOUT, LINLI_ALERT_STAFF_TIMEOUT), so an alert rule's threshold
# follows the platform's own settings instead of a number copied into the rule.
ACKNOWLEDGE_LIMIT = Gauge(
    "linli_alert_acknowledge_limit_seconds",
    "How long each one called may take to answer an alert before the next is called, by who is called "
    "(volunteer, staff).",
    ["called"],
)
# Every replica reports the same figures from the database: aggregate with max(), not sum() (docs/metrics.md).
ALERTS_OPEN = Gauge(
    "linli_alerts_open", "Open alerts by state and escalation level, read from the database.", ["state", "escalation"]
)
OLDEST_UNACKNOWLEDGED = Gauge(
    "linli_alert_oldest_unacknowledged_timestamp_seconds",
    "When the oldest alert nobody has acknowledged yet was raised (Unix time; 0: none waits), read from the database.",
)
DUTY_GAP_SECONDS = Gauge(
    "linli_duty_gap_seconds",
    "Time with nobody on duty in the next 7 days, by community, read from the database.",
    ["community_id"],
)
DUTY_UNCOVERED_TOMORROW = Gauge(
    "linli_duty_uncovered_tomorrow",
    "1 when some stretch of tomorrow (local time) has nobody on duty, else 0, by community, read from the database.",
    ["community_id"],
)

_REFRESH_SECONDS = 15
_GAP_DAYS = 7


def export_alert_limits(alerts: AlertSettings) -> None:
    ACKNOWLEDGE_LIMIT.labels("volunteer").set(alerts.ack_timeout.total_seconds())
    ACKNOWLEDGE_LIMIT.labels("staff").set(alerts.staff_timeout.total_seconds())


async def refresh_dispatch_gauges(store: DispatchStore, zone: ZoneInfo) -> None:
    """Keeps the open-alert and duty gauges current (runs for the life of the service)."""
    # Every open state and level is a series from the start, so "none open" reads 0, not "no data".
    for state in OPEN_STATES:
        for escalation in ESCALATIONS.values():
            ALERTS_OPEN.labels(state, escalation)
    for level in ESCALATIONS.values():
        if level != "volunteers":  # calling the next volunteer is not an escalation
            ALERTS_ESCALATED.labels(level)
    rostered: set[str] = set()
    while True:
        try:
            rostered = await refresh_once(store, zone, rostered)
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("cannot refresh dispatch gauges", extra={"error": type(exc).__name__})
        await asyncio.sleep(_REFRESH_SECONDS)


async def refresh_once(store: DispatchStore, zone: ZoneInfo, rostered: set[str]) -> set[str]:
    """Reads the figures once and sets the gauges; takes and returns the communities rostered, whose series a
    community that is no longer rostered loses (removed, rather than frozen at its last value)."""
    counts = await store.count_open()
    oldest = await store.oldest_unacknowledged()
    today = datetime.now(zone).date()
    gaps = {
        str(community_id): await duty_gaps_by_day(store, zone, community_id, today)
        for community_id in await store.rostered_communities()
    }
    open_now = {(state, escalation): n for state, escalation, n in counts}
    for state in OPEN_STATES:
        for escalation in ESCALATIONS.values():
            ALERTS_OPEN.labels(state, escalation).set(open_now.get((state, escalation), 0))
    OLDEST_UNACKNOWLEDGED.set(oldest.timestamp() if oldest else 0)
    tomorrow = today + timedelta(days=1)
    for community_id, by_day in gaps.items():
        DUTY_GAP_SECONDS.labels(community_id).set(sum(by_day.values()))
        DUTY_UNCOVERED_TOMORROW.labels(community_id).set(1 if by_day.get(tomorrow) else 0)
    for gone in rostered - set(gaps):
        DUTY_GAP_SECONDS.remove(gone)
        DUTY_UNCOVERED_TOMORROW.remove(gone)
    return set(gaps)


async def duty_gaps_by_day(store: DispatchStore, zone: ZoneInfo, community_id: int, first: date) -> dict[date, int]:
    """Seconds nobody covers on each of the 7 days from `first`, as GetDutyGaps counts them (those rostered but
    away count as nobody)."""
    gaps = await store.duty_gaps(community_id, first, first + timedelta(days=_GAP_DAYS - 1), zone)
    return {day: 60 * sum(end - start for start, end in day_gaps) for day, day_gaps in gaps.items()}


async def duty_gap_seconds(store: DispatchStore, zone: ZoneInfo, community_id: int, first: date) -> int:
    """The next 7 days' time with nobody on duty, in seconds: what `linli_duty_gap_seconds` reports."""
    return sum((await duty_gaps_by_day(store, zone, community_id, first)).values())
