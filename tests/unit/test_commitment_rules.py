"""Service commitments (服务承诺): on track or lagging by the share of the year gone by, met in full, missed once the
year is over; what a commitment may hold and for which year."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.registry.commitments import domain
from services.registry.commitments.domain import Commitment
from services.registry.reports.domain import year_bounds
from services.runtime.errors import InvalidArgument

ZONE = "Asia/Shanghai"
SHANGHAI = ZoneInfo(ZONE)


def _commitment(services: int = 0, hours: float = 0.0, post_id: int | None = None) -> Commitment:
    return Commitment(
        1, 2026, post_id, "扶贫帮困" if post_id else "", services, hours, datetime(2026, 1, 5, tzinfo=UTC)
    )


def _share(local: datetime) -> float:
    start, end = year_bounds(2026, ZONE)
    return domain.elapsed_share(local, start, end)


def test_the_share_of_the_year_is_counted_in_the_deployments_time_zone() -> None:
    start, _ = year_bounds(2026, ZONE)
    assert _share(start) == 0.0
    # 31 Dec 2025 17:00 UTC is already 1 January in Shanghai: a moment into the year, not before it.
    assert 0 < _share(datetime(2025, 12, 31, 17, 0, tzinfo=UTC)) < 0.001
    assert _share(datetime(2025, 12, 31, 15, 0, tzinfo=UTC)) == 0.0
    assert _share(datetime(2027, 3, 1, tzinfo=UTC)) == 1.0
    assert 0.49 < _share(datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)) < 0.5


def test_twelve_services_committed_five_done_by_july_is_on_track_and_four_is_lagging() -> None:
    half = _share(datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI))
    twelve = _commitment(services=12)
    assert domain.progress(twelve, 5, 0.0, False, half).standing == domain.ON_TRACK
    assert domain.progress(twelve, 4, 0.0, False, half).standing == domain.LAGGING


def test_hours_keep_pace_to_a_tenth_of_an_hour() -> None:
    forty = _commitment(hours=40.0)
    assert domain.progress(forty, 0, 20.0, False, 0.5).standing == domain.ON_TRACK
    assert domain.progress(forty, 0, 19.9, False, 0.5).standing == domain.LAGGING


def test_a_commitment_done_in_full_is_met_before_the_year_ends() -> None:
    both = _commitment(services=3, hours=6.0)
    assert domain.progress(both, 3, 6.0, False, 0.2).standing == domain.MET
    assert domain.progress(both, 3, 5.0, False, 0.2).standing == domain.ON_TRACK


def test_a_year_over_with_something_not_done_is_missed() -> None:
    progress = domain.progress(_commitment(services=10), 9, 30.0, False, 1.0)
    assert progress.standing == domain.MISSED


def test_a_committed_post_counts_only_while_it_is_held() -> None:
    post = _commitment(post_id=7)
    assert domain.progress(post, 0, 0.0, True, 0.5).standing == domain.MET
    assert domain.progress(post, 0, 0.0, False, 0.5).standing == domain.LAGGING
    assert not domain.met(post, 100, 100.0, False)


def test_early_in_the_year_no_whole_service_is_due_yet() -> None:
    assert domain.progress(_commitment(services=12), 0, 0.0, False, 0.05).standing == domain.ON_TRACK
    assert domain.progress(_commitment(services=12), 0, 0.0, False, 0.09).standing == domain.LAGGING


@pytest.mark.parametrize(
    ("services", "hours", "post", "field"),
    [
        (0, 0.0, False, "services"),
        (-1, 0.0, False, "services"),
        (1001, 0.0, False, "services"),
        (0, -0.5, False, "hours"),
        (0, 2000.5, False, "hours"),
        (0, float("nan"), False, "hours"),
    ],
)
def test_a_commitment_must_commit_to_something_within_bounds(
    services: int, hours: float, post: bool, field: str
) -> None:
    with pytest.raises(InvalidArgument) as raised:
        domain.check_terms(services, hours, post)
    assert raised.value.field == field


def test_a_post_alone_is_a_commitment() -> None:
    domain.check_terms(0, 0.0, True)


def test_a_commitment_is_for_this_year_or_next() -> None:
    domain.check_year(2026, 2026)
    domain.check_year(2027, 2026)
    for year in (2025, 2028):
        with pytest.raises(InvalidArgument) as raised:
            domain.check_year(year, 2026)
        assert raised.value.field == "year"
