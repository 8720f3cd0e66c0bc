"""Activities of the HolidayActivity and recurring-activity workflows: what they do to the outside world,
over the services' gRPC APIs (ActivityService and RecommendVolunteers in dispatch, RecordService in the
registry), and the notices through the same senders as alert notices (workflows/emergency_notify.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import activities_pb2, activities_pb2_grpc, dispatch_pb2, dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.dispatch.activities.domain import MAX_NOTE
from workflows.emergency_notify import GatewayRefused, GatewayUnavailable, Notice, Notifier
from workflows.wish_activities import _PERMANENT, _TIMEOUT_SECONDS, _call

_PAGE = 500
_SEND_PAGE = 50  # recipients sent to at once, then recorded together


@dataclass
class ActivityRef:
    activity_id: str


@dataclass
class RoleNeed:
    name: str
    needed: int
    filled: int
    skills: list[int] = field(default_factory=list)


@dataclass
class ActivitySnapshot:
    version: int
    state: str
    org_unit_id: str
    kind: str
    # Seconds since the epoch (UTC): workflows get times as plain numbers.
    start_time: float
    end_time: float
    signup_deadline: float
    cancel_reason: str = ""
    roles: list[RoleNeed] = field(default_factory=list)


@dataclass
class VolunteerService:
    member_id: str
    role: str
    hours: float = 0.0  # fixed at close-out from check-in and check-out; 0 from a service before that release


@dataclass
class AdvanceRequest:
    request_id: str
    activity_id: str
    step: str  # "publish", "close_signups", "start", "close_out", "expire"


@dataclass
class AdvanceResult:
    moved: bool
    activity: ActivitySnapshot
    volunteers: list[VolunteerService] = field(default_factory=list)


@dataclass
class NoticeRequest:
    request_id: str
    activity_id: str
    kind: str  # ActivityNoticeKind without its prefix, lower case: "reminder_day_before", ...
    note: str
    include_signed_up: bool = True
    recipients: list[str] = field(default_factory=list)


@dataclass
class NoticeRef:
    """A recorded notice, by its sequence in the activity's history: all the workflow keeps of it (the
    recipients stay in dispatch's database, out of Temporal's history)."""

    activity_id: str
    sequence: int


@dataclass
class GiveUp:
    """A notice whose retries ran out: its recipients still waiting are recorded as failed for `reason`, and
    `tell` (the organising org, "org:<id>") is sent a notice naming them; nobody is told of an empty `tell`
    (the notice that told them itself failed)."""

    activity_id: str
    sequence: int
    reason: str
    tell: str = ""


@dataclass
class NoticeOutcome:
    delivered: int
    refused: int


@dataclass
class DigestRun:
    before: float  # seconds since the epoch: notices recorded before this go in this digest


@dataclass
class VolunteerQuery:
    activity_id: str
    org_unit_id: str
    skills: list[int]
    limit: int


@dataclass
class ServiceRecordRequest:
    request_id: str
    member_id: str
    activity_id: str
    category: str
    hours: float
    served_at: float  # seconds since the epoch
    note: str = ""


@dataclass
class TemplateProposal:
    request_id: str
    recurring_activity_id: str
    org_unit_id: str
    title: str
    kind: int
    place: str
    capacity: int
    start_time: float  # seconds since the epoch
    end_time: float
    signup_deadline: float
    roles: list[RoleNeed] = field(default_factory=list)


def _timestamp(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.fromtimestamp(seconds, UTC))
    return stamp


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _state(number: int) -> str:
    return activities_pb2.ActivityState.Name(number).removeprefix("ACTIVITY_STATE_").lower()


def _seconds(stamp: Timestamp) -> float:
    return stamp.seconds + stamp.nanos / 1e9


def snapshot(message: activities_pb2.Activity) -> ActivitySnapshot:
    return ActivitySnapshot(
        version=message.version,
        state=_state(message.state),
        org_unit_id=message.org_unit_id,
        kind=activities_pb2.ActivityKind.Name(message.kind).removeprefix("ACTIVITY_KIND_").lower(),
        start_time=_seconds(message.start_time),
        end_time=_seconds(message.end_time),
        signup_deadline=_seconds(message.signup_deadline),
        cancel_reason=message.cancel_reason,
        roles=[RoleNeed(r.name, r.count, r.filled, list(r.skills)) for r in message.roles],
    )


class ActivityActivities:
    def __init__(
        self,
        activities: activities_pb2_grpc.ActivityServiceStub,
        dispatch: dispatch_pb2_grpc.DispatchServiceStub,
        registry: registry_pb2_grpc.RegistryServiceStub,
        notifiers: Sequence[Notifier] = (),
    ) -> None:
        self.activities = activities
        self.dispatch = dispatch
        self.registry = registry
        self.notifiers = list(notifiers)

    async def _get(self, activity_id: str) -> activities_pb2.Activity:
        response = await _call(
            self.activities.GetActivity(
                activities_pb2.GetActivityRequest(activity_id=activity_id), timeout=_TIMEOUT_SECONDS
            )
        )
        return response.activity

    @activity.defn
    async def read_activity(self, ref: ActivityRef) -> ActivitySnapshot:
        return snapshot(await self._get(ref.activity_id))

    @activity.defn
    async def advance_activity(self, request: AdvanceRequest) -> AdvanceResult:
        try:
            response = await self.activities.AdvanceActivity(
                activities_pb2.AdvanceActivityRequest(
                    request_id=request.request_id,
                    activity_id=request.activity_id,
                    step=activities_pb2.ActivityStep.Value(f"ACTIVITY_STEP_{request.step.upper()}"),
                ),
                timeout=_TIMEOUT_SECONDS,
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise ApplicationError(
                    f"{exc.code().name}: {exc.details()}", type=exc.code().name, non_retryable=exc.code() in _PERMANENT
                ) from None
            # Moved on meanwhile (cancelled, most likely): the workflow decides from the state it is in now.
            return AdvanceResult(moved=False, activity=snapshot(await self._get(request.activity_id)))
        return AdvanceResult(
            moved=True,
            activity=snapshot(response.activity),
            volunteers=[VolunteerService(v.member_id, v.role, v.service_hours) for v in response.checked_in_volunteers],
        )

    @activity.defn
    async def notify_participants(self, request: NoticeRequest) -> int:
        response = await _call(
            self.activities.NotifyParticipants(
                activities_pb2.NotifyParticipantsRequest(
                    request_id=request.request_id,
                    activity_id=request.activity_id,
                    kind=activities_pb2.ActivityNoticeKind.Value(f"ACTIVITY_NOTICE_KIND_{request.kind.upper()}"),
                    note=request.note,
                    include_signed_up=request.include_signed_up,
                    recipients=request.recipients,
                ),
                timeout=_TIMEOUT_SECONDS,
            )
        )
        activity.logger.info("activity notice", extra={"activity_id": request.activity_id, "kind": request.kind})
        return len(response.notice.recipients)

    @activity.defn
    async def record_notice(self, request: NoticeRequest) -> NoticeRef:
        """Records a notice with its recipients (a retry returns the first); the workflow then sends it."""
        response = await _call(
            self.activities.NotifyParticipants(
                activities_pb2.NotifyParticipantsRequest(
                    request_id=request.request_id,
                    activity_id=request.activity_id,
                    kind=activities_pb2.ActivityNoticeKind.Value(f"ACTIVITY_NOTICE_KIND_{request.kind.upper()}"),
                    note=request.note,
                    include_signed_up=request.include_signed_up,
                    recipients=request.recipients,
                ),
                timeout=_TIMEOUT_SECONDS,
            )
        )
        return NoticeRef(request.activity_id, response.notice.sequence)

    @activity.defn
    async def send_activity_notice(self, ref: NoticeRef) -> NoticeOutcome:
        """Sends a recorded notice to each recipient it has not reached yet, through every sender, and records
        each delivery. Reads the recipients from dispatch itself. A gateway that is down fails the attempt after
        recording what got through; the retry goes on from there, and the idempotency key (one per notice and
        recipient) lets the gateway drop a repeat of one it took just before a crash."""
        outcome = NoticeOutcome(0, 0)
        while True:
            page = await _call(
                self.activities.GetNoticeDelivery(
                    activities_pb2.GetNoticeDeliveryRequest(
                        activity_id=ref.activity_id, sequence=ref.sequence, page_size=_SEND_PAGE
                    ),
                    timeout=_TIMEOUT_SECONDS,
                )
            )
            if not page.pending:
                return outcome
            results = await asyncio.gather(
                *(self._send_one(page.notice, page.activity, r) for r in page.pending), return_exceptions=True
            )
            delivered = [r.delivery_id for r, error in zip(page.pending, results, strict=True) if error is None]
            refused = [
                activities_pb2.NoticeFailure(delivery_id=r.delivery_id, reason=str(error))
                for r, error in zip(page.pending, results, strict=True)
                if isinstance(error, GatewayRefused)
            ]
            await _call(
                self.activities.RecordNoticeDelivery(
                    activities_pb2.RecordNoticeDeliveryRequest(
                        activity_id=ref.activity_id, sequence=ref.sequence, delivered=delivered, failed=refused
                    ),
                    timeout=_TIMEOUT_SECONDS,
                )
            )
            outcome.delivered += len(delivered)
            outcome.refused += len(refused)
            failed = [e for e in results if e is not None and not isinstance(e, GatewayRefused)]
            if failed:
                if isinstance(failed[0], GatewayUnavailable):
                    raise ApplicationError(str(failed[0]), type="GatewayUnavailable")
                raise failed[0]

    @activity.defn
    async def give_up_notice(self, give_up: GiveUp) -> NoticeRef:
        """Records every recipient a notice did not reach as failed, and records a notice to the organising org
        naming them (one per notice: a retry returns the first). Returns that notice, sequence 0 when none."""
        missed: list[str] = []
        notice: activities_pb2.ActivityEvent | None = None
        while True:
            page = await _call(
                self.activities.GetNoticeDelivery(
                    activities_pb2.GetNoticeDeliveryRequest(
                        activity_id=give_up.activity_id, sequence=give_up.sequence, page_size=_PAGE
                    ),
                    timeout=_TIMEOUT_SECONDS,
                )
            )
            notice = notice or page.notice
            if not page.pending:
                break
            recorded = await _call(
                self.activities.RecordNoticeDelivery(
                    activities_pb2.RecordNoticeDeliveryRequest(
                        activity_id=give_up.activity_id,
                        sequence=give_up.sequence,
                        failed=[
                            activities_pb2.NoticeFailure(delivery_id=p.delivery_id, reason=give_up.reason)
                            for p in page.pending
                        ],
                        given_up=True,
                    ),
                    timeout=_TIMEOUT_SECONDS,
                )
            )
            missed += [p.recipient for p in page.pending]
            notice = recorded.notice
        activity.logger.warning(
            "activity notice given up",
            extra={"activity_id": give_up.activity_id, "sequence": give_up.sequence, "recipients": len(missed)},
        )
        if not give_up.tell or notice is None or notice.failed == 0:
            return NoticeRef(give_up.activity_id, 0)
        kind = activities_pb2.ActivityNoticeKind.Name(notice.notice_kind).removeprefix("ACTIVITY_NOTICE_KIND_").lower()
        # A retry after the failures were recorded no longer knows whom they were; the first record is returned.
        who = ", ".join(missed) if missed else "see the notice's record"
        note = (
            f"{notice.failed} of {len(notice.recipients)} recipient(s) of notice {notice.sequence} ({kind}) could not "
            f"be reached ({give_up.reason}): {who}"
        )
        response = await _call(
            self.activities.NotifyParticipants(
                activities_pb2.NotifyParticipantsRequest(
                    request_id=f"activity-{give_up.activity_id}/undelivered/{give_up.sequence}",
                    activity_id=give_up.activity_id,
                    kind=activities_pb2.ACTIVITY_NOTICE_KIND_UNDELIVERED,
                    note=_clip(note, MAX_NOTE),
                    include_signed_up=False,
                    recipients=[give_up.tell],
                ),
                timeout=_TIMEOUT_SECONDS,
            )
        )
        return NoticeRef(give_up.activity_id, response.notice.sequence)

    async def _send_one(
        self, notice: activities_pb2.ActivityEvent, about: activities_pb2.Activity, to: activities_pb2.NoticeRecipient
    ) -> None:
        kind = activities_pb2.ActivityNoticeKind.Name(notice.notice_kind).removeprefix("ACTIVITY_NOTICE_KIND_").lower()
        when = f"{about.start_time.ToDatetime(tzinfo=UTC):%Y-%m-%d %H:%M} UTC"
        message = Notice(
            key=f"activity-{about.id}/notice-{notice.sequence}/{to.delivery_id}",
            alert_id="",  # an activity notice: the key and purpose say which
            purpose=f"activity_{kind}",
            recipient=to.recipient,
            alert_kind="",
            unit_id=about.org_unit_id,
            address=about.place,
            text=f"{about.title} ({when}, {about.place}): {notice.note}",
        )
        try:
            for notifier in self.notifiers:
                await notifier.send(message)
        finally:
            activity.heartbeat()  # alive: each recipient's sending ends within the webhook's time-out

    @activity.defn
    async def send_notice_digests(self, run: DigestRun) -> NoticeOutcome:
        """Sends each recipient with held notices one digest of them, and records each digest as it goes; as
        send_activity_notice does, a retry sends only the digests not yet recorded, under the same keys."""
        outcome = NoticeOutcome(0, 0)
        day = f"{datetime.fromtimestamp(run.before, UTC):%Y%m%d}"
        while True:
            page = await _call(
                self.activities.GetNoticeDigests(
                    activities_pb2.GetNoticeDigestsRequest(before=_timestamp(run.before), page_size=_SEND_PAGE),
                    timeout=_TIMEOUT_SECONDS,
                )
            )
            if not page.digests:
                return outcome
            results = await asyncio.gather(*(self._send_digest(day, d) for d in page.digests), return_exceptions=True)
            delivered = [
                i.delivery_id for d, e in zip(page.digests, results, strict=True) if e is None for i in d.items
            ]
            refused = [
                activities_pb2.NoticeFailure(delivery_id=i.delivery_id, reason=str(e))
                for d, e in zip(page.digests, results, strict=True)
                if isinstance(e, GatewayRefused)
                for i in d.items
            ]
            await _call(
                self.activities.RecordDigestDelivery(
                    activities_pb2.RecordDigestDeliveryRequest(delivered=delivered, failed=refused),
                    timeout=_TIMEOUT_SECONDS,
                )
            )
            outcome.delivered += sum(1 for e in results if e is None)
            outcome.refused += sum(1 for e in results if isinstance(e, GatewayRefused))
            failed = [e for e in results if e is not None and not isinstance(e, GatewayRefused)]
            if failed:
                if isinstance(failed[0], GatewayUnavailable):
                    raise ApplicationError(str(failed[0]), type="GatewayUnavailable")
                raise failed[0]

    async def _send_digest(self, day: str, digest: activities_pb2.NoticeDigest) -> None:
        lines = [
            f"{i.title} ({i.start_time.ToDatetime(tzinfo=UTC):%Y-%m-%d %H:%M} UTC, {i.place}): {i.note}"
            for i in digest.items
        ]
        message = Notice(
            key=f"activity-digest-{day}/{digest.items[0].delivery_id}",
            alert_id="",
            purpose="activity_digest",
            recipient=digest.recipient,
            alert_kind="",
            unit_id="",
            text=f"{len(lines)} activity notice(s):\n" + "\n".join(lines),
        )
        try:
            for notifier in self.notifiers:
                await notifier.send(message)
        finally:
            activity.heartbeat()

    @activity.defn
    async def recommend_volunteers(self, query: VolunteerQuery) -> list[str]:
        """Members recommended for a short role, leaving out those already signed up."""
        signed: list[str] = []
        token = ""
        while True:
            page = await _call(
                self.activities.ListSignUps(
                    activities_pb2.ListSignUpsRequest(activity_id=query.activity_id, page_size=_PAGE, page_token=token),
                    timeout=_TIMEOUT_SECONDS,
                )
            )
            signed += [
                s.member_id
                for s in page.sign_ups
                if s.member_id and s.status != activities_pb2.SIGN_UP_STATUS_CANCELLED
            ]
            token = page.next_page_token
            if not token:
                break
        response = await _call(
            self.dispatch.RecommendVolunteers(
                dispatch_pb2.RecommendVolunteersRequest(
                    org_unit_id=query.org_unit_id,
                    skills=query.skills,
                    limit=query.limit,
                    exclude_member_ids=signed,
                ),
                timeout=_TIMEOUT_SECONDS,
            )
        )
        return [r.member_id for r in response.recommendations]

    @activity.defn
    async def propose_from_template(self, proposal: TemplateProposal) -> str:
        """Proposes one run of a recurring activity; returns the activity id."""
        runs = activity.metric_meter().create_counter(
            "linli_schedule_runs", "Runs of linli's Temporal Schedules, by schedule kind and outcome."
        )
        try:
            response = await _call(
                self.activities.ProposeActivity(
                    activities_pb2.ProposeActivityRequest(
                        request_id=proposal.request_id,
                        org_unit_id=proposal.org_unit_id,
                        title=proposal.title,
                        kind=proposal.kind,
                        place=proposal.place,
                        start_time=_timestamp(proposal.start_time),
                        end_time=_timestamp(proposal.end_time),
                        signup_deadline=_timestamp(proposal.signup_deadline),
                        capacity=proposal.capacity,
                        roles=[
                            activities_pb2.ActivityRole(name=r.name, count=r.needed, skills=r.skills)
                            for r in proposal.roles
                        ],
                        recurring_activity_id=proposal.recurring_activity_id,
                    ),
                    timeout=_TIMEOUT_SECONDS,
                )
            )
        except ApplicationError:
            runs.add(1, {"schedule": "recurring_activity", "outcome": "failed"})
            raise
        runs.add(1, {"schedule": "recurring_activity", "outcome": "done"})
        return response.activity.id

    @activity.defn
    async def record_volunteer_service(self, request: ServiceRecordRequest) -> bool:
        response = await _call(
            self.registry.RecordService(
                registry_pb2.RecordServiceRequest(
                    request_id=request.request_id,
                    member_id=request.member_id,
                    kind=registry_pb2.SERVICE_KIND_ACTIVITY,
                    source_id=request.activity_id,
                    category=request.category,
                    hours=request.hours,
                    served_at=_timestamp(request.served_at),
                    note=request.note,
                ),
                timeout=_TIMEOUT_SECONDS,
            )
        )
        return response.created
