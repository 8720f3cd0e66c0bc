"""Report workflows, run by Temporal Schedules: the weekly report every Monday per street/town and district
(周报), and the yearly service report per member (年报). Their ids, inputs and Schedules are the ReportService's
contract (services/registry/reports/contract.py).

WeeklyReports (a district, or a street) plans the week and its units and starts one WeeklyReport child per
unit, id report-weekly-<unit>-<week>: it gathers the unit's figures from every service, then stores them
through the registry, which keeps one report per unit and week. A worker killed mid-run loses nothing: the
gathered figures are in the workflow's history, the store step retries, and a second store is a no-op.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from services.registry.reports.contract import (
        WEEKLY_REPORT_WORKFLOW,
        WEEKLY_REPORTS_WORKFLOW,
        YEARLY_REPORTS_WORKFLOW,
        WeeklyReportInput,
        WeeklyReportsInput,
        YearlyReportsInput,
        weekly_report_workflow_id,
    )
    from workflows.report_steps import ReportSteps, StoreWeeklyRequest, WeeklyPlanRequest, YearlyReportsRequest

_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn(name=WEEKLY_REPORT_WORKFLOW)
class WeeklyReport:
    @workflow.run
    async def run(self, params: WeeklyReportInput) -> bool:
        """True when this run stored the report, False when it was stored before."""
        figures = await workflow.execute_activity_method(
            ReportSteps.gather_weekly_figures,
            params,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=_RETRY,
        )
        stored = await workflow.execute_activity_method(
            ReportSteps.store_weekly_report,
            StoreWeeklyRequest(request_id=workflow.info().workflow_id, report=figures),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_RETRY,
        )
        return stored.created


@workflow.defn(name=WEEKLY_REPORTS_WORKFLOW)
class WeeklyReports:
    @workflow.run
    async def run(self, params: WeeklyReportsInput) -> list[str]:
        """The units whose reports this run stored (units stored before are left as they were)."""
        plan = await workflow.execute_activity_method(
            ReportSteps.plan_weekly_reports,
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


@workflow.defn(name=YEARLY_REPORTS_WORKFLOW)
class YearlyServiceReports:
    @workflow.run
    async def run(self, params: YearlyReportsInput) -> int:
        """How many members' yearly reports this run stored."""
        year = params.year or workflow.info().start_time.year - 1
        return await workflow.execute_activity_method(
            ReportSteps.produce_yearly_reports,
            YearlyReportsRequest(params.org_unit_id, year, params.timezone),
            start_to_close_timeout=timedelta(hours=2),
            heartbeat_timeout=timedelta(minutes=2),
            retry_policy=_RETRY,
        )
