"""Registry rules with no I/O: the org tree's levels, member fields and their checks."""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from datetime import date, datetime

from linli.registry.v1 import registry_pb2 as pb

from services.runtime.enums import names_of
from services.runtime.errors import InvalidArgument

# The org tree's levels by their proto number, and the names they are stored under.
ORG_KINDS, ORG_KIND_NUMBERS = names_of(pb.OrgUnitKind)

# Which level may hang under which: None is "a root".
ALLOWED_PARENTS: dict[str, frozenset[str | None]] = {
    "province": frozenset({None}),
    "city": frozenset({None, "province"}),
    "district": frozenset({"city"}),
    "street": frozenset({"district"}),
    "community": frozenset({"street"}),
    "grid": frozenset({"community"}),
    "building": frozenset({"grid", "community"}),
}
# Where a member may say they live: a community or a unit inside one.
RESIDENCE_KINDS = frozenset({"community", "grid", "building"})

MANAGEMENT_LEVELS, MANAGEMENT_LEVEL_NUMBERS = names_of(pb.ManagementLevel)
MEMBER_STATUSES, MEMBER_STATUS_NUMBERS = names_of(pb.MemberStatus)
SKILLS, SKILL_NUMBERS = names_of(pb.Skill)
SERVICE_KINDS, SERVICE_KIND_NUMBERS = names_of(pb.ServiceKind)
TEAM_KINDS, TEAM_KIND_NUMBERS = names_of(pb.TeamKind)
# Where teams, pairings and service posts hang.
TEAM_UNIT_KINDS = frozenset({"street", "community"})

PARTY_ORG_KINDS, PARTY_ORG_KIND_NUMBERS = names_of(pb.PartyOrganisationKind)
# Which unit each kind of party organisation hangs on.
PARTY_ORG_UNITS: dict[str, frozenset[str]] = {
    "street_working_committee": frozenset({"street"}),
    "community_party_committee": frozenset({"community"}),
    "grid_branch": frozenset({"grid"}),
    "building_group": frozenset({"building"}),
    "special_branch": frozenset({"street", "community", "grid"}),
    "temporary_branch": frozenset({"street", "community", "grid", "building"}),
}
# These exist for a purpose, which they must name.
PARTY_ORGS_WITH_FOCUS = frozenset({"special_branch", "temporary_branch"})

# The member fields UpdateMember may change.
UPDATABLE_MEMBER_FIELDS = frozenset({"name", "workplace_org", "skills", "tags", "management_level", "phone"})

MAX_NAME = 100
MAX_WORKPLACE = 200
MAX_TAGS = 20
MAX_TAG = 30
MAX_SOURCE_ID = 100
MAX_CATEGORY = 50
MAX_NOTE = 1000
MAX_SERVICE_HOURS = 200.0
MAX_REASON = 500
# One ImportMembers call: at most this many rows and bytes, received within this many seconds. The merge runs
# under the org tree's lock once the stream has ended, so these bound how long an import can hold moves back.
MAX_IMPORT_ROWS = 200_000
MAX_IMPORT_BYTES = 64 * 1024 * 1024
IMPORT_RECEIVE_SECONDS = 600.0
MAX_IMPORT_ERRORS = 1000
EXPORT_BATCH = 1000
MAX_PHONE_MATCHES = 20
MAX_DESCRIPTION = 2000
MAX_CAPACITY = 10_000


@dataclass(frozen=True)
class OrgUnit:
    id: int
    parent_id: int | None
    kind: str
    name: str
    ancestor_ids: tuple[int, ...]  # root first, excluding the unit itself
    created_at: datetime
    closed_at: datetime | None = None

    @property
    def path(self) -> str:
        """The materialised path (ids root first, the unit last) as ltree text."""
        return ".".join(str(i) for i in (*self.ancestor_ids, self.id))


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    workplace_org: str
    community_id: int
    residence_unit_id: int
    residence_ancestor_ids: tuple[int, ...]  # root first, including the residence unit
    skills: tuple[str, ...]
    tags: tuple[str, ...]
    management_level: str
    phone_masked: str
    id_number_masked: str
    status: str
    registered_at: datetime
    deregistered_at: datetime | None = None
    deregister_reason: str = ""

    @property
    def residence_path(self) -> str:
        return ".".join(str(i) for i in self.residence_ancestor_ids)


def check_parent(kind: str, parent_kind: str | None, field: str = "parent_id") -> None:
    if parent_kind not in ALLOWED_PARENTS[kind]:
        if parent_kind is None:
            raise InvalidArgument(f"a {kind} must have a parent", field)
        raise InvalidArgument(f"a {kind} cannot hang under a {parent_kind}", field)


_PHONE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(field: str, phone: str) -> str:
    phone = re.sub(r"[\s-]", "", phone).removeprefix("+86")
    if not phone:
        raise InvalidArgument("is required", field)
    if not _PHONE.match(phone):
        raise InvalidArgument("must be an 11-digit mainland mobile number", field)
    return phone


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def id_number_check_char(first17: str) -> str:
    """The 18th character of a PRC resident ID number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    if len(first17) != 17:
        raise ValueError("needs the first 17 digits")
    # map() keeps the loop in C: bulk imports check hundreds of thousands of these.
    return _ID_CHECK_CHARS[sum(map(operator.mul, map(int, first17), _ID_WEIGHTS)) % 11]


def normalise_id_number(field: str, id_number: str) -> str:
    id_number = id_number.strip().upper()
    if not id_number:
        raise InvalidArgument("is required", field)
    if len(id_number) != 18 or not id_number[:17].isdigit() or not (id_number[17].isdigit() or id_number[17] == "X"):
        raise InvalidArgument("must be 18 characters: 17 digits and a check digit or X", field)
    try:
        date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError as exc:
        raise InvalidArgument("holds no valid birth date", field) from exc
    if id_number_check_char(id_number[:17]) != id_number[17]:
        raise InvalidArgument("check digit does not match", field)
    return id_number


def normalise_tags(field: str, tags: list[str]) -> tuple[str, ...]:
    if len(tags) > MAX_TAGS:
        raise InvalidArgument(f"at most {MAX_TAGS} tags", field)
    cleaned: list[str] = []
    for index, tag in enumerate(tags):
        tag = tag.strip()
        if not tag or len(tag) > MAX_TAG:
            raise InvalidArgument(f"each tag is 1 to {MAX_TAG} characters", f"{field}[{index}]")
        if tag not in cleaned:
            cleaned.append(tag)
    return tuple(cleaned)


@dataclass(frozen=True)
class ServiceRecord:
    id: int
    member_id: int | None  # None for a team volunteer's record
    kind: str
    source_id: str
    category: str
    hours: float
    served_at: datetime
    note: str
    recorded_at: datetime
    team_id: int | None = None
    team_member_id: int | None = None


@dataclass(frozen=True)
class ServiceTotal:
    kind: str
    category: str
    count: int
    hours: float


def service_hours(field: str, hours: float) -> float:
    """Hours of one service, to the hundredth."""
    if not math.isfinite(hours) or not 0 <= hours <= MAX_SERVICE_HOURS:
        raise InvalidArgument(f"must be between 0 and {MAX_SERVICE_HOURS:g}", field)
    return round(hours, 2)


def check_period(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and start >= end:
        raise InvalidArgument("must lie after start_time", "end_time")


@dataclass(frozen=True)
class OrgUnitEvent:
    kind: str
    at: datetime
    actor: str
    old_name: str
    new_name: str
    old_parent_id: int | None
    new_parent_id: int | None
    reason: str


@dataclass(frozen=True)
class Residence:
    community_id: int
    residence_unit_id: int
    from_time: datetime
    to_time: datetime | None
    reason: str


@dataclass(frozen=True)
class ServicePost:
    id: int
    community_id: int
    name: str
    description: str
    capacity: int
    claimed: int
    created_at: datetime


@dataclass(frozen=True)
class Team:
    id: int
    org_unit_id: int
    kind: str
    custom_kind: str
    name: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class TeamMember:
    id: int
    team_id: int
    member_id: int | None
    name_masked: str
    phone_masked: str
    joined_at: datetime


@dataclass(frozen=True)
class Pairing:
    id: int
    workplace_org: str
    community_id: int
    start_date: date
    end_date: date | None
    note: str


def check_move(unit: OrgUnit, new_parent: OrgUnit) -> None:
    """A unit may move under a parent of a fitting level that is not the unit itself or below it."""
    if new_parent.id == unit.id or unit.id in new_parent.ancestor_ids:
        raise InvalidArgument("cannot move a unit under itself or below it", "new_parent_id")
    if new_parent.id == unit.parent_id:
        raise InvalidArgument("is the unit's parent already", "new_parent_id")
    check_parent(unit.kind, new_parent.kind, "new_parent_id")


def parse_day(field: str, text: str, *, required: bool = True) -> date | None:
    """A day as YYYY-MM-DD."""
    text = text.strip()
    if not text:
        if required:
            raise InvalidArgument("is required (YYYY-MM-DD)", field)
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else _bad_day(field, text)
    except ValueError as exc:
        raise InvalidArgument(f"'{text[:20]}' is not a day as YYYY-MM-DD", field) from exc


def _bad_day(field: str, text: str) -> date:
    raise InvalidArgument(f"'{text[:20]}' is not a day as YYYY-MM-DD", field)


def capacity(field: str, value: int) -> int:
    if not 1 <= value <= MAX_CAPACITY:
        raise InvalidArgument(f"must be between 1 and {MAX_CAPACITY}", field)
    return value


@dataclass(frozen=True)
class PartyOrganisation:
    id: int
    org_unit_id: int
    kind: str
    name: str
    focus: str
    created_at: datetime
    dissolved_at: datetime | None


def check_party_organisation(kind: str, unit_kind: str, focus: str) -> None:
    if unit_kind not in PARTY_ORG_UNITS[kind]:
        allowed = " or ".join(sorted(PARTY_ORG_UNITS[kind]))
        raise InvalidArgument(f"a {kind} hangs on a {allowed}, not a {unit_kind}", "org_unit_id")
    if kind in PARTY_ORGS_WITH_FOCUS and not focus:
        raise InvalidArgument(f"is required for a {kind}", "focus")
