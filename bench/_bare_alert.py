"""The bare Temporal workflow the alert_latency benchmark compares with (its own module, so the workflow sandbox
imports nothing else): started by the client, it runs one activity that POSTs one notice to the webhook."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.emergency_notify import Notice, WebhookNotifier


class BareNotify:
    def __init__(self, url: str) -> None:
        self.sender = WebhookNotifier(url)

    @activity.defn(name="bare_notify")
    async def notify(self, notice: Notice) -> None:
        await self.sender.send(notice)


@workflow.defn
class BareAlert:
    @workflow.run
    async def run(self, notice: Notice) -> None:
        await workflow.execute_activity(
            "bare_notify",
            notice,
            start_to_close_timeout=timedelta(seconds=15),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1)),
        )
