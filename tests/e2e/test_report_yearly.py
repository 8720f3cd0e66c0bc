"""The yearly service report per member (年报): produced for every member of a district, and every team volunteer
who is not a member, apart, stored once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import reports_pb2 as rep
from linli.registry.v1 import reports_pb2_grpc
from temporalio.client import Client

from devstack.client import Api
from services.registry.reports.contract import YearlyReportsInput, yearly_reports_workflow_id
from services.runtime.auth import Role
from tests.e2e.helpers.community import register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.reports import ZONE, make_district, record_service
from workflows.reports import YearlyServiceReports


async def test_every_member_gets_a_yearly_report_once(
    api: Api, reports: reports_pb2_grpc.ReportServiceStub, temporal: Client
) -> None:
    district = await make_district(api)
    a = await register_member(api, district.community_ids[0])
    b = await register_member(api, district.community_ids[1])
    now = datetime.now(UTC)
    await record_service(api, a.id, 2.0, now - timedelta(minutes=5))
    await record_service(api, a.id, 1.5, now - timedelta(minutes=4))
    team = await api.registry.CreateTeam(
        reg.CreateTeamRequest(
            request_id=new_request_id(),
            org_unit_id=district.community_ids[1],
            kind=reg.TEAM_KIND_TRADE_UNION_COORDINATION,
            name="工会协调队",
        ),
        metadata=api.admin,
    )
    volunteer = (
        await api.registry.AddTeamMember(
            reg.AddTeamMemberRequest(
                request_id=new_request_id(),
                team_id=team.team.id,
                volunteer=reg.ResidentVolunteer(name="严秋菊", phone="13800006666"),
            ),
            metadata=api.admin,
        )
    ).team_member
    await api.registry.AddTeamMember(  # a member on the team has the member's report only
        reg.AddTeamMemberRequest(request_id=new_request_id(), team_id=team.team.id, member_id=b.id),
        metadata=api.admin,
    )
    await api.registry.RecordService(
        reg.RecordServiceRequest(
            request_id=new_request_id(),
            team_member_id=volunteer.id,
            kind=reg.SERVICE_KIND_ALERT,
            source_id=uuid.uuid4().hex[:8],
            category="fall",
            hours=1.25,
        ),
        metadata=api.admin,
    )
    year = now.astimezone(ZoneInfo(ZONE)).year

    async def produce() -> int:
        return await temporal.execute_workflow(
            YearlyServiceReports.run,
            YearlyReportsInput(org_unit_id=district.district_id, year=year, timezone=ZONE),
            id=f"{yearly_reports_workflow_id(district.district_id, year)}-{uuid.uuid4().hex[:6]}",
            task_queue="linli",
        )

    assert await produce() == 3  # two members and the team volunteer
    assert await produce() == 0  # stored once: a second run adds nothing
    theirs = await reports.GetYearlyServiceReport(
        rep.GetYearlyServiceReportRequest(team_member_id=volunteer.id, year=year),
        metadata=api.token(Role.STAFF, scope=district.community_ids[1], subject="staff-yan"),
    )
    assert (theirs.report.member_id, theirs.report.team_member_id) == ("", volunteer.id)
    assert (theirs.report.services, theirs.report.hours) == (1, 1.25)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await reports.GetYearlyServiceReport(
            rep.GetYearlyServiceReportRequest(team_member_id=volunteer.id, year=year),
            metadata=api.token(Role.STAFF, scope=district.community_ids[0], subject="staff-other"),
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    own = await reports.GetYearlyServiceReport(
        rep.GetYearlyServiceReportRequest(member_id=a.id, year=year),
        metadata=api.token(Role.MEMBER, scope=district.community_ids[0], subject=a.id),
    )
    assert (own.report.services, own.report.hours, own.report.year) == (2, 3.5, year)
    idle = await reports.GetYearlyServiceReport(
        rep.GetYearlyServiceReportRequest(member_id=b.id, year=year), metadata=api.admin
    )
    assert (idle.report.services, idle.report.hours) == (0, 0.0)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await reports.GetYearlyServiceReport(
            rep.GetYearlyServiceReportRequest(member_id=a.id, year=year),
            metadata=api.token(Role.MEMBER, scope=district.community_ids[1], subject=b.id),
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await reports.GetYearlyServiceReport(
            rep.GetYearlyServiceReportRequest(member_id=a.id, year=year - 1), metadata=api.admin
        )
    assert error.value.code() == grpc.StatusCode.NOT_FOUND

    # Through the API: a year that has not ended is refused; last year's reports are produced (with no services).
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await reports.ProduceYearlyServiceReports(
            rep.ProduceYearlyServiceReportsRequest(
                request_id=new_request_id(), org_unit_id=district.district_id, year=year
            ),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.value.details() or "").startswith("year: ")
    produced = await reports.ProduceYearlyServiceReports(
        rep.ProduceYearlyServiceReportsRequest(
            request_id=new_request_id(), org_unit_id=district.district_id, year=year - 1
        ),
        metadata=api.admin,
    )
    assert await temporal.get_workflow_handle(produced.workflow_id).result() == 3
    last_year = await reports.GetYearlyServiceReport(
        rep.GetYearlyServiceReportRequest(member_id=a.id, year=year - 1), metadata=api.admin
    )
    assert (last_year.report.services, last_year.report.year) == (0, year - 1)
