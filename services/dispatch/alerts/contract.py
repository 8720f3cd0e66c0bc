"""The contract between alerts (the dispatch service) and their EmergencyDispatch workflow
(workflows/emergency_dispatch.py): its type name, id, signal and query names and the dataclasses that cross,
agreed in one place as services/wishes/contract.py explains.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WORKFLOW = "EmergencyDispatch"
CHANGED_SIGNAL = "changed"  # a committed state change (AlertChange), relayed from the outbox
STATUS_QUERY = "status"  # -> EmergencyStatus


def workflow_id(alert_id: str) -> str:
    return f"alert-{alert_id}"


@dataclass
class Callee:
    """One volunteer on an alert's call list: ids and nearness only (a workflow's history holds no personal data)."""

    member_id: str  # empty for a team volunteer
    nearness: str  # "building", "grid" or "community"
    team_member_id: str = ""  # a team volunteer (a resident who is not a party member)

    @property
    def recipient(self) -> str:
        return f"volunteer:{self.team_member_id}" if self.team_member_id else f"member:{self.member_id}"


@dataclass
class EmergencyDispatchInput:
    alert_id: str
    # Each volunteer called has this long to acknowledge before the next is called.
    ack_timeout_seconds: float = 60.0
    # Community staff have this long before the street is called.
    staff_timeout_seconds: float = 300.0
    # Where to escalate should the call list be out of reach for good.
    community_id: str = ""
    street_id: str = ""
    kind: str = ""
    # Whom to call, worked out by the service at the raise (ids and nearness only: the history holds no personal
    # data). None — alerts raised before it was — asks the service for it.
    volunteers: list[Callee] | None = None
    unit_id: str = ""


@dataclass
class AlertChange:
    """A committed state change, as the outbox relays it."""

    version: int
    state: str
    responder: str = ""


@dataclass
class EmergencyStatus:
    state: str
    version: int
    responder: str
    escalation: str
    called: list[str] = field(default_factory=list)
    notices_in_flight: int = 0
