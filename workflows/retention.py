"""PersonalDataRetention: every night (Schedule personal-data-retention, 03:00 in the deployment's time zone), each
service erases the personal data whose retention period has run out — deregistered members' (registry), residents'
of long-closed wishes (wishes), closed alerts' addresses (dispatch) — in batches until none is left or the run's
bound is reached; the result says how many records each erased. Workflow code: deterministic, no I/O — the step is
in workflows/retention_steps.py. Its history holds counts only."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from services.registry.retention_contract import SERVICES, WORKFLOW, RetentionInput, RetentionReport
    from workflows.retention_steps import EraseBatch, RetentionSteps

_ERASE: workflow.ActivityConfig = {
    "start_to_close_timeout": timedelta(seconds=60),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=30),
}


@workflow.defn(name=WORKFLOW)
class PersonalDataRetention:
    @workflow.run
    async def run(self, params: RetentionInput) -> RetentionReport:
        report = RetentionReport()
        # The services erase their own tables independently: one that is down does not hold the others back.
        await asyncio.gather(*(self._erase(service, params, report) for service in SERVICES))
        report.erased = {service: report.erased.get(service, 0) for service in SERVICES}
        report.more_left.sort()
        return report

    async def _erase(self, service: str, params: RetentionInput, report: RetentionReport) -> None:
        for _ in range(params.max_batches):
            done = await workflow.execute_activity_method(
                RetentionSteps.erase_expired_batch, EraseBatch(service, params.batch_size), **_ERASE
            )
            report.erased[service] = report.erased.get(service, 0) + done.erased
            if not done.more:
                return
        report.more_left.append(service)
