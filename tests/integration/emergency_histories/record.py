"""Records EmergencyDispatch histories for the replay test: `./linli test` never runs this; a release does.

    .venv/bin/python -m tests.integration.emergency_histories.record TAG

runs each scenario below on the time-skipping server with the stand-in activities of
tests/integration/helpers/alert_world.py and writes tests/integration/emergency_histories/TAG-<scenario>.json.
Histories recorded by an older release are kept as they are, so the replay test proves that the current code
still replays what that release wrote: an alert in flight during an upgrade keeps its dispatch.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.temporal import test_server_binary
from tests.integration.helpers.alert_world import World, answer, start
from workflows.emergency_dispatch import EmergencyDispatch

HERE = Path(__file__).parent
Scenario = Callable[[WorkflowEnvironment, World, WorkflowHandle], Awaitable[None]]


async def answered_by_the_second(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """The nearest volunteer does not answer in time; the next one does, arrives and resolves it."""
    await env.sleep(timedelta(seconds=61))
    await answer(handle, world, 2, "acknowledged", "member:12")
    await env.sleep(timedelta(minutes=10))
    await answer(handle, world, 3, "arrived")
    await answer(handle, world, 4, "resolved")
    await handle.result()


async def escalated_to_the_street(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """Nobody answers: every volunteer, then community staff, then the street; staff answer at last."""
    await env.sleep(timedelta(seconds=181))
    await env.sleep(timedelta(minutes=6))
    await handle.query(EmergencyDispatch.status)
    await answer(handle, world, 2, "acknowledged", "staff:zhang")
    await answer(handle, world, 3, "resolved")
    await handle.result()


async def gateway_down_then_false_alarm(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """The gateway fails the first sends (retried), then the alert is cancelled as a false alarm."""
    await env.sleep(timedelta(seconds=65))
    await answer(handle, world, 2, "cancelled")
    await handle.result()


async def left_calling(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """In flight at the upgrade: the first volunteer called, nobody has answered yet."""
    await env.sleep(timedelta(seconds=30))
    await handle.query(EmergencyDispatch.status)


SCENARIOS: dict[str, Scenario] = {
    "answered-by-the-second": answered_by_the_second,
    "escalated-to-the-street": escalated_to_the_street,
    "gateway-down-then-false-alarm": gateway_down_then_false_alarm,
    "left-calling": left_calling,
}


async def record(tag: str) -> None:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(test_server_binary()))
    try:
        for name, scenario in SCENARIOS.items():
            world = World(task_queue=f"record-{name}")
            if name.startswith("gateway-down"):
                world.failing_sends = 2
            async with Worker(
                env.client, task_queue=world.task_queue, workflows=[EmergencyDispatch], activities=world.activities()
            ):
                handle = await start(env, world)
                await scenario(env, world, handle)
                history = await handle.fetch_history()
                if name == "left-calling":
                    await handle.terminate("recorded")
            (HERE / f"{tag}-{name}.json").write_text(history.to_json())
            print(f"recorded {tag}-{name}.json")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1]))
