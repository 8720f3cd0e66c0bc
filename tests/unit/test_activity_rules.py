"""Activity rules with no I/O: times, moves, the summary, recurring schedules, and notices' recipients and digests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from temporalio.client import ScheduleOverlapPolicy

from services.dispatch.activities import domain
from services.dispatch.activities.contract import ActivityTemplate, RecurringRunInput, RoleNeed, schedule_for
from services.dispatch.activities.recurring_store import Recurring
from workflows.activity_steps import VolunteerService

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


def test_a_recurring_activity_runs_every_few_days_or_monthly_without_overlapping() -> None:
    run = RecurringRunInput("7", ActivityTemplate("4", "小型活动", 2, "红色驿站", 30, [RoleNeed("host", 1, 0)]), 48, 90)
    every_three = schedule_for(run, every_days=3, day_of_month=0, task_queue="linli", paused=False)
    assert every_three.spec.intervals[0].every == timedelta(days=3)
    assert every_three.policy.overlap == ScheduleOverlapPolicy.SKIP
    monthly = schedule_for(run, every_days=0, day_of_month=1, task_queue="linli", paused=True)
    assert monthly.spec.calendars[0].day_of_month[0].start == 1
    assert monthly.state.paused


def test_a_recurring_activity_whose_schedule_is_behind_its_last_change_says_so() -> None:
    template = {"org_unit_id": "4", "title": "小型活动", "kind": 2, "place": "红色驿站", "capacity": 30}
    row = Recurring(7, 4, ("1", "4"), template, 3, 0, 48, 90, False, START, version=3, schedule_version=2)
    assert row.message().schedule_pending and row.message().version == 3
    assert not row.message().HasField("delete_time")
    caught_up = dataclasses.replace(row, schedule_version=3, deleted_at=START + timedelta(days=1))
    assert not caught_up.message().schedule_pending and caught_up.message().delete_time.seconds > 0
    assert row.run_input().template.title == "小型活动" and row.run_input().recurring_activity_id == "7"


def test_a_notice_recipient_is_a_member_a_resident_or_an_org() -> None:
    assert domain.check_recipient("member:0012") == "member:12"
    assert domain.check_recipient(" org:4 ") == "org:4"
    assert domain.check_recipient("resident:app-77") == "resident:app-77"
    for wrong in ("", "member:", "member:abc", "phone:13800000000", "resident:", "resident:" + "x" * 65, "org:-1"):
        assert domain.check_recipient(wrong) is None, wrong


def test_only_notices_with_nothing_to_do_today_may_wait_for_a_digest() -> None:
    assert domain.DIGEST_KINDS <= set(domain.NOTICE_KINDS.values())
    assert not domain.DIGEST_KINDS & {"cancelled", "promoted", "reminder_day_before", "reminder_hour_before"}


def test_a_sign_up_names_its_person_by_id_a_team_volunteer_as_alerts_call_them() -> None:
    assert domain.recipient_of(12, None) == "member:12"
    assert domain.recipient_of(None, "front-7") == "resident:front-7"
    assert domain.recipient_of(None, None, 34) == "volunteer:34"
    assert domain.Signer(team_id=3, team_member_id=34).field == "team_member_id"
    assert domain.Signer(member_id=12).field == "member_id"
    assert domain.Signer(resident_ref="front-7").field == "resident_ref"


def test_a_volunteers_close_out_step_keeps_a_members_request_id_and_gives_a_team_volunteer_their_own() -> None:
    # A member's request id is what it was before team volunteers came, so stored histories replay unchanged.
    assert VolunteerService("12", "steward").key == "12"
    assert VolunteerService("", "steward", 2.0, "34").key == "volunteer:34"
