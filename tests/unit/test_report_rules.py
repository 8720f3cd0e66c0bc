"""Report rules with no I/O: a report week named by its Monday and run in local time, the Monday and January
schedules, and the weekly export's CSV, which hands the district office's spreadsheet no formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from services.registry.reports.contract import report_schedules
from services.registry.reports.domain import parse_week, week_before, week_bounds, weekly_csv
from services.runtime.errors import InvalidArgument


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is required"),
        ("2026-06-16", "is a Tuesday"),
        ("2026-6-15", "is not a date"),
        ("next week", "is not a date"),
    ],
)
def test_a_report_week_is_named_by_its_monday(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_week("week_start", text)
    assert error.value.field == "week_start" and message in error.value.message
    assert parse_week("week_start", "2026-06-15") == date(2026, 6, 15)


def test_a_report_week_runs_from_monday_midnight_local_time() -> None:
    start, end = week_bounds(date(2026, 6, 15), "Asia/Shanghai")
    assert start.astimezone(UTC) == datetime(2026, 6, 14, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(days=7)


def test_the_monday_run_reports_the_week_before_in_local_time() -> None:
    # Monday 01:00 in Shanghai is still Sunday in UTC: the week reported is the one that just ended there.
    assert week_before(datetime(2026, 6, 21, 17, 0, tzinfo=UTC), "Asia/Shanghai") == date(2026, 6, 15)
    assert week_before(datetime(2026, 6, 24, 12, 0, tzinfo=UTC), "Asia/Shanghai") == date(2026, 6, 15)


def test_reports_are_scheduled_on_monday_and_on_the_second_of_january_local_time() -> None:
    (weekly_id, weekly), (yearly_id, yearly) = report_schedules("2", "Asia/Shanghai", "linli")
    assert (weekly_id, yearly_id) == ("reports-weekly-2", "reports-yearly-2")
    assert weekly.spec.calendars[0].day_of_week[0].start == 1 and weekly.spec.time_zone_name == "Asia/Shanghai"
    assert (yearly.spec.calendars[0].month[0].start, yearly.spec.calendars[0].day_of_month[0].start) == (1, 2)


def test_the_export_has_a_header_and_a_row_per_report() -> None:
    text = weekly_csv(
        [
            {
                "org_unit_id": "2",
                "org_unit_name": "咸安区",
                "week_start": "2026-06-15",
                "services": 3,
                "service_hours": 4.5,
                "wishes_by_state": [{"name": "approved", "count": 1}],
                "missing_sections": ["alerts"],
            },
            {"org_unit_id": "3", "org_unit_name": "温泉街道", "week_start": "2026-06-15"},
        ]
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [
        (r["org_unit_name"], r["services"], r["service_hours"], r["wishes_by_state"], r["missing_sections"])
        for r in rows
    ] == [
        ("咸安区", "3", "4.5", "approved=1", "alerts"),
        ("温泉街道", "0", "0", "", ""),
    ]


def test_a_unit_named_like_a_formula_is_written_as_text() -> None:
    text = weekly_csv(
        [
            {"org_unit_id": "7", "org_unit_name": "=cmd|' /C calc'!A0", "week_start": "2026-06-15"},
            {"org_unit_id": "8", "org_unit_name": "@SUM(A1:A9)", "missing_sections": ["-alerts"]},
            {"org_unit_id": "9", "org_unit_name": "温泉街道", "services": 3},
        ]
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["org_unit_name"] for r in rows] == ["'=cmd|' /C calc'!A0", "'@SUM(A1:A9)", "温泉街道"]
    assert rows[1]["missing_sections"] == "'-alerts"
    assert rows[2]["services"] == "3"
