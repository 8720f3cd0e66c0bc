"""Matching rules with no I/O: nearness, each factor of a member's score and its explanation, the caps on penalties,
the shortlist by quick score, and ranking by groups picking whom ranking each member picks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from services.dispatch.matching import domain as matching
from services.dispatch.matching.domain import Candidate, Place


def test_nearness_is_the_deepest_unit_shared_with_the_alert() -> None:
    place = Place(building_id="7", grid_id="6", community_id="5")
    assert matching.nearness(place, ("1", "5", "6", "7")) == matching.NEAR_BUILDING
    assert matching.nearness(place, ("1", "5", "6", "8")) == matching.NEAR_GRID
    assert matching.nearness(place, ("1", "5")) == matching.NEAR_COMMUNITY
    assert matching.nearness(place, ("1", "9")) == matching.NEAR_SUBTREE
    assert matching.nearness(Place(community_id="5"), ("5", "6", "7")) == matching.NEAR_COMMUNITY


def _full_rank(candidates: list[Candidate], load: dict[str, int], hours: dict[str, float]) -> list[matching.Ranked]:
    place = Place(building_id="7", grid_id="6", community_id="5")
    scored = [
        matching.add_recent_hours(
            matching.add_load(
                matching.add_nearness(matching.skill_fit(wish.WISH_CATEGORY_MEDICAL_CARE, c), place, c),
                load.get(c.member_id, 0),
            ),
            hours.get(c.member_id, 0.0),
        )
        for c in candidates
    ]
    return matching.order(scored)


def test_each_factor_moves_the_score_and_is_explained() -> None:
    doctor_far = Candidate("1", "甲", (reg.SKILL_MEDICAL,), ("5",))
    doctor_near = Candidate("2", "乙", (reg.SKILL_MEDICAL,), ("5", "6", "7"))
    doctor_busy = Candidate("3", "丙", (reg.SKILL_MEDICAL,), ("5", "6", "7"))
    nobody = Candidate("4", "丁", (), ("5", "6", "7"))
    ranked = _full_rank([doctor_far, doctor_near, doctor_busy, nobody], load={"3": 2}, hours={"2": 5})
    assert [r.member_id for r in ranked] == ["2", "1", "3", "4"]
    best = ranked[0]
    assert best.score == 2 + 1.5 - 0.5
    assert best.reasons == (
        "skill medical fits medical_care (+2)",
        "lives in the same building (+1.5)",
        "no open work (-0)",
        "5 hour(s) served in the last 30 days (-0.5)",
    )
    assert "2 open piece(s) of work (-2)" in ranked[2].reasons


def test_penalties_are_capped_so_no_one_falls_more_than_five_points() -> None:
    expert = Candidate("1", "甲", (reg.SKILL_MEDICAL, reg.SKILL_FIRST_AID), ("5",))
    ranked = _full_rank([expert], load={"1": 50}, hours={"1": 500})
    assert ranked[0].score == 3 + 0.5 - 3 - 2
    assert ranked[0].reasons[-2:] == ("50 open piece(s) of work (-3)", "500 hour(s) served in the last 30 days (-2)")


@given(st.permutations(list(range(1, 9))))
def test_the_same_input_gives_the_same_order_whatever_order_it_came_in(ids: list[int]) -> None:
    candidates = [Candidate(str(i), "x", (reg.SKILL_MEDICAL,) if i % 2 else (), ("5",)) for i in ids]
    first = [r.member_id for r in _full_rank(candidates, {}, {})]
    assert first == ["1", "3", "5", "7", "2", "4", "6", "8"]


def test_an_activity_role_scores_two_points_for_each_skill_asked_for() -> None:
    member = Candidate("1", "甲", (reg.SKILL_FIRST_AID, reg.SKILL_IT), ())
    ranked = matching.skills_fit([reg.SKILL_FIRST_AID, reg.SKILL_MEDICAL], member)
    assert ranked.score == 2 and ranked.reasons == ("has skill first_aid (+2)",)
    assert matching.skills_fit([reg.SKILL_MEDICAL], member).reasons == ("none of the skills asked for",)


@given(
    st.lists(st.sampled_from(list(reg.Skill.values())[1:]), max_size=5),
    st.sampled_from([(), ("5",), ("5", "6"), ("5", "6", "7"), ("9",)]),
    st.integers(0, 9),
)
def test_the_quick_score_that_picks_the_shortlist_is_the_explained_score(
    skills: list[int], path: tuple[str, ...], open_items: int
) -> None:
    candidate = Candidate("1", "x", tuple(skills), path)
    place = Place(building_id="7", grid_id="6", community_id="5")
    explained = matching.add_load(
        matching.add_nearness(matching.skill_fit(wish.WISH_CATEGORY_MEDICAL_CARE, candidate), place, candidate),
        open_items,
    )
    points = matching.skill_points(wish.WISH_CATEGORY_MEDICAL_CARE, candidate.skills)
    assert matching.quick_score(points, place, candidate, open_items) == explained.score
    street = matching.add_nearness(matching.skills_fit([reg.SKILL_MEDICAL], candidate), Place(), candidate)
    assert (
        matching.quick_score(matching.skills_points([reg.SKILL_MEDICAL], skills), Place(), candidate, 0) == street.score
    )


@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from([reg.SKILL_MEDICAL, reg.SKILL_FIRST_AID, reg.SKILL_IT]), max_size=2, unique=True),
            st.sampled_from([("5",), ("5", "6"), ("5", "6", "7")]),
            st.integers(0, 4),
        ),
        max_size=40,
    ),
    st.integers(1, 10),
)
def test_the_shortlist_is_the_best_by_quick_score_ties_to_the_lower_id(
    people: list[tuple[list[int], tuple[str, ...], int]], size: int
) -> None:
    candidates = [Candidate(str(i + 1), "x", tuple(skills), path) for i, (skills, path, _) in enumerate(people)]
    load = {str(i + 1): n for i, (_, _, n) in enumerate(people)}
    place = Place(building_id="7", grid_id="6", community_id="5")

    def points(skills: tuple[int, ...]) -> float:
        return matching.skill_points(wish.WISH_CATEGORY_MEDICAL_CARE, skills)

    kept = [c for c in candidates if c.member_id != "3"]
    expected = sorted(
        kept, key=lambda c: (-matching.quick_score(points(c.skills), place, c, load[c.member_id]), int(c.member_id))
    )
    assert matching.shortlist(candidates, points, place, load, {"3"}, size) == expected[:size]


@given(
    st.lists(
        st.tuples(
            st.integers(1, 60),
            st.sampled_from([(1,), (2,), (1, 2), (3,), ()]),
            st.sampled_from([("5",), ("5", "6"), ("5", "6", "7"), ("5", "8"), ("9",)]),
            st.sampled_from([(), ("dance",), ("dance", "music"), ("chess",)]),
            st.booleans(),
        ),
        max_size=60,
        unique_by=lambda m: m[0],
    ),
    st.dictionaries(st.integers(1, 60).map(str), st.integers(0, 4), max_size=10),
    st.sets(st.integers(1, 60).map(str), max_size=5),
    st.integers(1, 12),
    st.sampled_from([Place(), Place(grid_id="6", community_id="5"), Place("7", "6", "5")]),
)
def test_ranking_by_groups_picks_exactly_whom_ranking_each_member_picks(
    members: list[tuple[int, tuple[int, ...], tuple[str, ...], tuple[str, ...], bool]],
    load: dict[str, int],
    exclude: set[str],
    size: int,
    place: Place,
) -> None:
    candidates = [
        Candidate(str(i), "", skills, path, tags, paired=paired and "5" not in path)
        for i, skills, path, tags, paired in members
    ]
    weights = {1: 2, 2: 1}
    wanted = matching.Wanted.of(wish.WISH_CATEGORY_CULTURE, "我要一个音响组织大家跳舞 music")

    def points(skills: tuple[int, ...]) -> float:
        return float(sum(weights.get(s, 0) for s in set(skills)))

    def interests(tags: tuple[str, ...]) -> float:
        return matching.interest_points(wanted, tags)

    expected = matching.shortlist(candidates, points, place, load, exclude, size, interests)
    pool = matching.CandidatePool.of(candidates)
    assert matching.shortlist_pool(pool, points, place, load, exclude, size, interests) == expected
