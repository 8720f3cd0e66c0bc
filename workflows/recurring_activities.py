"""Recurring activities: a community's rhythm ("a small activity every three days, a big one every five",
monthly party lessons 三会一课) as Temporal Schedules. Each run of schedule recurring-activity-<id> starts a
RecurringActivityRun, which proposes one activity from the template through ActivityService; that
activity then has its own HolidayActivity workflow.

The daily digest of activity notices is a schedule too (activity-notice-digest, 08:00 in dispatch's time zone):
each run sends every recipient who asked for it their held non-urgent notices in one notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
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

    from workflows.activity_activities import (
        ActivityActivities,
        DigestRun,
        NoticeOutcome,
        RoleNeed,
        TemplateProposal,
    )
    from workflows.holiday_activity import NOTICE_HEARTBEAT, NOTICE_RETRY, NOTICE_SCHEDULE_TO_CLOSE


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


DIGEST_SCHEDULE_ID = "activity-notice-digest"
DIGEST_HOUR = 8


@dataclass
class NoticeDigestInput:
    """Nothing yet: the run's own time says which notices are due."""


def digest_schedule(task_queue: str, timezone: str) -> Schedule:
    """The daily digest of activity notices (每日汇总), at 08:00 local time."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ActivityNoticeDigest.run, NoticeDigestInput(), id=f"{DIGEST_SCHEDULE_ID}-run", task_queue=task_queue
        ),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(DIGEST_HOUR)])], time_zone_name=timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
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
            RecurringActivityRun.run,
            params,
            id=f"{schedule_id(params.recurring_activity_id)}-run",
            task_queue=task_queue,
        ),
        spec=spec,
        # A run missed while Temporal was down is made up once; runs never overlap.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
        state=ScheduleState(paused=paused, note="created through ActivityService"),
    )


@workflow.defn
class RecurringActivityRun:
    @workflow.run
    async def run(self, params: RecurringRunInput) -> str:
        # The run's own start time, fixed in its history: the same on every replay and retry.
        start = workflow.info().start_time + timedelta(hours=params.lead_hours)
        return await workflow.execute_activity_method(
            ActivityActivities.propose_from_template,
            TemplateProposal(
                # One proposal per scheduled run, however often the activity is retried.
                request_id=workflow.info().workflow_id,
                recurring_activity_id=params.recurring_activity_id,
                org_unit_id=params.template.org_unit_id,
                title=params.template.title,
                kind=params.template.kind,
                place=params.template.place,
                capacity=params.template.capacity,
                roles=params.template.roles,
                start_time=start.timestamp(),
                end_time=(start + timedelta(minutes=params.duration_minutes)).timestamp(),
                signup_deadline=(start - timedelta(hours=2)).timestamp(),
            ),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=20),
        )


@workflow.defn
class ActivityNoticeDigest:
    @workflow.run
    async def run(self, params: NoticeDigestInput) -> NoticeOutcome:
        # Notices recorded before the run's start: the same set on every retry, so the same idempotency keys.
        return await workflow.execute_activity_method(
            ActivityActivities.send_notice_digests,
            DigestRun(before=workflow.info().start_time.timestamp()),
            start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=NOTICE_HEARTBEAT,
            schedule_to_close_timeout=NOTICE_SCHEDULE_TO_CLOSE,
            retry_policy=NOTICE_RETRY,
        )
