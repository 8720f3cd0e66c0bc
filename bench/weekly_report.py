"""The Monday weekly report of a district with 100k members and a year of their services: seconds from
ProduceWeeklyReports to the stored reports (the district and each street), and the ratio to the bare SQL the
report's registry figures need, run with raw asyncpg on the same Postgres in the same run.

    ./linli bench weekly_report [--members 100000] [--services-per-member 5] [--quick]

Members come in through ImportMembers (the registry's bulk path) into 5 streets of 10 communities; a year of
service records (纪实) is written straight into the registry's table, spread evenly over the past 365 days,
before the clock starts. The report run covers everything a real one does: the WeeklyReports workflow plans
the units, a WeeklyReport child per unit asks registry, wishes and dispatch for their figures over gRPC and
stores the report through ReportService. A second run of the same week (which must store nothing) is timed too.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import asyncpg
from linli.registry.v1 import registry_pb2_grpc, reports_pb2, reports_pb2_grpc
from temporalio.client import Client

from bench._harness import emit, main, platform_on, ratio, servers
from bench.import_members import admin_metadata, make_tree, messages, stream, synthetic_rows
from services.registry.reports.domain import week_before, week_bounds

ZONE = "Asia/Shanghai"
# The registry figures of one unit's week: what GetRegistryStats reads, as plain SQL.
BARE_QUERIES = (
    """select count(*) from registry.members m
       join registry.member_residences r on r.member_id = m.id and r.reason in ('registered', 'imported')
       where r.residence_path ~ $1::public.lquery and m.registered_at >= $2 and m.registered_at < $3""",
    """select count(*) from registry.member_residences r join registry.members m on m.id = r.member_id
       where r.residence_path ~ $1::public.lquery and r.from_time < $3 and (r.to_time is null or r.to_time >= $3)
         and (m.deregistered_at is null or m.deregistered_at >= $3) and $2::timestamptz is not null""",
    """select kind, category, count(*), sum(hours) from registry.service_records
       where residence_path ~ $1::public.lquery and served_at >= $2 and served_at < $3 group by kind, category""",
)


async def add_a_year_of_services(database_url: str, per_member: int) -> int:
    """per_member services for every member, spread over the past year, straight into the registry's tables."""
    conn = await asyncpg.connect(database_url)
    try:
        status = await conn.execute(
            """insert into registry.service_records (member_id, kind, source_id, category, hours, served_at,
                   residence_path, created_by, request_id)
               select m.id, (array['wish', 'alert', 'activity', 'service_post'])[1 + (m.id + n) % 4], 'bench-' || n,
                      (array['convenience', 'culture', 'medical_care', 'legal_aid'])[1 + n % 4],
                      1 + (m.id + n) % 4 * 0.5,
                      now() - (((m.id * 7919 + n * 104729) % 525600) || ' minutes')::interval,
                      m.residence_path, 'bench', 'bench-' || m.id || '-' || n
               from registry.members m cross join generate_series(1, $1) as n""",
            per_member,
        )
        # Members registered over the past year too (the import made them all today), as a district's would.
        await conn.execute(
            """update registry.members set registered_at = now() - ((id * 7919 % 365) || ' days')::interval"""
        )
        await conn.execute(
            """update registry.member_residences r set from_time = m.registered_at
               from registry.members m where m.id = r.member_id"""
        )
        await conn.execute("analyze registry.service_records")
        await conn.execute("analyze registry.members")
        await conn.execute("analyze registry.member_residences")
        return int(status.split()[-1])
    finally:
        await conn.close()


async def bare_figures(database_url: str, unit_ids: list[str], start: datetime, end: datetime) -> float:
    """Seconds for raw asyncpg to compute the registry figures of every unit's week."""
    conn = await asyncpg.connect(database_url)
    try:
        began = time.perf_counter()
        for unit in unit_ids:
            for query in BARE_QUERIES:
                await conn.fetch(query, f"*.{unit}.*", start, end)
        return time.perf_counter() - began
    finally:
        await conn.close()


async def benchmark() -> None:
    parser = argparse.ArgumentParser(prog="./linli bench weekly_report")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--services-per-member", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10,000 members")
    args = parser.parse_args()
    members = 10_000 if args.quick else args.members

    async with (
        servers() as bench_servers,
        platform_on(bench_servers, ("registry", "wishes", "dispatch", "worker"), LINLI_TIMEZONE=ZONE) as stack,
    ):
        metadata = admin_metadata(stack.secrets.issuer)
        async with stack.channel(stack.ports.grpc("registry")) as channel:
            registry = registry_pb2_grpc.RegistryServiceStub(channel)
            reports = reports_pb2_grpc.ReportServiceStub(channel)
            tree = await make_tree(registry, metadata, streets=5, communities=10)
            imported = await registry.ImportMembers(
                stream(messages(synthetic_rows(members, tree.grid_ids), "bench-import")),
                metadata=metadata,
                timeout=3600,
            )
            assert imported.inserted == members, imported
            services = await add_a_year_of_services(bench_servers.database_url, args.services_per_member)
            temporal = await Client.connect(bench_servers.temporal_address)
            week = week_before(datetime.now(UTC), ZONE)

            async def produce() -> tuple[float, list[str]]:
                began = time.perf_counter()
                started = await reports.ProduceWeeklyReports(
                    reports_pb2.ProduceWeeklyReportsRequest(
                        request_id=f"bench-{time.time_ns()}", org_unit_id=tree.district_id, week_start=week.isoformat()
                    ),
                    metadata=metadata,
                )
                stored = await temporal.get_workflow_handle(started.workflow_id).result()
                return time.perf_counter() - began, stored

            first_seconds, stored = await produce()
            again_seconds, stored_again = await produce()
            district = (
                await reports.GetWeeklyReport(
                    reports_pb2.GetWeeklyReportRequest(org_unit_id=tree.district_id, week_start=week.isoformat()),
                    metadata=metadata,
                )
            ).report
            units = [tree.district_id, *[u for u in stored if u != tree.district_id]]
        start, end = week_bounds(week, ZONE)
        bare_seconds = await bare_figures(bench_servers.database_url, units, start, end)

    assert len(stored) == 6 and stored_again == [], (stored, stored_again)
    assert district.members_active > 0 and district.services > 0 and not district.missing_sections, district
    emit(
        "weekly_report",
        members=members,
        service_records=services,
        week=week.isoformat(),
        reports=len(stored),
        district_members_active=district.members_active,
        district_members_registered_in_week=district.members_registered,
        district_services_in_week=district.services,
        district_hours_in_week=district.service_hours,
        report_seconds=round(first_seconds, 3),
        rerun_seconds=round(again_seconds, 3),
        bare_sql_seconds=round(bare_seconds, 3),
        ratio_to_bare_sql=ratio(first_seconds, bare_seconds),
        under_10_s=first_seconds < 10,
    )


if __name__ == "__main__":
    main(benchmark)
