"""WishLifecycle on Temporal's time-skipping server: days of waiting pass at once.

The activities here stand in for the services (whose gRPC calls the end-to-end tests exercise); they
record what the workflow asked for, so each timer and escalation path can be checked exactly.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from workflows.wish_activities import OrgRef, ReminderRequest, WishRef, WishSnapshot
from workflows.wish_lifecycle import (
    WishLifecycle,
    WishLifecycleInput,
    WishLimits,
    WishTransition,
    workflow_id,
)

HOUR = 3600
LIMITS = WishLimits(review_seconds=48 * HOUR, publish_seconds=24 * HOUR, claim_seconds=72 * HOUR)


@dataclass
class World:
    """What the services would say, and what the workflow told them."""

    wish: WishSnapshot = field(default_factory=lambda: WishSnapshot(1, "submitted", ""))
    recommended: list[str] = field(default_factory=lambda: ["11", "12"])
    parent_of: dict[str, str] = field(default_factory=lambda: {"5": "4"})
    reminders: list[ReminderRequest] = field(default_factory=list)
    started: list[WorkflowHandle] = field(default_factory=list)
    task_queue: str = ""

    def activities(self) -> list[object]:
        @activity.defn(name="read_wish")
        async def read_wish(ref: WishRef) -> WishSnapshot:
            return self.wish

        @activity.defn(name="recommend_claimants")
        async def recommend_claimants(ref: WishRef) -> list[str]:
            return self.recommended

        @activity.defn(name="parent_org")
        async def parent_org(ref: OrgRef) -> OrgRef:
            return OrgRef(self.parent_of.get(ref.org_unit_id, ""))

        @activity.defn(name="record_reminder")
        async def record_reminder(request: ReminderRequest) -> bool:
            if all(r.request_id != request.request_id for r in self.reminders):
                self.reminders.append(request)
            return True

        return [read_wish, recommend_claimants, parent_org, record_reminder]


@pytest.fixture
async def world(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[World]:
    world = World()
    task_queue = f"wishes-{uuid.uuid4().hex[:8]}"
    world.task_queue = task_queue
    async with Worker(
        time_skipping_env.client, task_queue=task_queue, workflows=[WishLifecycle], activities=world.activities()
    ):
        yield world
        # A workflow left running would hold the shared server's clock for the next test.
        for handle in world.started:
            with contextlib.suppress(RPCError):
                await handle.terminate("test over")


async def start(env: WorkflowEnvironment, world: World, first: WishTransition) -> WorkflowHandle:
    wish_id = uuid.uuid4().hex[:8]
    handle = await env.client.start_workflow(
        WishLifecycle.run,
        WishLifecycleInput(wish_id=wish_id, community_id="5", limits=LIMITS),
        id=workflow_id(wish_id),
        task_queue=world.task_queue,
        start_signal="transition",
        start_signal_args=[first],
    )
    world.started.append(handle)
    return handle


async def test_an_unreviewed_wish_reminds_the_community_then_escalates_to_the_street(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world, WishTransition(1, "submitted"))
    await time_skipping_env.sleep(timedelta(hours=47))
    assert world.reminders == []
    await time_skipping_env.sleep(timedelta(hours=2))
    assert [(r.kind, r.state, r.recipients) for r in world.reminders] == [("reminder", "submitted", ["org:5"])]
    await time_skipping_env.sleep(timedelta(hours=48))
    assert [(r.kind, r.recipients) for r in world.reminders] == [("reminder", ["org:5"]), ("escalation", ["org:4"])]
    assert "not reviewed for 2d" in world.reminders[0].note
    status = await handle.query(WishLifecycle.status)
    assert status.reminders == ["reminder:submitted", "escalation:submitted"]


async def test_a_wish_reviewed_in_time_is_never_reminded(time_skipping_env: WorkflowEnvironment, world: World) -> None:
    handle = await start(time_skipping_env, world, WishTransition(1, "submitted"))
    await time_skipping_env.sleep(timedelta(hours=40))
    await handle.signal(WishLifecycle.transition, WishTransition(2, "rejected"))
    assert await handle.result() == "rejected"
    assert world.reminders == []


async def test_an_unclaimed_wish_reminds_the_recommended_members(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.wish = WishSnapshot(3, "published", "")
    await start(time_skipping_env, world, WishTransition(3, "published"))
    await time_skipping_env.sleep(timedelta(hours=73))
    assert len(world.reminders) == 1
    assert world.reminders[0].recipients == ["org:5", "member:11", "member:12"]
    assert "2 recommended members" in world.reminders[0].note


async def test_a_transition_whose_signal_never_came_is_found_by_the_reread(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world, WishTransition(1, "submitted"))
    # The wish was approved in Postgres, but the workflow was not told (yet): it must not remind the reviewer.
    world.wish = WishSnapshot(2, "approved", "")
    await time_skipping_env.sleep(timedelta(hours=49))
    assert world.reminders == []
    status = await handle.query(WishLifecycle.status)
    assert (status.state, status.version) == ("approved", 2)
    # It now times the approved state instead.
    await time_skipping_env.sleep(timedelta(hours=24))
    assert [(r.kind, r.state) for r in world.reminders] == [("reminder", "approved")]


async def test_repeated_and_stale_signals_change_nothing(time_skipping_env: WorkflowEnvironment, world: World) -> None:
    handle = await start(time_skipping_env, world, WishTransition(1, "submitted"))
    for change in (WishTransition(3, "published"), WishTransition(2, "approved"), WishTransition(3, "published")):
        await handle.signal(WishLifecycle.transition, change)
    status = await handle.query(WishLifecycle.status)
    assert (status.state, status.version) == ("published", 3)


async def test_a_claimed_wish_waits_without_reminders(time_skipping_env: WorkflowEnvironment, world: World) -> None:
    handle = await start(time_skipping_env, world, WishTransition(4, "claimed", "11"))
    await time_skipping_env.sleep(timedelta(days=30))
    assert world.reminders == []
    assert (await handle.query(WishLifecycle.status)).state == "claimed"
