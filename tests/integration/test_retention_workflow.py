"""PersonalDataRetention on the time-skipping server, with stand-in batches: each service is called until it has
nothing more, the counts are summed by service, a service still with more at the run's bound is named, and a
service that fails for a while is retried without holding the others back."""

from __future__ import annotations

import uuid

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.registry.retention_contract import RetentionInput, RetentionReport
from workflows.retention import PersonalDataRetention
from workflows.retention_steps import EraseBatch, Erased


class StandIn:
    """Each service has `left` records past their period; dispatch fails its first call (a restart, say)."""

    def __init__(self, left: dict[str, int]) -> None:
        self.left = left
        self.calls: list[str] = []

    @activity.defn(name="erase_expired_batch")
    async def erase_expired_batch(self, batch: EraseBatch) -> Erased:
        self.calls.append(batch.service)
        if batch.service == "dispatch" and self.calls.count("dispatch") == 1:
            raise RuntimeError("dispatch restarting")
        erased = min(batch.batch_size, self.left[batch.service])
        self.left[batch.service] -= erased
        return Erased(erased, self.left[batch.service] > 0)


async def run(env: WorkflowEnvironment, steps: StandIn, params: RetentionInput) -> RetentionReport:
    queue = f"retention-{uuid.uuid4().hex}"
    async with Worker(
        env.client, task_queue=queue, workflows=[PersonalDataRetention], activities=[steps.erase_expired_batch]
    ):
        return await env.client.execute_workflow(
            PersonalDataRetention.run, params, id=f"retention-{uuid.uuid4().hex}", task_queue=queue
        )


async def test_each_service_is_asked_batch_by_batch_until_nothing_is_left(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    steps = StandIn({"registry": 0, "wishes": 7, "dispatch": 3})
    report = await run(time_skipping_env, steps, RetentionInput(batch_size=3, max_batches=10))
    assert report == RetentionReport({"registry": 0, "wishes": 7, "dispatch": 3}, [])
    assert (steps.calls.count("registry"), steps.calls.count("wishes"), steps.calls.count("dispatch")) == (1, 3, 2)


async def test_a_service_with_more_left_at_the_runs_bound_is_named_for_the_next_night(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    steps = StandIn({"registry": 1, "wishes": 100, "dispatch": 0})
    report = await run(time_skipping_env, steps, RetentionInput(batch_size=5, max_batches=2))
    assert report == RetentionReport({"registry": 1, "wishes": 10, "dispatch": 0}, ["wishes"])
