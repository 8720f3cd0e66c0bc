"""Service commitments (服务承诺) over gRPC against the running platform: a member commits for the year, reads it with
what they did so far; the worker lists who lags; the yearly report (年报) sets what was done against what was
committed; the registry keeps the mid-year check's Schedule."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from linli.registry.v1 import commitments_pb2 as com
from linli.registry.v1 import reports_pb2 as rep
from linli.registry.v1 import reports_pb2_grpc
from temporalio.client import Client

from devstack.client import Api
from services.registry.commitments.contract import SCHEDULE_ID
from services.registry.reports.contract import YearlyReportsInput, yearly_reports_workflow_id
from services.runtime.auth import Role
from tests.e2e.helpers.community import register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.reports import ZONE, make_district, record_service
from workflows.reports import YearlyServiceReports


async def _lagging(api: Api, year: int) -> set[str]:
    worker = api.token(Role.SERVICE, subject="service:commitments-test")
    members: set[str] = set()
    token = ""
    while True:
        page = await api.registry.ListLaggingCommitments(
            com.ListLaggingCommitmentsRequest(year=year, page_size=500, page_token=token), metadata=worker
        )
        members |= {c.commitment.member_id for c in page.commitments}
        token = page.next_page_token
        if not token:
            return members


async def test_a_commitment_is_set_read_with_its_progress_and_set_against_the_yearly_report(
    api: Api, reports: reports_pb2_grpc.ReportServiceStub, temporal: Client
) -> None:
    district = await make_district(api)
    community = district.community_ids[0]
    keen = await register_member(api, community)
    behind = await register_member(api, community)
    now = datetime.now(UTC)
    year = now.astimezone(ZoneInfo(ZONE)).year
    own = api.token(Role.MEMBER, scope=community, subject=keen.id)

    first = com.SetServiceCommitmentRequest(request_id=new_request_id(), member_id=keen.id, year=year, services=5)
    await api.registry.SetServiceCommitment(first, metadata=own)
    # A later call replaces it; a retry of the first answers as the first time and changes nothing.
    replaced = await api.registry.SetServiceCommitment(
        com.SetServiceCommitmentRequest(
            request_id=new_request_id(), member_id=keen.id, year=year, services=2, hours=3.0
        ),
        metadata=own,
    )
    retried = await api.registry.SetServiceCommitment(first, metadata=own)
    assert (replaced.commitment.services, replaced.commitment.hours, retried.commitment.services) == (2, 3.0, 5)
    with pytest.raises(grpc.aio.AioRpcError) as error:  # a member commits only for themselves
        await api.registry.SetServiceCommitment(
            com.SetServiceCommitmentRequest(request_id=new_request_id(), member_id=behind.id, year=year, services=1),
            metadata=own,
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await api.registry.SetServiceCommitment(
        com.SetServiceCommitmentRequest(request_id=new_request_id(), member_id=behind.id, year=year, services=400),
        metadata=api.admin,
    )

    await record_service(api, keen.id, 2.0, now - timedelta(minutes=5))
    await record_service(api, keen.id, 1.5, now - timedelta(minutes=4))
    read = await api.registry.GetServiceCommitment(
        com.GetServiceCommitmentRequest(member_id=keen.id, year=year), metadata=own
    )
    assert (read.commitment.services, read.commitment.hours) == (2, 3.0)
    assert (read.progress.services_done, read.progress.hours_done) == (2, 3.5)
    assert read.progress.standing == com.COMMITMENT_STANDING_MET and 0 < read.progress.year_elapsed < 1
    lagging = await api.registry.GetServiceCommitment(
        com.GetServiceCommitmentRequest(member_id=behind.id, year=year), metadata=api.admin
    )
    assert lagging.progress.standing == com.COMMITMENT_STANDING_LAGGING
    found = await _lagging(api, year)
    assert behind.id in found and keen.id not in found

    await temporal.execute_workflow(
        YearlyServiceReports.run,
        YearlyReportsInput(org_unit_id=district.district_id, year=year, timezone=ZONE),
        id=f"{yearly_reports_workflow_id(district.district_id, year)}-{uuid.uuid4().hex[:6]}",
        task_queue="linli",
    )
    kept = await reports.GetYearlyServiceReport(
        rep.GetYearlyServiceReportRequest(member_id=keen.id, year=year), metadata=own
    )
    assert (kept.report.services, kept.report.hours) == (2, 3.5)
    assert (kept.report.commitment.services, kept.report.commitment.hours, kept.report.commitment_met) == (2, 3.0, True)
    missed = await reports.GetYearlyServiceReport(
        rep.GetYearlyServiceReportRequest(member_id=behind.id, year=year), metadata=api.admin
    )
    assert (missed.report.services, missed.report.commitment.services, missed.report.commitment_met) == (0, 400, False)
    exported = [
        chunk.csv
        async for chunk in reports.ExportYearlyServiceReports(
            rep.ExportYearlyServiceReportsRequest(org_unit_id=community, year=year), metadata=api.admin
        )
    ]
    rows = {r["member_id"]: r for r in csv.DictReader(io.StringIO("".join(exported)))}
    assert (rows[keen.id]["committed"], rows[keen.id]["commitment_met"]) == ("services=2;hours=3", "yes")
    assert (rows[behind.id]["committed"], rows[behind.id]["commitment_met"]) == ("services=400;hours=0", "no")


async def test_bad_commitments_are_refused_naming_the_field(api: Api) -> None:
    district = await make_district(api)
    member = await register_member(api, district.community_ids[0])
    year = datetime.now(ZoneInfo(ZONE)).year
    for request, field in [
        (com.SetServiceCommitmentRequest(member_id=member.id, year=year), "services"),
        (com.SetServiceCommitmentRequest(member_id=member.id, year=year - 1, services=3), "year"),
        (com.SetServiceCommitmentRequest(member_id=member.id, year=year, hours=-1), "hours"),
        (com.SetServiceCommitmentRequest(member_id=member.id, year=year, hours=0.001), "services"),  # no hour at all
    ]:
        request.request_id = new_request_id()
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await api.registry.SetServiceCommitment(request, metadata=api.admin)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (error.value.details() or "").startswith(f"{field}: ")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.GetServiceCommitment(
            com.GetServiceCommitmentRequest(member_id=member.id, year=year), metadata=api.admin
        )
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


async def test_the_registry_keeps_the_mid_year_check_schedule(temporal: Client) -> None:
    described = await temporal.get_schedule_handle(SCHEDULE_ID).describe()
    [calendar] = described.schedule.spec.calendars
    assert (calendar.month[0].start, calendar.day_of_month[0].start, calendar.hour[0].start) == (7, 1, 9)
    assert described.schedule.spec.time_zone_name == ZONE
