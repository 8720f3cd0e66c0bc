"""DispatchService's emergency alerts: raised, answered, escalated by their workflow, closed; read with their
timeline, the address revealed (audited) only to those who need it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from linli.dispatch.v1 import dispatch_pb2 as pb
from linli.registry.v1 import registry_pb2

from services.dispatch.alerts import domain
from services.dispatch.alerts.store import (
    Alert,
    AlertEventRow,
    NewAlert,
    SealedAlertData,
    WrongAlertState,
)
from services.dispatch.calls import DispatchCalls
from services.dispatch.duty import domain as duty_rules
from services.dispatch.duty.domain import Slot
from services.dispatch.matching import domain as matching
from services.dispatch.matching.domain import Place
from services.dispatch.metrics import (
    ACKNOWLEDGE_SECONDS,
    ALERTS_ACKNOWLEDGED,
    ALERTS_CANCELLED,
    ALERTS_ESCALATED,
    ALERTS_RAISED,
    ALERTS_RESOLVED,
)
from services.dispatch.scope import require_unit_in_scope
from services.runtime import access, validate
from services.runtime.auth import Caller, Role, current_caller
from services.runtime.convert import to_timestamp
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.runtime.org_directory import OrgUnitInfo
from services.runtime.retention import ERASED

# How long after an alert closed its responder may still read its address (a follow-up visit, the report).
REVEAL_AFTER_CLOSE = timedelta(hours=24)
_OPEN_STATES = ("acknowledged", "arrived")
_ALERT_UNITS = (
    registry_pb2.ORG_UNIT_KIND_COMMUNITY,
    registry_pb2.ORG_UNIT_KIND_GRID,
    registry_pb2.ORG_UNIT_KIND_BUILDING,
)
# An org unit at or below a community: alerts are counted by the column naming it.
_BELOW_COMMUNITY = {
    registry_pb2.ORG_UNIT_KIND_COMMUNITY: "community",
    registry_pb2.ORG_UNIT_KIND_GRID: "grid",
    registry_pb2.ORG_UNIT_KIND_BUILDING: "building",
}
_NEARNESS_NUMBERS = {
    matching.NEAR_BUILDING: pb.NEARNESS_BUILDING,
    matching.NEAR_GRID: pb.NEARNESS_GRID,
    matching.NEAR_COMMUNITY: pb.NEARNESS_COMMUNITY,
    matching.NEAR_SUBTREE: pb.NEARNESS_COMMUNITY,
}
_NEARNESS_OF_WORD = {
    "building": matching.NEAR_BUILDING,
    "grid": matching.NEAR_GRID,
    "community": matching.NEAR_COMMUNITY,
}


def alert_message(alert: Alert, revealed: tuple[str, str] | None = None) -> pb.Alert:
    """The alert with its address and device id masked, or in the clear when `revealed` gives them."""
    address, device_id = revealed or (alert.address_masked, alert.device_id_masked)
    # Erased once the alert had been closed long enough (EraseExpiredPersonalData): a reveal says so.
    if revealed and not address and alert.address_masked == ERASED:
        address = ERASED
    if revealed and not device_id and alert.device_id_masked == ERASED:
        device_id = ERASED
    return pb.Alert(
        id=str(alert.id),
        kind=domain.ALERT_KIND_NUMBERS[alert.kind],
        state=domain.ALERT_STATE_NUMBERS[alert.state],
        unit_id=str(alert.unit_id),
        community_id=str(alert.community_id),
        address=address,
        device_id=device_id,
        personal_data_revealed=revealed is not None,
        note=alert.note,
        responder=alert.responder or "",
        outcome=domain.OUTCOME_NUMBERS[alert.outcome] if alert.outcome else pb.ALERT_OUTCOME_UNSPECIFIED,
        outcome_note=alert.outcome_note,
        escalation=domain.ESCALATION_NUMBERS[alert.escalation],
        raise_time=to_timestamp(alert.raised_at),
        acknowledge_time=to_timestamp(alert.acknowledged_at),
        arrive_time=to_timestamp(alert.arrived_at),
        close_time=to_timestamp(alert.closed_at),
        version=alert.version,
    )


def member_may_reveal(alert: Alert, member: str, called: set[str], now: datetime) -> bool:
    """Whether a member ("member:12") may read the alert's address: while it waits for an answer, any member called
    to it (they must decide whether to go); once answered, only its responder — until REVEAL_AFTER_CLOSE after it
    was resolved or cancelled, and never after."""
    if alert.state == "raised":
        return member in called
    if alert.responder != member:
        return False
    if alert.state in _OPEN_STATES:
        return True
    return alert.closed_at is not None and now < alert.closed_at + REVEAL_AFTER_CLOSE


def event_message(event: AlertEventRow) -> pb.AlertEvent:
    return pb.AlertEvent(
        sequence=event.id,
        kind=domain.EVENT_KIND_NUMBERS[event.kind],
        recipient=event.recipient,
        actor=event.actor,
        note=event.note,
        time=to_timestamp(event.at),
    )


class AlertServicer(DispatchCalls):
    async def _alert(self, raw_id: str, field: str = "alert_id") -> Alert:
        alert_id = validate.entity_id(field, raw_id)
        assert alert_id is not None
        alert = await self.store.alert(alert_id)
        if alert is None:
            raise NotFound(f"no alert {alert_id}", field)
        return alert

    async def _require_in_scope(self, caller: Caller, alert: Alert, field: str = "alert_id") -> None:
        """The alert's unit, where it is in the tree now, lies in the caller's scope."""
        await require_unit_in_scope(self.org, caller, alert.unit_id, field)

    async def _where(self, unit: OrgUnitInfo) -> tuple[int, int | None, int | None, int | None]:
        """(community, street, grid, building) of an alert's unit, from the org tree."""
        community = street = grid = building = None
        kinds = {unit.id: unit.kind}
        for ancestor_id in unit.ancestor_ids:
            kinds[ancestor_id] = (await self.org.unit(ancestor_id, "unit_id")).kind
        for unit_id in (unit.id, *reversed(unit.ancestor_ids)):
            kind = kinds.get(unit_id)
            if kind == registry_pb2.ORG_UNIT_KIND_BUILDING and building is None:
                building = int(unit_id)
            elif kind == registry_pb2.ORG_UNIT_KIND_GRID and grid is None:
                grid = int(unit_id)
            elif kind == registry_pb2.ORG_UNIT_KIND_COMMUNITY and community is None:
                community = int(unit_id)
            elif kind == registry_pb2.ORG_UNIT_KIND_STREET and street is None:
                street = int(unit_id)
        if community is None:
            raise InvalidArgument(f"org unit {unit.id} lies in no community", "unit_id")
        return community, street, grid, building

    async def RaiseAlert(
        self, request: pb.RaiseAlertRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RaiseAlertResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        kind = domain.ALERT_KINDS[validate.enum("kind", request.kind, pb.AlertKind)]
        validate.entity_id("unit_id", request.unit_id)
        address = validate.text("address", request.address, max_length=domain.MAX_ADDRESS, required=False)
        device_id = validate.text("device_id", request.device_id, max_length=100, required=False)
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        unit = await self.org.unit(request.unit_id.strip(), "unit_id")
        if unit.kind not in _ALERT_UNITS:
            raise InvalidArgument(f"org unit {unit.id} is not a community, grid or building", "unit_id")
        access.require_scope(caller, unit.id, unit.ancestor_ids)
        # A retry is this caller's own (the key is theirs), and its answer is checked as a fresh call would be.
        earlier = await self.store.alert_by_request(caller, request_id)
        if earlier is not None:
            if earlier.unit_id != int(unit.id):
                await self._require_in_scope(caller, earlier, "request_id")
            return pb.RaiseAlertResponse(alert=alert_message(earlier))
        community, street, grid, building = await self._where(unit)
        # Whom it calls is worked out now, from the roster at this moment, and goes into the workflow's input (ids
        # only): the way to the first notice makes no call back here.
        raised_at = datetime.now(UTC)
        order = await self._call_order(community, grid, building, raised_at)
        new = NewAlert(
            kind,
            int(unit.id),
            unit.path,
            community,
            street,
            grid,
            building,
            address_sealed=self.cipher.seal(address, domain.ADDRESS_FIELD) if address else None,
            address_masked=domain.mask_address(address),
            device_id_sealed=self.cipher.seal(device_id, domain.DEVICE_ID_FIELD) if device_id else None,
            device_id_masked=domain.mask_device_id(device_id),
            data_key_id=self.cipher.active_key_id,
            note=note,
            raised_at=raised_at,
            call_list=[[who, matching.NEARNESS_NAMES[near]] for who, near in order],
        )
        alert, created = await self.store.raise_alert(caller, request_id, new)
        if created:
            ALERTS_RAISED.labels(kind).inc()
            self.relay.deliver_soon(alert)
        return pb.RaiseAlertResponse(alert=alert_message(alert))

    async def _move(
        self,
        caller: Caller,
        request_id: str,
        alert: Alert,
        move: domain.AlertMove,
        note: str = "",
        change: domain.AlertChange | None = None,
    ) -> Alert:
        try:
            moved, now = await self.store.move(caller, request_id, alert.id, move, note, change)
        except WrongAlertState as exc:
            current = exc.alert
            detail = f" by {current.responder}" if current.state in ("acknowledged", "arrived") else ""
            allowed = " or ".join(sorted(move.from_states))
            raise FailedPrecondition(
                f"alert {alert.id} is {current.state}{detail}; to {move.name} it, it must be {allowed}"
            ) from exc
        if now:
            self.relay.deliver_soon(moved)
        return moved

    async def _require_responder_or_in_scope(self, caller: Caller, alert: Alert) -> None:
        if caller.role == Role.MEMBER:
            responder = alert.responder or ""
            member = responder.removeprefix("member:") if responder.startswith("member:") else ""
            access.require_self(caller, member, "alert_id", "act only on an alert they acknowledged")
            return
        await self._require_in_scope(caller, alert)

    async def AcknowledgeAlert(
        self, request: pb.AcknowledgeAlertRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.AcknowledgeAlertResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        team_member_id = validate.entity_id("team_member_id", request.team_member_id, required=False)
        if team_member_id and request.member_id.strip():
            raise InvalidArgument("give a member_id or a team_member_id, not both", "team_member_id")
        member_id = validate.entity_id(
            "member_id",
            request.member_id,
            required=caller.role in (Role.MEMBER, Role.SYSTEM) and not team_member_id,
        )
        alert = await self._alert(request.alert_id)
        if caller.role == Role.MEMBER:
            access.require_self(caller, member_id or "", "member_id", "acknowledge only for themselves")
        else:
            await self._require_in_scope(caller, alert)
        if team_member_id:
            responder = duty_rules.volunteer_key(0, team_member_id)
            if not await self._may_answer(alert, responder):
                raise FailedPrecondition(
                    f"team volunteer {team_member_id} has not been called to alert {alert.id}", "team_member_id"
                )
        else:
            responder = f"member:{member_id}" if member_id else f"staff:{caller.subject}"
            if member_id and not await self._may_answer(alert, responder):
                raise FailedPrecondition(f"member {member_id} has not been called to alert {alert.id}", "member_id")
        if alert.responder == responder and alert.state in ("acknowledged", "arrived"):
            return pb.AcknowledgeAlertResponse(alert=alert_message(alert))
        moved = await self._move(caller, request_id, alert, domain.ACKNOWLEDGE, "", domain.Acknowledgement(responder))
        if moved.acknowledged_at and moved.responder == responder and moved.version == alert.version + 1:
            ALERTS_ACKNOWLEDGED.labels(moved.kind).inc()
            ACKNOWLEDGE_SECONDS.observe((moved.acknowledged_at - moved.raised_at).total_seconds())
        return pb.AcknowledgeAlertResponse(alert=alert_message(moved))

    async def _may_answer(self, alert: Alert, volunteer: str) -> bool:
        """Called to the alert — or on duty when it was raised, as the notice can arrive before its call is recorded."""
        if volunteer in await self.store.called(alert.id):
            return True
        return volunteer in {s.volunteer for s in await self._on_duty_at_raise(alert)}

    async def _on_duty_at_raise(self, alert: Alert) -> list[Slot]:
        return await self._on_duty_at(alert.community_id, alert.raised_at)

    async def ArriveAlert(
        self, request: pb.ArriveAlertRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ArriveAlertResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        alert = await self._alert(request.alert_id)
        await self._require_responder_or_in_scope(caller, alert)
        return pb.ArriveAlertResponse(alert=alert_message(await self._move(caller, request_id, alert, domain.ARRIVE)))

    async def ResolveAlert(
        self, request: pb.ResolveAlertRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ResolveAlertResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        outcome = domain.OUTCOMES[validate.enum("outcome", request.outcome, pb.AlertOutcome)]
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        alert = await self._alert(request.alert_id)
        await self._require_responder_or_in_scope(caller, alert)
        moved = await self._move(
            caller,
            request_id,
            alert,
            domain.RESOLVE,
            f"outcome: {outcome}",
            domain.Resolution(outcome, note),
        )
        if moved.version == alert.version + 1:
            ALERTS_RESOLVED.labels(outcome).inc()
        return pb.ResolveAlertResponse(alert=alert_message(moved))

    async def CancelAlert(
        self, request: pb.CancelAlertRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CancelAlertResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_NOTE, required=False)
        alert = await self._alert(request.alert_id)
        await self._require_responder_or_in_scope(caller, alert)
        moved = await self._move(
            caller,
            request_id,
            alert,
            domain.CANCEL,
            reason or "false alarm",
            domain.Cancellation(reason or "false alarm"),
        )
        if moved.version == alert.version + 1:
            ALERTS_CANCELLED.inc()
        return pb.CancelAlertResponse(alert=alert_message(moved))

    async def GetAlert(
        self, request: pb.GetAlertRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetAlertResponse:
        caller = current_caller()
        alert = await self._alert(request.alert_id)
        member = f"member:{caller.subject}"
        called: set[str] = set()
        if caller.role == Role.MEMBER:
            called = await self.store.called(alert.id)
            if member not in called and alert.responder != member:
                raise PermissionDenied("members may read only the alerts they were called to or answered", "alert_id")
            access.checked_otherwise()
        else:
            await self._require_in_scope(caller, alert)
        revealed = None
        if request.reveal_personal_data:
            if caller.role == Role.SYSTEM:
                raise PermissionDenied("other systems may not read an alert's address", "reveal_personal_data")
            if caller.role == Role.MEMBER and not member_may_reveal(alert, member, called, datetime.now(UTC)):
                raise PermissionDenied(
                    "a member may read the address while the alert waits for an answer, and its responder until "
                    f"{REVEAL_AFTER_CLOSE.total_seconds() / 3600:g} h after it closed",
                    "reveal_personal_data",
                )
            revealed = self._open(await self.store.reveal(caller, alert.id, "get_alert"))
        timeline = await self.store.timeline(alert.id, domain.MAX_TIMELINE)
        return pb.GetAlertResponse(alert=alert_message(alert, revealed), timeline=[event_message(e) for e in timeline])

    def _open(self, sealed: SealedAlertData) -> tuple[str, str]:
        return (
            self.cipher.open(sealed.address, domain.ADDRESS_FIELD) if sealed.address else "",
            self.cipher.open(sealed.device_id, domain.DEVICE_ID_FIELD) if sealed.device_id else "",
        )

    async def GetAlertStats(
        self, request: pb.GetAlertStatsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetAlertStatsResponse:
        caller = current_caller()
        validate.entity_id("org_unit_id", request.org_unit_id)
        start = validate.optional_time("start_time", request.start_time)
        end = validate.optional_time("end_time", request.end_time)
        if start and end and end <= start:
            raise InvalidArgument("must be after start_time", "end_time")
        unit = await self.org.unit(request.org_unit_id.strip(), "org_unit_id")
        access.require_scope(caller, unit.id, unit.ancestor_ids)
        # By where the alerts are (their community, grid or building), under the unit as the tree is now.
        where = _BELOW_COMMUNITY.get(unit.kind)
        if where:
            stats = await self.store.stats(where, [int(unit.id)], start, end)
        else:
            communities = await self.org.communities_under(unit.id, "org_unit_id")
            stats = await self.store.stats("community", communities, start, end)
        return pb.GetAlertStatsResponse(
            raised=stats.raised,
            acknowledged=stats.acknowledged,
            escalated=stats.escalated,
            resolved=stats.resolved,
            median_seconds_to_acknowledge=round(stats.median_seconds, 3),
            p90_seconds_to_acknowledge=round(stats.p90_seconds, 3),
        )

    async def GetAlertCallList(
        self, request: pb.GetAlertCallListRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetAlertCallListResponse:
        alert = await self._alert(request.alert_id)
        if alert.call_list is not None:
            order = [(who, _NEARNESS_OF_WORD[near]) for who, near in alert.call_list]
        else:  # raised before call lists were worked out at the raise
            order = await self._call_order(alert.community_id, alert.grid_id, alert.building_id, alert.raised_at)
        return pb.GetAlertCallListResponse(
            volunteers=[_callee(who, _NEARNESS_NUMBERS[n]) for who, n in order],
            community_id=str(alert.community_id),
            street_id=str(alert.street_id or ""),
            kind=domain.ALERT_KIND_NUMBERS[alert.kind],
            unit_id=str(alert.unit_id),
        )

    async def _call_order(
        self, community_id: int, grid_id: int | None, building_id: int | None, moment: datetime
    ) -> list[tuple[str, int]]:
        """Whom an alert at the moment calls: those on duty then and not away, active, nearest first, then in roster
        order — (volunteer, nearness)."""
        covering = await self._on_duty_at(community_id, moment)
        place = Place(building_id=str(building_id or ""), grid_id=str(grid_id or ""), community_id=str(community_id))

        async def locate(position: int, slot: Slot) -> tuple[str, int, int] | None:
            if slot.team_member_id:
                # A team volunteer's home is not in the registry: as near as the community.
                return slot.volunteer, matching.NEAR_COMMUNITY, position
            try:
                member = await self.members.member(str(slot.member_id), "member_id")
            except NotFound:
                return None  # gone from the registry since the roster was made: not called
            if member.status != registry_pb2.MEMBER_STATUS_ACTIVE:
                return None
            try:
                path = (await self.org.unit(member.residence_unit_id, "member_id")).path
            except NotFound:
                path = (member.community_id,)
            return slot.volunteer, matching.nearness(place, path), position

        located = await asyncio.gather(*(locate(i, s) for i, s in enumerate(covering)))
        return domain.call_order(v for v in located if v is not None)

    async def RecordAlertEvent(
        self, request: pb.RecordAlertEventRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RecordAlertEventResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        kind = domain.EVENT_KINDS[validate.enum("kind", request.kind, pb.AlertEventKind)]
        if kind not in domain.WORKFLOW_EVENT_KINDS:
            raise InvalidArgument(f"'{kind}' is a state change, made only by its own call", "kind")
        recipient = validate.text("recipient", request.recipient, max_length=100, required=False)
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        escalation_number = validate.enum(
            "escalation", request.escalation, pb.EscalationLevel, required=kind == "escalated"
        )
        escalation = domain.ESCALATIONS.get(escalation_number, "")
        if request.reveal_address and (kind != "called" or not recipient):
            raise InvalidArgument("only with a CALLED event and its recipient", "reveal_address")
        alert_id = validate.entity_id("alert_id", request.alert_id)
        assert alert_id is not None
        try:
            # No read of the alert first: on the way to every notice, and the store finds a missing one itself.
            recorded, sealed = await self.store.record_event(
                caller,
                request_id,
                alert_id,
                kind,
                recipient,
                note,
                escalation,
                recipient if request.reveal_address else "",
            )
        except LookupError as exc:
            raise NotFound(f"no alert {alert_id}", "alert_id") from exc
        if recorded and kind == "escalated":
            ALERTS_ESCALATED.labels(escalation).inc()
        address = self._open(sealed)[0] if sealed else ""
        return pb.RecordAlertEventResponse(recorded=recorded, address=address)


def _callee(volunteer: str, nearness: pb.Nearness) -> pb.Callee:
    kind, _, number = volunteer.partition(":")
    if kind == "volunteer":
        return pb.Callee(team_member_id=number, nearness=nearness)
    return pb.Callee(member_id=number, nearness=nearness)
