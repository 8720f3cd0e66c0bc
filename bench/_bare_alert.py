"""The bare Temporal workflow the alert_latency benchmark compares with (its own module, so the workflow sandbox
imports nothing else): started by the client, it runs one activity that POSTs one notice to the webhook."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.notices import Notice, WebhookNotifier


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


async def _serve(address: str, task_queue: str, url: str) -> None:
    """Runs the bare worker in a process of its own, as the linli worker runs, until SIGTERM."""
    import asyncio
    import signal

    from temporalio.client import Client
    from temporalio.worker import Worker

    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stopping.set)
    client = await Client.connect(address)
    async with Worker(client, task_queue=task_queue, workflows=[BareAlert], activities=[BareNotify(url).notify]):
        print("ready", flush=True)
        await stopping.wait()


if __name__ == "__main__":
    import asyncio
    import sys

    asyncio.run(_serve(*sys.argv[1:4]))
