"""Wish rules with no I/O: states, which transition may start from which state, field limits."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime.errors import InvalidArgument

STATES: dict[int, str] = {
    pb.WISH_STATE_SUBMITTED: "submitted",
    pb.WISH_STATE_APPROVED: "approved",
    pb.WISH_STATE_REJECTED: "rejected",
    pb.WISH_STATE_PUBLISHED: "published",
    pb.WISH_STATE_CLAIMED: "claimed",
    pb.WISH_STATE_FULFILLED: "fulfilled",
    pb.WISH_STATE_CLOSED: "closed",
    pb.WISH_STATE_WITHDRAWN: "withdrawn",
}
STATE_NUMBERS = {name: number for number, name in STATES.items()}

CATEGORIES: dict[int, str] = {
    number: name.removeprefix("WISH_CATEGORY_").lower()
    for name, number in pb.WishCategory.items()
    if number != pb.WISH_CATEGORY_UNSPECIFIED
}
CATEGORY_NUMBERS = {name: number for number, name in CATEGORIES.items()}

SOURCES: dict[int, str] = {
    number: name.removeprefix("WISH_SOURCE_").lower()
    for name, number in pb.WishSource.items()
    if number != pb.WISH_SOURCE_UNSPECIFIED
}
SOURCE_NUMBERS = {name: number for number, name in SOURCES.items()}

EVENT_KINDS: dict[int, str] = {
    pb.WISH_EVENT_KIND_TRANSITION: "transition",
    pb.WISH_EVENT_KIND_REMINDER: "reminder",
    pb.WISH_EVENT_KIND_ESCALATION: "escalation",
}
EVENT_KIND_NUMBERS = {name: number for number, name in EVENT_KINDS.items()}


@dataclass(frozen=True)
class Transition:
    """A move of the wish from one of `from_states` to `to_state`."""

    name: str
    from_states: frozenset[str]
    to_state: str


APPROVE = Transition("approve", frozenset({"submitted"}), "approved")  # 审定
REJECT = Transition("reject", frozenset({"submitted"}), "rejected")
PUBLISH = Transition("publish", frozenset({"approved"}), "published")  # 公示
CLAIM = Transition("claim", frozenset({"published"}), "claimed")  # 认领
RELEASE = Transition("release", frozenset({"claimed"}), "published")
EXTEND = Transition("extend", frozenset({"claimed"}), "claimed")  # a later deadline, once per claim
FULFIL = Transition("fulfil", frozenset({"claimed"}), "fulfilled")  # 办理
CONFIRM = Transition("confirm", frozenset({"fulfilled"}), "closed")  # 办结
DISPUTE = Transition("dispute", frozenset({"fulfilled"}), "claimed")  # back to the claimant
WITHDRAW = Transition("withdraw", frozenset({"submitted", "approved", "published", "claimed"}), "withdrawn")
# Moves the lifecycle makes when a limit passes.
REOPEN = Transition("reopen", frozenset({"claimed"}), "published")
CLOSE_BY_DEFAULT = Transition("close", frozenset({"fulfilled"}), "closed")

# States from which nothing moves on: the lifecycle ends.
CLOSED_STATES = frozenset({"rejected", "closed", "withdrawn"})
# States with a deadline running: past it, the wish is overdue.
OPEN_STATES = frozenset({"approved", "published", "claimed"})
# States in which a wish shows on its community's wish wall.
WALL_STATES = frozenset({"published", "claimed"})

MAX_TEXT = 2000
MAX_RESIDENT_NAME = 50
MAX_STANDARD = 500
MAX_REASON = 500
MAX_NOTE = 1000
MAX_REPORT = 2000
MAX_HOURS = 24.0


@dataclass(frozen=True)
class Wish:
    id: int
    community_id: int
    community_path: tuple[str, ...]  # ancestors and the community, root first
    text: str
    source: str
    state: str
    category: str | None
    service_standard: str | None
    deadline: datetime | None
    reject_reason: str | None
    claimant_member_id: int | None
    resident_name_masked: str
    resident_contact_masked: str
    submitted_at: datetime
    updated_at: datetime
    version: int
    published_at: datetime | None = None
    claimed_at: datetime | None = None
    fulfilment_report: str | None = None
    hours: float | None = None
    fulfilled_at: datetime | None = None
    rating: int | None = None
    resident_comment: str | None = None
    close_note: str | None = None
    closed_at: datetime | None = None
    claim_extended: bool = False

    def overdue(self, now: datetime) -> bool:
        return self.state in OPEN_STATES and self.deadline is not None and self.deadline < now


@dataclass(frozen=True)
class WishEvent:
    id: int
    wish_id: int
    version: int
    kind: str
    state: str
    actor: str
    note: str
    at: datetime
    recipients: tuple[str, ...] = field(default_factory=tuple)


_CONTACT_CHARS = re.compile(r"[\s()+-]")


def normalise_contact(field_name: str, contact: str) -> str:
    """A phone number, as residents give them: digits with optional spaces, dashes, brackets or +."""
    contact = contact.strip()
    if not contact:
        return ""
    digits = _CONTACT_CHARS.sub("", contact)
    if not digits.isdigit() or not 5 <= len(digits) <= 20:
        raise InvalidArgument("must be a phone number (5 to 20 digits)", field_name)
    return digits


def fulfilment_hours(field_name: str, hours: float) -> float:
    """Hours spent on one wish, to the hundredth."""
    if not math.isfinite(hours) or not 0 < hours <= MAX_HOURS:
        raise InvalidArgument(f"must be more than 0 and at most {MAX_HOURS:g}", field_name)
    return round(hours, 2)


def rating(field_name: str, value: int) -> int:
    if not 1 <= value <= 5:
        raise InvalidArgument("must be 1 to 5", field_name)
    return value
