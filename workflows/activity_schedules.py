"""The workflows Temporal Schedules start for activities (their Schedules are built by the ActivityService's
contract, services/dispatch/activities/contract.py).

RecurringActivityRun: a community's rhythm ("a small activity every three days, a big one every five", monthly
party lessons 三会一课) — each run of schedule recurring-activity-<id> proposes one activity from the template
through ActivityService; that activity then has its own HolidayActivity workflow.

ActivityNoticeDigest: the daily digest of activity notices (activity-notice-digest, 08:00 in the deployment's time
zone) — each run sends every recipient who asked for it their held non-urgent notices in one notice.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from services.dispatch.activities.contract import (
        NOTICE_DIGEST_WORKFLOW,
        RECURRING_RUN_WORKFLOW,
        NoticeDigestInput,
        RecurringRunInput,
    )
    from workflows.activity_notice_steps import ActivityNoticeSteps
    from workflows.activity_steps import ActivitySteps, DigestRun, NoticeOutcome, TemplateProposal
    from workflows.notices import NOTICE_HEARTBEAT, NOTICE_RETRY, NOTICE_SCHEDULE_TO_CLOSE


@workflow.defn(name=RECURRING_RUN_WORKFLOW)
class RecurringActivityRun:
    @workflow.run
    async def run(self, params: RecurringRunInput) -> str:
        # The run's own start time, fixed in its history: the same on every replay and retry.
        start = workflow.info().start_time + timedelta(hours=params.lead_hours)
        return await workflow.execute_activity_method(
            ActivitySteps.propose_from_template,
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


@workflow.defn(name=NOTICE_DIGEST_WORKFLOW)
class ActivityNoticeDigest:
    @workflow.run
    async def run(self, params: NoticeDigestInput) -> NoticeOutcome:
        # Notices recorded before the run's start: the same set on every retry, so the same idempotency keys.
        return await workflow.execute_activity_method(
            ActivityNoticeSteps.send_notice_digests,
            DigestRun(before=workflow.info().start_time.timestamp()),
            start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=NOTICE_HEARTBEAT,
            schedule_to_close_timeout=NOTICE_SCHEDULE_TO_CLOSE,
            retry_policy=NOTICE_RETRY,
        )
