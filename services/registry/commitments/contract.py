"""What the registry and the worker share about service commitments (服务承诺): the mid-year check that reminds the
members whose commitment lags and tells each community's office how many lag (CommitmentCheck,
workflows/commitment_check.py), its Temporal Schedule (commitment-check, 1 July 09:00 in the deployment's time zone,
kept by the registry from its start) and its input. The registry names the workflow by these strings and never
imports it; the input travels as JSON in histories: add fields with defaults, never rename or remove one."""

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

WORKFLOW = "CommitmentCheck"
SCHEDULE_ID = "commitment-check"
# Mid-year: half the year is left to catch up, and the morning reaches offices while they are open.
CHECK_MONTH, CHECK_DAY, CHECK_HOUR = 7, 1, 9


@dataclass
class CommitmentCheckInput:
    """Empty when the Schedule starts it: the run's start says which year. A run continued as new carries where it
    got to: the year, the next page of lagging commitments, and how many lag in each community so far."""

    year: int = 0
    page_token: str = ""
    lagging_by_community: dict[str, int] = field(default_factory=dict)


def commitment_check_schedule(task_queue: str, timezone: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            WORKFLOW, CommitmentCheckInput(), id=f"{SCHEDULE_ID}-run", task_queue=task_queue
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    month=[ScheduleRange(CHECK_MONTH)],
                    day_of_month=[ScheduleRange(CHECK_DAY)],
                    hour=[ScheduleRange(CHECK_HOUR)],
                )
            ],
            time_zone_name=timezone,
        ),
        # A run missed while Temporal was down is made up within the week; runs never overlap.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=7)),
        state=ScheduleState(note="kept by the registry from its start: lagging service commitments told mid-year"),
    )
