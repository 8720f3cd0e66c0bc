"""WishLifecycle's notices reach people: on the time-skipping server, with the real send step posting to a real HTTP
gateway on 127.0.0.1 (tests/helpers/notice_gateway.py) and the services' other steps stood in for
(helpers/wish_world.py)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.wishes.contract import WishLifecycleInput, WishTransition, workflow_id
from tests.helpers.notice_gateway import NoticeGateway
from tests.integration.helpers.wish_world import LIMITS, World
from workflows.notices import WebhookNotifier
from workflows.wish_lifecycle import WishLifecycle
from workflows.wish_steps import WishSnapshot


@pytest.fixture
async def world(time_skipping_env: WorkflowEnvironment, gateway: tuple[NoticeGateway, str]) -> AsyncIterator[World]:
    world = World(task_queue=f"wish-notices-{uuid.uuid4().hex[:8]}", notifiers=[WebhookNotifier(gateway[1])])
    async with Worker(
        time_skipping_env.client, task_queue=world.task_queue, workflows=[WishLifecycle], activities=world.activities()
    ):
        yield world
        await world.end_started()


async def start(env: WorkflowEnvironment, world: World, first: WishTransition) -> WorkflowHandle:
    wish_id = uuid.uuid4().hex[:8]
    world.wish = WishSnapshot(first.version, first.state, first.claimant_member_id, first.category, first.deadline)
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


async def until(env: WorkflowEnvironment, done: Callable[[], bool], step: timedelta = timedelta(seconds=30)) -> None:
    """Lets the server's clock run a step at a time until `done`: no real waiting, no timing assumed."""
    for _ in range(200):
        if done():
            return
        await env.sleep(step)
    raise AssertionError("never happened")


def purposes(gateway: NoticeGateway, recipient: str) -> list[str]:
    return [n["purpose"] for n in gateway.notices(recipient=recipient)]


def assert_each_once(gateway: NoticeGateway) -> None:
    repeated = [key for key, n in Counter(gateway.keys).items() if n > 1]
    assert repeated == [], f"taken more than once: {repeated}"


async def test_an_unreviewed_wish_reminds_the_community_and_the_street_office_receives_its_escalation_once(
    time_skipping_env: WorkflowEnvironment, world: World, gateway: tuple[NoticeGateway, str]
) -> None:
    received = gateway[0]
    handle = await start(time_skipping_env, world, WishTransition(1, "submitted"))
    await time_skipping_env.sleep(timedelta(hours=49))
    await until(time_skipping_env, lambda: purposes(received, "org:5") == ["wish_reminder"])
    assert "not reviewed for 2d: please review it" in received.notices("wish_reminder")[0]["text"]
    await time_skipping_env.sleep(timedelta(hours=48))
    await until(time_skipping_env, lambda: purposes(received, "org:4") == ["wish_escalation"])
    street = received.notices("wish_escalation", recipient="org:4")
    assert len(street) == 1 and received.keys.count(f"{handle.id}/v1/escalation-1/org:4") == 1
    await time_skipping_env.sleep(timedelta(days=3))
    assert purposes(received, "org:4") == ["wish_escalation"]
    assert_each_once(received)


async def test_a_claimant_is_told_before_and_at_the_deadline_then_of_the_lapse_and_the_office_of_the_reopening(
    time_skipping_env: WorkflowEnvironment, world: World, gateway: tuple[NoticeGateway, str]
) -> None:
    received = gateway[0]
    deadline = (await time_skipping_env.get_current_time()).timestamp() + 3 * 86400
    await start(time_skipping_env, world, WishTransition(4, "claimed", "11", "culture", deadline))
    await time_skipping_env.sleep(timedelta(days=2, hours=1))
    await until(time_skipping_env, lambda: purposes(received, "member:11") == ["wish_claim_due"])
    due = received.notices("wish_claim_due")[0]["text"]
    assert "lapses at" in due and "extended once" in due
    await time_skipping_env.sleep(timedelta(days=1))
    await until(time_skipping_env, lambda: purposes(received, "member:11") == ["wish_claim_due", "wish_claim_deadline"])
    await time_skipping_env.sleep(timedelta(days=2))
    await until(time_skipping_env, lambda: "wish_claim_lapsed" in purposes(received, "member:11"))
    assert purposes(received, "member:11") == ["wish_claim_due", "wish_claim_deadline", "wish_claim_lapsed"]
    await until(time_skipping_env, lambda: purposes(received, "org:4") == ["wish_reopened"])
    assert world.actions[0].action == "reopen_claim"
    assert_each_once(received)


async def test_the_resident_hears_of_publication_claim_fulfilment_and_close_out(
    time_skipping_env: WorkflowEnvironment, world: World, gateway: tuple[NoticeGateway, str]
) -> None:
    received = gateway[0]
    handle = await start(time_skipping_env, world, WishTransition(3, "published"))
    resident = f"resident:{handle.id.removeprefix('wish-')}"
    await until(time_skipping_env, lambda: purposes(received, resident) == ["wish_published"])
    for told, change in enumerate(
        (WishTransition(4, "claimed", "11", "culture"), WishTransition(5, "fulfilled", "11", "culture")), 2
    ):
        world.wish = WishSnapshot(change.version, change.state, change.claimant_member_id, change.category)
        await handle.signal(WishLifecycle.transition, change)
        await until(time_skipping_env, lambda n=told: len(purposes(received, resident)) == n, step=timedelta(seconds=1))
    world.wish = WishSnapshot(6, "closed", "11", "culture")
    await handle.signal(WishLifecycle.transition, WishTransition(6, "closed", "11", "culture"))
    assert await handle.result() == "closed"
    assert purposes(received, resident) == ["wish_published", "wish_claimed", "wish_fulfilled", "wish_closed"]
    assert "please confirm" in received.notices("wish_fulfilled")[0]["text"]
    assert "fulfilled and closed" in received.notices("wish_closed")[0]["text"]
    assert_each_once(received)


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        ("not_feasible", "not feasible"),
        ("duplicate", "a duplicate"),
        ("referred", "referred"),
        ("withdrawn", "withdrawn"),
    ],
)
async def test_the_resident_is_told_how_the_wish_ended(
    time_skipping_env: WorkflowEnvironment, world: World, gateway: tuple[NoticeGateway, str], state: str, outcome: str
) -> None:
    handle = await start(time_skipping_env, world, WishTransition(1, "submitted"))
    world.wish = WishSnapshot(2, state, "")
    await handle.signal(WishLifecycle.transition, WishTransition(2, state))
    assert await handle.result() == state
    closed = gateway[0].notices("wish_closed")
    assert len(closed) == 1 and outcome in closed[0]["text"]


async def test_with_the_gateway_down_for_a_minute_every_notice_still_arrives_exactly_once(
    time_skipping_env: WorkflowEnvironment, world: World, gateway: tuple[NoticeGateway, str]
) -> None:
    received = gateway[0]
    await start(time_skipping_env, world, WishTransition(3, "published"))
    await until(time_skipping_env, lambda: len(received.notices("wish_published")) == 1)
    await time_skipping_env.sleep(timedelta(hours=71))
    received.down()
    await time_skipping_env.sleep(timedelta(hours=1, minutes=30))  # the reminder is due: none of it gets through
    assert [n["purpose"] for n in received.taken] == ["wish_published"]
    await time_skipping_env.sleep(timedelta(seconds=60))
    received.up()
    expected = {"org:5": ["wish_reminder"], "member:11": ["wish_recommended"], "member:12": ["wish_recommended"]}
    await until(time_skipping_env, lambda: all(purposes(received, r) == p for r, p in expected.items()))
    await time_skipping_env.sleep(timedelta(minutes=10))
    assert len(received.taken) == 4
    assert_each_once(received)


async def test_a_notice_not_delivered_within_six_hours_is_recorded_and_told_to_the_office_above(
    time_skipping_env: WorkflowEnvironment, world: World, gateway: tuple[NoticeGateway, str]
) -> None:
    received = gateway[0]
    received.down()
    handle = await start(time_skipping_env, world, WishTransition(1, "submitted"))
    await time_skipping_env.sleep(timedelta(hours=49))  # the community's reminder is due, and cannot go out
    await time_skipping_env.sleep(timedelta(hours=7))  # past the six hours of retries: given up
    await until(time_skipping_env, lambda: any("not delivered" in r.note for r in world.reminders))
    [given_up] = [r for r in world.reminders if "not delivered" in r.note]
    assert given_up.kind == "escalation" and given_up.recipients == ["org:4"]
    assert given_up.request_id == f"{handle.id}/v1/reminder/undelivered"
    assert "wish_reminder notice to 1 recipient(s) not delivered after 6h" in given_up.note
    received.up()
    await until(time_skipping_env, lambda: len(received.notices("wish_undelivered", recipient="org:4")) == 1)
    assert "org:5" in received.notices("wish_undelivered")[0]["text"]
    assert received.notices("wish_reminder") == []  # given up on: never sent late
    assert_each_once(received)


async def test_an_extended_claim_tells_the_resident_nothing_new_and_the_claimant_of_the_new_deadline(
    time_skipping_env: WorkflowEnvironment, world: World, gateway: tuple[NoticeGateway, str]
) -> None:
    received = gateway[0]
    now = (await time_skipping_env.get_current_time()).timestamp()
    handle = await start(time_skipping_env, world, WishTransition(4, "claimed", "11", "culture", now + 2 * 86400))
    resident = f"resident:{handle.id.removeprefix('wish-')}"
    await until(time_skipping_env, lambda: purposes(received, resident) == ["wish_claimed"], step=timedelta(seconds=1))
    extended = WishTransition(5, "claimed", "11", "culture", now + 4 * 86400)
    world.wish = WishSnapshot(5, "claimed", "11", "culture", extended.deadline)
    await handle.signal(WishLifecycle.transition, extended)
    await time_skipping_env.sleep(timedelta(days=3, hours=1))  # a day before the new deadline
    await until(time_skipping_env, lambda: purposes(received, "member:11") == ["wish_claim_due"])
    assert received.keys.count(f"{handle.id}/v5/claim-due/member:11") == 1
    assert purposes(received, resident) == ["wish_claimed"]
