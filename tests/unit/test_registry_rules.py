"""Registry rules with no I/O: where units may move, days, service hours, periods, party organisations."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry import domain
from services.registry.domain import OrgUnit, check_parent
from services.runtime.errors import InvalidArgument

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def unit(unit_id: int, kind: str, *ancestors: int) -> OrgUnit:
    return OrgUnit(unit_id, ancestors[-1] if ancestors else None, kind, f"u{unit_id}", ancestors, NOW)


def test_a_grid_moves_to_another_community_but_not_below_itself_or_under_a_street() -> None:
    grid = unit(5, "grid", 1, 2, 3, 4)
    domain.check_move(grid, unit(9, "community", 1, 2, 3))
    for target, reason in [
        (unit(4, "community", 1, 2, 3), "parent already"),
        (unit(6, "building", 1, 2, 3, 4, 5), "under itself"),
        (unit(3, "street", 1, 2), "cannot hang under a street"),
        (grid, "under itself"),
    ]:
        with pytest.raises(InvalidArgument, match=reason) as error:
            domain.check_move(grid, target)
        assert error.value.field == "new_parent_id"


def test_paths_list_ids_root_first() -> None:
    assert unit(5, "grid", 1, 2, 3, 4).path == "1.2.3.4.5"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_every_day_reads_back_from_its_iso_form(day: date) -> None:
    assert domain.parse_day("start_date", day.isoformat()) == day


@pytest.mark.parametrize("text", ["2026-02-30", "20260101", "2026-1-1", "next week", "2026-01-01T00:00"])
def test_anything_but_a_real_yyyy_mm_dd_day_is_refused(text: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        domain.parse_day("start_date", text)
    assert error.value.field == "start_date"


def test_an_optional_day_may_be_empty() -> None:
    assert domain.parse_day("end_date", " ", required=False) is None


@given(st.floats(min_value=0, max_value=domain.MAX_SERVICE_HOURS))
def test_service_hours_within_range_are_kept_to_the_hundredth(hours: float) -> None:
    assert domain.service_hours("hours", hours) == round(hours, 2)


@pytest.mark.parametrize("hours", [-0.01, 200.5, float("inf"), float("nan")])
def test_service_hours_out_of_range_are_refused(hours: float) -> None:
    with pytest.raises(InvalidArgument, match="between 0 and 200"):
        domain.service_hours("hours", hours)


def test_a_period_must_end_after_it_starts() -> None:
    domain.check_period(None, NOW)
    domain.check_period(datetime(2026, 1, 1, tzinfo=UTC), NOW)
    with pytest.raises(InvalidArgument) as error:
        domain.check_period(NOW, NOW)
    assert error.value.field == "end_time"


@pytest.mark.parametrize(
    ("kind", "unit_kind", "focus", "field"),
    [
        ("grid_branch", "community", "", "org_unit_id"),
        ("building_group", "grid", "", "org_unit_id"),
        ("special_branch", "building", "elder care", "org_unit_id"),
        ("special_branch", "community", "", "focus"),
        ("temporary_branch", "building", "", "focus"),
    ],
)
def test_party_organisations_hang_on_their_own_level_and_branches_name_their_focus(
    kind: str, unit_kind: str, focus: str, field: str
) -> None:
    with pytest.raises(InvalidArgument) as error:
        domain.check_party_organisation(kind, unit_kind, focus)
    assert error.value.field == field


def test_every_party_organisation_kind_has_a_level() -> None:
    assert set(domain.PARTY_ORG_UNITS) == set(domain.PARTY_ORG_KINDS.values())
    domain.check_party_organisation("street_working_committee", "street", "")
    domain.check_party_organisation("temporary_branch", "building", "端午邻里节")


def ltree_key(path: str) -> tuple[bytes, ...]:
    """ltree's order in Python: label by label as bytes (a prefix first), then the shorter path first."""
    return tuple(label.encode() for label in path.split("."))


id_paths = st.lists(st.integers(min_value=1, max_value=10**6).map(str), min_size=1, max_size=6).map(".".join)


@given(id_paths, id_paths)
def test_a_subtree_is_exactly_the_range_from_its_path_to_its_end(unit_path: str, other: str) -> None:
    from services.registry.store import subtree_end

    inside = other == unit_path or other.startswith(unit_path + ".")
    in_range = ltree_key(unit_path) <= ltree_key(other) < ltree_key(subtree_end(unit_path))
    assert in_range == inside


@given(id_paths, id_paths, id_paths)
def test_every_descendant_lies_in_the_range_and_no_sibling_does(unit_path: str, below: str, sibling_tail: str) -> None:
    from services.registry.store import subtree_end

    start, end = ltree_key(unit_path), ltree_key(subtree_end(unit_path))
    assert start < ltree_key(f"{unit_path}.{below}") < end
    # A sibling whose id starts with the unit's own id, e.g. 20 beside 2.
    parent, _, last = unit_path.rpartition(".")
    sibling = f"{parent}.{last}{sibling_tail.split('.')[0]}" if parent else f"{last}{sibling_tail.split('.')[0]}"
    assert not start <= ltree_key(sibling) < end


@pytest.mark.parametrize(
    ("kind", "parent"),
    [("province", None), ("city", None), ("city", "province"), ("community", "street"), ("building", "grid")],
)
def test_units_hang_under_the_level_above(kind: str, parent: str | None) -> None:
    check_parent(kind, parent)


@pytest.mark.parametrize(("kind", "parent"), [("community", "district"), ("street", None), ("grid", "building")])
def test_units_cannot_skip_or_invert_levels(kind: str, parent: str | None) -> None:
    with pytest.raises(InvalidArgument) as error:
        check_parent(kind, parent)
    assert error.value.field == "parent_id"
