"""Rules of emergency alerts, with no I/O: kinds, states, the moves between them and the order of calls."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from linli.dispatch.v1 import dispatch_pb2 as pb

from services.runtime.enums import names_of

ALERT_KINDS, ALERT_KIND_NUMBERS = names_of(pb.AlertKind)
ALERT_STATE_NUMBERS = names_of(pb.AlertState).numbers
OUTCOMES, OUTCOME_NUMBERS = names_of(pb.AlertOutcome)
EVENT_KINDS, EVENT_KIND_NUMBERS = names_of(pb.AlertEventKind)
ESCALATIONS, ESCALATION_NUMBERS = names_of(pb.EscalationLevel)
# What the workflow records; state changes come only through the service's own calls.
WORKFLOW_EVENT_KINDS = frozenset(
    {"called", "delivered", "delivery_failed", "timed_out", "escalated", "stood_down", "service_recorded"}
)
STATE_EVENT_KINDS = frozenset({"raised", "acknowledged", "arrived", "resolved", "cancelled"})
OPEN_STATES = frozenset({"raised", "acknowledged", "arrived"})
MAX_ADDRESS = 200
MAX_NOTE = 1000
MAX_TIMELINE = 500


@dataclass(frozen=True)
class AlertMove:
    name: str
    from_states: frozenset[str]
    to_state: str
    time_column: str


ACKNOWLEDGE = AlertMove("acknowledge", frozenset({"raised"}), "acknowledged", "acknowledged_at")
ARRIVE = AlertMove("arrive at", frozenset({"acknowledged"}), "arrived", "arrived_at")
RESOLVE = AlertMove("resolve", frozenset({"acknowledged", "arrived"}), "resolved", "closed_at")
CANCEL = AlertMove("cancel", frozenset({"raised", "acknowledged", "arrived"}), "cancelled", "closed_at")


# What a move of an alert records besides its state and its time: one dataclass per kind, mapped to columns in
# one place (the store's _columns), so a misspelt field is a type error rather than SQL.
@dataclass(frozen=True)
class Acknowledgement:
    responder: str  # "member:12", "volunteer:34" or "staff:SUBJECT"


@dataclass(frozen=True)
class Resolution:
    outcome: str
    note: str


@dataclass(frozen=True)
class Cancellation:
    note: str


AlertChange = Acknowledgement | Resolution | Cancellation


# The names sealed personal data is bound to (AES-GCM associated data): a blob copied to another column won't open.
ADDRESS_FIELD = "alert.address"
DEVICE_ID_FIELD = "alert.device_id"


def mask_address(address: str) -> str:
    """'2单元301' -> '2单*****': enough to tell two alerts apart on a list, not enough to find the door."""
    if not address:
        return ""
    keep = min(len(address) // 3, 6)
    return address[:keep] + "*" * (len(address) - keep)


def mask_device_id(device_id: str) -> str:
    """'nanny-0042' -> '******0042': the last four characters, as on a bank card."""
    if len(device_id) <= 4:
        return "*" * len(device_id)
    return "*" * (len(device_id) - 4) + device_id[-4:]


def call_order(volunteers: Iterable[tuple[str, int, int]]) -> list[tuple[str, int]]:
    """(volunteer, nearness, roster position) -> [(volunteer, nearness)]: nearest first, then roster order,
    each volunteer once (one with two slots keeps the nearer, earlier one)."""
    seen: set[str] = set()
    ordered = []
    for member_id, near, _position in sorted(volunteers, key=lambda v: (v[1], v[2], v[0])):
        if member_id not in seen:
            seen.add(member_id)
            ordered.append((member_id, near))
    return ordered


def service_hours(seconds: float) -> float:
    """Hours credited for answering an alert: the time from acknowledgement to close, at least a quarter hour,
    in quarter hours."""
    quarters = max(1, -(-int(seconds) // 900))
    return min(quarters * 0.25, 200.0)
