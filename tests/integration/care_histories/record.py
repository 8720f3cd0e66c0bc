"""Records CarePair histories for the replay test: `./linli test` never runs this; a release does.

    .venv/bin/python -m tests.integration.care_histories.record TAG

runs each scenario below on the time-skipping server with the stand-in registry of
tests/integration/helpers/care_world.py and a notice gateway on 127.0.0.1, and writes
tests/integration/care_histories/TAG-<scenario>.json with its stack traces blanked (they name the recording
machine's paths). Histories of an older release are kept as they are, so the replay test proves that the current
code still replays what that release wrote: a pair whose clock is running during an upgrade keeps it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from devstack.temporal import test_server_binary
from tests.helpers.notice_gateway import NoticeGateway, running_gateway
from tests.integration.helpers.care_world import CareWorld, care_worker, new_pair, start

HERE = Path(__file__).parent
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
Scenario = Callable[[CareWorld, NoticeGateway], Awaitable[None]]


async def reminded_then_office_then_ended(world: CareWorld, gateway: NoticeGateway) -> None:
    """No visit: the carers reminded at day 3, the office told a day later; the resident moves away."""
    await world.env.sleep(4 * DAY + HOUR)
    await world.tell(world.registry.end())
    await world.handle.result()


async def visited_then_reminded(world: CareWorld, gateway: NoticeGateway) -> None:
    """A visit on day 2 starts the clock again; no visit after it: reminded on day 5; ended."""
    await world.env.sleep(2 * DAY)
    await world.tell(world.registry.visit("501", (await world.env.get_current_time()).timestamp()))
    await world.env.sleep(3 * DAY + HOUR)
    await world.tell(world.registry.end())
    await world.handle.result()


async def found_by_reread(world: CareWorld, gateway: NoticeGateway) -> None:
    """A visit committed but not relayed before the due moment: the re-read finds it and nobody is reminded."""
    await world.env.sleep(DAY)
    world.registry.visit("602", (await world.env.get_current_time()).timestamp())
    await world.env.sleep(2 * DAY + HOUR)
    await world.tell(world.registry.end())
    await world.handle.result()


async def carer_not_reached(world: CareWorld, gateway: NoticeGateway) -> None:
    """One carer's gateway refuses for six hours: given up, the unit's office told; then ended."""
    gateway.unavailable_to = {"member:12"}
    await world.env.sleep(3 * DAY + 7 * HOUR)
    await world.tell(world.registry.end())
    await world.handle.result()


async def left_waiting(world: CareWorld, gateway: NoticeGateway) -> None:
    """In flight at the upgrade: reminded once, waiting for the office's moment."""
    await world.env.sleep(3 * DAY + HOUR)


SCENARIOS: dict[str, Scenario] = {
    "reminded-then-office-then-ended": reminded_then_office_then_ended,
    "visited-then-reminded": visited_then_reminded,
    "found-by-reread": found_by_reread,
    "carer-not-reached": carer_not_reached,
    "left-waiting": left_waiting,
}


def blank_stack_traces(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: "" if k == "stackTrace" else blank_stack_traces(v) for k, v in node.items()}
    if isinstance(node, list):
        return [blank_stack_traces(v) for v in node]
    return node


async def record(tag: str) -> None:
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(test_server_binary()))
    try:
        for name, scenario in SCENARIOS.items():
            queue = f"record-{name}-{uuid.uuid4().hex[:6]}"
            registry = await new_pair(env, cadence_days=3)
            with running_gateway() as gateway:
                async with care_worker(env, queue, registry, gateway.url):
                    world = await start(env, queue, registry)
                    await scenario(world, gateway)
                    history = await world.handle.fetch_history()
                    if name == "left-waiting":
                        await world.handle.terminate("recorded")
            text = json.dumps(blank_stack_traces(json.loads(history.to_json())), indent=2, ensure_ascii=False)
            (HERE / f"{tag}-{name}.json").write_text(text + "\n")
            print(f"recorded {tag}-{name}.json")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1]))
