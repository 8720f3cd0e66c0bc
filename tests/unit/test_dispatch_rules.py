"""Dispatch rules with no I/O: rosters, call order, nearness, scoring and its explanations."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from services.dispatch.alerts import domain as alert_rules
from services.dispatch.duty import domain as duty_rules
from services.dispatch.duty.domain import Slot, Volunteer
from services.dispatch.matching import domain as matching
from services.dispatch.matching.domain import Candidate, Place
from services.runtime.errors import InvalidArgument


def test_a_clock_time_reads_as_minutes_and_24_00_is_the_end_of_the_day() -> None:
    assert duty_rules.parse_clock("f", "08:30", default=0) == 510
    assert duty_rules.parse_clock("f", "24:00", default=0) == 1440
    assert duty_rules.parse_clock("f", "", default=7) == 7
    assert duty_rules.clock(510) == "08:30"


@pytest.mark.parametrize("text", ["8", "08:60", "24:01", "ab:cd", "8:5", "-1:00"])
def test_a_bad_clock_time_is_refused_with_its_field(text: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        duty_rules.parse_clock("slots[2].start_time", text, default=0)
    assert error.value.field == "slots[2].start_time"
    assert error.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_a_slot_must_end_after_it_starts() -> None:
    with pytest.raises(InvalidArgument) as error:
        duty_rules.slot_from("slots[0]", 1, "20:00", "08:00")
    assert error.value.field == "slots[0].end_time"
    assert duty_rules.slot_from("slots[0]", 1, "", "") == Slot(1, 0, 1440)


def test_on_duty_keeps_roster_order_so_the_first_is_the_primary() -> None:
    slots = [Slot(1, 480, 1200), Slot(2, 0, 1440), Slot(3, 1200, 1440)]
    assert [s.member_id for s in duty_rules.on_duty(slots, 600)] == [1, 2]
    assert [s.member_id for s in duty_rules.on_duty(slots, 1300)] == [2, 3]
    assert duty_rules.on_duty(slots[:1], 1200) == []  # the end is exclusive


def test_gaps_are_the_stretches_nobody_covers() -> None:
    assert duty_rules.gaps([]) == [(0, 1440)]
    assert duty_rules.gaps([Slot(1, 480, 720), Slot(2, 600, 900), Slot(3, 1000, 1440)]) == [(0, 480), (900, 1000)]
    assert duty_rules.gaps([Slot(1, 0, 1440)]) == []


@given(st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 1440)).filter(lambda t: t[0] < t[1]), max_size=8))
def test_every_minute_is_either_covered_or_in_a_gap(spans: list[tuple[int, int]]) -> None:
    slots = [Slot(i + 1, a, b) for i, (a, b) in enumerate(spans)]
    uncovered = duty_rules.gaps(slots)
    for minute in range(0, 1440, 7):
        in_gap = any(a <= minute < b for a, b in uncovered)
        assert in_gap != bool(duty_rules.on_duty(slots, minute))


def test_duty_gaps_count_the_rostered_but_away_as_nobody_day_by_day() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    friday, saturday = date(2026, 6, 19), date(2026, 6, 20)
    days = {saturday: [Slot(1, 0, 1440)], friday: [Slot(1, 0, 1440), Slot(0, 480, 1200, 3, 4)]}
    # Member 1 away Friday 10:00 to Saturday 01:00 local; the team volunteer covers 10:00-20:00 only.
    away = {"member:1": [(datetime(2026, 6, 19, 10, tzinfo=zone), datetime(2026, 6, 20, 1, tzinfo=zone))]}
    assert duty_rules.duty_gaps(days, away, zone) == {friday: [(1200, 1440)], saturday: [(0, 60)]}
    assert duty_rules.duty_gaps(days, {}, zone) == {friday: [], saturday: []}


def test_a_swap_puts_the_new_member_in_the_same_places() -> None:
    slots = [Slot(1, 0, 720), Slot(2, 0, 1440), Slot(1, 720, 1440)]
    assert duty_rules.swap(slots, Volunteer(1), Volunteer(9)) == [Slot(9, 0, 720), Slot(2, 0, 1440), Slot(9, 720, 1440)]


def test_a_swap_hands_duties_between_members_and_team_volunteers() -> None:
    slots = [Slot(1, 0, 720), Slot(0, 720, 1440, 3, 4), Slot(0, 0, 1440, 5, 4)]
    to_member = duty_rules.swap(slots, Volunteer(team_id=3, team_member_id=4), Volunteer(7))
    assert to_member == [Slot(1, 0, 720), Slot(7, 720, 1440), Slot(0, 0, 1440, 5, 4)]  # only in the team named
    to_volunteer = duty_rules.swap(slots, Volunteer(1), Volunteer(team_id=3, team_member_id=8))
    assert to_volunteer == [Slot(0, 0, 720, 3, 8), Slot(0, 720, 1440, 3, 4), Slot(0, 0, 1440, 5, 4)]


def test_nearness_is_the_deepest_unit_shared_with_the_alert() -> None:
    place = Place(building_id="7", grid_id="6", community_id="5")
    assert matching.nearness(place, ("1", "5", "6", "7")) == matching.NEAR_BUILDING
    assert matching.nearness(place, ("1", "5", "6", "8")) == matching.NEAR_GRID
    assert matching.nearness(place, ("1", "5")) == matching.NEAR_COMMUNITY
    assert matching.nearness(place, ("1", "9")) == matching.NEAR_SUBTREE
    assert matching.nearness(Place(community_id="5"), ("5", "6", "7")) == matching.NEAR_COMMUNITY


def test_the_call_order_is_nearest_first_then_roster_order_and_each_member_once() -> None:
    on_duty = [("member:30", matching.NEAR_COMMUNITY, 0), ("member:20", matching.NEAR_GRID, 1)]
    on_duty += [("member:10", matching.NEAR_BUILDING, 2), ("volunteer:40", matching.NEAR_GRID, 3)]
    on_duty += [("member:30", matching.NEAR_COMMUNITY, 4)]
    assert alert_rules.call_order(on_duty) == [
        ("member:10", matching.NEAR_BUILDING),
        ("member:20", matching.NEAR_GRID),
        ("volunteer:40", matching.NEAR_GRID),
        ("member:30", matching.NEAR_COMMUNITY),
    ]


def test_service_hours_are_quarter_hours_and_at_least_one() -> None:
    assert alert_rules.service_hours(0) == 0.25
    assert alert_rules.service_hours(900) == 0.25
    assert alert_rules.service_hours(901) == 0.5
    assert alert_rules.service_hours(3 * 3600) == 3.0


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


def test_an_alerts_address_and_device_id_are_masked_past_recognition() -> None:
    assert alert_rules.mask_address("2单元301") == "2单****"
    assert alert_rules.mask_address("") == ""
    assert alert_rules.mask_address("幸福里小区12号楼3单元502室").startswith("幸福里小区")
    assert alert_rules.mask_device_id("nanny-0042") == "******0042"
    assert alert_rules.mask_device_id("0042") == "****"


def test_a_volunteer_away_for_part_of_a_day_leaves_that_part_of_their_slot_uncovered() -> None:
    member, volunteer = Slot(1, 0, 1440), Slot(0, 480, 1200, team_id=5, team_member_id=7)
    assert (member.volunteer, volunteer.volunteer) == ("member:1", "volunteer:7")
    # The member is away 10:00-12:00; the volunteer all day.
    away = {"member:1": [(600, 720)], "volunteer:7": [(0, 1440)]}
    assert duty_rules.without_away([member, volunteer], away) == [Slot(1, 0, 600), Slot(1, 720, 1440)]
    assert duty_rules.gaps(duty_rules.without_away([member], away)) == [(600, 720)]
    assert duty_rules.without_away([volunteer], {}) == [volunteer]


def test_absences_are_cut_to_the_minutes_of_one_local_day() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    day_start, day_end = datetime(2026, 6, 19, tzinfo=zone), datetime(2026, 6, 20, tzinfo=zone)
    periods = [
        (datetime(2026, 6, 18, 22, tzinfo=zone), datetime(2026, 6, 19, 8, 30, 20, tzinfo=zone)),  # from yesterday
        (datetime(2026, 6, 19, 18, tzinfo=zone), datetime(2026, 6, 25, tzinfo=zone)),  # on into next week
        (datetime(2026, 6, 21, tzinfo=zone), datetime(2026, 6, 22, tzinfo=zone)),  # another day
    ]
    assert duty_rules.away_minutes(periods, day_start, day_end) == [(0, 511), (1080, 1440)]


@given(
    st.lists(
        st.tuples(
            st.integers(1, 60),
            st.sampled_from([(1,), (2,), (1, 2), (3,), ()]),
            st.sampled_from([("5",), ("5", "6"), ("5", "7"), ("9",)]),
        ),
        max_size=60,
        unique_by=lambda m: m[0],
    ),
    st.dictionaries(st.integers(1, 60).map(str), st.integers(0, 4), max_size=10),
    st.sets(st.integers(1, 60).map(str), max_size=5),
    st.integers(1, 12),
    st.booleans(),
)
def test_ranking_by_groups_picks_exactly_whom_ranking_each_member_picks(
    members: list[tuple[int, tuple[int, ...], tuple[str, ...]]],
    load: dict[str, int],
    exclude: set[str],
    size: int,
    anywhere: bool,
) -> None:
    candidates = [Candidate(str(i), "", skills, path) for i, skills, path in members]
    place = Place() if anywhere else Place(grid_id="6", community_id="5")
    weights = {1: 2, 2: 1}

    def points(skills: tuple[int, ...]) -> float:
        return float(sum(weights.get(s, 0) for s in set(skills)))

    expected = matching.shortlist(candidates, points, place, load, exclude, size)
    assert (
        matching.shortlist_pool(matching.CandidatePool.of(candidates), points, place, load, exclude, size) == expected
    )
