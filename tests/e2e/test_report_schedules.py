"""Reports run without anyone asking: a registry started with LINLI_REPORT_UNITS keeps each unit's weekly and yearly
Schedules — a unit named by id or by its path of names, one made after the start found when it appears, a Schedule
that exists left as it is, a unit that does not report (a community) never scheduled. And a weekly report counts
wishes by state as they stood at its week's end, not when it ran."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import reports_pb2 as rep
from linli.registry.v1 import reports_pb2_grpc
from linli.wishes.v1 import wishes_pb2 as wish
from temporalio.client import Client, ScheduleState
from temporalio.service import RPCError

from devstack.client import Api
from devstack.stack import LocalStack
from services.registry.reports.contract import WeeklyReportsInput, report_schedules
from services.registry.reports.domain import week_before
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import Community
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.reports import ZONE, make_district
from tests.e2e.helpers.wishes import submit
from workflows.reports import WeeklyReports


async def name_path(api: Api, unit_id: str) -> str:
    unit = (await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=unit_id), metadata=api.admin)).org_unit
    names = []
    for ancestor in unit.ancestor_ids:
        got = await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=ancestor), metadata=api.admin)
        names.append(got.org_unit.name)
    return "/".join([*names, unit.name])


async def exists(temporal: Client, schedule_id: str) -> bool:
    try:
        await temporal.get_schedule_handle(schedule_id).describe()
    except RPCError:
        return False
    return True


async def test_the_registry_keeps_the_report_schedules_of_its_configured_units(
    api: Api, stack: LocalStack, temporal: Client
) -> None:
    by_name, by_id = await make_district(api), await make_district(api)
    # An operator paused by_id's yearly Schedule before: it stays as it is.
    yearly_id, yearly = report_schedules(by_id.district_id, ZONE, "linli")[1]
    await temporal.create_schedule(
        yearly_id, dataclasses.replace(yearly, state=ScheduleState(paused=True, note="paused by the operator"))
    )
    later = f"报表市-{uuid.uuid4().hex[:6]}/报表区"
    units = [await name_path(api, by_name.district_id), by_id.district_id, later, by_name.community_ids[0]]
    stack.start_process("registry", "registry-reports", LINLI_REPORT_UNITS=",".join(units))
    made: list[str] = []
    try:
        expected = [
            f"reports-{kind}-{unit}"
            for unit in (by_name.district_id, by_id.district_id)
            for kind in ("weekly", "yearly")
        ]
        made += expected

        async def all_exist() -> bool:
            return all([await exists(temporal, schedule_id) for schedule_id in expected])

        await eventually(all_exist, "the configured districts' schedules")
        kept = await temporal.get_schedule_handle(yearly_id).describe()
        assert kept.schedule.state.paused and kept.schedule.state.note == "paused by the operator"
        weekly = await temporal.get_schedule_handle(f"reports-weekly-{by_name.district_id}").describe()
        assert weekly.schedule.spec.time_zone_name == ZONE

        # The district named before it existed is found once it does.
        city = await api.registry.CreateOrgUnit(
            reg.CreateOrgUnitRequest(
                request_id=new_request_id(), kind=reg.ORG_UNIT_KIND_CITY, name=later.split("/")[0]
            ),
            metadata=api.admin,
        )
        district = await api.registry.CreateOrgUnit(
            reg.CreateOrgUnitRequest(
                request_id=new_request_id(), parent_id=city.org_unit.id, kind=reg.ORG_UNIT_KIND_DISTRICT, name="报表区"
            ),
            metadata=api.admin,
        )
        made += [f"reports-weekly-{district.org_unit.id}", f"reports-yearly-{district.org_unit.id}"]
        await eventually(lambda: exists(temporal, made[-1]), "the later district's schedules")
        assert not await exists(temporal, f"reports-weekly-{by_name.community_ids[0]}")  # a community reports not
    finally:
        stack.processes.pop("registry-reports").stop()
        for schedule_id in made:
            if await exists(temporal, schedule_id):
                await temporal.get_schedule_handle(schedule_id).delete()


async def test_a_weekly_report_counts_wishes_as_they_stood_at_the_weeks_end(
    api: Api, stack: LocalStack, temporal: Client, reports: reports_pb2_grpc.ReportServiceStub
) -> None:
    district = await make_district(api)
    community = district.community_ids[0]
    week = week_before(datetime.now(UTC), ZONE)  # the week that just ended
    submitted = await submit(api, Community(district.street_ids[0], community, grid_id=""), "想要一台音响")
    await api.wishes.ReviewWish(
        wish.ReviewWishRequest(
            request_id=new_request_id(),
            wish_id=submitted.id,
            approve=wish.Approval(category=wish.WISH_CATEGORY_CULTURE, service_standard="借到音响"),
        ),
        metadata=api.admin,
    )
    # Submitted and approved in last week (moved back there), published this week: after the week ended.
    conn = await asyncpg.connect(stack.database_url)
    try:
        async with conn.transaction():
            back = datetime.combine(week, datetime.min.time(), UTC) + timedelta(days=3) - datetime.now(UTC)
            await conn.execute(
                "update wishes.wishes set submitted_at = submitted_at + $2 where id = $1", int(submitted.id), back
            )
            await conn.execute("update wishes.wish_events set at = at + $2 where wish_id = $1", int(submitted.id), back)
    finally:
        await conn.close()
    await api.wishes.PublishWish(
        wish.PublishWishRequest(request_id=new_request_id(), wish_id=submitted.id), metadata=api.admin
    )
    handle = await temporal.start_workflow(
        WeeklyReports.run,
        WeeklyReportsInput(org_unit_id=district.district_id, week_start=week.isoformat(), timezone=ZONE),
        id=f"report-weekly-run-{district.district_id}-{week}-{uuid.uuid4().hex[:6]}",
        task_queue="linli",
    )
    await handle.result()
    report = (
        await reports.GetWeeklyReport(
            rep.GetWeeklyReportRequest(org_unit_id=district.street_ids[0], week_start=week.isoformat()),
            metadata=api.admin,
        )
    ).report
    assert {c.name: c.count for c in report.wishes_by_state if c.count} == {"approved": 1}
    assert report.wishes_submitted == 1
