"""DutyGapNotice: the evening before (Schedule duty-gap-notice, 18:00 in the deployment's time zone), each community
whose 365 volunteer studio has nobody on duty all of tomorrow is told, so its office can find someone in time.

One notice per community and day (key duty-gap/<community>/<day>: a second run the same evening sends nothing new),
retried with back-off like every notice for up to six hours; one given up on is counted and told to the office above
the community. Workflow code: deterministic, no I/O — the steps are in workflows/duty_steps.py."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from services.dispatch.duty.contract import WORKFLOW, DutyGapNoticeInput
    from workflows.duty_steps import DutyNotice, DutySteps, UncoveredDay, UncoveredQuery
    from workflows.metrics import DUTY_NOTICES_GIVEN_UP
    from workflows.notices import NOTICE_RETRY, NOTICE_SCHEDULE_TO_CLOSE, NOTICE_START_TO_CLOSE
    from workflows.wish_steps import OrgRef, WishSteps

_READ: workflow.ActivityConfig = {
    "start_to_close_timeout": timedelta(seconds=60),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=30),
}
_SEND: workflow.ActivityConfig = {
    "start_to_close_timeout": NOTICE_START_TO_CLOSE,
    "schedule_to_close_timeout": NOTICE_SCHEDULE_TO_CLOSE,
    "retry_policy": NOTICE_RETRY,
}


@workflow.defn(name=WORKFLOW)
class DutyGapNotice:
    @workflow.run
    async def run(self, params: DutyGapNoticeInput) -> int:
        """Tells each office of tomorrow's uncovered day; returns how many were told (or given up on)."""
        days = await workflow.execute_activity_method(
            DutySteps.uncovered_tomorrow, UncoveredQuery(workflow.info().start_time.timestamp()), **_READ
        )
        await asyncio.gather(*(self._tell(day) for day in days))
        return len(days)

    async def _tell(self, day: UncoveredDay) -> None:
        notice = DutyNotice(
            key=f"duty-gap/{day.community_id}/{day.date}",
            purpose="duty_uncovered",
            recipient=f"org:{day.community_id}",
            community_id=day.community_id,
            text=f"nobody is on duty at the 365 volunteer studio on {day.date}: please find someone to cover it "
            "(a roster for the day, or a swap)",
        )
        try:
            await workflow.execute_activity_method(DutySteps.send_duty_notice, notice, **_SEND)
        except ActivityError:
            workflow.metric_meter().create_counter(*DUTY_NOTICES_GIVEN_UP).add(1, {"purpose": notice.purpose})
            workflow.logger.error("duty notice not sent", extra={"community_id": day.community_id, "day": day.date})
            await self._tell_above(notice)

    async def _tell_above(self, notice: DutyNotice) -> None:
        try:
            parent = await workflow.execute_activity_method(WishSteps.parent_org, OrgRef(notice.community_id), **_READ)
            above = DutyNotice(
                key=f"{notice.key}/undelivered",
                purpose="duty_undelivered",
                recipient=f"org:{parent.org_unit_id or notice.community_id}",
                community_id=notice.community_id,
                text=f"community {notice.community_id} could not be told in time: {notice.text}",
            )
            await workflow.execute_activity_method(DutySteps.send_duty_notice, above, **_SEND)
        except ActivityError:
            workflow.logger.error("duty notice give-up not sent", extra={"community_id": notice.community_id})
