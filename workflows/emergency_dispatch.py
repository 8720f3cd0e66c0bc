"""EmergencyDispatch: one workflow per alert makes sure someone answers for it (365 志愿者工作室).

It calls the on-duty volunteers nearest first (same building, then grid, then community), one at a time;
each has the acknowledgement time-out to answer before the next is called. If no volunteer answers, it
escalates to the community's staff, then to the street. The first to acknowledge owns the alert (the
dispatch service decides that in one conditional update); everyone else called is told to stand down.
When the alert is resolved, the responder's service is recorded in the registry.

Postgres holds the alert; the dispatch service tells this workflow of each committed state change from an
outbox (signal `changed`, with the alert's version). Before escalating on a time-out the workflow re-reads
the alert, so an acknowledgement committed but not yet relayed never makes it call someone needlessly.
Notices are sent by an activity with retries and back-off, beside the timers and not in front of them: a
gateway that is down delays a notice, never the escalation. The workflow ends only when every notice has
been delivered (or refused for good), so none is lost.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TypedDict

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from services.dispatch.alerts.contract import (
        CHANGED_SIGNAL,
        STATUS_QUERY,
        WORKFLOW,
        AlertChange,
        EmergencyDispatchInput,
        EmergencyStatus,
    )
    from workflows.emergency_steps import AlertRef, AlertStep, CallList, EmergencySteps
    from workflows.notices import Notice

CLOSED_STATES = frozenset({"resolved", "cancelled"})
ANSWERED_STATES = frozenset({"acknowledged", "arrived"})


# Short calls to the dispatch service run as local activities: the worker runs them inside the workflow task,
# without a round trip through Temporal's task queue each — what the first notice waits on.
class _StepOptions(TypedDict):
    """The options of every step, local activity or not: what both kinds take."""

    start_to_close_timeout: timedelta
    retry_policy: RetryPolicy


_STEP_OPTIONS: _StepOptions = {
    "start_to_close_timeout": timedelta(seconds=10),
    "retry_policy": RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)),
}
# A local activity that fails for good surfaces as its ApplicationError, not wrapped in an ActivityError.
STEP_FAILED = (ActivityError, ApplicationError)
# Notices: retried with back-off for up to an hour, then recorded as failed rather than retried forever.
NOTICE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    non_retryable_error_types=["GatewayRefused"],
)
NOTICE_START_TO_CLOSE = timedelta(seconds=15)
NOTICE_SCHEDULE_TO_CLOSE = timedelta(hours=1)


# Not sandboxed: the sandbox is set up again for every run, CPU the worker would rather spend on the way to an
# alert's first notice. The code here is deterministic by construction (workflow.now, timers and activities only;
# no I/O, clocks or randomness), and Temporal's replay still checks it.
@workflow.defn(name=WORKFLOW, sandboxed=False)
class EmergencyDispatch:
    @workflow.init
    def __init__(self, params: EmergencyDispatchInput) -> None:
        self.alert_id = params.alert_id
        self.state = ""
        self.version = 0
        self.responder = ""
        self.escalation = "volunteers"
        self.called: list[str] = []
        self.stood_down: set[str] = set()
        self.call_list = CallList()
        self.deliveries: list[asyncio.Task[None]] = []
        self._steps = 0

    @workflow.signal(name=CHANGED_SIGNAL)
    def changed(self, change: AlertChange) -> None:
        self._apply(change.version, change.state, change.responder)

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> EmergencyStatus:
        return EmergencyStatus(
            state=self.state,
            version=self.version,
            responder=self.responder,
            escalation=self.escalation,
            called=list(self.called),
            notices_in_flight=sum(1 for d in self.deliveries if not d.done()),
        )

    def _apply(self, version: int, state: str, responder: str) -> None:
        # Signals repeat (the outbox delivers at least once) and re-reads race them: the highest version wins.
        if version > self.version:
            self.version, self.state, self.responder = version, state, responder or self.responder

    @workflow.run
    async def run(self, params: EmergencyDispatchInput) -> str:
        await workflow.wait_condition(lambda: self.version > 0)
        if self.state == "raised":
            await self._find_someone(params)
        if self.responder:
            # Answered (perhaps already resolved or cancelled by the time this runs): the others stand down.
            self._stand_down(keep=self.responder, purpose="stand_down")
            await workflow.wait_condition(lambda: self.state in CLOSED_STATES)
        if self.state == "resolved":
            await self._record_service(params)
        elif self.state == "cancelled":
            self._stand_down(keep="", purpose="cancelled")
        # Every notice delivered (or refused for good) before the workflow closes: none is lost.
        await asyncio.gather(*self.deliveries)
        return self.state

    async def _find_someone(self, params: EmergencyDispatchInput) -> None:
        try:
            if params.volunteers is not None:
                self.call_list = CallList(
                    volunteers=list(params.volunteers),
                    community_id=params.community_id,
                    street_id=params.street_id,
                    alert_kind=params.kind,
                    unit_id=params.unit_id,
                )
            else:
                self.call_list = await workflow.execute_local_activity_method(
                    EmergencySteps.alert_call_list, AlertRef(params.alert_id), **_STEP_OPTIONS
                )
        except STEP_FAILED:
            # Transient failures are retried without end; this is a permanent one (a bug, bad data). The alert must
            # not wait on it: straight to the community's staff.
            workflow.logger.error("no call list; escalating to staff", extra={"alert_id": params.alert_id})
            self.call_list = CallList(
                community_id=params.community_id, street_id=params.street_id, alert_kind=params.kind
            )
        ack = timedelta(seconds=params.ack_timeout_seconds)
        for callee in self.call_list.volunteers:
            recipient = callee.recipient
            await self._call(params, recipient, f"on duty, lives in the same {callee.nearness}")
            if await self._answered_within(params, ack):
                return
            await self._step(params, "timed_out", recipient, f"no answer in {params.ack_timeout_seconds:g}s")
        staff = timedelta(seconds=params.staff_timeout_seconds)
        levels = [("community_staff", self.call_list.community_id, staff), ("street", self.call_list.street_id, None)]
        for level, org_unit_id, timeout in levels:
            if not org_unit_id:
                continue
            why = "no volunteer answered" if self.call_list.volunteers else "nobody on duty"
            if level == "street":
                why = "community staff did not answer"
            self.escalation = level
            await self._step(params, "escalated", f"org:{org_unit_id}", why, escalation=level)
            await self._call(params, f"org:{org_unit_id}", f"escalated to {level.replace('_', ' ')}: {why}")
            if timeout is None:
                break
            if await self._answered_within(params, timeout):
                return
            await self._step(params, "timed_out", f"org:{org_unit_id}", f"no answer in {timeout.total_seconds():g}s")
        # Everyone has been called: the street and the community keep the alert until someone answers.
        await workflow.wait_condition(lambda: self.state != "raised")

    async def _answered_within(self, params: EmergencyDispatchInput, timeout: timedelta) -> bool:
        try:
            await workflow.wait_condition(lambda: self.state != "raised", timeout=timeout)
            return True
        except TimeoutError:
            pass
        # Re-read before moving on: an answer committed but not yet relayed is not missed.
        try:
            snapshot = await workflow.execute_local_activity_method(
                EmergencySteps.read_alert, AlertRef(params.alert_id), **_STEP_OPTIONS
            )
        except STEP_FAILED:
            return self.state != "raised"  # cannot re-read for good: go by the signals
        self._apply(snapshot.version, snapshot.state, snapshot.responder)
        return self.state != "raised"

    async def _call(self, params: EmergencyDispatchInput, recipient: str, note: str) -> None:
        # The send activity records the call on the timeline (before its first attempt to send) and then the
        # delivery: the notice waits on nothing else, and the time-out runs from here, beside it. (The service also
        # accepts an acknowledgement from a volunteer on duty whose call it has not recorded yet.)
        self.called.append(recipient)
        self._send(params.alert_id, "alert", recipient, note)

    def _stand_down(self, keep: str, purpose: str) -> None:
        """Tells everyone called but `keep` (and not told already) that they are not needed."""
        for recipient in self.called:
            if recipient != keep and recipient not in self.stood_down:
                self.stood_down.add(recipient)
                note = "someone else has answered; stand down" if purpose == "stand_down" else "false alarm; cancelled"
                self._send(self.alert_id, purpose, recipient, note)

    def _send(self, alert_id: str, purpose: str, recipient: str, text: str) -> None:
        notice = Notice(
            key=f"{workflow.info().workflow_id}/{purpose}/{recipient}",
            alert_id=alert_id,
            purpose=purpose,
            recipient=recipient,
            alert_kind=self.call_list.alert_kind,
            unit_id=self.call_list.unit_id,
            text=text,
        )
        self.deliveries.append(asyncio.create_task(self._deliver(notice)))

    async def _deliver(self, notice: Notice) -> None:
        try:
            # The activity records the delivery itself: one round trip less for every notice.
            await workflow.execute_activity_method(
                EmergencySteps.send_notice,
                notice,
                start_to_close_timeout=NOTICE_START_TO_CLOSE,
                schedule_to_close_timeout=NOTICE_SCHEDULE_TO_CLOSE,
                retry_policy=NOTICE_RETRY,
            )
        except ActivityError as exc:
            note = f"{notice.purpose} notice not delivered: {exc.cause or exc}"
            await self._step_for(notice.alert_id, "delivery_failed", notice.recipient, note)

    async def _step(
        self, params: EmergencyDispatchInput, kind: str, recipient: str, note: str, escalation: str = ""
    ) -> None:
        await self._step_for(params.alert_id, kind, recipient, note, escalation)

    async def _step_for(self, alert_id: str, kind: str, recipient: str, note: str, escalation: str = "") -> None:
        self._steps += 1
        try:
            await self._record_step(alert_id, kind, recipient, note, escalation)
        except STEP_FAILED:
            # A step the service refuses for good is missing from the timeline; the dispatch itself goes on.
            workflow.logger.error("alert step not recorded", extra={"alert_id": alert_id, "kind": kind})

    async def _record_step(self, alert_id: str, kind: str, recipient: str, note: str, escalation: str) -> None:
        await workflow.execute_local_activity_method(
            EmergencySteps.record_alert_step,
            AlertStep(
                request_id=f"{workflow.info().workflow_id}/{self._steps}/{kind}/{recipient}",
                alert_id=alert_id,
                kind=kind,
                recipient=recipient,
                note=note[:500],
                escalation=escalation,
            ),
            **_STEP_OPTIONS,
        )

    async def _record_service(self, params: EmergencyDispatchInput) -> None:
        try:
            record_id = await workflow.execute_activity_method(
                EmergencySteps.record_alert_service, AlertRef(params.alert_id), **_STEP_OPTIONS
            )
        except STEP_FAILED:
            workflow.logger.error("responder's service not recorded", extra={"alert_id": params.alert_id})
            return
        if record_id:
            await self._step(params, "service_recorded", self.responder, f"service record {record_id}")
