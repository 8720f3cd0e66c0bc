"""Personal data paths of the registry, end to end: every look-up by ID number or phone is audited (never the value),
a member on a team is stored and listed with a masked name, and the weekly export is audited before it reads and
hands a spreadsheet no formula."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import asyncpg
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import reports_pb2 as rep
from linli.registry.v1 import reports_pb2_grpc

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_id_number, new_request_id


async def fetch(stack: LocalStack, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(stack.database_url)
    try:
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_every_lookup_is_audited_with_the_kind_of_key_and_whom_it_found_never_the_value(
    api: Api, stack: LocalStack
) -> None:
    community = await make_community(api)
    id_number = new_id_number()
    registered = (
        await api.registry.RegisterMember(
            reg.RegisterMemberRequest(
                request_id=new_request_id(),
                name="韩梅",
                workplace_org="宝鸡市统计局党组",
                residence_unit_id=community.grid_id,
                management_level=reg.MANAGEMENT_LEVEL_CITY,
                phone="13712340077",
                id_number=id_number,
            ),
            metadata=api.admin,
        )
    ).member
    hotline = api.token(Role.SYSTEM, scope=community.street_id, subject="hotline-lookup")
    await api.registry.LookupMember(reg.LookupMemberRequest(phone="137 1234 0077"), metadata=hotline)
    await api.registry.LookupMember(reg.LookupMemberRequest(id_number=id_number), metadata=hotline)
    await api.registry.LookupMember(reg.LookupMemberRequest(phone="13700000000"), metadata=hotline)

    rows = await fetch(
        stack,
        """select actor_role, subject_kind, subject_id, detail from registry.audit_log
           where actor = 'hotline-lookup' and action = 'lookup_member' order by id""",
    )
    assert [(r["actor_role"], r["subject_id"]) for r in rows] == [
        ("system", "phone"),
        ("system", "id_number"),
        ("system", "phone"),
    ]
    details = [r["detail"] for r in rows]
    assert [d["found"] for d in details] == [1, 1, 0]
    assert details[0]["member_ids"] == [int(registered.id)]
    assert not any("13712340077" in json.dumps(d) or id_number in json.dumps(d) for d in details)


async def test_a_member_on_a_team_is_stored_and_listed_with_a_masked_name(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    member = await register_member(api, community.grid_id, name="赵敏")
    team = (
        await api.registry.CreateTeam(
            reg.CreateTeamRequest(
                request_id=new_request_id(),
                org_unit_id=community.community_id,
                kind=reg.TEAM_KIND_PARTY_MEMBER,
                name="党员先锋队",
            ),
            metadata=api.admin,
        )
    ).team
    added = await api.registry.AddTeamMember(
        reg.AddTeamMemberRequest(request_id=new_request_id(), team_id=team.id, member_id=member.id), metadata=api.admin
    )
    assert added.team_member.name == "赵*"
    listed = await api.registry.ListTeamMembers(reg.ListTeamMembersRequest(team_id=team.id), metadata=api.admin)
    assert [p.name for p in listed.team_members] == ["赵*"]
    stored = await fetch(stack, "select name_masked from registry.team_members where team_id = $1", int(team.id))
    assert [r["name_masked"] for r in stored] == ["赵*"]


async def test_the_weekly_export_is_audited_before_it_reads_and_a_unit_named_like_a_formula_stays_text(
    api: Api, stack: LocalStack, reports: reports_pb2_grpc.ReportServiceStub
) -> None:
    formula = "=cmd|' /C calc'!A0"
    community = await make_community(api)
    await api.registry.RenameOrgUnit(
        reg.RenameOrgUnitRequest(request_id=new_request_id(), org_unit_id=community.street_id, name=formula),
        metadata=api.admin,
    )
    week = "2026-06-15"
    await reports.StoreWeeklyReport(
        rep.StoreWeeklyReportRequest(
            request_id=new_request_id(),
            report=rep.WeeklyReport(org_unit_id=community.street_id, org_unit_name=formula, week_start=week),
        ),
        metadata=api.token(Role.SERVICE, subject="service:worker"),
    )
    staff = api.token(Role.STAFF, scope=community.street_id, subject="staff-weekly-export")
    exported = await reports.ExportWeeklyReports(
        rep.ExportWeeklyReportsRequest(org_unit_id=community.street_id, week_start=week), metadata=staff
    )
    [row] = list(csv.DictReader(io.StringIO(exported.csv)))
    assert row["org_unit_name"] == "'" + formula

    audited = await fetch(
        stack,
        """select subject_kind, subject_id, detail from registry.audit_log
           where actor = 'staff-weekly-export' and action = 'export_weekly_reports'""",
    )
    assert [(r["subject_kind"], r["subject_id"], r["detail"]["week_start"]) for r in audited] == [
        ("org_unit", community.street_id, week)
    ]
