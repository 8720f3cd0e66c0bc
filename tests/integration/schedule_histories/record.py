"""Records histories of the workflows that Temporal Schedules start (the weekly and yearly reports, a recurring
activity's run, the daily notice digest, the evening duty-gap notice, the mid-year commitment check, the nightly
personal-data retention) for the replay test: `./linli test` never runs this; a release does.

    PYTHONPATH=.:protos .venv/bin/python -m tests.integration.schedule_histories.record TAG [NAME ...]

runs each workflow once on the time-skipping server with the stand-in activities below and writes
tests/integration/schedule_histories/TAG-<workflow>.json. Histories recorded by an older release are kept as they
are, so the replay test proves that the current code still replays what that release wrote.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.temporal import test_server_binary
from services.dispatch.activities.contract import ActivityTemplate, NoticeDigestInput, RecurringRunInput, RoleNeed
from services.dispatch.duty.contract import DutyGapNoticeInput
from services.registry.commitments.contract import CommitmentCheckInput
from services.registry.reports.contract import (
    WeeklyReportInput,
    WeeklyReportsInput,
    YearlyReportsInput,
    weekly_report_workflow_id,
)
from services.registry.retention_contract import RetentionInput
from workflows.activity_schedules import ActivityNoticeDigest, RecurringActivityRun
from workflows.activity_steps import DigestRun, NoticeOutcome, TemplateProposal
from workflows.commitment_check import CommitmentCheck
from workflows.commitment_steps import CommitmentNotice, LaggingMember, LaggingPage, LaggingQuery
from workflows.duty_gap_notice import DutyGapNotice
from workflows.duty_steps import DutyNotice, UncoveredDay, UncoveredQuery
from workflows.report_steps import StoredWeekly, StoreWeeklyRequest, WeeklyPlan, WeeklyPlanRequest, YearlyReportsRequest
from workflows.reports import WeeklyReport, WeeklyReports, YearlyServiceReports
from workflows.retention import PersonalDataRetention
from workflows.retention_steps import EraseBatch, Erased

HERE = Path(__file__).parent
TASK_QUEUE = "record-schedules"
WORKFLOWS = [
    WeeklyReports,
    WeeklyReport,
    YearlyServiceReports,
    RecurringActivityRun,
    ActivityNoticeDigest,
    DutyGapNotice,
    CommitmentCheck,
    PersonalDataRetention,
]


@activity.defn(name="plan_weekly_reports")
async def plan_weekly_reports(request: WeeklyPlanRequest) -> WeeklyPlan:
    return WeeklyPlan("2026-06-15", [request.org_unit_id, "21", "22"])


@activity.defn(name="gather_weekly_figures")
async def gather_weekly_figures(params: WeeklyReportInput) -> dict[str, Any]:
    return {"org_unit_id": params.org_unit_id, "week_start": params.week_start, "registrations": 3, "services": 7}


@activity.defn(name="store_weekly_report")
async def store_weekly_report(request: StoreWeeklyRequest) -> StoredWeekly:
    return StoredWeekly(created=True, report=request.report)


@activity.defn(name="produce_yearly_reports")
async def produce_yearly_reports(request: YearlyReportsRequest) -> int:
    return 42


@activity.defn(name="propose_from_template")
async def propose_from_template(proposal: TemplateProposal) -> str:
    return "77"


@activity.defn(name="send_notice_digests")
async def send_notice_digests(run: DigestRun) -> NoticeOutcome:
    return NoticeOutcome(delivered=5, refused=0)


@activity.defn(name="uncovered_tomorrow")
async def uncovered_tomorrow(query: UncoveredQuery) -> list[UncoveredDay]:
    return [UncoveredDay("41", "2026-06-20"), UncoveredDay("42", "2026-06-20")]


@activity.defn(name="send_duty_notice")
async def send_duty_notice(notice: DutyNotice) -> bool:
    return True


@activity.defn(name="lagging_commitments")
async def lagging_commitments(query: LaggingQuery) -> LaggingPage:
    if query.page_token:
        return LaggingPage(2026, [LaggingMember("12", "41", 12, 2, 40.0, 3.5)])
    return LaggingPage(2026, [LaggingMember("11", "41", 6, 0, 0.0, 0.0, "5", False)], "more")


@activity.defn(name="send_commitment_notice")
async def send_commitment_notice(notice: CommitmentNotice) -> bool:
    return True


@activity.defn(name="erase_expired_batch")
async def erase_expired_batch(batch: EraseBatch) -> Erased:
    # Two batches of wishes' residents, one of each of the others: the history holds a loop and its end.
    erased_before = ERASED_SO_FAR.get(batch.service, 0)
    ERASED_SO_FAR[batch.service] = erased_before + batch.batch_size
    more = batch.service == "wishes" and erased_before == 0
    return Erased(batch.batch_size, more)


ERASED_SO_FAR: dict[str, int] = {}

ACTIVITIES = [
    lagging_commitments,
    send_commitment_notice,
    erase_expired_batch,
    uncovered_tomorrow,
    send_duty_notice,
    plan_weekly_reports,
    gather_weekly_figures,
    store_weekly_report,
    produce_yearly_reports,
    propose_from_template,
    send_notice_digests,
]


async def _record(client: Client, tag: str, name: str, run: Any, arg: Any) -> None:
    handle = await client.start_workflow(run, arg, id=f"record-{name}", task_queue=TASK_QUEUE)
    await handle.result()
    (HERE / f"{tag}-{name}.json").write_text((await handle.fetch_history()).to_json())
    print(f"recorded {tag}-{name}.json")


async def record(tag: str, only: set[str]) -> None:
    """Records every scheduled workflow's history, or those named in `only` (e.g. a workflow new in this release)."""
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(test_server_binary()))
    try:
        async with Worker(env.client, task_queue=TASK_QUEUE, workflows=WORKFLOWS, activities=ACTIVITIES):
            if only:
                if "duty-gap-notice" in only:
                    await _record(env.client, tag, "duty-gap-notice", DutyGapNotice.run, DutyGapNoticeInput())
                if "commitment-check" in only:
                    await _record(env.client, tag, "commitment-check", CommitmentCheck.run, CommitmentCheckInput())
                if "personal-data-retention" in only:
                    retention = RetentionInput(batch_size=3)
                    await _record(env.client, tag, "personal-data-retention", PersonalDataRetention.run, retention)
                return
            await _record(env.client, tag, "weekly-reports", WeeklyReports.run, WeeklyReportsInput("20"))
            child = env.client.get_workflow_handle(weekly_report_workflow_id("21", "2026-06-15"))
            (HERE / f"{tag}-weekly-report.json").write_text((await child.fetch_history()).to_json())
            await _record(env.client, tag, "yearly-reports", YearlyServiceReports.run, YearlyReportsInput("20"))
            template = ActivityTemplate("5", "小型活动", 1, "社区活动室", 30, [RoleNeed("helper", 2, 0, [1])])
            await _record(
                env.client, tag, "recurring-run", RecurringActivityRun.run, RecurringRunInput("9", template, 48, 90)
            )
            await _record(env.client, tag, "notice-digest", ActivityNoticeDigest.run, NoticeDigestInput())
            await _record(env.client, tag, "duty-gap-notice", DutyGapNotice.run, DutyGapNoticeInput())
            await _record(env.client, tag, "commitment-check", CommitmentCheck.run, CommitmentCheckInput())
            retention = RetentionInput(batch_size=3)
            await _record(env.client, tag, "personal-data-retention", PersonalDataRetention.run, retention)
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1], set(sys.argv[2:])))
