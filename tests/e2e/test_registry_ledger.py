"""The ledger (纪实) over gRPC and from the command line: a member's and a subtree's service records, filtered by kind
and period and paged; the records' and the yearly reports' CSV exports, audited; `./linli export` writing the file."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from linli.registry.v1 import audit_pb2, reports_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import reports_pb2 as rep

from devstack.client import Api
from devstack.stack import REPO, LocalStack
from services.runtime.auth import Role
from tests.e2e.helpers.community import Community, make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import stamp
from tests.e2e.test_registry_service_records import record

NOW = datetime.now(UTC).replace(microsecond=0)


async def _ledger(api: Api) -> tuple[Community, reg.Member, reg.Member]:
    """Two members of a fresh community: the first served three times (wish, alert, other), the second once (wish)."""
    community = await make_community(api)
    first = await register_member(api, community.grid_id, name="李红")
    second = await register_member(api, community.grid_id, name="张伟")
    service = api.token(Role.SERVICE, subject="service:worker")
    for days, kind in ((3, reg.SERVICE_KIND_WISH), (2, reg.SERVICE_KIND_ALERT), (1, reg.SERVICE_KIND_OTHER)):
        await record(api, first.id, f"s{days}", kind=kind, served_at=NOW - timedelta(days=days), metadata=service)
    await record(api, second.id, "w1", served_at=NOW - timedelta(hours=12), metadata=service)
    return community, first, second


async def _pages(api: Api, request: reg.ListServiceRecordsRequest, metadata: object) -> list[list[str]]:
    pages: list[list[str]] = []
    while True:
        page = await api.registry.ListServiceRecords(request, metadata=metadata)
        pages.append([r.source_id for r in page.records])
        if not page.next_page_token:
            return pages
        request.page_token = page.next_page_token


async def test_a_members_and_a_communitys_records_are_listed_newest_first_by_kind_and_period(api: Api) -> None:
    community, first, second = await _ledger(api)
    by_member = reg.ListServiceRecordsRequest(member_id=first.id, page_size=2)
    assert await _pages(api, by_member, api.admin) == [["s1", "s2"], ["s3"]]
    wishes = reg.ListServiceRecordsRequest(org_unit_id=community.community_id, kind=reg.SERVICE_KIND_WISH)
    assert await _pages(api, wishes, api.admin) == [["w1", "s3"]]
    recent = reg.ListServiceRecordsRequest(
        org_unit_id=community.street_id, start_time=stamp(NOW - timedelta(days=2, hours=1)), end_time=stamp(NOW)
    )
    assert await _pages(api, recent, api.admin) == [["w1", "s1", "s2"]]
    # A token belongs to its query.
    first_page = reg.ListServiceRecordsRequest(member_id=first.id, page_size=2)
    token = (await api.registry.ListServiceRecords(first_page, metadata=api.admin)).next_page_token
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.ListServiceRecords(
            reg.ListServiceRecordsRequest(member_id=second.id, page_token=token), metadata=api.admin
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in (error.value.details() or "")


async def test_a_member_lists_only_their_own_records_and_staff_only_in_scope(api: Api) -> None:
    community, first, second = await _ledger(api)
    own = api.token(Role.MEMBER, scope=community.community_id, subject=first.id)
    assert await _pages(api, reg.ListServiceRecordsRequest(member_id=first.id), own) == [["s1", "s2", "s3"]]
    elsewhere = api.token(Role.STAFF, scope=(await make_community(api)).community_id, subject="staff-elsewhere")
    for request, caller in (
        (reg.ListServiceRecordsRequest(member_id=second.id), own),
        (reg.ListServiceRecordsRequest(org_unit_id=community.community_id), own),
        (reg.ListServiceRecordsRequest(org_unit_id=community.community_id), elsewhere),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await api.registry.ListServiceRecords(request, metadata=caller)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_record_stays_where_it_was_given_after_the_member_moves(api: Api) -> None:
    community, _, second = await _ledger(api)
    elsewhere = await make_community(api)
    await api.registry.TransferMember(
        reg.TransferMemberRequest(
            request_id=new_request_id(), member_id=second.id, residence_unit_id=elsewhere.grid_id, reason="搬家"
        ),
        metadata=api.admin,
    )
    moved_to = reg.ListServiceRecordsRequest(org_unit_id=elsewhere.community_id)
    assert await _pages(api, moved_to, api.admin) == [[]]
    given_in = reg.ListServiceRecordsRequest(org_unit_id=community.community_id, kind=reg.SERVICE_KIND_WISH)
    assert await _pages(api, given_in, api.admin) == [["w1", "s3"]]


async def test_the_records_export_is_csv_with_formulas_neutralised_and_is_audited(api: Api) -> None:
    community, first, _ = await _ledger(api)
    service = api.token(Role.SERVICE, subject="service:worker")
    await api.registry.RecordService(
        reg.RecordServiceRequest(
            request_id=new_request_id(),
            member_id=first.id,
            kind=reg.SERVICE_KIND_OTHER,
            source_id="formula",
            hours=0.5,
            note='=HYPERLINK("http://127.0.0.1")',
        ),
        metadata=service,
    )
    exporter = api.token(Role.ADMIN, subject=f"exporter-{community.community_id}")
    chunks = [
        c
        async for c in api.registry.ExportServiceRecords(
            reg.ExportServiceRecordsRequest(org_unit_id=community.community_id), metadata=exporter
        )
    ]
    rows = list(csv.DictReader(io.StringIO("".join(c.csv for c in chunks))))
    assert chunks[0].total_rows == 5 and sum(c.rows for c in chunks) == 5
    assert [r["source_id"] for r in rows] == ["s3", "s2", "s1", "w1", "formula"]
    assert rows[0]["member_name"] == "李红" and rows[0]["residence_unit_id"] == community.grid_id
    assert rows[-1]["note"].startswith("'=")
    audited = await api.registry.ListAuditEvents(
        audit_pb2.ListAuditEventsRequest(actor=f"exporter-{community.community_id}"), metadata=api.admin
    )
    assert [(e.action, e.object_type, e.object_id) for e in audited.events] == [
        ("export_service_records", "org_unit", community.community_id)
    ]


async def test_the_yearly_reports_of_a_subtree_are_exported(api: Api, stack: LocalStack) -> None:
    community, first, second = await _ledger(api)
    totals = [reg.ServiceTotal(kind=reg.SERVICE_KIND_WISH, category="culture", count=2, hours=3.5)]
    async with stack.channel(stack.ports.registry) as channel:
        reports = reports_pb2_grpc.ReportServiceStub(channel)
        await reports.StoreYearlyServiceReports(
            rep.StoreYearlyServiceReportsRequest(
                request_id=new_request_id(),
                reports=[
                    rep.YearlyServiceReport(member_id=first.id, year=2025, services=2, hours=3.5, totals=totals),
                    rep.YearlyServiceReport(member_id=second.id, year=2024, services=1, hours=1),
                ],
            ),
            metadata=api.token(Role.SERVICE, subject="service:worker"),
        )
        chunks = [
            c
            async for c in reports.ExportYearlyServiceReports(
                rep.ExportYearlyServiceReportsRequest(org_unit_id=community.street_id, year=2025), metadata=api.admin
            )
        ]
    rows = list(csv.DictReader(io.StringIO("".join(c.csv for c in chunks))))
    assert chunks[0].total_rows == 1
    assert [(r["member_id"], r["member_name"], r["hours"], r["by_kind_and_category"]) for r in rows] == [
        (first.id, "李红", "3.5", "wish/culture=2:3.5h")
    ]


def _export(stack: LocalStack, api: Api, *options: str, service: str = "registry") -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "devstack",
        "export",
        *options,
        "--address",
        f"127.0.0.1:{stack.ports.grpc(service)}",
        "--token",
        api.admin[0][1].removeprefix("Bearer "),
        "--cacert",
        str(stack.ca_file),
    ]
    environ = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'protos'}"}
    return subprocess.run(command, cwd=REPO, env=environ, capture_output=True, text=True, timeout=60)


async def test_the_export_command_writes_the_file_with_a_progress_bar(
    api: Api, stack: LocalStack, tmp_path: Path
) -> None:
    community, first, _ = await _ledger(api)
    services = tmp_path / "services.csv"
    done = await asyncio.to_thread(
        _export, stack, api, "services", "--org-unit", community.community_id, "--kind", "wish", "-o", str(services)
    )
    assert done.returncode == 0, done.stderr
    assert "2 of 2 rows" in done.stderr and f"2 rows in {services}" in done.stderr
    assert [r["source_id"] for r in csv.DictReader(services.open(encoding="utf-8"))] == ["s3", "w1"]
    members = tmp_path / "members.csv"
    done = await asyncio.to_thread(_export, stack, api, "members", "--org-unit", community.grid_id, "-o", str(members))
    assert done.returncode == 0, done.stderr
    assert "2 of 2 rows" in done.stderr
    exported = list(csv.DictReader(members.open(encoding="utf-8")))
    assert sorted(r["name"] for r in exported) == ["张伟", "李红"]
    assert all("*" in r["id_number"] and "*" in r["phone"] for r in exported)
    assert {r["skills"] for r in exported} == {"medical"}
    # Wishes come from the wishes service; weekly reports a week at a time (none stored here: the header alone).
    wishes = await asyncio.to_thread(
        _export, stack, api, "wishes", "--org-unit", community.community_id, service="wishes"
    )
    assert wishes.returncode == 0, wishes.stderr
    assert wishes.stdout.startswith("id,community_id,state,") and ": 0 rows" in wishes.stderr
    weekly = tmp_path / "weekly.csv"
    options = ("--org-unit", community.street_id, "--from", "2026-06-15", "--to", "2026-06-29", "-o", str(weekly))
    done = await asyncio.to_thread(_export, stack, api, "weekly", *options)
    assert done.returncode == 0, done.stderr
    assert weekly.read_text(encoding="utf-8").splitlines()[0].startswith("org_unit_id,org_unit_name,week_start")
    assert len(weekly.read_text(encoding="utf-8").splitlines()) == 1
    # A refused export leaves no file behind.
    refused = tmp_path / "refused.csv"
    done = await asyncio.to_thread(
        _export, stack, api, "services", "--member", first.id, "--kind", "nap", "-o", str(refused)
    )
    assert done.returncode == 2 and "--kind: 'nap' is not one of" in done.stderr
    assert not refused.exists() and list(tmp_path.glob(".*.part")) == []
