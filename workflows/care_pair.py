"""CarePair: one workflow per care pair (care-pair-<id>) holds the visit cadence (结对帮扶, 隔三差五去看望).

Postgres (the registry's CarePairService) holds what is true now; this workflow holds the clock. Every committed
change of the pair — created, a visit, its carers changed, ended — reaches it through the outbox as signal
`changed`, carrying the pair at its version; the workflow keeps the highest version it has heard of.

    pairing or last visit ──(cadence_days, no visit)──► the carers reminded (member:<id>, care_visit_due)
        ──(LINLI_CARE_GRACE, still no visit)──► the unit's office told (org:<unit>, care_visit_missed)
        ──(another cadence)──► reminded again, and so on; each recorded visit starts the clock again
    ended ──► the workflow ends once every notice is through or given up.

Before acting on a timer it re-reads the pair, so a visit committed but not yet relayed is never missed. Each missed
period is recorded in the registry (RecordCareMiss, once per period: the weekly figures count it) before its
notices go, each under its own idempotency key, beside the clock so a gateway that is down delays a notice, never
the next reminder. A notice that cannot get through for six hours is given up, counted, and the office above told.
Workflow code: deterministic, no I/O — the steps are in workflows/care_steps.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from services.registry.care.contract import (
        CHANGED_SIGNAL,
        STATUS_QUERY,
        WORKFLOW,
        CareChange,
        CareClock,
        CarePairInput,
        CarePairStatus,
    )
    from workflows.care_steps import CareMiss, CareNotice, CarePairRef, CareSteps
    from workflows.metrics import CARE_NOTICES_GIVEN_UP, CARE_VISITS_OVERDUE
    from workflows.notices import NOTICE_HEARTBEAT, NOTICE_RETRY, NOTICE_SCHEDULE_TO_CLOSE, NOTICE_START_TO_CLOSE
    from workflows.wish_steps import OrgRef, WishSteps

DAY = 86400.0

_STEP: workflow.ActivityConfig = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
}
_SEND: workflow.ActivityConfig = {
    "start_to_close_timeout": NOTICE_START_TO_CLOSE,
    "heartbeat_timeout": NOTICE_HEARTBEAT,
    "schedule_to_close_timeout": NOTICE_SCHEDULE_TO_CLOSE,
    "retry_policy": NOTICE_RETRY,
}


@workflow.defn(name=WORKFLOW)
class CarePair:
    @workflow.init
    def __init__(self, params: CarePairInput) -> None:
        self.clock = replace(params.clock) if params.clock else CareClock()
        self.grace = params.timings.grace_seconds
        self.steps: list[str] = []  # what the workflow did, for the status query and tests
        self.deliveries: list[asyncio.Task[None]] = []

    @workflow.signal(name=CHANGED_SIGNAL)
    def changed(self, change: CareChange) -> None:
        self._apply(change)

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> CarePairStatus:
        clock = self.clock
        next_due = self._next()[2] if clock.state == "active" else 0.0
        return CarePairStatus(clock.state, clock.version, next_due, clock.reminded, clock.escalated, list(self.steps))

    def _apply(self, change: CareChange) -> None:
        # Signals may repeat (the outbox delivers at least once) and re-reads may race them: highest version wins.
        clock = self.clock
        if change.version <= clock.version:
            return
        if change.last_visit_id != clock.last_visit_id:
            clock.reminded = clock.escalated = 0  # a visit: the clock starts again from it
        clock.version, clock.state, clock.cadence_days = change.version, change.state, change.cadence_days
        clock.started_at, clock.last_visit_id, clock.last_visit_at = (
            change.started_at,
            change.last_visit_id,
            change.last_visit_at,
        )

    def _next(self) -> tuple[str, int, float]:
        """What the clock does next, for which period after the last visit, and when (seconds since the epoch)."""
        clock = self.clock
        base = clock.last_visit_at or clock.started_at
        cadence = clock.cadence_days * DAY
        remind_at = base + (clock.reminded + 1) * cadence
        if clock.escalated < clock.reminded:
            office_at = base + (clock.escalated + 1) * cadence + self.grace
            if office_at <= remind_at:
                return "office", clock.escalated + 1, office_at
        return "reminder", clock.reminded + 1, remind_at

    def _catch_up(self, now: float) -> None:
        """A clock far behind (a pairing entered long after it began, a worker away for days) acts on the latest
        period only: the carers are reminded once, not once for every period gone by."""
        clock = self.clock
        cadence = clock.cadence_days * DAY
        if cadence <= 0:
            return
        passed = int((now - (clock.last_visit_at or clock.started_at)) // cadence)
        if passed > clock.reminded + 1:
            clock.reminded = clock.escalated = passed - 1

    @workflow.run
    async def run(self, params: CarePairInput) -> str:
        await workflow.wait_condition(lambda: self.clock.version > 0)
        while self.clock.state == "active":
            # A pair may last years: past the limit its history starts afresh, carrying the clock.
            if self._history_long(params) and all(d.done() for d in self.deliveries):
                workflow.continue_as_new(replace(params, clock=self.clock))
            self._catch_up(workflow.now().timestamp())
            kind, period, at = self._next()
            seen = self.clock.version
            if await self._changed_within(seen, at - workflow.now().timestamp()):
                continue  # a change: the clock is worked out again from it
            await self._reread(params)  # a visit committed but not yet relayed is not missed
            if self.clock.version != seen:
                continue
            await self._missed(params, kind, period)
        # Nothing is left half-sent.
        await workflow.wait_condition(lambda: all(d.done() for d in self.deliveries))
        return self.clock.state

    async def _changed_within(self, seen: int, seconds: float) -> bool:
        """Waits up to `seconds` for a change past version `seen`; True when one came."""
        if seconds <= 0:
            return False
        try:
            await workflow.wait_condition(lambda: self.clock.version != seen, timeout=timedelta(seconds=seconds))
        except TimeoutError:
            return False
        return True

    def _history_long(self, params: CarePairInput) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > params.timings.history_limit

    async def _reread(self, params: CarePairInput) -> None:
        snapshot = await workflow.execute_activity_method(
            CareSteps.read_care_pair, CarePairRef(params.pair_id), **_STEP
        )
        self._apply(
            CareChange(
                snapshot.version,
                snapshot.state,
                snapshot.cadence_days,
                snapshot.started_at,
                snapshot.last_visit_id,
                snapshot.last_visit_at,
            )
        )

    async def _missed(self, params: CarePairInput, kind: str, period: int) -> None:
        """Records the missed period in the registry, then tells the carers (a reminder) or the unit's office."""
        after = self.clock.last_visit_id
        prefix = f"{workflow.info().workflow_id}/after-{after}/{period}"
        office = kind == "office"
        recipients = await workflow.execute_activity_method(
            CareSteps.record_care_miss,
            CareMiss(f"{prefix}/{kind}", params.pair_id, after, period, office),
            **_STEP,
        )
        unit = recipients.unit_id or params.unit_id
        days = self.clock.cadence_days * period
        workflow.metric_meter().create_counter(*CARE_VISITS_OVERDUE).add(1, {"told": "office" if office else "carers"})
        if office:
            self.clock.escalated = period
            self._send(
                CareNotice(
                    key=f"{prefix}/office/org:{unit}",
                    purpose="care_visit_missed",
                    recipient=f"org:{unit}",
                    unit_id=unit,
                    text=f"care pair {params.pair_id}: no visit recorded for {days} days and its carers were "
                    "reminded; please see that someone visits",
                )
            )
        else:
            self.clock.reminded = period
            for member in recipients.carer_member_ids:
                self._send(
                    CareNotice(
                        key=f"{prefix}/reminder/member:{member}",
                        purpose="care_visit_due",
                        recipient=f"member:{member}",
                        unit_id=unit,
                        text=f"care pair {params.pair_id}: a visit was due after {days} days and none is recorded; "
                        "please visit and record it",
                    )
                )
        self.steps.append(f"{kind}:{after}:{period}")

    def _send(self, notice: CareNotice) -> None:
        """Sends a notice beside whatever the clock does next."""
        self.deliveries.append(asyncio.create_task(self._deliver(notice)))

    async def _deliver(self, notice: CareNotice) -> None:
        try:
            await workflow.execute_activity_method(CareSteps.send_care_notice, notice, **_SEND)
            self.steps.append(f"sent:{notice.recipient}")
            return
        except ActivityError:
            workflow.metric_meter().create_counter(*CARE_NOTICES_GIVEN_UP).add(1, {"purpose": notice.purpose})
            workflow.logger.error("care notice not sent", extra={"key": notice.key})
            self.steps.append(f"given_up:{notice.recipient}")
        if notice.purpose == "care_undelivered":
            return  # the telling of a give-up is not told again
        try:
            above = notice.unit_id
            if notice.recipient.startswith("org:"):
                parent = await workflow.execute_activity_method(WishSteps.parent_org, OrgRef(notice.unit_id), **_STEP)
                above = parent.org_unit_id or notice.unit_id
            told = CareNotice(
                key=f"{notice.key}/undelivered",
                purpose="care_undelivered",
                recipient=f"org:{above}",
                unit_id=notice.unit_id,
                text=f"{notice.recipient} could not be told in time: {notice.text}",
            )
            await workflow.execute_activity_method(CareSteps.send_care_notice, told, **_SEND)
            self.steps.append(f"sent:{told.recipient}")
        except ActivityError:
            workflow.logger.error("care notice give-up not sent", extra={"key": notice.key})
