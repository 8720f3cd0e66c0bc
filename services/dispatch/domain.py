"""Matching rules with no I/O: which skills fit which wish category, and how members are ranked."""

from __future__ import annotations

from dataclasses import dataclass

from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

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


@dataclass(frozen=True)
class Candidate:
    member_id: str
    name: str
    skills: tuple[int, ...]


@dataclass(frozen=True)
class Ranked:
    member_id: str
    name: str
    score: float
    reasons: tuple[str, ...]


def _skill_name(skill: int) -> str:
    return reg.Skill.Name(skill).removeprefix("SKILL_").lower()


def _category_name(category: int) -> str:
    return wish.WishCategory.Name(category).removeprefix("WISH_CATEGORY_").lower()


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


def rank(category: int, candidates: list[Candidate], limit: int) -> list[Ranked]:
    """Best fit first; ties go to the lower member id, so the same input always gives the same order."""
    scored = [skill_fit(category, c) for c in candidates]
    scored.sort(key=lambda r: (-r.score, int(r.member_id)))
    return scored[:limit]
