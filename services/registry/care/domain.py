"""Care pairs' rules (结对帮扶), with no I/O: what a pair may be, who may record its visits, when the next is due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from linli.registry.v1 import care_pb2 as pb

from services.runtime.enums import names_of
from services.runtime.errors import FailedPrecondition, InvalidArgument, PermissionDenied

CAREE_KINDS, CAREE_KIND_NUMBERS = names_of(pb.CareeKind)
END_REASONS, END_REASON_NUMBERS = names_of(pb.CareEndReason)
STATES, STATE_NUMBERS = names_of(pb.CarePairState)

MIN_CADENCE_DAYS, MAX_CADENCE_DAYS = 1, 90
MAX_PEOPLE = 50
MAX_CARERS = 20
MAX_NOTE = 500
MAX_RESIDENT_REF = 100
MAX_RESIDENT_NAME = 100
MAX_ADDRESS = 200
MAX_CONTACT = 50
DEFAULT_VISIT_HOURS = 1.0
# A visit is recorded soon after it is made; one from longer ago is more likely a mistake than a late entry.
MAX_VISIT_AGE = timedelta(days=30)
MAX_BEGAN_AGO = timedelta(days=365)
CLOCK_SKEW = timedelta(minutes=5)  # other systems' clocks may run a little ahead of ours
# The kinds of unit a pair belongs to: where the resident lives.
PAIR_UNIT_KINDS = frozenset({"community", "grid", "building"})


@dataclass(frozen=True)
class CarePair:
    id: int
    unit_id: int
    resident_ref: str
    caree_kind: str
    people: int
    resident_name_masked: str
    address_masked: str
    contact_masked: str
    carer_member_ids: tuple[int, ...]
    team_id: int | None
    cadence_days: int
    state: str
    created_at: datetime
    created_by: str
    began_at: datetime
    last_visit_id: int | None
    last_visit_at: datetime | None
    visits: int
    ended_at: datetime | None
    end_reason: str | None
    end_note: str
    version: int

    @property
    def next_visit_due(self) -> datetime | None:
        if self.state != "active":
            return None
        return next_due(self.began_at, self.last_visit_at, self.cadence_days)


@dataclass(frozen=True)
class CareVisit:
    id: int
    pair_id: int
    member_ids: tuple[int, ...]
    visited_at: datetime
    note: str
    hours: float
    recorded_by: str


def next_due(started_at: datetime, last_visit_at: datetime | None, cadence_days: int) -> datetime:
    """The clock runs from the last visit, or from the pairing before the first."""
    return (last_visit_at or started_at) + timedelta(days=cadence_days)


def cadence(field: str, days: int) -> int:
    if not MIN_CADENCE_DAYS <= days <= MAX_CADENCE_DAYS:
        raise InvalidArgument(f"must be a whole number of days from {MIN_CADENCE_DAYS} to {MAX_CADENCE_DAYS}", field)
    return days


def people(field: str, count: int, caree_kind: str) -> int:
    if count == 0:
        return 1
    if not 1 <= count <= MAX_PEOPLE:
        raise InvalidArgument(f"must be from 1 to {MAX_PEOPLE}", field)
    if caree_kind == "resident" and count != 1:
        raise InvalidArgument("a resident is one person; pair a household for more", field)
    return count


def carers(member_ids: Iterable[int], team_id: int | None) -> tuple[int, ...]:
    """The member carers, duplicates dropped in the order given; at least one member or a team."""
    unique = tuple(dict.fromkeys(member_ids))
    if len(unique) > MAX_CARERS:
        raise InvalidArgument(f"at most {MAX_CARERS} members", "carer_member_ids")
    if not unique and team_id is None:
        raise InvalidArgument("name at least one member, or a team (team_id)", "carer_member_ids")
    return unique


def began_at(began: datetime | None, now: datetime) -> datetime:
    """When a pairing began: now when unset; an earlier one (on paper before linli) at most a year ago."""
    moment = began or now
    if moment > now + CLOCK_SKEW:
        raise InvalidArgument("must not lie in the future", "began_at")
    if moment < now - MAX_BEGAN_AGO:
        raise InvalidArgument(f"must lie within the last {MAX_BEGAN_AGO.days} days", "began_at")
    return min(moment, now)


def end_note(reason: str, note: str) -> str:
    if reason == "other" and not note:
        raise InvalidArgument("is required when the reason is OTHER: say what happened", "note")
    return note


def require_active(pair: CarePair) -> None:
    if pair.state != "active":
        raise FailedPrecondition(f"care pair {pair.id} has ended ({pair.end_reason})", "pair_id")


def visit_time(visited_at: datetime | None, now: datetime, pair: CarePair) -> datetime:
    """When the visit was made: now when unset; never in the future, before the pairing, or long ago."""
    moment = visited_at or now
    if moment > now + CLOCK_SKEW:
        raise InvalidArgument("must not lie in the future", "visited_at")
    if moment < pair.began_at - CLOCK_SKEW:
        raise InvalidArgument("must not lie before the pair began", "visited_at")
    if moment < now - MAX_VISIT_AGE:
        raise InvalidArgument(f"must lie within the last {MAX_VISIT_AGE.days} days", "visited_at")
    return min(moment, now)


def visitors(requested: Iterable[int], caller_member: int | None, pair_carers: frozenset[int]) -> tuple[int, ...]:
    """The members a visit is recorded for. A member records only their own visit (the list empty, or only them);
    staff name the carers who went. Each must be one of the pair's carers (directly, or on its team)."""
    named = tuple(dict.fromkeys(requested))
    if caller_member is not None:
        if named and named != (caller_member,):
            raise PermissionDenied("a member records only their own visit", "member_ids")
        named = (caller_member,)
    if not named:
        raise InvalidArgument("name the carers who made the visit", "member_ids")
    if len(named) > MAX_CARERS:
        raise InvalidArgument(f"at most {MAX_CARERS} members", "member_ids")
    strangers = [m for m in named if m not in pair_carers]
    if strangers:
        if caller_member is not None:
            raise PermissionDenied("a member records visits only to the pairs they are a carer of", "member_ids")
        raise FailedPrecondition(f"member {strangers[0]} is not one of the pair's carers", "member_ids")
    return named


def after_visit(field: str, raw: str) -> int:
    """The visit a missed period is counted from: "0" (the pairing) or a visit's id."""
    value = raw.strip()
    if value == "0":
        return 0
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise InvalidArgument("must be a visit's id, or 0 for the pairing", field)
    return int(value)


def mask_address(address: str) -> str:
    """The first characters (the district or compound), the rest starred: 温泉街道银泉名座3栋2单元 -> 温泉街道********."""
    if not address:
        return ""
    shown = min(4, len(address) // 2)
    return address[:shown] + "*" * (len(address) - shown)
