"""Rules of matching people to work, with no I/O: how well a member fits a wish or an alert — skills, nearness
by the org tree, open work and recent hours — and the ranking that puts the best first."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from services.runtime.enums import names_of

# Names for the reasons a ranking gives.
_SKILLS = names_of(reg.Skill).names
_CATEGORIES = names_of(wish.WishCategory).names

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
        loaded = pool.by_id.get(member_id)
        if loaded is None or member_id in exclude:
            continue
        penalty = min(open_items * LOAD_PENALTY, MAX_LOAD_PENALTY) if open_items else 0.0
        picked.append((-(base(loaded.skills, loaded.residence_path) - penalty), int(member_id), loaded))
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
            reasons.append(f"skill {_SKILLS[skill]} fits {_CATEGORIES[category]} (+{weight})")
    if not reasons:
        reasons.append("no skill matching the wish's category" if wanted else "the wish has no category yet")
    return Ranked(candidate.member_id, candidate.name, score, tuple(reasons))


def skills_fit(wanted_skills: Sequence[int], candidate: Candidate) -> Ranked:
    """For an activity role: two points for each skill asked for that the member has."""
    has = set(candidate.skills)
    matched = [s for s in sorted(set(wanted_skills)) if s in has]
    reasons = [f"has skill {_SKILLS[s]} (+2)" for s in matched]
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
