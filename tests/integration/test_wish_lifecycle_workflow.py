"""WishLifecycle on Temporal's time-skipping server: days of waiting pass at once.

The activities of helpers/wish_world.py stand in for the services (whose gRPC calls the end-to-end tests
exercise); they record what the workflow asked for, so each timer and escalation path can be checked exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.wishes.contract import WishLifecycleInput, WishLimits, WishTransition, workflow_id
from tests.integration.helpers.wish_world import HOUR, LIMITS, World
from workflows.wish_lifecycle import WishLifecycle
from workflows.wish_steps import WishSnapshot


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
        await world.end_started()


async def start(
    env: WorkflowEnvironment, world: World, first: WishTransition, limits: WishLimits = LIMITS
) -> WorkflowHandle:
    wish_id = uuid.uuid4().hex[:8]
    handle = await env.client.start_workflow(
        WishLifecycle.run,
        WishLifecycleInput(wish_id=wish_id, community_id="5", limits=limits),
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


async def test_a_claimed_wish_without_a_deadline_waits_without_reminders(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world, WishTransition(4, "claimed", "11"))
    await time_skipping_env.sleep(timedelta(days=30))
    assert world.reminders == []
    assert (await handle.query(WishLifecycle.status)).state == "claimed"


async def claimed_with_deadline(env: WorkflowEnvironment, world: World, days: float) -> WorkflowHandle:
    deadline = (await env.get_current_time()).timestamp() + days * 86400
    world.wish = WishSnapshot(4, "claimed", "11", "culture", deadline)
    return await start(env, world, WishTransition(4, "claimed", "11", "culture", deadline))


async def test_a_claim_past_its_deadline_reminds_the_claimant_then_escalates_and_reopens(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await claimed_with_deadline(time_skipping_env, world, days=5)
    await time_skipping_env.sleep(timedelta(days=4, hours=23))
    assert world.reminders == []
    await time_skipping_env.sleep(timedelta(hours=2))
    assert [(r.kind, r.state, r.recipients) for r in world.reminders] == [
        ("reminder", "claimed", ["member:11", "org:5"])
    ]
    assert world.actions == []
    await time_skipping_env.sleep(timedelta(hours=48))
    assert [(r.kind, r.recipients) for r in world.reminders][1:] == [("escalation", ["org:4"])]
    assert [(a.action, a.version) for a in world.actions] == [("reopen_claim", 4)]
    status = await handle.query(WishLifecycle.status)
    assert (status.state, status.version) == ("published", 5)
    # Back on the wall, it is timed as an unclaimed wish again.
    await time_skipping_env.sleep(timedelta(hours=73))
    assert [(r.kind, r.state) for r in world.reminders][2:] == [("reminder", "published")]


async def test_a_claim_fulfilled_before_the_deadline_is_never_reminded(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await claimed_with_deadline(time_skipping_env, world, days=5)
    await time_skipping_env.sleep(timedelta(days=2))
    world.wish = WishSnapshot(5, "fulfilled", "11", "culture")
    await handle.signal(WishLifecycle.transition, WishTransition(5, "fulfilled", "11", "culture"))
    await time_skipping_env.sleep(timedelta(days=5))
    assert world.reminders == [] and world.actions == []


async def test_a_fulfilment_signalled_late_is_found_before_the_claim_is_reopened(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await claimed_with_deadline(time_skipping_env, world, days=1)
    await time_skipping_env.sleep(timedelta(days=1, hours=1))
    assert [r.kind for r in world.reminders] == ["reminder"]
    # Fulfilled in Postgres, its signal not yet relayed: the re-read before reopening must see it.
    world.wish = WishSnapshot(5, "fulfilled", "11", "culture")
    await time_skipping_env.sleep(timedelta(hours=49))
    assert [r.kind for r in world.reminders] == ["reminder"] and world.actions == []
    assert (await handle.query(WishLifecycle.status)).state == "fulfilled"


async def test_an_unconfirmed_fulfilment_is_closed_by_default_and_its_service_recorded_once(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.wish = WishSnapshot(5, "fulfilled", "11", "culture")
    handle = await start(time_skipping_env, world, WishTransition(5, "fulfilled", "11", "culture"))
    await time_skipping_env.sleep(timedelta(days=6))
    assert world.actions == []
    assert await handle.result() == "closed"
    assert [(a.action, a.version) for a in world.actions] == [("close_unconfirmed", 5)]
    assert "not confirmed within 7d: closed as confirmed by default" == world.actions[0].note
    assert world.services_recorded == [handle.id.removeprefix("wish-")]
    assert (await handle.query(WishLifecycle.status)).service_record_id == f"record-{handle.id.removeprefix('wish-')}"


async def test_a_confirmed_wish_records_its_service_and_ends(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world, WishTransition(5, "fulfilled", "11", "culture"))
    await handle.signal(WishLifecycle.transition, WishTransition(6, "closed", "11", "culture"))
    await handle.signal(WishLifecycle.transition, WishTransition(6, "closed", "11", "culture"))  # relayed twice
    assert await handle.result() == "closed"
    assert world.services_recorded == [handle.id.removeprefix("wish-")] and world.actions == []


async def test_a_withdrawn_wish_ends_without_a_service(time_skipping_env: WorkflowEnvironment, world: World) -> None:
    handle = await start(time_skipping_env, world, WishTransition(3, "published"))
    await handle.signal(WishLifecycle.transition, WishTransition(4, "withdrawn"))
    assert await handle.result() == "withdrawn"
    assert world.services_recorded == []


async def test_a_category_has_its_own_limits(time_skipping_env: WorkflowEnvironment, world: World) -> None:
    limits = WishLimits(
        review_seconds=48 * HOUR,
        publish_seconds=24 * HOUR,
        claim_seconds=72 * HOUR,
        by_category={"medical_care": {"claim": 6 * HOUR}},
    )
    world.wish = WishSnapshot(3, "published", "", "medical_care")
    await start(time_skipping_env, world, WishTransition(3, "published", "", "medical_care"), limits)
    await time_skipping_env.sleep(timedelta(hours=7))
    assert [(r.kind, r.state) for r in world.reminders] == [("reminder", "published")]
    assert "not claimed for 6h" in world.reminders[0].note


async def test_an_extended_claim_is_timed_from_its_new_deadline(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await claimed_with_deadline(time_skipping_env, world, days=1)
    await time_skipping_env.sleep(timedelta(hours=20))
    later = world.wish.deadline + 2 * 86400
    world.wish = WishSnapshot(5, "claimed", "11", "culture", later)
    await handle.signal(WishLifecycle.transition, WishTransition(5, "claimed", "11", "culture", later))
    await time_skipping_env.sleep(timedelta(hours=5))  # past the first deadline
    assert world.reminders == []
    await time_skipping_env.sleep(timedelta(days=2))  # past the new one
    assert [(r.kind, r.state, r.request_id.rsplit("/", 2)[1]) for r in world.reminders] == [
        ("reminder", "claimed", "v5")
    ]


def steps(world: World) -> list[tuple[str, list[str]]]:
    return [(r.kind, r.recipients) for r in world.reminders]


async def test_an_unclaimed_wish_climbs_to_the_street_then_the_district_and_stops_there(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.wish = WishSnapshot(3, "published", "", "culture")
    handle = await start(time_skipping_env, world, WishTransition(3, "published", "", "culture"))
    reminded = ("reminder", ["org:5", "member:11", "member:12"])
    await time_skipping_env.sleep(timedelta(hours=71))
    assert steps(world) == []
    await time_skipping_env.sleep(timedelta(hours=2))  # 73 h: the claim limit (72 h) passed once
    assert steps(world) == [reminded]
    await time_skipping_env.sleep(timedelta(hours=70))  # 143 h
    assert steps(world) == [reminded]
    await time_skipping_env.sleep(timedelta(hours=2))  # 145 h: twice
    assert steps(world) == [reminded, ("escalation", ["org:4"])]
    await time_skipping_env.sleep(timedelta(hours=70))  # 215 h
    assert len(world.reminders) == 2
    await time_skipping_env.sleep(timedelta(hours=2))  # 217 h: three times
    assert steps(world) == [reminded, ("escalation", ["org:4"]), ("escalation", ["org:3"])]
    # The district is the top level: a month more climbs no further, to the city or anywhere.
    await time_skipping_env.sleep(timedelta(days=30))
    assert len(world.reminders) == 3
    assert [r.note for r in world.reminders[1:]] == [
        "not claimed for 6d: escalated to the street",
        "not claimed for 9d: escalated to the district (the top level)",
    ]
    assert [r.request_id.rsplit("/", 2)[1:] for r in world.reminders] == [
        ["v3", "reminder"],
        ["v3", "escalation-1"],
        ["v3", "escalation-2"],
    ]
    assert world.org_paths_read == 1
    assert [r.level for r in world.reminders] == ["", "street", "district"]
    status = await handle.query(WishLifecycle.status)
    assert status.reminders == ["reminder:published", "escalation:published", "escalation:published"]
    assert (status.state, status.version) == ("published", 3)


async def test_a_claim_in_the_middle_of_the_climb_stops_it(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.wish = WishSnapshot(3, "published", "")
    handle = await start(time_skipping_env, world, WishTransition(3, "published"))
    await time_skipping_env.sleep(timedelta(hours=145))
    assert steps(world)[1:] == [("escalation", ["org:4"])]
    world.wish = WishSnapshot(4, "claimed", "11")
    await handle.signal(WishLifecycle.transition, WishTransition(4, "claimed", "11"))
    await time_skipping_env.sleep(timedelta(days=30))
    assert len(world.reminders) == 2
    assert (await handle.query(WishLifecycle.status)).state == "claimed"


async def test_a_claim_not_yet_relayed_is_found_before_the_next_level(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.wish = WishSnapshot(3, "published", "")
    await start(time_skipping_env, world, WishTransition(3, "published"))
    await time_skipping_env.sleep(timedelta(hours=145))
    world.wish = WishSnapshot(4, "claimed", "11")  # committed, its signal still in flight
    await time_skipping_env.sleep(timedelta(days=30))
    assert steps(world)[1:] == [("escalation", ["org:4"])]


async def test_an_unreviewed_wish_climbs_from_the_reviewer_to_the_district(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    await start(time_skipping_env, world, WishTransition(1, "submitted"))
    await time_skipping_env.sleep(timedelta(hours=97))
    assert steps(world) == [("reminder", ["org:5"]), ("escalation", ["org:4"])]
    await time_skipping_env.sleep(timedelta(hours=48))  # 145 h: the review limit (48 h) three times
    assert steps(world)[2:] == [("escalation", ["org:3"])]
    assert world.reminders[2].note == "not reviewed for 6d: escalated to the district (the top level)"
    await time_skipping_env.sleep(timedelta(days=30))
    assert len(world.reminders) == 3


async def test_a_category_limit_sets_the_pace_of_the_climb(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    limits = WishLimits(
        review_seconds=48 * HOUR,
        publish_seconds=24 * HOUR,
        claim_seconds=72 * HOUR,
        by_category={"medical_care": {"claim": 6 * HOUR}},
    )
    world.wish = WishSnapshot(3, "published", "", "medical_care")
    await start(time_skipping_env, world, WishTransition(3, "published", "", "medical_care"), limits)
    await time_skipping_env.sleep(timedelta(hours=11))
    assert [r.kind for r in world.reminders] == ["reminder"]
    await time_skipping_env.sleep(timedelta(hours=2))  # 13 h
    assert steps(world)[1:] == [("escalation", ["org:4"])]
    await time_skipping_env.sleep(timedelta(hours=6))  # 19 h
    assert steps(world)[1:] == [("escalation", ["org:4"]), ("escalation", ["org:3"])]
    assert world.reminders[2].note == "not claimed for 18h: escalated to the district (the top level)"


async def test_the_climb_stops_at_the_configured_level_or_the_root(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    to_the_street = WishLimits(review_seconds=48 * HOUR, publish_seconds=24 * HOUR, claim_seconds=72 * HOUR)
    to_the_street.escalate_to = "street"
    world.wish = WishSnapshot(3, "published", "")
    await start(time_skipping_env, world, WishTransition(3, "published"), to_the_street)
    await time_skipping_env.sleep(timedelta(days=30))
    assert steps(world)[1:] == [("escalation", ["org:4"])]
    assert world.reminders[1].note == "not claimed for 6d: escalated to the street (the top level)"

    # A tree whose root is the street: the climb ends there whatever the top level.
    world.reminders.clear()
    world.parent_of = {"5": "4"}
    await start(time_skipping_env, world, WishTransition(3, "published"))
    await time_skipping_env.sleep(timedelta(days=30))
    assert steps(world)[1:] == [("escalation", ["org:4"])]


async def test_a_wish_in_a_grid_reminds_the_grid_then_climbs_to_the_community_street_and_district(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.wish = WishSnapshot(3, "published", "", unit_id="6")
    await start(time_skipping_env, world, WishTransition(3, "published"))
    await time_skipping_env.sleep(timedelta(hours=73))
    assert steps(world) == [("reminder", ["org:6", "member:11", "member:12"])]
    assert (
        world.reminders[0].note
        == "not claimed for 3d: reminded the grid or building it lies in and 2 recommended members"
    )
    await time_skipping_env.sleep(timedelta(hours=72))  # 145 h
    assert steps(world)[1:] == [("escalation", ["org:5"])]
    await time_skipping_env.sleep(timedelta(hours=144))  # 289 h: the limit four times
    assert steps(world)[1:] == [("escalation", ["org:5"]), ("escalation", ["org:4"]), ("escalation", ["org:3"])]
    assert [r.note.rsplit(": ", 1)[1] for r in world.reminders[1:]] == [
        "escalated to the community",
        "escalated to the street",
        "escalated to the district (the top level)",
    ]
    await time_skipping_env.sleep(timedelta(days=30))
    assert len(world.reminders) == 4
