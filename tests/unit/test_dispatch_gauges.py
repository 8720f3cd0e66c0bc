"""The dispatch gauges read from the database: tomorrow's uncovered duty by community, the oldest alert nobody has
answered, every open state at 0, and a community no longer rostered losing its series."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import cast
from zoneinfo import ZoneInfo

from prometheus_client import REGISTRY

from services.dispatch.metrics import refresh_once
from services.dispatch.store import DispatchStore

ZONE = ZoneInfo("Asia/Shanghai")


class FakeStore:
    """What refresh_once reads: community 7's tomorrow has 08:00-09:00 uncovered, community 8's week is covered."""

    def __init__(self, communities: list[int], oldest: datetime | None) -> None:
        self.communities = communities
        self.oldest = oldest

    async def count_open(self) -> list[tuple[str, str, int]]:
        return [("raised", "street", 2)]

    async def oldest_unacknowledged(self) -> datetime | None:
        return self.oldest

    async def rostered_communities(self) -> list[int]:
        return self.communities

    async def duty_gaps(
        self, community_id: int, first: date, last: date, zone: tzinfo
    ) -> dict[date, list[tuple[int, int]]]:
        days: dict[date, list[tuple[int, int]]] = {
            first + timedelta(days=n): [] for n in range((last - first).days + 1)
        }
        if community_id == 7:
            days[first + timedelta(days=1)] = [(8 * 60, 9 * 60)]
        return days


def value(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def test_tomorrows_gap_the_oldest_unanswered_alert_and_open_alerts_are_counted() -> None:
    raised = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    rostered = await refresh_once(cast(DispatchStore, FakeStore([7, 8], raised)), ZONE, set())
    assert rostered == {"7", "8"}
    assert value("linli_duty_uncovered_tomorrow", community_id="7") == 1
    assert value("linli_duty_uncovered_tomorrow", community_id="8") == 0
    assert value("linli_duty_gap_seconds", community_id="7") == 3600
    assert value("linli_alert_oldest_unacknowledged_timestamp_seconds") == raised.timestamp()
    assert value("linli_alerts_open", state="raised", escalation="street") == 2
    assert value("linli_alerts_open", state="acknowledged", escalation="volunteers") == 0

    await refresh_once(cast(DispatchStore, FakeStore([8], None)), ZONE, rostered)
    assert value("linli_duty_uncovered_tomorrow", community_id="7") is None  # removed, not frozen or 0
    assert value("linli_duty_gap_seconds", community_id="7") is None
    assert value("linli_duty_uncovered_tomorrow", community_id="8") == 0
    assert value("linli_alert_oldest_unacknowledged_timestamp_seconds") == 0
