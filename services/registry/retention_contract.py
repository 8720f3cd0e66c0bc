"""What the registry and the worker share about retention: the workflow that erases personal data whose retention
period has run out (PersonalDataRetention), its Temporal Schedule (personal-data-retention, every night at 03:00 in
the deployment's time zone, kept by the registry from its start), its input and its report. The service names the
workflow by these strings and never imports it."""

from __future__ import annotations

from dataclasses import dataclass, field
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

WORKFLOW = "PersonalDataRetention"
SCHEDULE_ID = "personal-data-retention"
RUN_HOUR = 3  # at night: the batches hold row locks only briefly, but nobody is waiting then anyway
# Each service's kind of erasure, as its calls answer for it (the metric's `kind`).
SERVICES = ("registry", "wishes", "dispatch")


@dataclass
class RetentionInput:
    batch_size: int = 500
    # Batches per service in one run; what is left is erased the next night (and said so in the report).
    max_batches: int = 200


@dataclass
class RetentionReport:
    """What a run erased, by service (records: deregistered members, wishes' residents, alerts' addresses), and the
    services that had more left when the run stopped."""

    erased: dict[str, int] = field(default_factory=dict)
    more_left: list[str] = field(default_factory=list)


def retention_schedule(task_queue: str, timezone: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(WORKFLOW, RetentionInput(), id=f"{SCHEDULE_ID}-run", task_queue=task_queue),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(RUN_HOUR)])], time_zone_name=timezone),
        # A night missed while Temporal was down is made up within the morning; runs never overlap.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=6)),
        state=ScheduleState(note="created by the registry at start-up: personal data erased when its retention ends"),
    )
