"""Reading the party-member information system's CSV export into ImportMembers rows."""

from __future__ import annotations

import io

import pytest
from linli.registry.v1 import registry_pb2 as reg

from services.registry.imports.member_csv import CsvError, read_rows

HEADER = "id_number,name,workplace_org,residence_unit_id,skills,tags,management_level,phone\n"


def test_columns_in_any_order_with_lists_split_on_semicolons() -> None:
    text = (
        "\ufeff"
        + HEADER
        + '11010519491231002X,张三,"宝鸡市税务局党委",42,legal; Medical,书法;舞蹈,district,13912345678\n'
    )
    [(line, row)] = list(read_rows(io.StringIO(text)))
    assert line == 2
    assert (row.name, row.workplace_org, row.residence_unit_id) == ("张三", "宝鸡市税务局党委", "42")
    assert list(row.skills) == [reg.SKILL_LEGAL, reg.SKILL_MEDICAL] and list(row.tags) == ["书法", "舞蹈"]
    assert row.management_level == reg.MANAGEMENT_LEVEL_DISTRICT and row.id_number == "11010519491231002X"


def test_unknown_values_are_passed_on_for_the_registry_to_reject_by_row() -> None:
    text = HEADER + "1,a,b,7,juggling,,boss,1\n2,c,d,7,,,,2\n"
    rows = [row for _, row in read_rows(io.StringIO(text))]
    assert list(rows[0].skills) == [-1] and rows[0].management_level == -1
    assert rows[1].management_level == reg.MANAGEMENT_LEVEL_UNSPECIFIED


def test_a_header_without_a_required_column_fails_the_file() -> None:
    with pytest.raises(CsvError, match="phone"):
        list(read_rows(io.StringIO("id_number,name,workplace_org,residence_unit_id,skills,tags,management_level\n")))
