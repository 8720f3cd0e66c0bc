"""Records WishLifecycle histories for the replay test: `./linli test` never runs this; a release does.

    .venv/bin/python -m tests.integration.wish_histories.record TAG

runs each scenario below on the time-skipping server with stand-in activities and writes
tests/integration/wish_histories/TAG-<scenario>.json. Histories recorded by an older release are kept
as they are, so the replay test proves that the current code still replays what that release wrote.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.temporal import dev_server_binary, test_server_binary
from services.runtime.search_attributes import dev_server_flags, search_attributes
from services.wishes.contract import WishLifecycleInput, WishTransition, workflow_id
from tests.integration.helpers.wish_world import LIMITS, World
from workflows.wish_lifecycle import WishLifecycle
from workflows.wish_steps import WishSnapshot

HERE = Path(__file__).parent
Scenario = Callable[[WorkflowEnvironment, World, WorkflowHandle], Awaitable[None]]


async def _start(client: Client, world: World, first: WishTransition, searchable: bool = False) -> WorkflowHandle:
    wish_id = uuid.uuid4().hex[:8]
    return await client.start_workflow(
        WishLifecycle.run,
        WishLifecycleInput(wish_id=wish_id, community_id="5", limits=LIMITS),
        id=workflow_id(wish_id),
        task_queue=world.task_queue,
        start_signal="transition",
        start_signal_args=[first],
        search_attributes=search_attributes("5", first.state) if searchable else None,
    )


async def reminded_then_claimed(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """Unreviewed (reminded, escalated), approved, published, unclaimed (reminded), then claimed: left waiting."""
    await env.sleep(timedelta(hours=97))
    world.wish = WishSnapshot(2, "approved", "")
    await handle.signal(WishLifecycle.transition, WishTransition(2, "approved"))
    world.wish = WishSnapshot(3, "published", "")
    await handle.signal(WishLifecycle.transition, WishTransition(3, "published"))
    await env.sleep(timedelta(hours=73))
    world.wish = WishSnapshot(4, "claimed", "11")
    await handle.signal(WishLifecycle.transition, WishTransition(4, "claimed", "11"))
    await env.sleep(timedelta(days=3))
    await handle.query(WishLifecycle.status)


async def rejected(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    await env.sleep(timedelta(hours=10))
    await handle.signal(WishLifecycle.transition, WishTransition(2, "rejected"))
    await handle.result()


async def found_by_reread(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """The approval's signal never came; the re-read at the limit finds it."""
    world.wish = WishSnapshot(2, "approved", "")
    await env.sleep(timedelta(hours=49))
    await handle.query(WishLifecycle.status)


async def claim_lapsed_and_reopened(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """Claimed with a deadline 1 day away: reminded, escalated and reopened, then claimed again and fulfilled,
    closed by default after the confirm limit, and its service recorded."""
    await env.sleep(timedelta(days=1, hours=49))
    world.wish = WishSnapshot(6, "claimed", "12", "culture", world.wish.deadline)
    await handle.signal(WishLifecycle.transition, WishTransition(6, "claimed", "12", "culture", world.wish.deadline))
    world.wish = WishSnapshot(7, "fulfilled", "12", "culture")
    await handle.signal(WishLifecycle.transition, WishTransition(7, "fulfilled", "12", "culture"))
    await env.sleep(timedelta(days=8))
    await handle.result()


async def confirmed(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    await env.sleep(timedelta(days=2))
    world.wish = WishSnapshot(6, "closed", "11", "culture")
    await handle.signal(WishLifecycle.transition, WishTransition(6, "closed", "11", "culture"))
    await handle.result()


async def withdrawn(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    await handle.signal(WishLifecycle.transition, WishTransition(4, "withdrawn"))
    await handle.result()


async def not_feasible(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """Claimed, then closed by staff as not feasible: the workflow ends and records nothing."""
    await env.sleep(timedelta(hours=2))
    world.wish = WishSnapshot(5, "not_feasible", "11", "culture")
    await handle.signal(WishLifecycle.transition, WishTransition(5, "not_feasible", "11", "culture"))
    await handle.result()


async def reassigned_then_duplicate(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """Claimed, reassigned by staff to another member (a new claim on the same state), then closed as a
    duplicate of another wish."""
    await env.sleep(timedelta(hours=3))
    deadline = world.wish.deadline
    world.wish = WishSnapshot(5, "claimed", "12", "culture", deadline)
    await handle.signal(WishLifecycle.transition, WishTransition(5, "claimed", "12", "culture", deadline))
    await env.sleep(timedelta(hours=3))
    world.wish = WishSnapshot(6, "duplicate", "12", "culture", deadline)
    await handle.signal(WishLifecycle.transition, WishTransition(6, "duplicate", "12", "culture", deadline))
    await handle.result()


async def climbed_to_the_top(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """Unclaimed: reminded, escalated to the street, then the district (the top), then claimed at last."""
    await env.sleep(timedelta(days=20))
    world.wish = WishSnapshot(4, "claimed", "11")
    await handle.signal(WishLifecycle.transition, WishTransition(4, "claimed", "11"))
    await env.sleep(timedelta(days=1))
    await handle.query(WishLifecycle.status)


async def approved_mid_climb(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """Unreviewed: reminded and escalated to the street, then approved before the district; its signal came
    late, so the re-read before the next level found it."""
    await env.sleep(timedelta(hours=97))
    world.wish = WishSnapshot(2, "approved", "")
    await env.sleep(timedelta(hours=48))
    await handle.signal(WishLifecycle.transition, WishTransition(2, "approved"))
    await env.sleep(timedelta(hours=1))
    await handle.query(WishLifecycle.status)


async def grid_climb(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """Submitted in grid 6: unclaimed, the grid is reminded, then the community, street and district are told."""
    world.wish = WishSnapshot(3, "published", "", unit_id="6")
    await env.sleep(timedelta(days=20))
    await handle.query(WishLifecycle.status)


async def told_before_the_deadline(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """Claimed with the deadline 3 days away: the claimant is told a day before it, then fulfils and the resident
    confirms; the resident heard of the claim, the fulfilment and the close-out (release 5's notices)."""
    deadline = (await env.get_current_time()).timestamp() + 3 * 86400
    world.wish = WishSnapshot(5, "claimed", "11", "culture", deadline)
    await handle.signal(WishLifecycle.transition, WishTransition(5, "claimed", "11", "culture", deadline))
    await env.sleep(timedelta(days=2, hours=1))
    world.wish = WishSnapshot(6, "fulfilled", "11", "culture")
    await handle.signal(WishLifecycle.transition, WishTransition(6, "fulfilled", "11", "culture"))
    await env.sleep(timedelta(hours=1))
    world.wish = WishSnapshot(7, "closed", "11", "culture")
    await handle.signal(WishLifecycle.transition, WishTransition(7, "closed", "11", "culture"))
    await handle.result()


async def searchable(env: WorkflowEnvironment, world: World, handle: WorkflowHandle) -> None:
    """Started with linli's search attributes (release 6): reviewed, published, claimed and closed, its state and
    category kept in them all the way."""
    for version, state, claimant in ((2, "approved", ""), (3, "published", ""), (4, "claimed", "11")):
        world.wish = WishSnapshot(version, state, claimant, "culture")
        await handle.signal(WishLifecycle.transition, WishTransition(version, state, claimant, "culture"))
        await env.sleep(timedelta(seconds=1))
    world.wish = WishSnapshot(6, "closed", "11", "culture")
    await handle.signal(WishLifecycle.transition, WishTransition(6, "closed", "11", "culture"))
    await handle.result()


SCENARIOS: dict[str, tuple[WishTransition, Scenario]] = {
    "reminded-then-claimed": (WishTransition(1, "submitted"), reminded_then_claimed),
    "rejected": (WishTransition(1, "submitted"), rejected),
    "found-by-reread": (WishTransition(1, "submitted"), found_by_reread),
    "claim-lapsed-and-reopened": (WishTransition(4, "claimed", "11", "culture"), claim_lapsed_and_reopened),
    "confirmed": (WishTransition(5, "fulfilled", "11", "culture"), confirmed),
    "withdrawn": (WishTransition(3, "published"), withdrawn),
    "not-feasible": (WishTransition(4, "claimed", "11", "culture"), not_feasible),
    "reassigned-then-duplicate": (WishTransition(4, "claimed", "11", "culture"), reassigned_then_duplicate),
    "climbed-to-the-top": (WishTransition(3, "published"), climbed_to_the_top),
    "approved-mid-climb": (WishTransition(1, "submitted"), approved_mid_climb),
    "grid-climb": (WishTransition(3, "published"), grid_climb),
    "told-before-the-deadline": (WishTransition(3, "published"), told_before_the_deadline),
    "searchable": (WishTransition(1, "submitted"), searchable),
}
# Scenarios release 1 could not run.
SINCE_V2 = {"claim-lapsed-and-reopened", "confirmed", "withdrawn"}
# Scenarios release 2 could not run (closing outcomes, reassignment).
SINCE_V3 = {"not-feasible", "reassigned-then-duplicate"}
# Scenarios that show release 4's climb up the org tree.
SINCE_V4 = {"climbed-to-the-top", "approved-mid-climb", "grid-climb"}
# Scenarios that show release 5's notices (every scenario sends them on release 5; this one tells a claimant early).
SINCE_V5 = {"told-before-the-deadline"}
# Scenarios started with linli's search attributes, as the outbox starts wishes since release 6.
SINCE_V6 = {"searchable"}


async def record(tag: str, names: list[str]) -> None:
    if names and set(names) <= SINCE_V6:
        # The time-skipping server knows no custom search attributes: these run on a dev server that registers them.
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(dev_server_binary()), dev_server_extra_args=dev_server_flags()
        )
    else:
        env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=str(test_server_binary()))
    try:
        for name in names or list(SCENARIOS):
            first, scenario = SCENARIOS[name]
            world = World(task_queue=f"record-{uuid.uuid4().hex[:8]}")
            world.wish = WishSnapshot(first.version, first.state, first.claimant_member_id, first.category)
            if first.state == "claimed":
                first.deadline = (await env.get_current_time()).timestamp() + 86400
                world.wish.deadline = first.deadline
            async with Worker(
                env.client, task_queue=world.task_queue, workflows=[WishLifecycle], activities=world.activities()
            ):
                handle = await _start(env.client, world, first, searchable=name in SINCE_V6)
                await scenario(env, world, handle)
                history = await handle.fetch_history()
                (HERE / f"{tag}-{name}.json").write_text(history.to_json())
                desc = await handle.describe()
                if desc.status is not None and desc.status.name == "RUNNING":
                    await handle.terminate("recorded")
            print(f"recorded {tag}-{name}")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1], sys.argv[2:]))
