"""Weekly reports on the whole platform: figures checked against a small hand-counted fixture, stored once per
unit and week however often produced, exported as CSV; and a worker killed mid-run still produces each once."""

from __future__ import annotations

import asyncio
import csv
import io
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import grpc
import pytest
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import reports_pb2 as rep
from linli.registry.v1 import reports_pb2_grpc
from linli.wishes.v1 import wishes_pb2 as wish
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle

from devstack.client import Api
from devstack.stack import LocalStack
from services.registry.reports.contract import WeeklyReportsInput, weekly_report_workflow_id
from services.registry.reports.domain import week_before
from tests.e2e.helpers.community import register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.reports import ZONE, District, make_district, record_service
from tests.e2e.helpers.times import stamp
from tests.helpers.scrape import sample_value, scrape
from workflows.reports import WeeklyReports


async def make_fixture(api: Api, stack: LocalStack) -> District:
    """The hand-counted week. Street 1 (community 十六潭): members A and B; A serves 2 h and 1.5 h this week, B
    3 h last week (not this week's); two wishes submitted, one approved and one rejected. Street 2 (桂花路): member
    C serves 1 h this week, a team volunteer who is not a member 1.5 h; two activities proposed, one of them
    cancelled. Street 1's community is paired with a
    workplace unit from today (结对共建)."""
    district = await make_district(api)
    now = datetime.now(UTC)
    a = await register_member(api, district.community_ids[0])
    b = await register_member(api, district.community_ids[0])
    c = await register_member(api, district.community_ids[1])
    await record_service(api, a.id, 2.0, now - timedelta(minutes=5))
    await record_service(api, a.id, 1.5, now - timedelta(minutes=4))
    await record_service(api, b.id, 3.0, now - timedelta(days=8))
    await record_service(api, c.id, 1.0, now - timedelta(minutes=3))
    # A resident volunteer (not a member) of a team of 桂花路 serves 1.5 h: counted apart from the members.
    team = await api.registry.CreateTeam(
        reg.CreateTeamRequest(
            request_id=new_request_id(),
            org_unit_id=district.community_ids[1],
            kind=reg.TEAM_KIND_WOMENS_FEDERATION_LOGISTICS,
            name="妇联后勤队",
        ),
        metadata=api.admin,
    )
    volunteer = await api.registry.AddTeamMember(
        reg.AddTeamMemberRequest(
            request_id=new_request_id(),
            team_id=team.team.id,
            volunteer=reg.ResidentVolunteer(name="吴桂兰", phone="13900002222"),
        ),
        metadata=api.admin,
    )
    await api.registry.RecordService(
        reg.RecordServiceRequest(
            request_id=new_request_id(),
            team_id=team.team.id,
            team_member_id=volunteer.team_member.id,
            kind=reg.SERVICE_KIND_ACTIVITY,
            source_id=uuid.uuid4().hex[:8],
            hours=1.5,
            served_at=stamp(now - timedelta(minutes=2)),
        ),
        metadata=api.admin,
    )
    for decision in ("approve", "reject"):
        submitted = await api.wishes.SubmitWish(
            wish.SubmitWishRequest(
                request_id=new_request_id(),
                community_id=district.community_ids[0],
                text="我要一个音响组织大家跳舞",
                source=wish.WISH_SOURCE_VISIT,
                resident_name="赵六",
            ),
            metadata=api.admin,
        )
        review = wish.ReviewWishRequest(request_id=new_request_id(), wish_id=submitted.wish.id)
        if decision == "approve":
            review.approve.CopyFrom(
                wish.Approval(
                    category=wish.WISH_CATEGORY_CULTURE,
                    service_standard="音响一台",
                    deadline=stamp(now + timedelta(days=7)),
                )
            )
        else:
            review.reject.CopyFrom(wish.Rejection(reason="不可行"))
        await api.wishes.ReviewWish(review, metadata=api.admin)
    await api.registry.CreatePairing(
        reg.CreatePairingRequest(
            request_id=new_request_id(),
            workplace_org="咸宁市人民医院党委",
            community_id=district.community_ids[0],
            start_date=datetime.now(ZoneInfo(ZONE)).date().isoformat(),
        ),
        metadata=api.admin,
    )
    async with stack.channel(stack.ports.dispatch) as channel:
        activities = activities_pb2_grpc.ActivityServiceStub(channel)
        ids = []
        for _ in range(2):
            proposed = await activities.ProposeActivity(
                act.ProposeActivityRequest(
                    request_id=new_request_id(),
                    org_unit_id=district.community_ids[1],
                    title="小型邻里活动",
                    kind=act.ACTIVITY_KIND_SMALL,
                    place="红色驿站",
                    start_time=stamp(now + timedelta(days=5)),
                    end_time=stamp(now + timedelta(days=5, hours=2)),
                    signup_deadline=stamp(now + timedelta(days=4)),
                    capacity=20,
                ),
                metadata=api.admin,
            )
            ids.append(proposed.activity.id)
        await activities.CancelActivity(
            act.CancelActivityRequest(request_id=new_request_id(), activity_id=ids[0], reason="场地冲突"),
            metadata=api.admin,
        )
    return district


def this_week() -> str:
    """This week's Monday: the fixture's rows carry today's times, so the report is run for the current week."""
    return (week_before(datetime.now(UTC), ZONE) + timedelta(days=7)).isoformat()


async def produce(temporal: Client, stack: LocalStack, district_id: str, week: str) -> WorkflowHandle:
    # Started as the Monday schedule starts it (the API refuses a week that has not ended).
    return await temporal.start_workflow(
        WeeklyReports.run,
        WeeklyReportsInput(org_unit_id=district_id, week_start=week, timezone=ZONE),
        id=f"report-weekly-run-{district_id}-{week}-{uuid.uuid4().hex[:6]}",
        task_queue="linli",
    )


def figures(report: rep.WeeklyReport) -> dict[str, object]:
    return {
        "members_registered": report.members_registered,
        "members_active": report.members_active,
        "services": report.services,
        "service_hours": report.service_hours,
        "wishes_submitted": report.wishes_submitted,
        "wishes_by_state": {c.name: c.count for c in report.wishes_by_state if c.count},
        "activities_proposed": report.activities_proposed,
        "activities_cancelled": report.activities_cancelled,
        "alerts_raised": report.alerts_raised,
        "pairings": (report.pairings_active, report.pairings_started),
        "team_volunteers": (report.team_volunteer_services, report.team_volunteer_hours),
        "missing_sections": list(report.missing_sections),
    }


HAND_COUNTED = {
    "street_1": {
        "members_registered": 2,
        "members_active": 2,
        "services": 2,
        "service_hours": 3.5,
        "wishes_submitted": 2,
        "wishes_by_state": {"approved": 1, "rejected": 1},
        "activities_proposed": 0,
        "activities_cancelled": 0,
        "alerts_raised": 0,
        "pairings": (1, 1),
        "team_volunteers": (0, 0.0),
        "missing_sections": [],
    },
    "street_2": {
        "members_registered": 1,
        "members_active": 1,
        "services": 1,
        "service_hours": 1.0,
        "wishes_submitted": 0,
        "wishes_by_state": {},
        "activities_proposed": 2,
        "activities_cancelled": 1,
        "alerts_raised": 0,
        "pairings": (0, 0),
        "team_volunteers": (1, 1.5),
        "missing_sections": [],
    },
    "district": {
        "members_registered": 3,
        "members_active": 3,
        "services": 3,
        "service_hours": 4.5,
        "wishes_submitted": 2,
        "wishes_by_state": {"approved": 1, "rejected": 1},
        "activities_proposed": 2,
        "activities_cancelled": 1,
        "alerts_raised": 0,
        "pairings": (1, 1),
        "team_volunteers": (1, 1.5),
        "missing_sections": [],
    },
}


async def get_report(api: Api, reports: reports_pb2_grpc.ReportServiceStub, unit: str, week: str) -> rep.WeeklyReport:
    return (
        await reports.GetWeeklyReport(rep.GetWeeklyReportRequest(org_unit_id=unit, week_start=week), metadata=api.admin)
    ).report


async def stored_rows(stack: LocalStack, units: list[str], week: str) -> list[int]:
    conn = await asyncpg.connect(stack.database_url)
    try:
        return [
            await conn.fetchval(
                "select count(*) from registry.weekly_reports where org_unit_id = $1 and week_start = $2",
                int(unit),
                datetime.fromisoformat(week).date(),
            )
            for unit in units
        ]
    finally:
        await conn.close()


async def test_the_weekly_report_counts_what_happened_and_is_stored_once(
    api: Api, stack: LocalStack, reports: reports_pb2_grpc.ReportServiceStub, temporal: Client
) -> None:
    district = await make_fixture(api, stack)
    week = this_week()
    units = [district.district_id, *district.street_ids]
    first = await produce(temporal, stack, district.district_id, week)
    assert sorted(await first.result()) == sorted(units)
    for name, unit in zip(("district", "street_1", "street_2"), units, strict=True):
        report = await get_report(api, reports, unit, week)
        assert figures(report) == HAND_COUNTED[name], name
        assert report.week_start == week
        start = report.start_time.ToDatetime(tzinfo=UTC).astimezone(ZoneInfo(ZONE))
        assert (start.weekday(), start.hour, start.minute) == (0, 0, 0)

    # Produced again (more happens meanwhile): the stored reports stand, and nothing is added.
    await register_member(api, district.community_ids[1])
    again = await produce(temporal, stack, district.district_id, week)
    assert await again.result() == []
    assert (await get_report(api, reports, district.district_id, week)).members_registered == 3
    assert await stored_rows(stack, units, week) == [1, 1, 1]

    exported = await reports.ExportWeeklyReports(
        rep.ExportWeeklyReportsRequest(org_unit_id=district.district_id, week_start=week), metadata=api.admin
    )
    rows = list(csv.DictReader(io.StringIO(exported.csv)))
    assert exported.rows == 3
    assert [r["org_unit_id"] for r in rows] == units
    assert [(r["org_unit_name"], r["services"], r["service_hours"]) for r in rows] == [
        ("咸安区", "3", "4.5"),
        ("温泉街道", "2", "3.5"),
        ("浮山街道", "1", "1.0"),
    ]
    assert rows[1]["wishes_by_state"] == "approved=1;rejected=1"
    worker_metrics = scrape(stack.ports.worker_metrics)
    runs = "linli_schedule_runs_total"
    assert sample_value(worker_metrics, runs, schedule="weekly_report", outcome="stored") >= 1
    assert sample_value(worker_metrics, runs, schedule="weekly_report", outcome="already_stored") >= 1


@pytest.mark.parametrize(
    ("week", "message"),
    [("2026-06-16", "week_start: 2026-06-16 is a Tuesday"), ("16/06/2026", "week_start: '16/06/2026' is not a date")],
)
async def test_a_week_that_is_not_a_monday_is_refused_naming_the_field(
    api: Api, reports: reports_pb2_grpc.ReportServiceStub, week: str, message: str
) -> None:
    district = await make_district(api)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await reports.GetWeeklyReport(
            rep.GetWeeklyReportRequest(org_unit_id=district.district_id, week_start=week), metadata=api.admin
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.value.details() or "").startswith(message)


async def test_a_report_not_produced_yet_is_not_found_and_the_current_week_cannot_be_produced(
    api: Api, reports: reports_pb2_grpc.ReportServiceStub
) -> None:
    district = await make_district(api)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await reports.GetWeeklyReport(
            rep.GetWeeklyReportRequest(org_unit_id=district.district_id, week_start="2026-06-15"), metadata=api.admin
        )
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await reports.ProduceWeeklyReports(
            rep.ProduceWeeklyReportsRequest(
                request_id=new_request_id(), org_unit_id=district.district_id, week_start=this_week()
            ),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_the_api_produces_a_past_week_and_schedules_the_reports(
    api: Api, reports: reports_pb2_grpc.ReportServiceStub, temporal: Client
) -> None:
    district = await make_district(api)
    last_week = week_before(datetime.now(UTC), ZONE).isoformat()
    produced = await reports.ProduceWeeklyReports(
        rep.ProduceWeeklyReportsRequest(
            request_id=new_request_id(), org_unit_id=district.street_ids[0], week_start=last_week
        ),
        metadata=api.admin,
    )
    assert await temporal.get_workflow_handle(produced.workflow_id).result() == [district.street_ids[0]]
    assert (await get_report(api, reports, district.street_ids[0], last_week)).members_registered == 0

    scheduled = await reports.ScheduleReports(
        rep.ScheduleReportsRequest(request_id=new_request_id(), org_unit_id=district.district_id), metadata=api.admin
    )
    assert scheduled.schedule_ids == [
        f"reports-weekly-{district.district_id}",
        f"reports-yearly-{district.district_id}",
    ]
    weekly = await temporal.get_schedule_handle(scheduled.schedule_ids[0]).describe()
    next_run = weekly.info.next_action_times[0].astimezone(ZoneInfo(ZONE))
    assert (next_run.weekday(), next_run.hour) == (0, 1)  # Monday 01:00 local time
    for schedule_id in scheduled.schedule_ids:
        await temporal.get_schedule_handle(schedule_id).delete()


async def test_a_worker_killed_during_a_report_run_still_produces_each_report_once(
    api: Api, stack: LocalStack, reports: reports_pb2_grpc.ReportServiceStub, temporal: Client
) -> None:
    district = await make_fixture(api, stack)
    week = this_week()
    # The wishes service stops, so the run stalls mid-way: units planned, their reports' figures not gathered ...
    stack.processes["wishes"].stop()
    try:
        run = await produce(temporal, stack, district.district_id, week)
        child = temporal.get_workflow_handle(weekly_report_workflow_id(district.street_ids[0], week))
        deadline = time.monotonic() + 60
        while True:
            try:
                pending = (await child.describe()).raw_description.pending_activities
            except Exception:  # the child is not started yet
                pending = []
            if any(p.attempt >= 2 for p in pending):
                break
            assert time.monotonic() < deadline, "the report run never reached its figures"
            await asyncio.sleep(0.2)
        # ... and the worker running it is killed there.
        stack.processes["worker"].kill()
    finally:
        stack.start_process("wishes")
    stack.start_process("worker")
    assert sorted(await run.result()) == sorted([district.district_id, *district.street_ids])
    assert await stored_rows(stack, [district.district_id, *district.street_ids], week) == [1, 1, 1]
    assert figures(await get_report(api, reports, district.district_id, week)) == HAND_COUNTED["district"]
    history = [e.event_type async for e in child.fetch_history_events()]
    assert history.count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) == 2  # gathered once, stored once
