"""How the claimants of a wish are ranked for RecommendClaimants: members whose skills fit its category first, each
with its reasons, in the same order whatever order they came in."""

from __future__ import annotations

from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from services.dispatch.matching.domain import Candidate, rank


def test_members_whose_skills_fit_the_category_rank_first_with_reasons() -> None:
    candidates = [
        Candidate("3", "李", (reg.SKILL_CULTURE_ARTS,)),
        Candidate("1", "王", (reg.SKILL_REPAIR,)),
        Candidate("2", "张", (reg.SKILL_MEDICAL, reg.SKILL_FIRST_AID)),
    ]
    ranked = rank(wish.WISH_CATEGORY_MEDICAL_CARE, candidates, limit=10)
    assert [r.member_id for r in ranked] == ["2", "1", "3"]
    assert ranked[0].score == 3
    assert any("medical" in reason for reason in ranked[0].reasons)
    assert ranked[1].score == 0 and "no skill" in ranked[1].reasons[0]


def test_the_same_input_gives_the_same_order_whatever_order_it_came_in() -> None:
    candidates = [Candidate(str(i), f"m{i}", (reg.SKILL_LEGAL,) if i % 3 else ()) for i in range(1, 40)]
    first = rank(wish.WISH_CATEGORY_LEGAL_AID, candidates, limit=15)
    second = rank(wish.WISH_CATEGORY_LEGAL_AID, list(reversed(candidates)), limit=15)
    assert first == second
    assert [r.member_id for r in first[:3]] == ["1", "2", "4"]


def test_an_unreviewed_wish_has_no_category_to_fit() -> None:
    ranked = rank(wish.WISH_CATEGORY_UNSPECIFIED, [Candidate("1", "王", (reg.SKILL_LEGAL,))], limit=5)
    assert ranked[0].score == 0 and "no category" in ranked[0].reasons[0]
