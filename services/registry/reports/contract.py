"""The contract between the ReportService and the report workflows (workflows/reports.py), agreed in one place
as services/wishes/contract.py explains: WeeklyReports (a unit's week, one WeeklyReport child per unit below it)
and YearlyServiceReports, their ids and inputs, and the Temporal Schedules that start them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)

WEEKLY_REPORTS_WORKFLOW = "WeeklyReports"
WEEKLY_REPORT_WORKFLOW = "WeeklyReport"  # a child of WeeklyReports, one per unit
YEARLY_REPORTS_WORKFLOW = "YearlyServiceReports"


@dataclass
class WeeklyReportsInput:
    org_unit_id: str
    week_start: str = ""  # the Monday, "YYYY-MM-DD"; empty for the last full week before the run
    timezone: str = "Asia/Shanghai"


@dataclass
class WeeklyReportInput:
    """One unit's week, as WeeklyReports starts its child (and the child gathers its figures)."""

    org_unit_id: str
    week_start: str
    timezone: str


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


def report_schedules(org_unit_id: str, timezone: str, task_queue: str) -> list[tuple[str, Schedule]]:
    """The schedules of a unit's reports: weekly on Monday 01:00, yearly on 2 January 02:00, local time."""

    def at(moment: ScheduleCalendarSpec, workflow: str, arg: object, run_id: str) -> Schedule:
        return Schedule(
            action=ScheduleActionStartWorkflow(workflow, arg, id=run_id, task_queue=task_queue),
            spec=ScheduleSpec(calendars=[moment], time_zone_name=timezone),
            # A run missed while Temporal was down is made up within a day; runs of one schedule never overlap.
            policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
        )

    weekly = at(
        ScheduleCalendarSpec(day_of_week=[ScheduleRange(1)], hour=[ScheduleRange(1)]),
        WEEKLY_REPORTS_WORKFLOW,
        WeeklyReportsInput(org_unit_id=org_unit_id, timezone=timezone),
        f"report-weekly-run-{org_unit_id}-scheduled",
    )
    yearly = at(
        ScheduleCalendarSpec(month=[ScheduleRange(1)], day_of_month=[ScheduleRange(2)], hour=[ScheduleRange(2)]),
        YEARLY_REPORTS_WORKFLOW,
        YearlyReportsInput(org_unit_id=org_unit_id, timezone=timezone),
        f"report-yearly-{org_unit_id}-scheduled",
    )
    return [(f"reports-weekly-{org_unit_id}", weekly), (f"reports-yearly-{org_unit_id}", yearly)]
