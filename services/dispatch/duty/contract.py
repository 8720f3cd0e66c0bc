"""What dispatch and the worker share about duty: the workflow that tells each community's office of an uncovered duty
day the day before (DutyGapNotice), its Temporal Schedule (duty-gap-notice, every day at 18:00 in the deployment's
time zone, created by dispatch at start-up) and its input. The service names the workflow by these strings and never
imports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)

WORKFLOW = "DutyGapNotice"
SCHEDULE_ID = "duty-gap-notice"
NOTICE_HOUR = 18  # the evening before: time to find someone for tomorrow


@dataclass
class DutyGapNoticeInput:
    """Nothing yet: the run's own start time says which day is tomorrow."""


def duty_gap_schedule(task_queue: str, timezone: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            WORKFLOW, DutyGapNoticeInput(), id=f"{SCHEDULE_ID}-run", task_queue=task_queue
        ),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(NOTICE_HOUR)])], time_zone_name=timezone),
        # A run missed while Temporal was down is made up within the evening; runs never overlap.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=4)),
        state=ScheduleState(note="created by dispatch at start-up: uncovered duty days told the day before"),
    )
