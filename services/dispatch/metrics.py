"""The dispatch service's domain metrics: alerts through their lives, time to acknowledge, duty gaps."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from prometheus_client import Counter, Gauge, Histogram

from services.dispatch.store import DispatchStore

log = logging.getLogger(__name__)

ALERTS_RAISED = Counter("linli_alerts_raised_total", "Emergency alerts raised, by kind.", ["kind"])
ALERTS_ACKNOWLEDGED = Counter("linli_alerts_acknowledged_total", "Alerts someone answered for, by kind.", ["kind"])
ALERTS_ESCALATED = Counter(
    "linli_alerts_escalated_total", "Alert escalations beyond the volunteers, by the level reached.", ["level"]
)
ALERTS_RESOLVED = Counter("linli_alerts_resolved_total", "Alerts resolved, by outcome.", ["outcome"])
ALERTS_CANCELLED = Counter("linli_alerts_cancelled_total", "Alerts cancelled as false alarms.")
SECONDS_TO_ACKNOWLEDGE = Histogram(
    "linli_alert_seconds_to_acknowledge",
    "Time from an alert being raised to its first acknowledgement.",
    buckets=(5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800),
)
# Every replica reports the same figures from the database: aggregate with max(), not sum().
ALERTS_OPEN = Gauge("linli_alerts_open", "Open alerts by state and escalation level.", ["state", "escalation"])
DUTY_GAP_HOURS = Gauge(
    "linli_duty_gap_hours", "Hours with nobody on duty in the next 7 days, by community.", ["community_id"]
)

_REFRESH_SECONDS = 15
_GAP_DAYS = 7


async def refresh_dispatch_gauges(store: DispatchStore, zone: ZoneInfo) -> None:
    """Keeps the open-alert and duty-gap gauges current (runs for the life of the service)."""
    seen: set[tuple[str, str]] = set()
    while True:
        try:
            counts = await store.count_open()
            today = datetime.now(zone).date()
            gap_hours = {
                community_id: await duty_gap_hours(store, zone, community_id, today)
                for community_id in await store.rostered_communities()
            }
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("cannot refresh dispatch gauges", extra={"error": type(exc).__name__})
        else:
            current = set()
            for state, escalation, n in counts:
                ALERTS_OPEN.labels(state, escalation).set(n)
                current.add((state, escalation))
            for gone in seen - current:
                ALERTS_OPEN.labels(*gone).set(0)
            seen |= current
            for community_id, hours in gap_hours.items():
                DUTY_GAP_HOURS.labels(str(community_id)).set(hours)
        await asyncio.sleep(_REFRESH_SECONDS)


async def duty_gap_hours(store: DispatchStore, zone: ZoneInfo, community_id: int, first: date) -> float:
    """As GetDutyGaps counts them for the next 7 days: those rostered but away count as nobody."""
    gaps = await store.duty_gaps(community_id, first, first + timedelta(days=_GAP_DAYS - 1), zone)
    return sum(end - start for day_gaps in gaps.values() for start, end in day_gaps) / 60
