"""HolidayActivity: one workflow per activity (activity-<id>) drives its time.

Postgres (dispatch's ActivityService) holds what is true now; this workflow holds the clock. The service
commits each decision (approval, rejection, cancellation) first and then tells the workflow from an outbox
(signal `changed`, carrying the activity's new version), so none is lost; the workflow keeps the highest
version it has heard of and re-reads the activity before acting on a timer.

    proposed ──(parent org approves within the limit; else reminder, then escalation; else expires at the
    sign-up deadline)──► published ──(sign-up deadline)──► sign-ups closed, short roles → recommended members
    asked ──► reminders a day and an hour before ──► in progress at the start (check-in) ──► closed out at the
    end: attendance, summary, and the hours of every volunteer who came recorded to them (纪实), from their
    check-in and check-out. Cancelled at any step: everyone signed up is told.

Every notice is recorded in dispatch with its recipients, then sent (the log, and the webhook when one is set)
by an activity retried with back-off beside the timers, so a gateway that is down delays the notice, never the
activity. The workflow only holds the notice's sequence: who it goes to stays in dispatch's database. A notice
the service records itself (a waiting sign-up promoted) arrives as signal `notice`. The workflow ends only when
every notice has been sent or given up on.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from services.dispatch.activities.contract import (
        CHANGED_SIGNAL,
        NOTICE_SIGNAL,
        STATUS_QUERY,
        WORKFLOW,
        ActivityChange,
        HolidayActivityInput,
        HolidayActivityStatus,
        NoticeRecorded,
    )
    from services.runtime.env import format_duration
    from workflows.activity_notice_steps import ActivityNoticeSteps
    from workflows.activity_steps import (
        ActivityRef,
        ActivitySnapshot,
        ActivitySteps,
        AdvanceRequest,
        GiveUp,
        NoticeRef,
        NoticeRequest,
        ServiceRecordRequest,
        VolunteerQuery,
        VolunteerService,
    )
    from workflows.notices import (
        NOTICE_HEARTBEAT,
        NOTICE_RETRY,
        NOTICE_SCHEDULE_TO_CLOSE,
        NOTICE_START_TO_CLOSE,
        last_failure,
    )
    from workflows.wish_steps import OrgRef, WishSteps

FINAL_STATES = frozenset({"rejected", "closed", "cancelled", "expired"})
REMINDERS = (("reminder_day_before", timedelta(days=1)), ("reminder_hour_before", timedelta(hours=1)))


_STEP_OPTIONS: workflow.ActivityConfig = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
}


# Release 3: notices are sent, not only recorded; a workflow that recorded its first notices without sending
# them keeps doing so (its history has no send_activity_notice to replay).
SEND_NOTICES = "send-notices"
# Release 4: a notice given up on is recorded as failed and the organising org told, never left unsent and
# silent; a workflow that gave up on one before keeps its history (it only logged it).
RECORD_UNDELIVERED = "record-undelivered"
# Recording a give-up is retried this long (dispatch down meanwhile); after that it is logged and the workflow
# goes on, never stuck.
GIVE_UP_SCHEDULE_TO_CLOSE = timedelta(hours=1)
_GIVE_UP_OPTIONS: workflow.ActivityConfig = {**_STEP_OPTIONS, "schedule_to_close_timeout": GIVE_UP_SCHEDULE_TO_CLOSE}


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@workflow.defn(name=WORKFLOW)
class HolidayActivity:
    @workflow.init
    def __init__(self, params: HolidayActivityInput) -> None:
        self.activity_id = params.activity_id
        self.org_unit_id = params.org_unit_id
        self.state = ""
        self.version = 0
        self.steps: list[str] = []  # what the workflow did, for queries and tests
        self.deliveries: list[asyncio.Task[None]] = []

    @workflow.signal(name=CHANGED_SIGNAL)
    def changed(self, change: ActivityChange) -> None:
        self._apply(change.version, change.state)

    @workflow.signal(name=NOTICE_SIGNAL)
    def notice(self, recorded: NoticeRecorded) -> None:
        self._send(NoticeRef(self.activity_id, recorded.sequence), "promoted")

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> HolidayActivityStatus:
        return HolidayActivityStatus(state=self.state, version=self.version, steps=list(self.steps))

    def _apply(self, version: int, state: str) -> None:
        # Signals may repeat (the outbox delivers at least once) and re-reads may race them: highest version wins.
        if version > self.version:
            self.version, self.state = version, state

    @workflow.run
    async def run(self, params: HolidayActivityInput) -> str:
        await workflow.wait_condition(lambda: self.version > 0)
        activity = await self._read(params)
        if self.state == "proposed":
            await self._await_approval(params, activity)
        if self.state == "approved":
            await self._advance(params, "publish")
            if self.state == "published" and workflow.patched(SEND_NOTICES):
                deadline = f"{_at(activity.signup_deadline):%Y-%m-%d %H:%M} UTC"
                await self._notify(
                    params,
                    "published",
                    f"open for sign-ups until {deadline}",
                    include_signed_up=False,
                    recipients=[f"org:{params.org_unit_id}"],
                )
        if self.state == "published":
            if await self._until(activity.signup_deadline):
                await self._advance(params, "close_signups")
            if self.state == "signups_closed":
                await self._call_for_volunteers(params)
        for kind, before in REMINDERS:
            if self.state not in ("published", "signups_closed"):
                break
            at = activity.start_time - before.total_seconds()
            if workflow.now().timestamp() >= at:
                continue  # its moment passed before the activity got here (proposed at short notice)
            if not await self._until(at):
                break
            when = f"{_at(activity.start_time):%Y-%m-%d %H:%M} UTC"
            await self._notify(params, kind, f"{_IN[kind]}: {activity.kind} activity at {when}")
        if self.state in ("published", "signups_closed") and await self._until(activity.start_time):
            await self._advance(params, "start")
        if self.state == "in_progress" and await self._until(activity.end_time):
            await self._close_out(params, activity)
        if self.state == "cancelled":
            cancelled = await self._read(params)
            await self._notify(params, "cancelled", f"cancelled: {cancelled.cancel_reason}")
        # Nothing is left half-sent: every notice (and any promotion signalled meanwhile) is through or given up.
        await workflow.wait_condition(lambda: all(d.done() for d in self.deliveries))
        return self.state

    async def _read(self, params: HolidayActivityInput) -> ActivitySnapshot:
        snapshot = await workflow.execute_activity_method(
            ActivitySteps.read_activity, ActivityRef(params.activity_id), **_STEP_OPTIONS
        )
        self._apply(snapshot.version, snapshot.state)
        return snapshot

    async def _until(self, moment: float) -> bool:
        """Waits until the moment; False when the activity reached a final state first (cancelled)."""
        remaining = moment - workflow.now().timestamp()
        if remaining > 0:
            try:
                await workflow.wait_condition(lambda: self.state in FINAL_STATES, timeout=timedelta(seconds=remaining))
            except TimeoutError:
                pass
        return self.state not in FINAL_STATES

    async def _await_approval(self, params: HolidayActivityInput, activity: ActivitySnapshot) -> None:
        def decided() -> bool:
            return self.state != "proposed"

        approver = params.org_unit_id
        for step in ("approval_reminder", "approval_escalation"):
            limit = params.limits.approval_seconds
            remaining = activity.signup_deadline - workflow.now().timestamp()
            if remaining <= limit:
                break  # the sign-up deadline comes first
            try:
                await workflow.wait_condition(decided, timeout=timedelta(seconds=limit))
                return
            except TimeoutError:
                pass
            await self._read(params)  # a decision committed but not yet relayed is not missed
            if decided():
                return
            parent = await workflow.execute_activity_method(WishSteps.parent_org, OrgRef(approver), **_STEP_OPTIONS)
            approver = parent.org_unit_id or approver
            waited = format_duration(limit * (1 if step == "approval_reminder" else 2))
            await self._notify(
                params,
                step,
                f"not approved after {waited}: {'reminded' if step == 'approval_reminder' else 'escalated to'} "
                f"org {approver}",
                include_signed_up=False,
                recipients=[f"org:{approver}"],
            )
        remaining = activity.signup_deadline - workflow.now().timestamp()
        if remaining > 0:
            try:
                await workflow.wait_condition(decided, timeout=timedelta(seconds=remaining))
                return
            except TimeoutError:
                pass
        await self._read(params)
        if self.state == "proposed":
            await self._advance(params, "expire")  # never approved before its sign-up deadline

    async def _call_for_volunteers(self, params: HolidayActivityInput) -> None:
        """At the sign-up deadline, asks recommended members to fill roles still short (RecommendVolunteers)."""
        activity = await self._read(params)
        for role in activity.roles:
            short = role.needed - role.filled
            if short <= 0:
                continue
            try:
                members = await workflow.execute_activity_method(
                    ActivitySteps.recommend_volunteers,
                    VolunteerQuery(params.activity_id, params.org_unit_id, role.skills, short * 3),
                    start_to_close_timeout=timedelta(seconds=60),
                    retry_policy=RetryPolicy(maximum_attempts=3),
                )
            except ActivityError:
                # Recommendations help but are not essential: the organising org is asked either way.
                workflow.logger.warning("no recommended volunteers", extra={"activity_id": params.activity_id})
                members = []
            await self._notify(
                params,
                "volunteers_wanted",
                f"role {role.name} needs {short} more volunteer(s); {len(members)} recommended members asked",
                include_signed_up=False,
                recipients=[f"org:{params.org_unit_id}", *(f"member:{m}" for m in members)],
                suffix=role.name,
            )

    async def _close_out(self, params: HolidayActivityInput, activity: ActivitySnapshot) -> None:
        result = await self._advance(params, "close_out")
        if not result:
            return
        length = round((activity.end_time - activity.start_time) / 3600, 2)
        for volunteer in result:
            await workflow.execute_activity_method(
                ActivitySteps.record_volunteer_service,
                ServiceRecordRequest(
                    request_id=f"{workflow.info().workflow_id}/service/{volunteer.key}",
                    member_id=volunteer.member_id,
                    team_member_id=volunteer.team_member_id,
                    activity_id=params.activity_id,
                    category=activity.kind,
                    hours=volunteer.hours or length,  # from check-in and check-out; the length before that
                    served_at=activity.start_time,
                    note=f"volunteer ({volunteer.role})",
                ),
                **_STEP_OPTIONS,
            )
        self.steps.append(f"recorded:{len(result)}")

    async def _advance(self, params: HolidayActivityInput, step: str) -> list[VolunteerService]:
        result = await workflow.execute_activity_method(
            ActivitySteps.advance_activity,
            AdvanceRequest(f"{workflow.info().workflow_id}/{step}", params.activity_id, step),
            **_STEP_OPTIONS,
        )
        self._apply(result.activity.version, result.activity.state)
        if result.moved:
            self.steps.append(step)
        return result.volunteers if result.moved else []

    async def _notify(
        self,
        params: HolidayActivityInput,
        kind: str,
        note: str,
        *,
        include_signed_up: bool = True,
        recipients: list[str] | None = None,
        suffix: str = "",
    ) -> None:
        request = NoticeRequest(
            request_id=f"{workflow.info().workflow_id}/{kind}{'/' + suffix if suffix else ''}",
            activity_id=params.activity_id,
            kind=kind,
            note=note,
            include_signed_up=include_signed_up,
            recipients=recipients or [],
        )
        if workflow.patched(SEND_NOTICES):
            ref = await workflow.execute_activity_method(ActivitySteps.record_notice, request, **_STEP_OPTIONS)
            self._send(ref, kind)
        else:
            await workflow.execute_activity_method(ActivitySteps.notify_participants, request, **_STEP_OPTIONS)
        self.steps.append(kind)

    def _send(self, ref: NoticeRef, kind: str) -> None:
        """Sends a recorded notice beside whatever the workflow does next."""
        self.deliveries.append(asyncio.create_task(self._deliver(ref, kind)))

    async def _deliver(self, ref: NoticeRef, kind: str) -> None:
        try:
            await workflow.execute_activity_method(
                ActivityNoticeSteps.send_activity_notice,
                ref,
                start_to_close_timeout=NOTICE_START_TO_CLOSE,
                heartbeat_timeout=NOTICE_HEARTBEAT,
                schedule_to_close_timeout=NOTICE_SCHEDULE_TO_CLOSE,
                retry_policy=NOTICE_RETRY,
            )
        except ActivityError as error:
            workflow.logger.error("activity notice not sent", extra={"activity_id": ref.activity_id, "kind": kind})
            self.steps.append(f"unsent:{kind}")
            if workflow.patched(RECORD_UNDELIVERED):
                await self._give_up(ref, kind, error)
            return
        self.steps.append(f"sent:{kind}")

    async def _give_up(self, ref: NoticeRef, kind: str, error: ActivityError) -> None:
        """Records the recipients a notice did not reach as failed, and tells the organising org who they are
        (unless this notice was that telling: then it is only recorded)."""
        reason = f"not delivered after {format_duration(NOTICE_SCHEDULE_TO_CLOSE.total_seconds())} of retries: {last_failure(error)}"
        tell = "" if kind == "undelivered" else f"org:{self.org_unit_id}"
        try:
            told = await workflow.execute_activity_method(
                ActivityNoticeSteps.give_up_notice,
                GiveUp(ref.activity_id, ref.sequence, reason, tell),
                **_GIVE_UP_OPTIONS,
            )
        except ActivityError:
            workflow.logger.error("activity give-up not recorded", extra={"activity_id": ref.activity_id, "kind": kind})
            self.steps.append(f"unrecorded:{kind}")
            return
        self.steps.append(f"given_up:{kind}")
        if told.sequence:
            self.steps.append("undelivered")
            self._send(told, "undelivered")


_IN = {"reminder_day_before": "tomorrow", "reminder_hour_before": "in an hour"}
