"""The bare Temporal workflow the wish_lifecycle benchmark compares with (its own module, so the workflow
sandbox imports nothing else)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow


@dataclass
class BareStep:
    state: str


@activity.defn
async def bare_record(wish_id: str) -> str:
    return f"record-{wish_id}"


@workflow.defn
class BareLifecycle:
    """Waits for the six transitions, then makes one activity call, as WishLifecycle does on the happy path."""

    def __init__(self) -> None:
        self.state = ""

    @workflow.signal
    def transition(self, step: BareStep) -> None:
        self.state = step.state

    @workflow.run
    async def run(self, wish_id: str) -> str:
        await workflow.wait_condition(lambda: self.state == "closed")
        await workflow.execute_activity(bare_record, wish_id, start_to_close_timeout=timedelta(seconds=30))
        return self.state
