"""How the claimants of a wish are ranked for RecommendClaimants: members whose skills fit its category first, then
whose interests the wish speaks of, nearest first by the org tree (building, grid, community, a paired unit), each
with its reasons, in the same order whatever order they came in."""

from __future__ import annotations

from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from services.dispatch.matching.domain import (
    MAX_INTEREST_POINTS,
    Candidate,
    Place,
    Ranked,
    Wanted,
    add_interests,
    add_nearness,
    interest_matches,
    interest_points,
    normalise_tags,
    order,
    rank,
    skill_fit,
)


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


def _explained(wanted: Wanted, place: Place, candidate: Candidate) -> Ranked:
    """A claimant's score and reasons as RecommendClaimants gives them before open load and recent hours."""
    fit = add_interests(skill_fit(wanted.category, candidate), wanted, candidate)
    return add_nearness(fit, place, candidate)


def test_a_building_neighbour_outranks_a_grid_one_who_outranks_the_community_who_outranks_a_paired_unit() -> None:
    # The wish lies in building 7 of grid 6 of community 5 (street 4); all four are alike but for where they are.
    place = Place(building_id="7", grid_id="6", community_id="5")
    wanted = Wanted.of(wish.WISH_CATEGORY_CULTURE, "我要一个音响组织大家跳舞")
    arts = (reg.SKILL_CULTURE_ARTS,)
    paired = Candidate("1", "甲", arts, ("4", "9"), paired=True)
    community = Candidate("2", "乙", arts, ("4", "5"))
    grid = Candidate("3", "丙", arts, ("4", "5", "6", "8"))
    building = Candidate("4", "丁", arts, ("4", "5", "6", "7"))
    outsider = Candidate("5", "戊", arts, ("4", "9"))
    ranked = order(_explained(wanted, place, c) for c in [paired, community, grid, outsider, building])
    assert [r.member_id for r in ranked] == ["4", "3", "2", "1", "5"]
    assert [r.reasons[-1] for r in ranked] == [
        "lives in the same building (+1.5)",
        "lives in the same grid (+1)",
        "lives in the community (+0.5)",
        "works in a unit paired with the community (+0.25)",
        "lives outside the community (+0)",
    ]


def test_interests_the_wish_speaks_of_are_scored_and_named() -> None:
    wanted = Wanted.of(wish.WISH_CATEGORY_CULTURE, "我要一个音响组织大家跳舞")
    place = Place(community_id="5")
    dancer = Candidate("1", "甲", (), ("5",), normalise_tags([" 音响 ", "Culture"]))
    chess = Candidate("2", "乙", (), ("5",), ("象棋",))
    none = Candidate("3", "丙", (), ("5",))
    ranked = order(_explained(wanted, place, c) for c in [none, chess, dancer])
    assert [r.member_id for r in ranked] == ["1", "2", "3"]
    assert ranked[0].score == 0 + 1.0 + 0.5
    assert ranked[0].reasons == (
        "no skill matching the wish's category",
        "interest culture matches culture, 音响 is in the wish's text (+1)",
        "lives in the community (+0.5)",
    )
    assert ranked[1].reasons[1] == "no interest the wish speaks of (+0)"
    assert ranked[2].reasons[1] == "no interests given (+0)"


def test_interests_never_outweigh_a_skill_and_their_cap_is_said() -> None:
    wanted = Wanted.of(wish.WISH_CATEGORY_CULTURE, "广场舞 音响 唱歌")
    fan = Candidate("1", "甲", (), (), ("广场舞", "唱歌", "文艺"))
    artist = Candidate("2", "乙", (reg.SKILL_CULTURE_ARTS,), ())
    assert interest_points(wanted, fan.tags) == MAX_INTEREST_POINTS
    explained = add_interests(skill_fit(wanted.category, fan), wanted, fan)
    assert explained.reasons[-1].endswith("(+1, at most 1)")
    assert add_interests(skill_fit(wanted.category, artist), wanted, artist).score > explained.score


def test_an_unreviewed_wish_scores_interests_only_by_its_text() -> None:
    wanted = Wanted.of(wish.WISH_CATEGORY_UNSPECIFIED, "我想找对象")
    matchmaker = Candidate("1", "甲", (), (), ("找对象", "culture"))
    assert interest_matches(wanted, matchmaker.tags) == [("找对象", "is in the wish's text")]
