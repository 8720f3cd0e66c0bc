"""The contract between the wishes service and its WishLifecycle workflow (workflows/wish_lifecycle.py).

What both sides must agree on, in one place: the workflow's registered type name, its id, its signal and query
names, and the dataclasses that cross between them. The service names the workflow by these strings and never
imports it; the workflow imports this module. The dataclasses travel as JSON in workflow histories: a field
may be added (with a default), none renamed or removed, so stored histories still decode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WORKFLOW = "WishLifecycle"
TRANSITION_SIGNAL = "transition"  # a committed transition (WishTransition), relayed from the outbox
STATUS_QUERY = "status"  # -> WishLifecycleStatus


def workflow_id(wish_id: str) -> str:
    return f"wish-{wish_id}"


_LIMIT_OF_STATE = {"submitted": "review", "approved": "publish", "published": "claim"}


@dataclass
class WishLimits:
    """Seconds a wish may wait in a state before a reminder; the same again before an escalation."""

    review_seconds: float
    publish_seconds: float
    claim_seconds: float
    # Release 2 (defaults keep release-1 inputs readable).
    overdue_grace_seconds: float = 48 * 3600
    confirm_seconds: float = 7 * 86400
    # Per category (e.g. "medical_care"): {limit name ("claim", "confirm", ...): seconds}.
    by_category: dict[str, dict[str, float]] = field(default_factory=dict)
    # Release 4: the highest level an escalation climbs to (included): the district office runs the platform,
    # so nothing goes past it; a tree whose root lies lower stops at the root.
    escalate_to: str = "district"
    # Release 5: how long before a claim's deadline the claimant is told when it lapses.
    claim_notice_seconds: float = 24 * 3600

    def seconds(self, name: str, category: str = "") -> float:
        override = self.by_category.get(category, {}).get(name)
        return override if override is not None else float(getattr(self, f"{name}_seconds"))

    def for_state(self, state: str, category: str = "") -> float | None:
        name = _LIMIT_OF_STATE.get(state)
        return self.seconds(name, category) if name else None


@dataclass
class WishLifecycleInput:
    wish_id: str
    community_id: str
    limits: WishLimits


@dataclass
class WishTransition:
    """A committed transition, as the outbox relays it."""

    version: int
    state: str
    claimant_member_id: str = ""
    category: str = ""
    deadline: float = 0.0  # seconds since the epoch; 0 before approval


@dataclass
class WishLifecycleStatus:
    state: str
    version: int
    reminders: list[str] = field(default_factory=list)
    service_record_id: str = ""
