"""The steps of EmergencyDispatch (its Temporal activities): everything it does to the outside world — the
dispatch and registry services over gRPC, and the notices through the configured senders (workflows/notices.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.dispatch.alerts.contract import Callee
from services.dispatch.alerts.domain import service_hours
from services.runtime.enums import name_of
from workflows.notices import GatewayRefused, Notice, Notifier
from workflows.steps import TIMEOUT_SECONDS, call


@dataclass
class AlertRef:
    alert_id: str


@dataclass
class CallList:
    volunteers: list[Callee] = field(default_factory=list)
    community_id: str = ""
    street_id: str = ""
    alert_kind: str = ""
    unit_id: str = ""
    # No address: this is kept in the workflow's history, which holds no personal data. (Histories from before
    # carry an "address" key, which decoding ignores.)


@dataclass
class AlertSnapshot:
    version: int
    state: str
    responder: str


@dataclass
class AlertStep:
    request_id: str
    alert_id: str
    kind: str  # an AlertEventKind name in lower case: "called", "timed_out", ...
    recipient: str = ""
    note: str = ""
    escalation: str = ""  # with "escalated": "community_staff" or "street"


class EmergencySteps:
    def __init__(
        self,
        dispatch: dispatch_pb2_grpc.DispatchServiceStub,
        registry: registry_pb2_grpc.RegistryServiceStub,
        notifiers: Sequence[Notifier],
    ) -> None:
        self.dispatch = dispatch
        self.registry = registry
        self.notifiers = list(notifiers)

    @activity.defn
    async def alert_call_list(self, ref: AlertRef) -> CallList:
        response = await call(
            self.dispatch.GetAlertCallList(
                dispatch_pb2.GetAlertCallListRequest(alert_id=ref.alert_id), timeout=TIMEOUT_SECONDS
            )
        )
        return CallList(
            volunteers=[
                Callee(c.member_id, name_of(dispatch_pb2.Nearness, c.nearness), c.team_member_id)
                for c in response.volunteers
            ],
            community_id=response.community_id,
            street_id=response.street_id,
            alert_kind=name_of(dispatch_pb2.AlertKind, response.kind),
            unit_id=response.unit_id,
        )

    @activity.defn
    async def read_alert(self, ref: AlertRef) -> AlertSnapshot:
        alert = (
            await call(
                self.dispatch.GetAlert(dispatch_pb2.GetAlertRequest(alert_id=ref.alert_id), timeout=TIMEOUT_SECONDS)
            )
        ).alert
        return AlertSnapshot(alert.version, name_of(dispatch_pb2.AlertState, alert.state), alert.responder)

    @activity.defn
    async def record_alert_step(self, step: AlertStep) -> bool:
        return (await self._record(step)).recorded

    async def _record(self, step: AlertStep, reveal_address: bool = False) -> dispatch_pb2.RecordAlertEventResponse:
        # An enum field takes its label as well as its number.
        escalation = (
            f"ESCALATION_LEVEL_{step.escalation.upper()}"
            if step.escalation
            else dispatch_pb2.ESCALATION_LEVEL_UNSPECIFIED
        )
        response: dispatch_pb2.RecordAlertEventResponse = await call(
            self.dispatch.RecordAlertEvent(
                dispatch_pb2.RecordAlertEventRequest(
                    request_id=step.request_id,
                    alert_id=step.alert_id,
                    kind=f"ALERT_EVENT_KIND_{step.kind.upper()}",
                    recipient=step.recipient,
                    note=step.note,
                    escalation=escalation,
                    reveal_address=reveal_address,
                ),
                timeout=TIMEOUT_SECONDS,
            )
        )
        return response

    @activity.defn
    async def send_notice(self, notice: Notice) -> None:
        """Records a call on the alert's timeline (once, whatever the attempt), sends the notice through every
        sender, then records its delivery. A retry after a failed record sends the notice again, with the same
        idempotency key for the gateway to drop.

        A call's notice must carry the address (the one called has to find the door), but the workflow's history
        must not: the address comes back, audited, with the recording of the call, and lives only in this attempt."""
        if notice.purpose == "alert":
            called = await self._record(
                AlertStep(f"{notice.key}/called", notice.alert_id, "called", notice.recipient, notice.text),
                reveal_address=True,
            )
            notice = dataclasses.replace(notice, address=called.address)
        try:
            for notifier in self.notifiers:
                await notifier.send(notice)
        except GatewayRefused as exc:
            raise ApplicationError(str(exc), type="GatewayRefused", non_retryable=True) from None
        await self.record_alert_step(
            AlertStep(
                request_id=f"{notice.key}/sent",
                alert_id=notice.alert_id,
                kind="delivered" if notice.purpose == "alert" else "stood_down",
                recipient=notice.recipient,
                note=f"{notice.purpose} notice delivered",
            )
        )

    @activity.defn
    async def record_alert_service(self, ref: AlertRef) -> str:
        """Records the responder's service in the registry (纪实) — a member's, or a team volunteer's (who is not a
        member); returns the record id, or "" if staff answered."""
        response = await call(
            self.dispatch.GetAlert(dispatch_pb2.GetAlertRequest(alert_id=ref.alert_id), timeout=TIMEOUT_SECONDS)
        )
        alert = response.alert
        kind, _, number = alert.responder.partition(":")
        if kind not in ("member", "volunteer") or alert.state != dispatch_pb2.ALERT_STATE_RESOLVED:
            return ""
        acknowledged = alert.acknowledge_time.ToDatetime()
        closed = alert.close_time.ToDatetime()
        hours = service_hours((closed - acknowledged).total_seconds())
        served_at = Timestamp()
        served_at.CopyFrom(alert.acknowledge_time)
        outcome = name_of(dispatch_pb2.AlertOutcome, alert.outcome)
        record: registry_pb2.RecordServiceResponse = await call(
            self.registry.RecordService(
                registry_pb2.RecordServiceRequest(
                    request_id=f"alert-{alert.id}-service",
                    member_id=number if kind == "member" else "",
                    team_member_id=number if kind == "volunteer" else "",
                    kind=registry_pb2.SERVICE_KIND_ALERT,
                    source_id=alert.id,
                    category=name_of(dispatch_pb2.AlertKind, alert.kind),
                    hours=hours,
                    served_at=served_at,
                    note=f"emergency alert {alert.id}: {outcome}",
                ),
                timeout=TIMEOUT_SECONDS,
            )
        )
        return record.record.id
