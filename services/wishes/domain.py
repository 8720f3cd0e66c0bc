"""Wish rules with no I/O: states, which transition may start from which state and what it records, field limits."""

from __future__ import annotations

import math
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime.enums import names_of
from services.runtime.errors import InvalidArgument

STATES, STATE_NUMBERS = names_of(pb.WishState)
CATEGORIES, CATEGORY_NUMBERS = names_of(pb.WishCategory)
SOURCES, SOURCE_NUMBERS = names_of(pb.WishSource)
EVENT_KINDS, EVENT_KIND_NUMBERS = names_of(pb.WishEventKind)


@dataclass(frozen=True)
class Transition:
    """A move of the wish from one of `from_states` to `to_state`."""

    name: str
    from_states: frozenset[str]
    to_state: str


# Where every wish starts: collected (征集), from a wish box, a visit, a hotline or another system.
FIRST_STATE = "submitted"
APPROVE = Transition("approve", frozenset({FIRST_STATE}), "approved")  # 审定
REJECT = Transition("reject", frozenset({FIRST_STATE}), "rejected")
PUBLISH = Transition("publish", frozenset({"approved"}), "published")  # 公示
CLAIM = Transition("claim", frozenset({"published"}), "claimed")  # 认领
RELEASE = Transition("release", frozenset({"claimed"}), "published")
EXTEND = Transition("extend", frozenset({"claimed"}), "claimed")  # a later deadline, once per claim
FULFIL = Transition("fulfil", frozenset({"claimed"}), "fulfilled")  # 办理
CONFIRM = Transition("confirm", frozenset({"fulfilled"}), "closed")  # 办结
DISPUTE = Transition("dispute", frozenset({"fulfilled"}), "claimed")  # back to the claimant
# Not yet fulfilled or closed: what a new wish may duplicate, and what may be closed saying what happened (not only
# "closed") when it will not be fulfilled here.
UNFULFILLED_STATES = frozenset({FIRST_STATE, "approved", "published", "claimed"})
WITHDRAW = Transition("withdraw", UNFULFILLED_STATES, "withdrawn")
CLOSE_NOT_FEASIBLE = Transition("close as not feasible", UNFULFILLED_STATES, "not_feasible")
CLOSE_DUPLICATE = Transition("close as a duplicate", UNFULFILLED_STATES, "duplicate")
CLOSE_REFERRED = Transition("close as referred", UNFULFILLED_STATES, "referred")
# Staff give a wish to a member: a published one, or a claimed one to another claimant.
ASSIGN = Transition("assign", frozenset({"published", "claimed"}), "claimed")
# Moves the lifecycle makes when a limit passes.
REOPEN = Transition("reopen", frozenset({"claimed"}), "published")
CLOSE_BY_DEFAULT = Transition("close", frozenset({"fulfilled"}), "closed")

# States from which nothing moves on: the lifecycle ends.
CLOSED_STATES = frozenset({"rejected", "closed", "withdrawn", "not_feasible", "duplicate", "referred"})
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
MAX_REFERRED_TO = 200
MAX_GROUP = 20
MAX_BULK = 100

# How CloseWish ends a wish.
OUTCOMES: dict[int, Transition] = {
    pb.WISH_OUTCOME_NOT_FEASIBLE: CLOSE_NOT_FEASIBLE,
    pb.WISH_OUTCOME_DUPLICATE: CLOSE_DUPLICATE,
    pb.WISH_OUTCOME_REFERRED: CLOSE_REFERRED,
    pb.WISH_OUTCOME_WITHDRAWN: WITHDRAW,
}

# A new wish this similar to an open one of its community is suggested as a possible duplicate.
DUPLICATE_SIMILARITY = 0.5
MAX_DUPLICATE_SUGGESTIONS = 5
# The duplicate check runs on the service's one event loop, so its cost is bounded whatever a community holds: a new
# wish is compared with the community's most recent open wishes only, on the start of each text, and scoring stops
# when its time is spent (a 2,000-character pair costs about 1 ms in full, 0.15 ms on its first 300 characters).
DUPLICATE_CANDIDATES = 100
DUPLICATE_COMPARED_CHARACTERS = 300
DUPLICATE_BUDGET_SECONDS = 0.025


@dataclass(frozen=True)
class Wish:
    id: int
    community_id: int  # its scope is the community's place in the org tree as it is now (OrgDirectory)
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
    duplicate_of: int | None = None
    referred_to: str | None = None
    participant_member_ids: tuple[int, ...] = ()  # a group claim: everyone taking part, the claimant first
    group_team_id: int | None = None
    group_workplace_org: str | None = None
    unit_id: int | None = None  # a grid or building below the community, when the submission named one
    # A team's group claim: its team volunteers who are not members taking part (the registry's TeamMember ids).
    participant_team_member_ids: tuple[int, ...] = ()

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


# What a move records besides its state: one dataclass per kind, which the store maps to columns in one place
# (WishStore.transition), so a misspelt field is a type error rather than SQL. A claim's columns are the stored
# function claim_wish's alone (Claim).


@dataclass(frozen=True)
class Claim:
    """Who takes the wish: one member, or a group (its members, the claimant first, and the volunteer team or paired
    workplace organisation it claims as). Each of them is held to at most `cap` open claims — the wishes they hold
    and the group claims they take part in — counted under a lock per member."""

    member_ids: tuple[int, ...]
    cap: int
    team_id: int | None = None
    workplace_org: str | None = None
    team_member_ids: tuple[int, ...] = ()  # a team's volunteers who are not members: held to no cap


@dataclass(frozen=True)
class Approval:  # 审定
    category: str
    service_standard: str
    deadline: datetime


@dataclass(frozen=True)
class Rejection:
    """Refused at review, which ends the wish."""

    reason: str


@dataclass(frozen=True)
class Publication:
    """On the wish wall (公示) from now."""


@dataclass(frozen=True)
class Unclaimed:
    """A claim given back or lapsed: no claimant, and no longer a group's."""


@dataclass(frozen=True)
class Extension:
    """The claim's one later deadline."""

    deadline: datetime


@dataclass(frozen=True)
class Fulfilment:  # 办理
    report: str
    hours: float


@dataclass(frozen=True)
class Dispute:
    """The resident does not sign off: the fulfilment no longer stands."""


@dataclass(frozen=True)
class Confirmation:  # 办结
    rating: int
    comment: str


@dataclass(frozen=True)
class Closing:
    """Closed other than by the resident's confirmation, saying why (and what it duplicates or where it went)."""

    note: str
    duplicate_of: int | None = None
    referred_to: str | None = None


WishChange = Approval | Rejection | Publication | Unclaimed | Extension | Fulfilment | Dispute | Confirmation | Closing


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


def _character_pairs(text: str) -> Counter[str]:
    """Adjacent character pairs of the start of the text (DUPLICATE_COMPARED_CHARACTERS letters and digits) with
    case, width, spaces and punctuation evened out: Chinese has no spaces between words, so pairs of characters stand
    in for words."""
    folded = unicodedata.normalize("NFKC", text[: 4 * DUPLICATE_COMPARED_CHARACTERS]).casefold()
    kept = "".join(c for c in folded if unicodedata.category(c)[0] in "LN")[:DUPLICATE_COMPARED_CHARACTERS]
    if len(kept) < 2:
        return Counter(kept)
    return Counter(kept[i : i + 2] for i in range(len(kept) - 1))


def _dice(pairs_a: Counter[str], pairs_b: Counter[str]) -> float:
    total = sum(pairs_a.values()) + sum(pairs_b.values())
    if total == 0:
        return 0.0
    return 2 * sum((pairs_a & pairs_b).values()) / total


def text_similarity(a: str, b: str) -> float:
    """0 to 1: the Dice coefficient of the two texts' character pairs (我要一个音响 vs 我想要一个音响: 0.73)."""
    return _dice(_character_pairs(a), _character_pairs(b))


def shortest_possible_duplicate(text: str) -> int:
    """The fewest characters another text needs to reach DUPLICATE_SIMILARITY with this one: Dice can reach 0.5 only
    when one side has at most three times the other's pairs, and a text has fewer pairs than characters. A filter
    the store applies before anything is scored."""
    return math.ceil(sum(_character_pairs(text).values()) / 3) + 1


@dataclass(frozen=True)
class DuplicateCheck:
    """What the check of one new wish found: suggestions, most similar first, and how many wishes it scored."""

    suggestions: list[tuple[float, Wish]]
    scored: int


def possible_duplicates(
    text: str,
    candidates: Sequence[Wish],
    budget_seconds: float = DUPLICATE_BUDGET_SECONDS,
    clock: Callable[[], float] = time.perf_counter,
) -> DuplicateCheck:
    """The candidates (most recent first) at least DUPLICATE_SIMILARITY like the text, scored in order until the
    budget is spent; suggested, never refused."""
    started = clock()
    pairs = _character_pairs(text)
    found: list[tuple[float, Wish]] = []
    scored = 0
    for other in candidates[:DUPLICATE_CANDIDATES]:
        if scored and clock() - started > budget_seconds:
            break
        score = _dice(pairs, _character_pairs(other.text))
        scored += 1
        if score >= DUPLICATE_SIMILARITY:
            found.append((score, other))
    found.sort(key=lambda pair: -pair[0])
    return DuplicateCheck(found[:MAX_DUPLICATE_SUGGESTIONS], scored)
