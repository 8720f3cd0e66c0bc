"""The steps of the HolidayActivity and recurring-activity workflows (their Temporal activities): what they do to
the outside world, over the services' gRPC APIs (ActivityService and RecommendVolunteers in dispatch,
RecordService in the registry). Sending notices is in activity_notice_steps.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import activities_pb2, activities_pb2_grpc, dispatch_pb2, dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.dispatch.activities.contract import RoleNeed
from services.runtime.enums import name_of
from workflows.steps import TIMEOUT_SECONDS, call, schedule_runs, step_failure

PAGE = 500


@dataclass
class ActivityRef:
    activity_id: str


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
    member_id: str  # empty for a team volunteer who is not a member
    role: str
    hours: float = 0.0  # fixed at close-out from check-in and check-out; 0 from a service before that release
    team_member_id: str = ""

    @property
    def key(self) -> str:
        """Names the volunteer in a step's request id: a member's id as before team volunteers came."""
        return f"volunteer:{self.team_member_id}" if self.team_member_id else self.member_id


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
    team_member_id: str = ""  # instead of member_id, a team volunteer who is not a member


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


def timestamp(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.fromtimestamp(seconds, UTC))
    return stamp


def _state(number: int) -> str:
    return name_of(activities_pb2.ActivityState, number)


def _seconds(stamp: Timestamp) -> float:
    return stamp.seconds + stamp.nanos / 1e9


def snapshot(message: activities_pb2.Activity) -> ActivitySnapshot:
    return ActivitySnapshot(
        version=message.version,
        state=_state(message.state),
        org_unit_id=message.org_unit_id,
        kind=name_of(activities_pb2.ActivityKind, message.kind),
        start_time=_seconds(message.start_time),
        end_time=_seconds(message.end_time),
        signup_deadline=_seconds(message.signup_deadline),
        cancel_reason=message.cancel_reason,
        roles=[RoleNeed(r.name, r.count, r.filled, list(r.skills)) for r in message.roles],
    )


def notify_request(request: NoticeRequest) -> activities_pb2.NotifyParticipantsRequest:
    return activities_pb2.NotifyParticipantsRequest(
        request_id=request.request_id,
        activity_id=request.activity_id,
        kind=f"ACTIVITY_NOTICE_KIND_{request.kind.upper()}",  # an enum field takes its label
        note=request.note,
        include_signed_up=request.include_signed_up,
        recipients=request.recipients,
    )


class ActivitySteps:
    def __init__(
        self,
        activities: activities_pb2_grpc.ActivityServiceStub,
        dispatch: dispatch_pb2_grpc.DispatchServiceStub,
        registry: registry_pb2_grpc.RegistryServiceStub,
    ) -> None:
        self.activities = activities
        self.dispatch = dispatch
        self.registry = registry

    async def _get(self, activity_id: str) -> activities_pb2.Activity:
        response: activities_pb2.GetActivityResponse = await call(
            self.activities.GetActivity(
                activities_pb2.GetActivityRequest(activity_id=activity_id), timeout=TIMEOUT_SECONDS
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
                    step=f"ACTIVITY_STEP_{request.step.upper()}",  # an enum field takes its label
                ),
                timeout=TIMEOUT_SECONDS,
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise step_failure(exc) from None
            # Moved on meanwhile (cancelled, most likely): the workflow decides from the state it is in now.
            return AdvanceResult(moved=False, activity=snapshot(await self._get(request.activity_id)))
        return AdvanceResult(
            moved=True,
            activity=snapshot(response.activity),
            volunteers=[
                VolunteerService(v.member_id, v.role, v.service_hours, v.team_member_id)
                for v in response.checked_in_volunteers
            ],
        )

    @activity.defn
    async def notify_participants(self, request: NoticeRequest) -> int:
        response = await call(self.activities.NotifyParticipants(notify_request(request), timeout=TIMEOUT_SECONDS))
        activity.logger.info("activity notice", extra={"activity_id": request.activity_id, "kind": request.kind})
        return len(response.notice.recipients)

    @activity.defn
    async def record_notice(self, request: NoticeRequest) -> NoticeRef:
        """Records a notice with its recipients (a retry returns the first); the workflow then sends it."""
        response = await call(self.activities.NotifyParticipants(notify_request(request), timeout=TIMEOUT_SECONDS))
        return NoticeRef(request.activity_id, response.notice.sequence)

    @activity.defn
    async def recommend_volunteers(self, query: VolunteerQuery) -> list[str]:
        """Members recommended for a short role, leaving out those already signed up."""
        signed: list[str] = []
        token = ""
        while True:
            page = await call(
                self.activities.ListSignUps(
                    activities_pb2.ListSignUpsRequest(activity_id=query.activity_id, page_size=PAGE, page_token=token),
                    timeout=TIMEOUT_SECONDS,
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
        response = await call(
            self.dispatch.RecommendVolunteers(
                dispatch_pb2.RecommendVolunteersRequest(
                    org_unit_id=query.org_unit_id,
                    # The contract carries skills as numbers; the generated types take Skill values only.
                    skills=query.skills,  # type: ignore[arg-type]
                    limit=query.limit,
                    exclude_member_ids=signed,
                ),
                timeout=TIMEOUT_SECONDS,
            )
        )
        return [r.member_id for r in response.recommendations]

    @activity.defn
    async def propose_from_template(self, proposal: TemplateProposal) -> str:
        """Proposes one run of a recurring activity; returns the activity id."""
        runs = schedule_runs()
        try:
            # The contract carries the kind and skills as numbers; the generated types take the enums' values only.
            response: activities_pb2.ProposeActivityResponse = await call(
                self.activities.ProposeActivity(
                    activities_pb2.ProposeActivityRequest(
                        request_id=proposal.request_id,
                        org_unit_id=proposal.org_unit_id,
                        title=proposal.title,
                        kind=proposal.kind,  # type: ignore[arg-type]
                        place=proposal.place,
                        start_time=timestamp(proposal.start_time),
                        end_time=timestamp(proposal.end_time),
                        signup_deadline=timestamp(proposal.signup_deadline),
                        capacity=proposal.capacity,
                        roles=[
                            activities_pb2.ActivityRole(name=r.name, count=r.needed, skills=r.skills)  # type: ignore[arg-type]
                            for r in proposal.roles
                        ],
                        recurring_activity_id=proposal.recurring_activity_id,
                    ),
                    timeout=TIMEOUT_SECONDS,
                )
            )
        except ApplicationError:
            runs.add(1, {"schedule": "recurring_activity", "outcome": "failed"})
            raise
        runs.add(1, {"schedule": "recurring_activity", "outcome": "done"})
        return response.activity.id

    @activity.defn
    async def record_volunteer_service(self, request: ServiceRecordRequest) -> bool:
        response: registry_pb2.RecordServiceResponse = await call(
            self.registry.RecordService(
                registry_pb2.RecordServiceRequest(
                    request_id=request.request_id,
                    member_id=request.member_id,
                    team_member_id=request.team_member_id,
                    kind=registry_pb2.SERVICE_KIND_ACTIVITY,
                    source_id=request.activity_id,
                    category=request.category,
                    hours=request.hours,
                    served_at=timestamp(request.served_at),
                    note=request.note,
                ),
                timeout=TIMEOUT_SECONDS,
            )
        )
        return response.created
