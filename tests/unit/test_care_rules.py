"""Care pairs' rules with no I/O (结对帮扶): cadence, carers, who records a visit and when, ending, masking, and
when the CarePair workflow's clock next acts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from services.registry.care import domain as care
from services.registry.care.contract import CareChange, CareClock, CarePairInput, CareTimings
from services.registry.care.domain import CarePair
from services.runtime.errors import FailedPrecondition, InvalidArgument, PermissionDenied, ServiceError
from workflows.care_pair import DAY
from workflows.care_pair import CarePair as CarePairWorkflow

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
PAIR = CarePair(
    id=7,
    unit_id=40,
    resident_ref="resident-889",
    caree_kind="resident",
    people=1,
    resident_name_masked="张*",
    address_masked="",
    contact_masked="",
    carer_member_ids=(12, 13),
    team_id=None,
    cadence_days=3,
    state="active",
    created_at=NOW - timedelta(days=10),
    created_by="staff:li",
    began_at=NOW - timedelta(days=10),
    last_visit_id=None,
    last_visit_at=None,
    visits=0,
    ended_at=None,
    end_reason=None,
    end_note="",
    version=1,
)


def _refused(error: type[ServiceError], field: str, call: object, *args: object) -> ServiceError:
    with pytest.raises(error) as raised:
        call(*args)  # type: ignore[operator]
    assert raised.value.field == field
    return raised.value


@pytest.mark.parametrize("days", [0, -1, 91, 365])
def test_a_cadence_outside_one_to_ninety_days_is_refused_naming_the_field(days: int) -> None:
    assert _refused(InvalidArgument, "cadence_days", care.cadence, "cadence_days", days).code == (
        grpc.StatusCode.INVALID_ARGUMENT
    )


def test_every_few_days_up_to_a_quarter_is_a_cadence() -> None:
    assert [care.cadence("c", d) for d in (1, 3, 90)] == [1, 3, 90]


def test_a_resident_is_one_person_and_a_household_up_to_fifty() -> None:
    assert care.people("people", 0, "resident") == 1
    assert care.people("people", 26, "household") == 26
    _refused(InvalidArgument, "people", care.people, "people", 2, "resident")
    _refused(InvalidArgument, "people", care.people, "people", 51, "household")


def test_a_pair_needs_a_member_or_a_team_and_carers_are_named_once() -> None:
    assert care.carers([12, 13, 12], None) == (12, 13)
    assert care.carers([], 5) == ()
    _refused(InvalidArgument, "carer_member_ids", care.carers, [], None)
    _refused(InvalidArgument, "carer_member_ids", care.carers, range(1, 22), None)


def test_the_next_visit_is_due_a_cadence_after_the_last_visit_or_the_pairing() -> None:
    assert PAIR.next_visit_due == PAIR.began_at + timedelta(days=3)
    visited = replace(PAIR, last_visit_at=NOW - timedelta(days=1), last_visit_id=501)
    assert visited.next_visit_due == NOW + timedelta(days=2)
    assert replace(PAIR, state="ended").next_visit_due is None


def test_a_member_records_only_their_own_visit_to_a_pair_they_are_a_carer_of() -> None:
    carers = frozenset({12, 13})
    assert care.visitors([], 12, carers) == (12,)
    assert care.visitors([12], 12, carers) == (12,)
    _refused(PermissionDenied, "member_ids", care.visitors, [13], 12, carers)
    _refused(PermissionDenied, "member_ids", care.visitors, [], 99, carers)


def test_staff_record_a_visit_for_the_carers_who_went_and_only_for_carers() -> None:
    carers = frozenset({12, 13})
    assert care.visitors([13, 12, 13], None, carers) == (13, 12)
    _refused(InvalidArgument, "member_ids", care.visitors, [], None, carers)
    _refused(FailedPrecondition, "member_ids", care.visitors, [12, 99], None, carers)


def test_a_visit_is_now_when_unset_and_never_in_the_future_before_the_pair_or_a_month_ago() -> None:
    assert care.visit_time(None, NOW, PAIR) == NOW
    assert care.visit_time(NOW - timedelta(days=2), NOW, PAIR) == NOW - timedelta(days=2)
    assert care.visit_time(NOW + timedelta(minutes=1), NOW, PAIR) == NOW  # a clock a little ahead
    _refused(InvalidArgument, "visited_at", care.visit_time, NOW + timedelta(hours=1), NOW, PAIR)
    _refused(InvalidArgument, "visited_at", care.visit_time, NOW - timedelta(days=11), NOW, PAIR)
    old = replace(PAIR, began_at=NOW - timedelta(days=100))
    _refused(InvalidArgument, "visited_at", care.visit_time, NOW - timedelta(days=31), NOW, old)


def test_a_pairing_begins_now_or_up_to_a_year_ago_never_later() -> None:
    assert care.began_at(None, NOW) == NOW
    assert care.began_at(NOW - timedelta(days=200), NOW) == NOW - timedelta(days=200)
    _refused(InvalidArgument, "began_at", care.began_at, NOW + timedelta(days=1), NOW)
    _refused(InvalidArgument, "began_at", care.began_at, NOW - timedelta(days=366), NOW)


def test_an_ended_pair_takes_no_visits_and_other_says_what_happened() -> None:
    _refused(FailedPrecondition, "pair_id", care.require_active, replace(PAIR, state="ended", end_reason="moved"))
    assert care.end_note("passed_away", "") == ""
    _refused(InvalidArgument, "note", care.end_note, "other", "")


def test_the_address_shows_only_its_first_characters() -> None:
    masked = care.mask_address("温泉街道银泉名座3栋2单元")
    assert masked.startswith("温泉街道") and "银泉" not in masked and len(masked) == 13
    assert care.mask_address("") == ""


def test_a_missed_period_counts_from_the_pairing_or_a_visit() -> None:
    assert care.after_visit("after_visit_id", "0") == 0
    assert care.after_visit("after_visit_id", "501") == 501
    _refused(InvalidArgument, "after_visit_id", care.after_visit, "after_visit_id", "")
    _refused(InvalidArgument, "after_visit_id", care.after_visit, "after_visit_id", "-3")


def _clock(grace_days: float = 1, **clock: int) -> CarePairWorkflow:
    workflow = CarePairWorkflow(CarePairInput("7", "40", CareTimings(grace_days * DAY)))
    workflow.changed(CareChange(1, "active", 3, 1000.0))
    for name, value in clock.items():
        setattr(workflow.clock, name, value)
    return workflow


def test_the_clock_reminds_the_carers_at_the_cadence_then_the_office_after_the_grace() -> None:
    workflow = _clock()
    assert workflow._next() == ("reminder", 1, 1000 + 3 * DAY)
    workflow.clock.reminded = 1
    assert workflow._next() == ("office", 1, 1000 + 4 * DAY)
    workflow.clock.escalated = 1
    assert workflow._next() == ("reminder", 2, 1000 + 6 * DAY)


def test_a_grace_longer_than_the_cadence_reminds_again_before_the_office_is_told() -> None:
    workflow = _clock(grace_days=5, reminded=1)
    assert workflow._next() == ("reminder", 2, 1000 + 6 * DAY)


def test_a_visit_starts_the_clock_again_and_a_repeated_or_older_change_is_ignored() -> None:
    workflow = _clock(reminded=2, escalated=1)
    workflow.changed(CareChange(3, "active", 3, 1000.0, "501", 1000 + 7 * DAY))
    assert (workflow.clock.reminded, workflow.clock.escalated) == (0, 0)
    assert workflow._next() == ("reminder", 1, 1000 + 10 * DAY)
    workflow.changed(CareChange(2, "ended", 3, 1000.0))  # older: ignored
    assert workflow.clock.state == "active" and workflow.clock.version == 3


def test_the_clock_carried_across_continue_as_new_is_a_copy() -> None:
    carried = CareClock(version=4, state="active", cadence_days=2, started_at=5.0, reminded=1)
    workflow = CarePairWorkflow(CarePairInput("7", "40", clock=carried))
    workflow.clock.reminded = 3
    assert carried.reminded == 1 and workflow._next()[0] == "office"


def test_a_clock_far_behind_reminds_once_for_the_latest_period_not_for_every_one_gone_by() -> None:
    workflow = _clock()  # began at 1000, every 3 days
    workflow._catch_up(1000 + 10 * DAY)  # entered 10 days on: periods 1 to 3 have run out
    assert workflow._next() == ("reminder", 3, 1000 + 9 * DAY)
    workflow._catch_up(1000 + 10 * DAY)  # nothing more to skip
    assert workflow._next() == ("reminder", 3, 1000 + 9 * DAY)
    fresh = _clock()
    fresh._catch_up(1000 + 4 * DAY)  # only the first period has run out: it is acted on as usual
    assert fresh._next() == ("reminder", 1, 1000 + 3 * DAY)
