"""ImportOrgTree's rules with no I/O: what a file plans on a tree, what is there already, and every bad row by its
line and field; and ./linli import-org's reading of YAML and CSV files with their lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from linli.registry.v1 import registry_pb2 as pb

from devstack.import_org import FileError, read_csv, read_file, read_yaml
from services.registry.imports.org_tree import ExistingUnit, Tree, plan_import
from services.runtime.errors import InvalidArgument, InvalidRows

EXAMPLE = Path(__file__).resolve().parents[2] / "devstack" / "org_trees" / "jintai.yaml"


def request(
    *units: tuple[int, str, int], orgs: tuple[tuple[int, str, int, str, str], ...] = ()
) -> pb.ImportOrgTreeRequest:
    made = pb.ImportOrgTreeRequest(request_id="r")
    for line, path, kind in units:
        made.units.add(line=line, path=path.split("/"), kind=kind)
    for line, path, kind, name, focus in orgs:
        made.party_organisations.add(
            line=line, unit_path=path.split("/") if path else [], kind=kind, name=name, focus=focus
        )
    return made


def violations(raised: pytest.ExceptionInfo[InvalidRows]) -> list[tuple[str, str]]:
    return raised.value.violations


def test_a_district_is_planned_parents_first_and_counted() -> None:
    plan = plan_import(
        request(
            (4, "区/街道/社区", pb.ORG_UNIT_KIND_COMMUNITY),
            (2, "区", pb.ORG_UNIT_KIND_DISTRICT),
            (3, "区/街道", pb.ORG_UNIT_KIND_STREET),
            orgs=((5, "区/街道", pb.PARTY_ORGANISATION_KIND_STREET_WORKING_COMMITTEE, "大工委", ""),),
        ),
        Tree("city"),
    )
    assert plan.units == [(("区",), "district"), (("区", "街道"), "street"), (("区", "街道", "社区"), "community")]
    assert plan.party_orgs == [(("区", "街道"), "street_working_committee", "大工委", "")]


def test_what_the_tree_holds_already_is_unchanged_and_planned_again_is_nothing() -> None:
    tree = Tree("city", units={("区",): ExistingUnit(7, "district", False)}, party_orgs={(("区",), "x"): "grid_branch"})
    plan = plan_import(request((2, "区", pb.ORG_UNIT_KIND_DISTRICT), (3, "区/街道", pb.ORG_UNIT_KIND_STREET)), tree)
    assert (plan.units, plan.units_unchanged) == ([(("区", "街道"), "street")], 1)


def test_every_bad_row_is_named_by_its_line_and_field() -> None:
    with pytest.raises(InvalidRows) as raised:
        plan_import(
            request(
                (2, "区", pb.ORG_UNIT_KIND_DISTRICT),
                (3, "区/社区", pb.ORG_UNIT_KIND_COMMUNITY),  # a community cannot hang under a district
                (4, "区", pb.ORG_UNIT_KIND_DISTRICT),  # twice
                (5, "无/街道", pb.ORG_UNIT_KIND_STREET),  # nothing above it
                (6, "区/x", 0),  # no kind
                orgs=((7, "区", pb.PARTY_ORGANISATION_KIND_GRID_BRANCH, "支部", ""),),  # a grid branch on a district
            ),
            Tree("city"),
        )
    assert violations(raised) == [
        ("units[2].path", "line 4: names the same unit as line 2"),
        ("units[4].kind", "line 6: must be one of the org tree's levels"),
        ("units[1].kind", "line 3: a community cannot hang under district"),
        ("units[3].path", "line 5: nothing above it: 无 is neither in the file nor the tree"),
        ("party_organisations[0].unit_path", "line 7: a grid_branch hangs on a grid, not a district"),
    ]
    assert raised.value.code.name == "INVALID_ARGUMENT" and "5 bad rows" in raised.value.message


def test_a_unit_of_another_kind_or_closed_in_the_tree_is_a_bad_row() -> None:
    tree = Tree("city", units={("区",): ExistingUnit(7, "street", False), ("旧区",): ExistingUnit(8, "district", True)})
    with pytest.raises(InvalidRows) as raised:
        plan_import(request((2, "区", pb.ORG_UNIT_KIND_DISTRICT), (3, "旧区", pb.ORG_UNIT_KIND_DISTRICT)), tree)
    assert [f for f, _ in violations(raised)] == ["units[0].kind", "units[1].path"]


def test_a_second_standing_committee_on_a_unit_is_a_bad_row_but_special_branches_are_many() -> None:
    tree = Tree("street", party_orgs={((), "大工委"): "street_working_committee"})
    special = pb.PARTY_ORGANISATION_KIND_SPECIAL_BRANCH
    plan = plan_import(request(orgs=((2, "", special, "甲", "法律"), (3, "", special, "乙", "养老"))), tree)
    assert len(plan.party_orgs) == 2
    with pytest.raises(InvalidRows) as raised:
        plan_import(request(orgs=((2, "", pb.PARTY_ORGANISATION_KIND_STREET_WORKING_COMMITTEE, "新", ""),)), tree)
    assert violations(raised) == [
        ("party_organisations[0].kind", "line 2: the unit has a street_working_committee already")
    ]


def test_an_empty_import_is_refused_naming_units() -> None:
    with pytest.raises(InvalidArgument) as raised:
        plan_import(pb.ImportOrgTreeRequest(request_id="r"), Tree(None))
    assert raised.value.field == "units"


def test_the_example_district_reads_with_lines_and_plans_every_row() -> None:
    made = pb.ImportOrgTreeRequest(request_id="r")
    read_file(EXAMPLE, made)
    plan = plan_import(made, Tree("city"))
    assert (len(plan.units), len(plan.party_orgs), len(plan.teams)) == (11, 13, 8)
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    assert all(u.path[-1] in lines[u.line - 1] for u in made.units)


def test_a_csv_row_keeps_its_line_and_an_unknown_record_is_refused() -> None:
    made = pb.ImportOrgTreeRequest(request_id="r")
    read_csv("record,path,kind,name,focus\nunit,区,district,,\nteam,区,party_member,队,\n", made)
    assert (made.units[0].line, list(made.units[0].path), made.teams[0].line) == (2, ["区"], 3)
    with pytest.raises(FileError, match="line 2: record"):
        read_csv("record,path,kind\nmember,区,district\n", pb.ImportOrgTreeRequest())
    with pytest.raises(FileError, match="line 1"):
        read_yaml("- a list", pb.ImportOrgTreeRequest())
