"""Activity and report rules with no I/O: times, moves, the summary, report weeks, the CSV, schedules."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.client import ScheduleOverlapPolicy

from services.dispatch.activities import domain
from services.dispatch.activities.contract import ActivityTemplate, RecurringRunInput, RoleNeed, schedule_for
from services.registry.reports.contract import report_schedules
from services.registry.reports.domain import parse_week, week_before, week_bounds, weekly_csv
from services.runtime.errors import InvalidArgument

START = datetime(2026, 6, 19, 9, 0, tzinfo=UTC)  # 端午 2026


def activity(**changes: object) -> domain.Activity:
    fields: dict[str, object] = {
        "id": 1,
        "org_unit_id": 4,
        "org_path": ("1", "2", "3", "4"),
        "title": "端午粽飘香",
        "kind": "holiday",
        "place": "幸福里",
        "start_time": START,
        "end_time": START + timedelta(hours=3, minutes=30),
        "signup_deadline": START - timedelta(days=1),
        "capacity": 100,
        "state": "published",
        "reject_reason": "",
        "cancel_reason": "",
        "summary": "",
        "recurring_activity_id": None,
        "created_at": START,
        "updated_at": START,
        "version": 3,
    }
    fields.update(changes)
    return domain.Activity(**fields)  # type: ignore[arg-type]


def test_an_activity_must_end_after_it_starts_within_a_week_and_close_sign_ups_before() -> None:
    assert domain.check_times(START, START + timedelta(hours=2), START) is None
    assert domain.check_times(START, START, START)[0] == "end_time"  # type: ignore[index]
    assert domain.check_times(START, START + timedelta(days=8), START)[0] == "end_time"  # type: ignore[index]
    assert domain.check_times(START, START + timedelta(hours=1), START + timedelta(minutes=1))[0] == "signup_deadline"  # type: ignore[index]


def test_the_length_of_the_activity_is_the_most_a_volunteer_is_credited_with() -> None:
    assert activity().hours == 3.5


def test_a_volunteers_hours_run_from_check_in_to_check_out_within_the_activity_in_quarter_hours() -> None:
    end = START + timedelta(hours=3, minutes=30)

    def hours(checked_in: timedelta, checked_out: timedelta | None) -> float:
        return domain.volunteer_hours(START, end, START + checked_in, START + checked_out if checked_out else None)

    assert hours(timedelta(0), timedelta(hours=2)) == 2.0
    assert hours(timedelta(minutes=10), timedelta(hours=1)) == 1.0  # 50 minutes: rounded up to the quarter
    assert hours(-timedelta(minutes=40), timedelta(hours=1)) == 1.0  # came early: counted from the start
    assert hours(timedelta(hours=1), timedelta(hours=6)) == 2.5  # stayed late: counted to the end
    assert hours(timedelta(hours=1), None) == 2.5  # never checked out: taken to have stayed to the end
    assert hours(-timedelta(hours=1), None) == 3.5  # the whole activity, and never more
    assert hours(timedelta(minutes=5), timedelta(minutes=6)) == 0.25  # came at all: a quarter hour at least
    assert hours(timedelta(hours=4), None) == 0.25  # checked in after the end, before the close-out


def test_the_summary_gives_attendance_of_participants_and_of_volunteers_per_role_with_their_hours() -> None:
    roles = [domain.RoleAttendance("steward", 4, 3, 9.5), domain.RoleAttendance("first aid", 2, 2, 7.0)]
    text = domain.summary(activity(), signed_up=80, came=60, roles=roles)
    assert text == (
        "端午粽飘香 at 幸福里: 60 of 80 signed-up participants came (75%); 5 of 6 volunteers came, 16.5 h recorded "
        "(steward 3 of 4, 9.5 h, first aid 2 of 2, 7 h)"
    )
    assert domain.summary(activity(), 0, 0, []) == "端午粽飘香 at 幸福里: 0 of 0 signed-up participants came (n/a)"


def test_cancel_is_possible_at_every_step_before_close_out_and_none_after() -> None:
    assert domain.CANCEL.from_states == set(domain.STATES.values()) - domain.FINAL_STATES
    for move in domain.STEPS.values():
        assert not move.from_states & domain.FINAL_STATES


def test_every_step_the_workflow_names_is_a_step_of_the_api() -> None:
    assert set(domain.STEPS_BY_NAME.values()) == set(domain.STEPS.values())


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


def test_a_recurring_activity_runs_every_few_days_or_monthly_without_overlapping() -> None:
    run = RecurringRunInput("7", ActivityTemplate("4", "小型活动", 2, "红色驿站", 30, [RoleNeed("host", 1, 0)]), 48, 90)
    every_three = schedule_for(run, every_days=3, day_of_month=0, task_queue="linli", paused=False)
    assert every_three.spec.intervals[0].every == timedelta(days=3)
    assert every_three.policy.overlap == ScheduleOverlapPolicy.SKIP
    monthly = schedule_for(run, every_days=0, day_of_month=1, task_queue="linli", paused=True)
    assert monthly.spec.calendars[0].day_of_month[0].start == 1
    assert monthly.state.paused


def test_reports_are_scheduled_on_monday_and_on_the_second_of_january_local_time() -> None:
    (weekly_id, weekly), (yearly_id, yearly) = report_schedules("2", "Asia/Shanghai", "linli")
    assert (weekly_id, yearly_id) == ("reports-weekly-2", "reports-yearly-2")
    assert weekly.spec.calendars[0].day_of_week[0].start == 1 and weekly.spec.time_zone_name == "Asia/Shanghai"
    assert (yearly.spec.calendars[0].month[0].start, yearly.spec.calendars[0].day_of_month[0].start) == (1, 2)


def test_a_notice_recipient_is_a_member_a_resident_or_an_org() -> None:
    assert domain.check_recipient("member:0012") == "member:12"
    assert domain.check_recipient(" org:4 ") == "org:4"
    assert domain.check_recipient("resident:app-77") == "resident:app-77"
    for wrong in ("", "member:", "member:abc", "phone:13800000000", "resident:", "resident:" + "x" * 65, "org:-1"):
        assert domain.check_recipient(wrong) is None, wrong


def test_only_notices_with_nothing_to_do_today_may_wait_for_a_digest() -> None:
    assert domain.DIGEST_KINDS <= set(domain.NOTICE_KINDS.values())
    assert not domain.DIGEST_KINDS & {"cancelled", "promoted", "reminder_day_before", "reminder_hour_before"}
