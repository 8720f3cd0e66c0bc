"""Rules of matching people to work, with no I/O: how well a member fits a wish or an alert — skills, interests,
nearness by the org tree (or a pairing), open work and recent hours — and the ranking that puts the best first."""

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

# Words a member's interest tags (兴趣) may carry for each category, beside the category's own name.
CATEGORY_WORDS: dict[int, tuple[str, ...]] = {
    wish.WISH_CATEGORY_POLICY_PUBLICITY: ("policy", "publicity", "政策", "宣传", "宣讲"),
    wish.WISH_CATEGORY_LEGAL_AID: ("legal", "law", "法律", "法援", "普法"),
    wish.WISH_CATEGORY_MEDICAL_CARE: ("medical", "health", "医疗", "保健", "健康", "义诊"),
    wish.WISH_CATEGORY_POVERTY_RELIEF: ("poverty", "employment", "jobs", "扶贫", "帮困", "就业"),
    wish.WISH_CATEGORY_CONVENIENCE: ("repair", "errands", "便民", "维修", "跑腿"),
    wish.WISH_CATEGORY_CULTURE: ("culture", "arts", "dance", "music", "文化", "文艺", "娱乐", "跳舞", "唱歌", "广场舞"),
    wish.WISH_CATEGORY_SECURITY_MEDIATION: ("mediation", "security", "调解", "治安", "巡逻"),
    wish.WISH_CATEGORY_ENVIRONMENT: ("environment", "greening", "环保", "环境", "绿化", "垃圾分类"),
}
INTEREST_POINTS = 0.5  # for each of a member's interests the wish speaks of
MAX_INTEREST_POINTS = 1.0  # interests tell like-skilled members apart; they never outweigh a skill (2)
MAX_TAG_LENGTH = 40  # longer tags are notes, not interests: not scored

# How near a member is to the work: the deepest org unit both share, or, living outside it, a workplace paired
# with its community (结对共建).
NEAR_BUILDING, NEAR_GRID, NEAR_COMMUNITY, NEAR_SUBTREE, NEAR_PAIRED = 1, 2, 3, 4, 5
NEARNESS_BONUS = {NEAR_BUILDING: 1.5, NEAR_GRID: 1.0, NEAR_COMMUNITY: 0.5, NEAR_PAIRED: 0.25, NEAR_SUBTREE: 0.0}
# As call lists carry it (a member living outside the community is called as one of it).
NEARNESS_NAMES = {
    NEAR_BUILDING: "building",
    NEAR_GRID: "grid",
    NEAR_COMMUNITY: "community",
    NEAR_SUBTREE: "community",
    NEAR_PAIRED: "community",
}
NEARNESS_WORDS = {
    NEAR_BUILDING: "lives in the same building",
    NEAR_GRID: "lives in the same grid",
    NEAR_COMMUNITY: "lives in the community",
    NEAR_PAIRED: "works in a unit paired with the community",
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
    # Interest tags (兴趣), as normalise_tags gives them.
    tags: tuple[str, ...] = ()
    # Lives outside the work's community, but their workplace is paired with it (结对共建).
    paired: bool = False
    # Not scored (paired is): which members are paired depends on the community, found when ranking.
    workplace_org: str = ""


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


def nearness(place: Place, residence_path: Iterable[str], paired: bool = False) -> int:
    path = set(residence_path)
    if place.building_id and place.building_id in path:
        return NEAR_BUILDING
    if place.grid_id and place.grid_id in path:
        return NEAR_GRID
    if place.community_id and place.community_id in path:
        return NEAR_COMMUNITY
    return NEAR_PAIRED if paired else NEAR_SUBTREE


def nearness_bonus(place: Place, candidate: Candidate) -> float:
    """Work for a whole street (no place) puts everyone as near as the next."""
    if place == Place():
        return 0.0
    return NEARNESS_BONUS[nearness(place, candidate.residence_path, candidate.paired)]


def normalise_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as scoring compares them: trimmed, lower case, without repeats, sorted (so members group by them)."""
    return tuple(sorted({t.strip().lower() for t in tags if t.strip() and len(t.strip()) <= MAX_TAG_LENGTH}))


@dataclass(frozen=True)
class Wanted:
    """What a wish speaks of, for interests: its category's words and its text (lower case)."""

    category: int = 0
    text: str = ""

    @classmethod
    def of(cls, category: int, text: str) -> Wanted:
        return cls(category, text.lower())


def interest_matches(wanted: Wanted, tags: Iterable[str]) -> list[tuple[str, str]]:
    """(tag, why) for each tag the wish speaks of: the category's name or one of its words, or the wish's text."""
    words = set(CATEGORY_WORDS.get(wanted.category, ()))
    category = _CATEGORIES[wanted.category] if wanted.category in CATEGORY_WORDS else ""
    found = []
    for tag in tags:
        if category and (tag == category or tag in words):
            found.append((tag, f"matches {category}"))
        elif wanted.text and tag in wanted.text:
            found.append((tag, "is in the wish's text"))
    return found


def interest_points(wanted: Wanted, tags: Iterable[str]) -> float:
    return min(INTEREST_POINTS * len(interest_matches(wanted, tags)), MAX_INTEREST_POINTS)


def skill_points(category: int, skills: Iterable[int]) -> float:
    wanted = CATEGORY_SKILLS.get(category, {})
    return float(sum(wanted.get(skill, 0) for skill in set(skills)))


def skills_points(wanted_skills: Sequence[int], skills: Iterable[int]) -> float:
    return 2.0 * len(set(wanted_skills) & set(skills))


def quick_score(fit_points: float, place: Place, candidate: Candidate, open_items: int) -> float:
    """The score before recent hours, as add_nearness and add_load would make it, without the explanations: what
    picks the shortlist out of thousands of members. `fit_points` are the skills' and interests' points."""
    return fit_points + nearness_bonus(place, candidate) - min(open_items * LOAD_PENALTY, MAX_LOAD_PENALTY)


def no_interests(tags: tuple[str, ...]) -> float:
    return 0.0


def shortlist(
    candidates: Iterable[Candidate],
    points: Callable[[tuple[int, ...]], float],
    place: Place,
    load: dict[str, int],
    exclude: set[str],
    size: int,
    interests: Callable[[tuple[str, ...]], float] = no_interests,
) -> list[Candidate]:
    """The `size` best by quick_score (ties to the lower id). Members share skill sets, interests and residences,
    so the points and bonuses are worked out once for each: ten thousand members take milliseconds."""
    by_skills: dict[tuple[int, ...], float] = {}
    by_tags: dict[tuple[str, ...], float] = {}
    by_path: dict[tuple[tuple[str, ...], bool], float] = {}
    keyed = []
    for c in candidates:
        if c.member_id in exclude:
            continue
        fit = by_skills.get(c.skills)
        if fit is None:
            fit = by_skills[c.skills] = points(c.skills)
        liked = by_tags.get(c.tags)
        if liked is None:
            liked = by_tags[c.tags] = interests(c.tags)
        bonus = by_path.get((c.residence_path, c.paired))
        if bonus is None:
            bonus = by_path[(c.residence_path, c.paired)] = nearness_bonus(place, c)
        fit += liked
        open_items = load.get(c.member_id)
        score = fit + bonus - (min(open_items * LOAD_PENALTY, MAX_LOAD_PENALTY) if open_items else 0.0)
        keyed.append((-score, int(c.member_id), c))
    return [c for _, _, c in heapq.nsmallest(size, keyed)]


@dataclass(frozen=True)
class CandidatePool:
    """A community's members grouped by what scoring looks at — skills, interests, residence and pairing. Members of
    one group score the same but for their own open load, so a ranking scores each group once, not each of ten
    thousand members. Built once each time the member cache is filled."""

    # (the group's first member, standing for what they share; members in id order)
    groups: tuple[tuple[Candidate, tuple[Candidate, ...]], ...]
    by_id: dict[str, Candidate]

    @classmethod
    def of(cls, candidates: Iterable[Candidate]) -> CandidatePool:
        grouped: dict[tuple[tuple[int, ...], tuple[str, ...], tuple[str, ...], bool], list[Candidate]] = {}
        by_id: dict[str, Candidate] = {}
        for c in candidates:
            grouped.setdefault((c.skills, c.tags, c.residence_path, c.paired), []).append(c)
            by_id[c.member_id] = c
        groups = []
        for members in grouped.values():
            ordered = tuple(sorted(members, key=lambda c: int(c.member_id)))
            groups.append((ordered[0], ordered))
        return cls(tuple(groups), by_id)


def shortlist_pool(
    pool: CandidatePool,
    points: Callable[[tuple[int, ...]], float],
    place: Place,
    load: dict[str, int],
    exclude: set[str],
    size: int,
    interests: Callable[[tuple[str, ...]], float] = no_interests,
) -> list[Candidate]:
    """What shortlist gives for the same members, from their groups: each group scored once, groups taken best first
    (at most `size` from each, lowest ids first: the ties' order) until `size` are found and the score drops; members
    with open load scored on their own."""

    def base(c: Candidate) -> float:
        return points(c.skills) + interests(c.tags) + nearness_bonus(place, c)

    scored = sorted(((-base(first), members) for first, members in pool.groups), key=lambda g: g[0])
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
        picked.append((-(base(loaded) - penalty), int(member_id), loaded))
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


def add_interests(ranked: Ranked, wanted: Wanted, candidate: Candidate) -> Ranked:
    """Interest tags the wish speaks of, half a point each, at most one point; each named."""
    matches = interest_matches(wanted, candidate.tags)
    if not matches:
        reason = "no interest the wish speaks of (+0)" if candidate.tags else "no interests given (+0)"
        return Ranked(ranked.member_id, ranked.name, ranked.score, (*ranked.reasons, reason))
    points = interest_points(wanted, candidate.tags)
    named = ", ".join(f"{tag} {why}" for tag, why in matches)
    capped = f", at most {MAX_INTEREST_POINTS:g}" if points < INTEREST_POINTS * len(matches) else ""
    reason = f"interest {named} (+{points:g}{capped})"
    return Ranked(ranked.member_id, ranked.name, ranked.score + points, (*ranked.reasons, reason))


def add_nearness(ranked: Ranked, place: Place, candidate: Candidate) -> Ranked:
    if not (place.building_id or place.grid_id or place.community_id):
        # Work for a whole street: everyone in it is as near as the next.
        return Ranked(ranked.member_id, ranked.name, ranked.score, (*ranked.reasons, "lives in the area (+0)"))
    near = nearness(place, candidate.residence_path, candidate.paired)
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
