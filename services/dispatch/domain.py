"""Dispatch rules with no I/O: ranking members for work, duty rosters, and the alert's states and call order."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from linli.dispatch.v1 import dispatch_pb2 as pb
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from services.runtime.errors import InvalidArgument

# ---------------------------------------------------------------------------------------------------------------
# Matching people to work

# For each category: the skills that fit it best (weight 2) and those that help (weight 1).
CATEGORY_SKILLS: dict[int, dict[int, int]] = {
    wish.WISH_CATEGORY_POLICY_PUBLICITY: {
        reg.SKILL_POLICY_PUBLICITY: 2,
        reg.SKILL_EDUCATION: 1,
        reg.SKILL_SOCIAL_WORK: 1,
    },
    wish.WISH_CATEGORY_LEGAL_AID: {reg.SKILL_LEGAL: 2, reg.SKILL_MEDIATION: 1},
    wish.WISH_CATEGORY_MEDICAL_CARE: {
        reg.SKILL_MEDICAL: 2,
        reg.SKILL_FIRST_AID: 1,
        reg.SKILL_ELDER_CARE: 1,
        reg.SKILL_PSYCHOLOGY: 1,
    },
    wish.WISH_CATEGORY_POVERTY_RELIEF: {reg.SKILL_EMPLOYMENT: 2, reg.SKILL_SOCIAL_WORK: 2, reg.SKILL_ELDER_CARE: 1},
    wish.WISH_CATEGORY_CONVENIENCE: {reg.SKILL_REPAIR: 2, reg.SKILL_IT: 1, reg.SKILL_ELDER_CARE: 1},
    wish.WISH_CATEGORY_CULTURE: {reg.SKILL_CULTURE_ARTS: 2, reg.SKILL_EDUCATION: 1},
    wish.WISH_CATEGORY_SECURITY_MEDIATION: {reg.SKILL_MEDIATION: 2, reg.SKILL_LEGAL: 1, reg.SKILL_FIRE_SAFETY: 1},
    wish.WISH_CATEGORY_ENVIRONMENT: {reg.SKILL_ENVIRONMENT: 2, reg.SKILL_SOCIAL_WORK: 1},
}

# How near a member lives to the work: the deepest org unit both share.
NEAR_BUILDING, NEAR_GRID, NEAR_COMMUNITY, NEAR_SUBTREE = 1, 2, 3, 4
NEARNESS_BONUS = {NEAR_BUILDING: 1.5, NEAR_GRID: 1.0, NEAR_COMMUNITY: 0.5, NEAR_SUBTREE: 0.0}
# As call lists carry it (a member living outside the community is called as one of it).
NEARNESS_NAMES = {NEAR_BUILDING: "building", NEAR_GRID: "grid", NEAR_COMMUNITY: "community", NEAR_SUBTREE: "community"}
NEARNESS_WORDS = {
    NEAR_BUILDING: "lives in the same building",
    NEAR_GRID: "lives in the same grid",
    NEAR_COMMUNITY: "lives in the community",
    NEAR_SUBTREE: "lives outside the community",
}
LOAD_PENALTY = 1.0  # a point per piece of open work (claimed wishes, alerts being handled)
MAX_LOAD_PENALTY = 3.0
HOURS_PENALTY = 0.1  # a tenth of a point per hour served in the last RECENT_DAYS, to spread the work
MAX_HOURS_PENALTY = 2.0
RECENT_DAYS = 30


@dataclass(frozen=True)
class Candidate:
    member_id: str
    name: str
    skills: tuple[int, ...]
    # The member's residence unit and its ancestors, root first.
    residence_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ranked:
    member_id: str
    name: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    """Where the work is: the units a member may share with it, nearest first (empty ids when not known)."""

    building_id: str = ""
    grid_id: str = ""
    community_id: str = ""


def _skill_name(skill: int) -> str:
    return reg.Skill.Name(skill).removeprefix("SKILL_").lower()


def _category_name(category: int) -> str:
    return wish.WishCategory.Name(category).removeprefix("WISH_CATEGORY_").lower()


def nearness(place: Place, residence_path: Iterable[str]) -> int:
    path = set(residence_path)
    if place.building_id and place.building_id in path:
        return NEAR_BUILDING
    if place.grid_id and place.grid_id in path:
        return NEAR_GRID
    if place.community_id and place.community_id in path:
        return NEAR_COMMUNITY
    return NEAR_SUBTREE


def skill_points(category: int, skills: Iterable[int]) -> float:
    wanted = CATEGORY_SKILLS.get(category, {})
    return float(sum(wanted.get(skill, 0) for skill in set(skills)))


def skills_points(wanted_skills: Sequence[int], skills: Iterable[int]) -> float:
    return 2.0 * len(set(wanted_skills) & set(skills))


def quick_score(fit_points: float, place: Place, candidate: Candidate, open_items: int) -> float:
    """The score before recent hours, as add_nearness and add_load would make it, without the explanations: what
    picks the shortlist out of thousands of members."""
    near = NEARNESS_BONUS[nearness(place, candidate.residence_path)] if place != Place() else 0.0
    return fit_points + near - min(open_items * LOAD_PENALTY, MAX_LOAD_PENALTY)


def shortlist(
    candidates: Iterable[Candidate],
    points: Callable[[tuple[int, ...]], float],
    place: Place,
    load: dict[str, int],
    exclude: set[str],
    size: int,
) -> list[Candidate]:
    """The `size` best by quick_score (ties to the lower id). Members share skill sets and residences, so the
    points and bonuses are worked out once for each: ten thousand members take milliseconds."""
    by_skills: dict[tuple[int, ...], float] = {}
    by_path: dict[tuple[str, ...], float] = {}
    anywhere = place == Place()
    keyed = []
    for c in candidates:
        if c.member_id in exclude:
            continue
        fit = by_skills.get(c.skills)
        if fit is None:
            fit = by_skills[c.skills] = points(c.skills)
        bonus = by_path.get(c.residence_path)
        if bonus is None:
            bonus = by_path[c.residence_path] = 0.0 if anywhere else NEARNESS_BONUS[nearness(place, c.residence_path)]
        open_items = load.get(c.member_id)
        score = fit + bonus - (min(open_items * LOAD_PENALTY, MAX_LOAD_PENALTY) if open_items else 0.0)
        keyed.append((-score, int(c.member_id), c))
    return [c for _, _, c in heapq.nsmallest(size, keyed)]


@dataclass(frozen=True)
class CandidatePool:
    """A community's members grouped by what scoring looks at — skills and residence. Members of one group score
    the same but for their own open load, so a ranking scores each group once, not each of ten thousand members.
    Built once each time the member cache is filled."""

    # (skills, residence path, members in id order)
    groups: tuple[tuple[tuple[int, ...], tuple[str, ...], tuple[Candidate, ...]], ...]
    by_id: dict[str, Candidate]

    @classmethod
    def of(cls, candidates: Iterable[Candidate]) -> CandidatePool:
        grouped: dict[tuple[tuple[int, ...], tuple[str, ...]], list[Candidate]] = {}
        by_id: dict[str, Candidate] = {}
        for c in candidates:
            grouped.setdefault((c.skills, c.residence_path), []).append(c)
            by_id[c.member_id] = c
        groups = tuple(
            (skills, path, tuple(sorted(members, key=lambda c: int(c.member_id))))
            for (skills, path), members in grouped.items()
        )
        return cls(groups, by_id)


def shortlist_pool(
    pool: CandidatePool,
    points: Callable[[tuple[int, ...]], float],
    place: Place,
    load: dict[str, int],
    exclude: set[str],
    size: int,
) -> list[Candidate]:
    """What shortlist gives for the same members, from their groups: each group scored once, groups taken best first
    (at most `size` from each, lowest ids first: the ties' order) until `size` are found and the score drops; members
    with open load scored on their own."""
    anywhere = place == Place()

    def base(skills: tuple[int, ...], path: tuple[str, ...]) -> float:
        return points(skills) + (0.0 if anywhere else NEARNESS_BONUS[nearness(place, path)])

    scored = sorted(((-base(skills, path), members) for skills, path, members in pool.groups), key=lambda g: g[0])
    apart = exclude | load.keys()
    picked: list[tuple[float, int, Candidate]] = []
    boundary: float | None = None
    for negative, members in scored:
        if boundary is not None and negative > boundary:
            break  # every member left scores lower than `size` already picked
        taken = 0
        for c in members:
            if c.member_id not in apart:
                picked.append((negative, int(c.member_id), c))
                taken += 1
                if taken == size:
                    break
        if boundary is None and len(picked) >= size:
            boundary = negative
    for member_id, open_items in load.items():
        c = pool.by_id.get(member_id)
        if c is None or member_id in exclude:
            continue
        penalty = min(open_items * LOAD_PENALTY, MAX_LOAD_PENALTY) if open_items else 0.0
        picked.append((-(base(c.skills, c.residence_path) - penalty), int(member_id), c))
    return [c for _, _, c in heapq.nsmallest(size, picked)]


def skill_fit(category: int, candidate: Candidate) -> Ranked:
    """Scores a member's skills against a wish category; an unreviewed wish (no category) scores everyone 0."""
    wanted = CATEGORY_SKILLS.get(category, {})
    score = 0.0
    reasons = []
    for skill in sorted(set(candidate.skills)):
        weight = wanted.get(skill)
        if weight:
            score += weight
            reasons.append(f"skill {_skill_name(skill)} fits {_category_name(category)} (+{weight})")
    if not reasons:
        reasons.append("no skill matching the wish's category" if wanted else "the wish has no category yet")
    return Ranked(candidate.member_id, candidate.name, score, tuple(reasons))


def skills_fit(wanted_skills: Sequence[int], candidate: Candidate) -> Ranked:
    """For an activity role: two points for each skill asked for that the member has."""
    has = set(candidate.skills)
    matched = [s for s in sorted(set(wanted_skills)) if s in has]
    reasons = [f"has skill {_skill_name(s)} (+2)" for s in matched]
    if not reasons:
        reasons.append("none of the skills asked for" if wanted_skills else "no skills asked for")
    return Ranked(candidate.member_id, candidate.name, 2.0 * len(matched), tuple(reasons))


def add_nearness(ranked: Ranked, place: Place, candidate: Candidate) -> Ranked:
    if not (place.building_id or place.grid_id or place.community_id):
        # Work for a whole street: everyone in it is as near as the next.
        return Ranked(ranked.member_id, ranked.name, ranked.score, (*ranked.reasons, "lives in the area (+0)"))
    near = nearness(place, candidate.residence_path)
    bonus = NEARNESS_BONUS[near]
    reason = f"{NEARNESS_WORDS[near]} (+{bonus:g})"
    return Ranked(ranked.member_id, ranked.name, ranked.score + bonus, (*ranked.reasons, reason))


def add_load(ranked: Ranked, open_items: int) -> Ranked:
    penalty = min(open_items * LOAD_PENALTY, MAX_LOAD_PENALTY)
    reason = f"{open_items} open piece(s) of work (-{penalty:g})" if open_items else "no open work (-0)"
    return Ranked(ranked.member_id, ranked.name, ranked.score - penalty, (*ranked.reasons, reason))


def add_recent_hours(ranked: Ranked, hours: float) -> Ranked:
    penalty = round(min(hours * HOURS_PENALTY, MAX_HOURS_PENALTY), 2)
    reason = f"{hours:g} hour(s) served in the last {RECENT_DAYS} days (-{penalty:g})"
    return Ranked(ranked.member_id, ranked.name, round(ranked.score - penalty, 3), (*ranked.reasons, reason))


def order(ranked: Iterable[Ranked]) -> list[Ranked]:
    """Best first; ties go to the lower member id, so the same input always gives the same order."""
    return sorted(ranked, key=lambda r: (-r.score, int(r.member_id)))


def shortlist_size(limit: int) -> int:
    """How many of the best by skill, nearness and load have their recent hours looked up (one call each)."""
    return max(3 * limit, 30)


def rank(category: int, candidates: list[Candidate], limit: int) -> list[Ranked]:
    """By skill fit alone (kept for callers that know nothing else of the members)."""
    return order(skill_fit(category, c) for c in candidates)[:limit]


# ---------------------------------------------------------------------------------------------------------------
# Duty rosters (值班表)

MINUTES_PER_DAY = 1440
MAX_DAY_SLOTS = 50
MAX_PATTERN_SLOTS = 200
MAX_GAP_DAYS = 92
MAX_ABSENCE_DAYS = 366


@dataclass(frozen=True)
class Slot:
    member_id: int  # 0 for a team volunteer
    start_minute: int
    end_minute: int
    # A team volunteer (a resident who is not a party member): the team and the registry's TeamMember id.
    team_id: int = 0
    team_member_id: int = 0

    @property
    def volunteer(self) -> str:
        """Who, as recipients and responders are named: "member:12" or "volunteer:34"."""
        return volunteer_key(self.member_id, self.team_member_id)


@dataclass(frozen=True)
class Volunteer:
    """Who stands a duty, as a roster names them: a member, or a team and its volunteer."""

    member_id: int = 0
    team_id: int = 0
    team_member_id: int = 0

    @property
    def key(self) -> str:
        return volunteer_key(self.member_id, self.team_member_id)

    def stands(self, slot: Slot) -> bool:
        return (slot.member_id, slot.team_id, slot.team_member_id) == (
            self.member_id,
            self.team_id,
            self.team_member_id,
        )


def volunteer_key(member_id: int, team_member_id: int = 0) -> str:
    return f"volunteer:{team_member_id}" if team_member_id else f"member:{member_id}"


def parse_clock(field: str, text: str, *, default: int) -> int:
    """'08:30' -> 510 minutes; '24:00' is the end of the day."""
    text = text.strip()
    if not text:
        return default
    hours, sep, minutes = text.partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and 1 <= len(hours) <= 2):
        raise InvalidArgument(f"'{text[:10]}' is not a time of day such as 08:00", field)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise InvalidArgument(f"'{text}' is not a time of day between 00:00 and 24:00", field)
    return value


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_date(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidArgument(f"'{text[:20]}' is not a date such as 2026-06-19", field) from exc


def slot_from(
    field: str, member_id: int, start_time: str, end_time: str, team_id: int = 0, team_member_id: int = 0
) -> Slot:
    start = parse_clock(f"{field}.start_time", start_time, default=0)
    end = parse_clock(f"{field}.end_time", end_time, default=MINUTES_PER_DAY)
    if start >= MINUTES_PER_DAY:
        raise InvalidArgument("must be before 24:00", f"{field}.start_time")
    if end <= start:
        raise InvalidArgument("must be after start_time", f"{field}.end_time")
    return Slot(member_id, start, end, team_id, team_member_id)


def on_duty(slots: Sequence[Slot], minute: int) -> list[Slot]:
    """The slots covering the minute, in roster order: the first is the primary, the rest its backups."""
    return [s for s in slots if s.start_minute <= minute < s.end_minute]


def without_away(slots: Sequence[Slot], away: dict[str, list[tuple[int, int]]]) -> list[Slot]:
    """The slots with the minutes [start, end) each volunteer is away cut out of theirs (a slot may split in two),
    in roster order."""
    kept: list[Slot] = []
    for slot in slots:
        pieces = [(slot.start_minute, slot.end_minute)]
        for off_start, off_end in away.get(slot.volunteer, ()):
            pieces = [
                piece
                for start, end in pieces
                for piece in ((start, min(end, off_start)), (max(start, off_end), end))
                if piece[0] < piece[1]
            ]
        kept += [Slot(slot.member_id, start, end, slot.team_id, slot.team_member_id) for start, end in pieces]
    return kept


def away_minutes(
    periods: Iterable[tuple[datetime, datetime]], day_start: datetime, day_end: datetime
) -> list[tuple[int, int]]:
    """The parts of absences [starts, ends) falling on one local day, as minutes of that day (rounded outward: a
    volunteer away for part of a minute is away for all of it)."""
    minutes = []
    for starts, ends in periods:
        start, end = max(starts, day_start), min(ends, day_end)
        if start < end:
            first = int((start - day_start).total_seconds() // 60)
            last = -int(-(end - day_start).total_seconds() // 60)
            minutes.append((first, min(last, MINUTES_PER_DAY)))
    return minutes


def gaps(slots: Sequence[Slot]) -> list[tuple[int, int]]:
    """The stretches of the day [start, end) nobody covers."""
    uncovered: list[tuple[int, int]] = []
    at = 0
    for slot in sorted(slots, key=lambda s: s.start_minute):
        if slot.start_minute > at:
            uncovered.append((at, slot.start_minute))
        at = max(at, slot.end_minute)
    if at < MINUTES_PER_DAY:
        uncovered.append((at, MINUTES_PER_DAY))
    return uncovered


def local_day(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The day's first moment and the next day's, in the zone."""
    return datetime.combine(day, time(0), tzinfo=zone), datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def duty_gaps(
    days: dict[date, list[Slot]], away: dict[str, list[tuple[datetime, datetime]]], zone: tzinfo
) -> dict[date, list[tuple[int, int]]]:
    """Each day's stretches [start, end) nobody covers, in date order: the rostered but away count as nobody.
    GetDutyGaps and the duty-gap gauge both use this, so they agree."""
    result = {}
    for day, slots in sorted(days.items()):
        start, end = local_day(day, zone)
        away_today = {who: away_minutes(periods, start, end) for who, periods in away.items()}
        result[day] = gaps(without_away(slots, away_today))
    return result


def swap(slots: Sequence[Slot], outgoing: Volunteer, incoming: Volunteer) -> list[Slot]:
    """The day's slots with the one volunteer's duties taken by the other, in the same places."""
    return [
        Slot(incoming.member_id, s.start_minute, s.end_minute, incoming.team_id, incoming.team_member_id)
        if outgoing.stands(s)
        else s
        for s in slots
    ]


# ---------------------------------------------------------------------------------------------------------------
# Alerts

ALERT_KINDS: dict[int, str] = {
    number: name.removeprefix("ALERT_KIND_").lower()
    for name, number in pb.AlertKind.items()
    if number != pb.ALERT_KIND_UNSPECIFIED
}
ALERT_KIND_NUMBERS = {name: number for number, name in ALERT_KINDS.items()}
ALERT_STATE_NUMBERS = {
    name.removeprefix("ALERT_STATE_").lower(): number
    for name, number in pb.AlertState.items()
    if number != pb.ALERT_STATE_UNSPECIFIED
}
OUTCOMES: dict[int, str] = {
    number: name.removeprefix("ALERT_OUTCOME_").lower()
    for name, number in pb.AlertOutcome.items()
    if number != pb.ALERT_OUTCOME_UNSPECIFIED
}
OUTCOME_NUMBERS = {name: number for number, name in OUTCOMES.items()}
EVENT_KINDS: dict[int, str] = {
    number: name.removeprefix("ALERT_EVENT_KIND_").lower()
    for name, number in pb.AlertEventKind.items()
    if number != pb.ALERT_EVENT_KIND_UNSPECIFIED
}
EVENT_KIND_NUMBERS = {name: number for number, name in EVENT_KINDS.items()}
ESCALATIONS: dict[int, str] = {
    number: name.removeprefix("ESCALATION_LEVEL_").lower()
    for name, number in pb.EscalationLevel.items()
    if number != pb.ESCALATION_LEVEL_UNSPECIFIED
}
ESCALATION_NUMBERS = {name: number for number, name in ESCALATIONS.items()}
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
