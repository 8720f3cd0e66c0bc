"""Report rules with no I/O: report weeks, and the CSV a district office opens in a spreadsheet."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.runtime.csv_export import csv_text
from services.runtime.errors import InvalidArgument

# The columns of the weekly export, in order: (CSV header, field of linli.registry.v1.WeeklyReport).
WEEKLY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("org_unit_id", "org_unit_id"),
    ("org_unit_name", "org_unit_name"),
    ("week_start", "week_start"),
    ("members_registered", "members_registered"),
    ("members_active", "members_active"),
    ("services", "services"),
    ("service_hours", "service_hours"),
    ("wishes_submitted", "wishes_submitted"),
    ("wishes_closed", "wishes_closed"),
    ("wishes_overdue", "wishes_overdue"),
    ("average_hours_to_claim", "average_hours_to_claim"),
    ("average_hours_to_close", "average_hours_to_close"),
    ("alerts_raised", "alerts_raised"),
    ("alerts_acknowledged", "alerts_acknowledged"),
    ("alerts_escalated", "alerts_escalated"),
    ("alerts_resolved", "alerts_resolved"),
    ("median_seconds_to_acknowledge", "median_seconds_to_acknowledge"),
    ("p90_seconds_to_acknowledge", "p90_seconds_to_acknowledge"),
    ("activities_proposed", "activities_proposed"),
    ("activities_held", "activities_held"),
    ("activities_cancelled", "activities_cancelled"),
    ("activity_sign_ups", "activity_sign_ups"),
    ("activity_check_ins", "activity_check_ins"),
    ("pairings_active", "pairings_active"),
    ("pairings_started", "pairings_started"),
    ("team_volunteer_services", "team_volunteer_services"),
    ("team_volunteer_hours", "team_volunteer_hours"),
)


def parse_week(field: str, text: str) -> date:
    """A report week is named by its Monday, 'YYYY-MM-DD'."""
    text = text.strip()
    if not text:
        raise InvalidArgument("is required (the Monday the week begins, YYYY-MM-DD)", field)
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidArgument(f"'{text[:20]}' is not a date YYYY-MM-DD", field) from exc
    if len(text) != 10:
        raise InvalidArgument(f"'{text[:20]}' is not a date YYYY-MM-DD", field)
    if day.weekday() != 0:
        raise InvalidArgument(f"{day} is a {day:%A}; report weeks begin on a Monday", field)
    return day


def week_bounds(monday: date, zone: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) in the reports' time zone."""
    start = datetime.combine(monday, time(0), ZoneInfo(zone))
    return start, datetime.combine(monday + timedelta(days=7), time(0), ZoneInfo(zone))


def week_before(moment: datetime, zone: str) -> date:
    """The last full week before a moment: what the Monday run reports."""
    today = moment.astimezone(ZoneInfo(zone)).date()
    return today - timedelta(days=today.weekday() + 7)


def year_bounds(year: int, zone: str) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=ZoneInfo(zone)), datetime(year + 1, 1, 1, tzinfo=ZoneInfo(zone))


def weekly_csv(reports: list[dict[str, Any]]) -> str:
    """Reports (in their JSON form, fields as in the proto) as CSV, one row each; a unit named like a formula is
    written so the spreadsheet shows it as text (services/runtime/csv_export.py)."""
    rows = []
    for report in reports:
        row = [
            report.get(name, 0 if name not in ("org_unit_name", "week_start", "org_unit_id") else "")
            for _, name in WEEKLY_COLUMNS
        ]
        by_state = ";".join(f"{c['name']}={c.get('count', 0)}" for c in report.get("wishes_by_state", []))
        rows.append([*row, by_state, ";".join(report.get("missing_sections", []))])
    return csv_text(rows, [header for header, _ in WEEKLY_COLUMNS] + ["wishes_by_state", "missing_sections"])


YEARLY_COLUMNS = (
    "member_id",
    "member_name",
    "community_id",
    "year",
    "services",
    "hours",
    "by_kind_and_category",
    "committed",
    "commitment_met",
)


def yearly_csv(rows: list[tuple[int, str, int, dict[str, Any]]], header: bool) -> str:
    """Stored yearly reports (in their JSON form) as CSV, one member a row; the totals by kind and category in one
    cell, "wish/culture=2:3.5h;alert=1:1h"; the service commitment (服务承诺) in one, "services=12;hours=40;post=7",
    and whether it was met ("yes", "no"; both empty without a commitment)."""

    def totals(report: dict[str, Any]) -> str:
        return ";".join(
            f"{t.get('kind', '').removeprefix('SERVICE_KIND_').lower()}"
            f"{'/' + t['category'] if t.get('category') else ''}={t.get('count', 0)}:{t.get('hours', 0):g}h"
            for t in report.get("totals", [])
        )

    def committed(report: dict[str, Any]) -> list[str]:
        commitment = report.get("commitment")
        if not commitment:
            return ["", ""]
        terms = [f"services={commitment.get('services', 0)}", f"hours={commitment.get('hours', 0):g}"]
        if commitment.get("post_id"):
            terms.append(f"post={commitment['post_id']}")
        return [";".join(terms), "yes" if report.get("commitment_met") else "no"]

    return csv_text(
        (
            [
                member_id,
                name,
                community_id,
                report.get("year", ""),
                report.get("services", 0),
                f"{report.get('hours', 0):g}",
                totals(report),
                *committed(report),
            ]
            for member_id, name, community_id, report in rows
        ),
        YEARLY_COLUMNS if header else None,
    )
