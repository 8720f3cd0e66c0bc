"""WishLifecycle's notices (release 5, behind the "wish-notices" patch): each reminder, escalation, lapse and piece
of the resident's news is sent beside the timers through the step send_wish_notice (workflows/wish_notice_steps.py),
retried with back-off like every notice (workflows/notices.py); one not delivered within six hours of retries is
recorded in the wish's history and told to the office above the community. Workflow code: deterministic, no I/O."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from services.runtime.env import format_duration
    from workflows.metrics import WISH_NOTICES_GIVEN_UP
    from workflows.notices import (
        NOTICE_HEARTBEAT,
        NOTICE_RETRY,
        NOTICE_SCHEDULE_TO_CLOSE,
        NOTICE_START_TO_CLOSE,
        last_failure,
    )
    from workflows.wish_notice_steps import WishNotice, WishNoticeSteps
    from workflows.wish_steps import OrgRef, ReminderRequest, WishSteps

# Release 5: reminders, escalations, lapses and the resident's news are sent as notices, not only recorded; the
# claimant is told before the deadline too. A wish that replays a history without it sends none.
PATCH_NOTICES = "wish-notices"

# What the resident is told of a state the wish reaches, while it runs and when it ends.
RESIDENT_NEWS = {
    "published": "your wish is on the wish wall (公示), waiting for a member to take it on",
    "claimed": "a member has taken on your wish (认领)",
    "fulfilled": "your wish has been fulfilled: please confirm it and rate the service",
}
CLOSED_NEWS = {
    "closed": "fulfilled and closed (办结)",
    "not_feasible": "closed: not feasible",
    "duplicate": "closed: a duplicate of another wish",
    "referred": "closed: referred to another body",
    "withdrawn": "closed: withdrawn",
}

_STEP_OPTIONS: workflow.ActivityConfig = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
}


class WishNotices:
    def __init__(self, wish_id: str, community_id: str, state: Callable[[], str]) -> None:
        self.wish_id = wish_id
        self.community_id = community_id
        self.state = state
        self.told_resident = ("", "")  # the state and claimant the resident was last told of
        self.deliveries: list[asyncio.Task[None]] = []
        self.sent: list[str] = []  # purposes sent or given up on ("given_up:<purpose>"), for the status and tests

    def all_done(self) -> bool:
        return all(d.done() for d in self.deliveries)

    def send(
        self, unit_id: str, key: str, purpose: str, recipients: list[str], text: str, urgent: bool = False
    ) -> None:
        """Sends a notice of what was just recorded beside whatever the workflow does next; `key` is
        "<version>/<step>" and, with the workflow id before it, the notice's idempotency key."""
        if not recipients or not workflow.patched(PATCH_NOTICES):
            return
        notice = WishNotice(
            key=f"{workflow.info().workflow_id}/v{key}",
            wish_id=self.wish_id,
            purpose=purpose,
            text=text,
            recipients=recipients,
            unit_id=unit_id or self.community_id,
            urgent=urgent,
        )
        self.deliveries.append(asyncio.create_task(self._deliver(notice, key)))

    def tell_resident(self, state: str, version: int, news: dict[str, str], claimant: str = "") -> None:
        """Tells the resident of the state the wish has reached: once for each state and claimant, so an extended
        claim tells nothing new, and a claim given to another member does."""
        if state not in news or self.told_resident == (state, claimant):
            return
        self.told_resident = (state, claimant)
        self.send(
            "",
            f"{version}/resident",
            f"wish_{state}" if news is RESIDENT_NEWS else "wish_closed",
            [f"resident:{self.wish_id}"],
            f"wish {self.wish_id}: {news[state]}",
            urgent=news is CLOSED_NEWS,
        )

    async def _deliver(self, notice: WishNotice, key: str) -> None:
        try:
            await workflow.execute_activity_method(
                WishNoticeSteps.send_wish_notice,
                notice,
                start_to_close_timeout=NOTICE_START_TO_CLOSE,
                heartbeat_timeout=NOTICE_HEARTBEAT,
                schedule_to_close_timeout=NOTICE_SCHEDULE_TO_CLOSE,
                retry_policy=NOTICE_RETRY,
            )
            self.sent.append(notice.purpose)
        except ActivityError as error:
            workflow.logger.error("wish notice not sent", extra={"wish_id": self.wish_id, "purpose": notice.purpose})
            self.sent.append(f"given_up:{notice.purpose}")
            # Counted by the workflow (never again on replay): the step cannot know its last attempt.
            workflow.metric_meter().create_counter(*WISH_NOTICES_GIVEN_UP).add(1, {"purpose": notice.purpose})
            if notice.purpose != "wish_undelivered":  # the telling itself failing is only recorded
                await self._give_up(notice, key, last_failure(error))

    async def _give_up(self, notice: WishNotice, key: str, reason: str) -> None:
        """Records in the wish's history that a notice did not get through (an escalation to the office above the
        community, once per notice) and sends that office a notice naming its recipients."""
        waited = format_duration(NOTICE_SCHEDULE_TO_CLOSE.total_seconds())
        note = f"{notice.purpose} notice to {len(notice.recipients)} recipient(s) not delivered after {waited}"
        try:
            parent = await workflow.execute_activity_method(
                WishSteps.parent_org, OrgRef(self.community_id), **_STEP_OPTIONS
            )
            above = f"org:{parent.org_unit_id or self.community_id}"
            await workflow.execute_activity_method(
                WishSteps.record_reminder,
                ReminderRequest(
                    request_id=f"{notice.key}/undelivered",
                    wish_id=self.wish_id,
                    kind="escalation",
                    state=self.state(),
                    note=f"{note} ({reason[:200]}): told {above}",
                    recipients=[above],
                ),
                **_STEP_OPTIONS,
            )
        except ActivityError:
            # Only a permanent refusal gets here (the wish or its community gone): logged, never stuck.
            workflow.logger.error("wish notice give-up not recorded", extra={"wish_id": self.wish_id})
            return
        self.send(
            notice.unit_id,
            f"{key}/undelivered",
            "wish_undelivered",
            [above],
            f"wish {self.wish_id}: {note}, to {', '.join(notice.recipients)}",
            urgent=True,
        )
