"""Report workflows, run by Temporal Schedules: the weekly report every Monday per street/town and district
(周报), and the yearly service report per member (年报).

WeeklyReports (a district, or a street) plans the week and its units and starts one WeeklyReport child per
unit, id report-weekly-<unit>-<week>: it gathers the unit's figures from every service, then stores them
through the registry, which keeps one report per unit and week. A worker killed mid-run loses nothing: the
gathered figures are in the workflow's history, the store step retries, and a second store is a no-op.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from temporalio.client import (
        Schedule,
        ScheduleActionStartWorkflow,
        ScheduleCalendarSpec,
        ScheduleOverlapPolicy,
        SchedulePolicy,
        ScheduleRange,
        ScheduleSpec,
    )

    from workflows.report_activities import (
        ReportActivities,
        StoreWeeklyRequest,
        WeeklyPlanRequest,
        WeeklyReportInput,
        YearlyReportsRequest,
    )

_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@dataclass
class WeeklyReportsInput:
    org_unit_id: str
    week_start: str = ""  # the Monday, "YYYY-MM-DD"; empty for the last full week before the run
    timezone: str = "Asia/Shanghai"


@dataclass
class YearlyReportsInput:
    org_unit_id: str
    year: int = 0  # 0 for the year before the run
    timezone: str = "Asia/Shanghai"


def weekly_report_workflow_id(org_unit_id: str, week_start: str) -> str:
    return f"report-weekly-{org_unit_id}-{week_start}"


def weekly_reports_workflow_id(org_unit_id: str, week_start: str) -> str:
    return f"report-weekly-run-{org_unit_id}-{week_start}"


def yearly_reports_workflow_id(org_unit_id: str, year: int) -> str:
    return f"report-yearly-{org_unit_id}-{year}"


@workflow.defn
class WeeklyReport:
    @workflow.run
    async def run(self, params: WeeklyReportInput) -> bool:
        """True when this run stored the report, False when it was stored before."""
        figures = await workflow.execute_activity_method(
            ReportActivities.gather_weekly_figures,
            params,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=_RETRY,
        )
        stored = await workflow.execute_activity_method(
            ReportActivities.store_weekly_report,
            StoreWeeklyRequest(request_id=workflow.info().workflow_id, report=figures),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_RETRY,
        )
        return stored.created


@workflow.defn
class WeeklyReports:
    @workflow.run
    async def run(self, params: WeeklyReportsInput) -> list[str]:
        """The units whose reports this run stored (units stored before are left as they were)."""
        plan = await workflow.execute_activity_method(
            ReportActivities.plan_weekly_reports,
            WeeklyPlanRequest(
                params.org_unit_id, params.week_start, params.timezone, workflow.info().start_time.timestamp()
            ),
            start_to_close_timeout=timedelta(minutes=1),
            retry_policy=_RETRY,
        )

        async def one(unit_id: str) -> bool:
            try:
                return await workflow.execute_child_workflow(
                    WeeklyReport.run,
                    WeeklyReportInput(unit_id, plan.week_start, params.timezone),
                    id=weekly_report_workflow_id(unit_id, plan.week_start),
                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                )
            except WorkflowAlreadyStartedError:
                return False  # another run is producing it right now; the store keeps one

        stored = await asyncio.gather(*(one(u) for u in plan.unit_ids))
        return [u for u, created in zip(plan.unit_ids, stored, strict=True) if created]


@workflow.defn
class YearlyServiceReports:
    @workflow.run
    async def run(self, params: YearlyReportsInput) -> int:
        """How many members' yearly reports this run stored."""
        year = params.year or workflow.info().start_time.year - 1
        return await workflow.execute_activity_method(
            ReportActivities.produce_yearly_reports,
            YearlyReportsRequest(params.org_unit_id, year, params.timezone),
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=timedelta(minutes=2),
            retry_policy=_RETRY,
        )


def report_schedules(org_unit_id: str, timezone: str, task_queue: str) -> list[tuple[str, Schedule]]:
    """The schedules of a unit's reports: weekly on Monday 01:00, yearly on 2 January 02:00, local time."""
    # A run missed while Temporal was down is made up within a day; runs of one schedule never overlap.
    policy = SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1))
    weekly = Schedule(
        action=ScheduleActionStartWorkflow(
            WeeklyReports.run,
            WeeklyReportsInput(org_unit_id=org_unit_id, timezone=timezone),
            id=f"report-weekly-run-{org_unit_id}-scheduled",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(day_of_week=[ScheduleRange(1)], hour=[ScheduleRange(1)])],
            time_zone_name=timezone,
        ),
        policy=policy,
    )
    yearly = Schedule(
        action=ScheduleActionStartWorkflow(
            YearlyServiceReports.run,
            YearlyReportsInput(org_unit_id=org_unit_id, timezone=timezone),
            id=f"report-yearly-{org_unit_id}-scheduled",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(month=[ScheduleRange(1)], day_of_month=[ScheduleRange(2)], hour=[ScheduleRange(2)])
            ],
            time_zone_name=timezone,
        ),
        policy=policy,
    )
    return [(f"reports-weekly-{org_unit_id}", weekly), (f"reports-yearly-{org_unit_id}", yearly)]
