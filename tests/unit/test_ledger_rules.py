"""The ledger's and the audit log's rules with no I/O: which records a query asks for, page positions, audit filters,
the CSV rows of records and yearly reports, and the export command's weeks, dates and progress bar."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from linli.registry.v1 import registry_pb2 as reg

from devstack.export import ExportError, Progress, _choice, _without_header, member_rows, mondays, parse_moment
from services.registry.domain import OrgUnit, ServiceRecord
from services.registry.reports.domain import yearly_csv
from services.registry.service_records.exports import records_csv
from services.registry.service_records.servicer import keyset_position, record_query_key
from services.registry.service_records.store import ExportedRecord, RecordQuery
from services.runtime.audit import audit_filter
from services.runtime.errors import InvalidArgument

SHANGHAI = ZoneInfo("Asia/Shanghai")
STREET = OrgUnit(id=7, parent_id=3, kind="street", name="温泉街道", ancestor_ids=(1, 3), created_at=datetime.now(UTC))


def test_a_query_writes_only_the_predicates_it_asks_for_numbered_from_where_it_starts() -> None:
    assert RecordQuery().where() == ("true", [])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    where, args = RecordQuery(subtree=STREET, kind="wish", start=start).where(first=3)
    assert where == "s.residence_path ~ $3::public.lquery and s.kind = $4 and s.served_at >= $5"
    assert args == ["*.7.*", "wish", start]


def test_a_page_token_belongs_to_its_query() -> None:
    one = record_query_key(RecordQuery(member_id=5))
    assert one != record_query_key(RecordQuery(member_id=6))
    assert one != record_query_key(RecordQuery(member_id=5, kind="alert"))


@pytest.mark.parametrize("key", [["2026-01-01T00:00:00+00:00"], ["not a time", 3], ["2026-01-01T00:00:00", "3"], [1]])
def test_a_page_position_of_another_shape_is_refused_naming_the_token(key: list[object]) -> None:
    with pytest.raises(InvalidArgument) as error:
        keyset_position(key)
    assert error.value.field == "page_token"


def test_a_page_position_is_the_last_records_time_and_id() -> None:
    assert keyset_position(None) is None
    assert keyset_position(["2026-01-01T08:00:00+00:00", 42]) == (datetime(2026, 1, 1, 8, tzinfo=UTC), 42)


def test_an_audit_filter_names_what_is_wrong() -> None:
    with pytest.raises(InvalidArgument) as error:
        audit_filter("", "", "", "42", None, None)
    assert error.value.field == "object_id"
    with pytest.raises(InvalidArgument) as error:
        audit_filter("", "", "", "", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    assert error.value.field == "end_time"
    with pytest.raises(InvalidArgument) as error:
        audit_filter("a" * 201, "", "", "", None, None)
    assert error.value.field == "actor"
    assert (
        audit_filter(" admin ", "", "member", "42", None, None).query()
        != audit_filter("admin", "", "member", "43", None, None).query()
    )


def test_records_csv_neutralises_formulas_and_writes_times_in_utc() -> None:
    served = datetime(2026, 6, 15, 9, 30, tzinfo=SHANGHAI)
    record = ServiceRecord(1, 5, "wish", "42", "=cmd|' /C calc'!A0", 1.5, served, "@SUM(A1)", served)
    text = records_csv([ExportedRecord(record, "李红", 9)], header=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == [
        {
            "id": "1",
            "member_id": "5",
            "member_name": "李红",
            "residence_unit_id": "9",
            "kind": "wish",
            "source_id": "42",
            "category": "'=cmd|' /C calc'!A0",
            "hours": "1.5",
            "served_at": "2026-06-15T01:30:00+00:00",
            "note": "'@SUM(A1)",
            "record_time": "2026-06-15T01:30:00+00:00",
            "team_id": "",
            "team_member_id": "",
        }
    ]
    assert records_csv([], header=False) == ""


def test_a_team_volunteers_record_is_exported_without_a_member_and_with_its_team_last() -> None:
    served = datetime(2026, 6, 15, 9, 30, tzinfo=SHANGHAI)
    record = ServiceRecord(2, None, "activity", "7", "", 2.0, served, "", served, team_id=3, team_member_id=11)
    row = next(csv.DictReader(io.StringIO(records_csv([ExportedRecord(record, "", 9)], header=True))))
    assert (row["member_id"], row["member_name"], row["residence_unit_id"]) == ("", "", "9")
    assert list(row)[-2:] == ["team_id", "team_member_id"] and (row["team_id"], row["team_member_id"]) == ("3", "11")


def test_yearly_csv_puts_the_totals_by_kind_and_category_in_one_cell() -> None:
    report = {
        "year": 2025,
        "services": 3,
        "hours": 4.5,
        "totals": [
            {"kind": "SERVICE_KIND_WISH", "category": "culture", "count": 2, "hours": 3.5},
            {"kind": "SERVICE_KIND_ALERT", "count": 1, "hours": 1},
        ],
    }
    committed = {**report, "commitment": {"services": 12, "hours": 40.0, "post_id": "7"}, "commitment_met": False}
    rows = list(csv.reader(io.StringIO(yearly_csv([(5, "+李红", 3, report), (6, "王芳", 3, committed)], header=True))))
    assert rows[1] == ["5", "'+李红", "3", "2025", "3", "4.5", "wish/culture=2:3.5h;alert=1:1h", "", ""]
    # A member who made a service commitment (服务承诺): what they committed, and that the year's work fell short.
    assert rows[2][-2:] == ["services=12;hours=40;post=7", "no"]


def test_the_weeks_of_a_period_are_the_mondays_that_begin_in_it() -> None:
    assert mondays(date(2026, 6, 15), date(2026, 6, 29)) == [date(2026, 6, 15), date(2026, 6, 22)]
    assert mondays(date(2026, 6, 16), date(2026, 6, 23)) == [date(2026, 6, 22)]
    assert mondays(date(2026, 6, 16), date(2026, 6, 22)) == []


def test_a_date_on_the_command_line_is_its_midnight_in_the_zone() -> None:
    assert parse_moment("2026-06-15", SHANGHAI, "--from") == datetime(2026, 6, 15, tzinfo=SHANGHAI)
    assert parse_moment("2026-06-15T08:00+00:00", SHANGHAI, "--to") == datetime(2026, 6, 15, 8, tzinfo=UTC)
    with pytest.raises(ExportError, match="--from: '15/06/2026'"):
        parse_moment("15/06/2026", SHANGHAI, "--from")


def test_a_kind_is_named_as_stored_and_a_wrong_one_lists_the_right_ones() -> None:
    assert _choice(reg.ServiceKind, "service_post", "--kind") == reg.SERVICE_KIND_SERVICE_POST
    assert _choice(reg.ServiceKind, None, "--kind") is None
    with pytest.raises(ExportError, match="wish, alert, activity, service_post, other"):
        _choice(reg.ServiceKind, "nap", "--kind")


def test_the_progress_bar_counts_rows_and_of_how_many_when_known() -> None:
    out = io.StringIO()
    progress = Progress(out, "services 7")
    progress.advance(1000)
    assert progress.line() == "services 7: 1,000 rows"
    progress.advance(500, total=2000)
    assert progress.line() == f"services 7: [{'#' * 22}{'.' * 8}] 1,500 of 2,000 rows"  # 30 wide, 3/4 done
    progress.done()
    assert out.getvalue().endswith("\r" + progress.line() + "\n")
    assert _without_header("a,b\n1,2\n") == "1,2\n" and _without_header("a,b") == ""


def test_the_members_csv_names_skills_and_levels_and_neutralises_a_formula_in_a_name() -> None:
    member = reg.Member(
        id="5",
        name="=1+1",
        skills=[reg.SKILL_MEDICAL, reg.SKILL_LEGAL],
        management_level=reg.MANAGEMENT_LEVEL_CITY,
        phone="139****5678",
        id_number="110105********123X",
        status=reg.MEMBER_STATUS_ACTIVE,
    )
    row = next(csv.DictReader(io.StringIO(member_rows([member], header=True))))
    assert (row["name"], row["skills"], row["management_level"], row["status"]) == (
        "'=1+1",
        "medical;legal",
        "city",
        "active",
    )
    assert (row["phone"], row["id_number"], row["register_time"]) == ("139****5678", "110105********123X", "")
