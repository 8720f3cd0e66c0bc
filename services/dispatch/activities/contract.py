"""The contract between the ActivityService and the workflows it starts, agreed in one place as
services/wishes/contract.py explains: HolidayActivity (workflows/holiday_activity.py), one per activity, and the
two started by Temporal Schedules (workflows/activity_schedules.py) — RecurringActivityRun, one run of a
recurring activity (recurring-activity-<id>), and ActivityNoticeDigest, the daily digest of notices
(activity-notice-digest) — with the functions that build those Schedules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
)

WORKFLOW = "HolidayActivity"
CHANGED_SIGNAL = "changed"  # a committed transition (ActivityChange), relayed from the outbox
NOTICE_SIGNAL = "notice"  # a notice the service recorded itself (NoticeRecorded), relayed from the outbox
STATUS_QUERY = "status"  # -> HolidayActivityStatus

RECURRING_RUN_WORKFLOW = "RecurringActivityRun"
NOTICE_DIGEST_WORKFLOW = "ActivityNoticeDigest"
DIGEST_SCHEDULE_ID = "activity-notice-digest"
DIGEST_HOUR = 8


def workflow_id(activity_id: str) -> str:
    return f"activity-{activity_id}"


@dataclass
class ActivityLimits:
    """Seconds the parent org may take to decide before a reminder; the same again before an escalation."""

    approval_seconds: float


@dataclass
class HolidayActivityInput:
    activity_id: str
    org_unit_id: str
    limits: ActivityLimits


@dataclass
class ActivityChange:
    """A committed transition, as the outbox relays it."""

    version: int
    state: str


@dataclass
class NoticeRecorded:
    """A notice the service recorded itself (a promotion from the waiting list), as the outbox relays it."""

    sequence: int


@dataclass
class HolidayActivityStatus:
    state: str
    version: int
    steps: list[str] = field(default_factory=list)


@dataclass
class RoleNeed:
    name: str
    needed: int
    filled: int
    skills: list[int] = field(default_factory=list)


@dataclass
class ActivityTemplate:
    org_unit_id: str
    title: str
    kind: int  # linli.dispatch.v1.ActivityKind
    place: str
    capacity: int
    roles: list[RoleNeed] = field(default_factory=list)


@dataclass
class RecurringRunInput:
    recurring_activity_id: str
    template: ActivityTemplate
    lead_hours: int  # the proposed activity starts this long after the run
    duration_minutes: int


@dataclass
class NoticeDigestInput:
    """Nothing yet: the run's own time says which notices are due."""


# A run missed while Temporal was down is made up once; runs never overlap.
_ONCE_AT_A_TIME = SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1))


def digest_schedule(task_queue: str, timezone: str) -> Schedule:
    """The daily digest of activity notices (每日汇总), at 08:00 local time."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            NOTICE_DIGEST_WORKFLOW, NoticeDigestInput(), id=f"{DIGEST_SCHEDULE_ID}-run", task_queue=task_queue
        ),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(DIGEST_HOUR)])], time_zone_name=timezone),
        policy=_ONCE_AT_A_TIME,
        state=ScheduleState(note="created when the first recipient asked for a daily digest"),
    )


def schedule_id(recurring_activity_id: str) -> str:
    return f"recurring-activity-{recurring_activity_id}"


def schedule_for(
    params: RecurringRunInput, every_days: int, day_of_month: int, task_queue: str, paused: bool
) -> Schedule:
    """The Temporal Schedule of a recurring activity: every N days, or on a day of every month at 01:00 UTC."""
    if every_days:
        spec = ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(days=every_days))])
    else:
        spec = ScheduleSpec(
            calendars=[ScheduleCalendarSpec(day_of_month=[ScheduleRange(day_of_month)], hour=[ScheduleRange(1)])]
        )
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RECURRING_RUN_WORKFLOW,
            params,
            id=f"{schedule_id(params.recurring_activity_id)}-run",
            task_queue=task_queue,
        ),
        spec=spec,
        policy=_ONCE_AT_A_TIME,
        state=ScheduleState(paused=paused, note="created through ActivityService"),
    )
