"""Duty rules with no I/O (值班表): clock times and slots, who is on duty, gaps, swaps, and absences."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import grpc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.dispatch.duty import domain as duty_rules
from services.dispatch.duty.domain import Slot, Volunteer
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
