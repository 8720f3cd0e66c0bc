"""CommitmentCheck: mid-year (Schedule commitment-check, 1 July 09:00 in the deployment's time zone), each member
whose service commitment (服务承诺) lags behind the share of the year gone by is reminded, and each community's office
is told how many of its members lag, while half the year is left to catch up.

One notice per recipient and year (keys commitment-check/<year>/member:<id> and …/org:<community>: a second run the
same year sends nothing new), retried with back-off like every notice for up to six hours; one given up on is counted
and told to the office (a member's: their community's; an office's: the office above). The lagging commitments are
read a page at a time, up to 500 notices in flight at once, and a long run continues as new carrying its place. Workflow code: deterministic, no I/O —
the steps are in workflows/commitment_steps.py."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from services.registry.commitments.contract import WORKFLOW, CommitmentCheckInput
    from workflows.commitment_steps import CommitmentNotice, CommitmentSteps, LaggingMember, LaggingQuery
    from workflows.metrics import COMMITMENT_NOTICES_GIVEN_UP, SCHEDULE_RUNS
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
# Notices in flight together, across pages: well under Temporal's limit of pending steps a workflow (2,000), and a
# gateway slow for some recipients holds back only their slots, not the next page.
_IN_FLIGHT = 500


@workflow.defn(name=WORKFLOW)
class CommitmentCheck:
    def __init__(self) -> None:
        self._slots = asyncio.Semaphore(_IN_FLIGHT)
        self._sending: list[asyncio.Task[None]] = []

    @workflow.run
    async def run(self, params: CommitmentCheckInput) -> int:
        """Reminds every lagging member and tells each office; returns how many members lag (over continued runs)."""
        year, token = params.year, params.page_token
        by_community = dict(params.lagging_by_community)
        while True:
            query = LaggingQuery(workflow.info().start_time.timestamp(), year, token)
            page = await workflow.execute_activity_method(CommitmentSteps.lagging_commitments, query, **_READ)
            year = page.year
            for member in page.members:
                by_community[member.community_id] = by_community.get(member.community_id, 0) + 1
                await self._in_flight(self._remind(year, member))
            token = page.next_page_token
            if not token:
                break
            if workflow.info().is_continue_as_new_suggested():
                await asyncio.gather(*self._sending)  # nothing in flight is left behind by the next run
                workflow.continue_as_new(CommitmentCheckInput(year, token, by_community))
        for community_id, lagging in sorted(by_community.items()):
            await self._in_flight(self._tell_office(year, community_id, lagging))
        await asyncio.gather(*self._sending)
        runs = workflow.metric_meter().create_counter(*SCHEDULE_RUNS)
        runs.add(1, {"schedule": "commitment_check", "outcome": "done"})
        return sum(by_community.values())

    async def _in_flight(self, sending: Coroutine[Any, Any, None]) -> None:
        """Starts the sending once a slot is free."""
        await self._slots.acquire()

        async def send_then_free() -> None:
            try:
                await sending
            finally:
                self._slots.release()

        self._sending.append(asyncio.create_task(send_then_free()))

    async def _remind(self, year: int, member: LaggingMember) -> None:
        done = []
        if member.services:
            done.append(f"{member.services_done} of {member.services} services")
        if member.hours:
            done.append(f"{member.hours_done:g} of {member.hours:g} hours")
        if member.post_id and not member.post_held:
            done.append(f"service post {member.post_id} not held")
        notice = CommitmentNotice(
            key=f"commitment-check/{year}/member:{member.member_id}",
            purpose="commitment_lagging",
            recipient=f"member:{member.member_id}",
            unit_id=member.community_id,
            text=f"your service commitment for {year} lags behind the year so far ({'; '.join(done)}): "
            "half the year is left to catch up",
        )
        if not await self._send(notice):
            await self._send(
                CommitmentNotice(
                    key=f"{notice.key}/undelivered",
                    purpose="commitment_undelivered",
                    recipient=f"org:{member.community_id}",
                    unit_id=member.community_id,
                    text=f"member {member.member_id} could not be reminded that their service commitment lags",
                )
            )

    async def _tell_office(self, year: int, community_id: str, lagging: int) -> None:
        notice = CommitmentNotice(
            key=f"commitment-check/{year}/org:{community_id}",
            purpose="commitment_lagging",
            recipient=f"org:{community_id}",
            unit_id=community_id,
            text=f"{lagging} member(s) of community {community_id} lag behind their service commitment for {year}",
        )
        if await self._send(notice):
            return
        try:
            parent = await workflow.execute_activity_method(WishSteps.parent_org, OrgRef(community_id), **_READ)
        except ActivityError:
            workflow.logger.error("commitment notice give-up not sent", extra={"community_id": community_id})
            return
        await self._send(
            CommitmentNotice(
                key=f"{notice.key}/undelivered",
                purpose="commitment_undelivered",
                recipient=f"org:{parent.org_unit_id or community_id}",
                unit_id=community_id,
                text=f"community {community_id} could not be told in time: {notice.text}",
            )
        )

    async def _send(self, notice: CommitmentNotice) -> bool:
        """False when the notice was given up on after six hours of retries (counted); a gateway's refusal for good
        is counted by the step and not told on."""
        try:
            await workflow.execute_activity_method(CommitmentSteps.send_commitment_notice, notice, **_SEND)
        except ActivityError:
            workflow.metric_meter().create_counter(*COMMITMENT_NOTICES_GIVEN_UP).add(1, {"purpose": notice.purpose})
            workflow.logger.error("commitment notice not sent", extra={"key": notice.key})
            return False
        return True
