"""EmergencyDispatch on Temporal's time-skipping server: every escalation path, with its timers.

The activities of helpers/alert_world.py stand in for the dispatch service and the notice senders (their real gRPC
and HTTP sides are exercised by the end-to-end tests and test_emergency_notify.py); they record what the workflow
asked for, so each call, time-out, escalation and stand-down can be checked exactly and in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.dispatch.alerts.contract import AlertChange, Callee
from tests.integration.helpers.alert_world import World, answer, start
from workflows.emergency_dispatch import EmergencyDispatch
from workflows.emergency_steps import AlertSnapshot


@pytest.fixture
async def world(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[World]:
    world = World(task_queue=f"alerts-{uuid.uuid4().hex[:8]}")
    async with Worker(
        time_skipping_env.client,
        task_queue=world.task_queue,
        workflows=[EmergencyDispatch],
        activities=world.activities(),
    ):
        yield world
        # Close every dispatch the way the service would (a false alarm), so nothing the test server counts
        # as in flight is left behind to hold its clock for the next test.
        for handle in world.started:
            with contextlib.suppress(RPCError):
                await handle.signal(EmergencyDispatch.changed, AlertChange(1_000_000, "cancelled"))
            try:
                await asyncio.wait_for(handle.result(), timeout=30)
            except Exception:
                with contextlib.suppress(RPCError):
                    await handle.terminate("test over")


async def test_the_nearest_volunteer_is_called_first_and_answers(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=5))
    assert world.calls() == [("called", "member:11")]
    assert world.recipients("alert") == ["member:11"]
    # The workflow hands the sender ids only; the sending activity fetches the address (the real one does).
    assert world.notices[0].address == "" and world.notices[0].alert_kind == "fall"

    await answer(handle, world, 2, "acknowledged", "member:11")
    await time_skipping_env.sleep(timedelta(minutes=10))
    assert world.calls() == [("called", "member:11")]  # nobody else was bothered
    await answer(handle, world, 3, "arrived")
    await answer(handle, world, 4, "resolved")
    assert await handle.result() == "resolved"
    assert len(world.service_recorded) == 1
    assert ("service_recorded", "member:11") in world.calls()


async def test_no_answer_within_the_time_out_calls_the_next_volunteer_and_stands_down_the_first(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=59))
    assert world.calls() == [("called", "member:11")]
    await time_skipping_env.sleep(timedelta(seconds=2))
    assert world.calls() == [("called", "member:11"), ("timed_out", "member:11"), ("called", "member:12")]

    # Member 11 answers late, but 12 was first: the service decided; 11 and nobody else is stood down.
    await answer(handle, world, 2, "acknowledged", "member:12")
    await answer(handle, world, 3, "resolved")
    assert await handle.result() == "resolved"
    assert world.recipients("alert") == ["member:11", "member:12"]
    assert world.recipients("stand_down") == ["member:11"]
    assert ("stood_down", "member:11") in [(s.kind, s.recipient) for s in world.steps]


async def test_the_acknowledgement_time_out_is_configurable(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    await start(time_skipping_env, world, ack_timeout=20)
    await time_skipping_env.sleep(timedelta(seconds=21))
    assert [r for k, r in world.calls() if k == "called"] == ["member:11", "member:12"]
    await time_skipping_env.sleep(timedelta(seconds=20))
    assert [r for k, r in world.calls() if k == "called"] == ["member:11", "member:12", "member:13"]


async def test_nobody_answering_escalates_to_community_staff_then_the_street(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=181))  # three volunteers, a minute each
    assert world.calls()[-2:] == [("escalated", "org:5"), ("called", "org:5")]
    assert [s.escalation for s in world.steps if s.kind == "escalated"] == ["community_staff"]
    await time_skipping_env.sleep(timedelta(minutes=4))
    assert ("escalated", "org:4") not in world.calls()
    await time_skipping_env.sleep(timedelta(minutes=1, seconds=1))
    assert world.calls()[-3:] == [("timed_out", "org:5"), ("escalated", "org:4"), ("called", "org:4")]
    status = await handle.query(EmergencyDispatch.status)
    assert status.escalation == "street"

    # It waits for someone however long it takes; staff answer, everyone else stands down.
    await time_skipping_env.sleep(timedelta(hours=2))
    await answer(handle, world, 2, "acknowledged", "staff:zhang")
    await answer(handle, world, 3, "resolved")
    assert await handle.result() == "resolved"
    assert world.recipients("stand_down") == ["member:11", "member:12", "member:13", "org:4", "org:5"]
    assert world.service_recorded == [status_alert_id(handle)]


def status_alert_id(handle: WorkflowHandle) -> str:
    return handle.id.removeprefix("alert-")


async def test_with_nobody_on_duty_community_staff_are_called_at_once(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.call_list.volunteers = []
    await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=1))
    assert world.calls() == [("escalated", "org:5"), ("called", "org:5")]
    assert world.steps[0].note == "nobody on duty"


async def test_a_false_alarm_stands_everyone_down_and_calls_nobody_more(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=61))
    await answer(handle, world, 2, "cancelled")
    assert await handle.result() == "cancelled"
    assert world.recipients("cancelled") == ["member:11", "member:12"]
    assert [r for k, r in world.calls() if k == "called"] == ["member:11", "member:12"]
    assert world.service_recorded == []


async def test_an_answer_whose_signal_never_came_is_found_by_the_reread(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=5))
    # Acknowledged in Postgres, but the workflow was not told (yet): it must not call the next volunteer.
    world.alert = AlertSnapshot(2, "acknowledged", "member:11")
    await time_skipping_env.sleep(timedelta(seconds=120))
    assert [r for k, r in world.calls() if k == "called"] == ["member:11"]
    status = await handle.query(EmergencyDispatch.status)
    assert (status.state, status.responder) == ("acknowledged", "member:11")


async def test_repeated_and_stale_signals_change_nothing(time_skipping_env: WorkflowEnvironment, world: World) -> None:
    handle = await start(time_skipping_env, world)
    await answer(handle, world, 2, "acknowledged", "member:11")
    for change in (AlertChange(1, "raised"), AlertChange(2, "acknowledged", "member:11")):
        await handle.signal(EmergencyDispatch.changed, change)
    status = await handle.query(EmergencyDispatch.status)
    assert (status.state, status.version, status.responder) == ("acknowledged", 2, "member:11")


async def test_a_gateway_that_is_down_delays_the_notice_but_not_the_escalation(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.failing_sends = 4  # back-off 1 s, 2 s, 4 s, 8 s: delivered about 15 s late
    handle = await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=5))
    assert world.notices == [] and world.send_attempts >= 2
    await time_skipping_env.sleep(timedelta(seconds=56))
    # The first volunteer's time-out ran from the call, not from the late delivery.
    assert [r for k, r in world.calls() if k == "called"] == ["member:11", "member:12"]
    assert world.recipients("alert") == ["member:11", "member:12"]
    assert [(s.kind, s.recipient) for s in world.steps if s.kind == "delivered"] == [
        ("delivered", "member:11"),
        ("delivered", "member:12"),
    ]
    await answer(handle, world, 2, "cancelled")
    assert await handle.result() == "cancelled"


async def test_a_notice_the_gateway_refuses_is_recorded_as_failed_and_the_dispatch_goes_on(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.refuse = True
    handle = await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=61))
    assert [(s.kind, s.recipient) for s in world.steps if s.kind == "delivery_failed"] == [
        ("delivery_failed", "member:11"),
        ("delivery_failed", "member:12"),
    ]
    await answer(handle, world, 2, "cancelled")
    assert await handle.result() == "cancelled"


async def test_an_answer_and_its_resolution_arriving_together_still_stand_the_others_down(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=61))
    await answer(handle, world, 2, "acknowledged", "member:12")
    await answer(handle, world, 3, "resolved")
    assert await handle.result() == "resolved"
    assert world.recipients("stand_down") == ["member:11"]
    assert world.service_recorded == [handle.id.removeprefix("alert-")]


async def test_a_false_alarm_after_an_answer_tells_the_responder_and_nobody_twice(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    handle = await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=61))
    await answer(handle, world, 2, "acknowledged", "member:12")
    await time_skipping_env.sleep(timedelta(seconds=5))
    await answer(handle, world, 3, "cancelled")
    assert await handle.result() == "cancelled"
    assert world.recipients("stand_down") == ["member:11"]
    assert world.recipients("cancelled") == ["member:12"]


async def test_a_call_list_out_of_reach_for_good_sends_the_alert_to_staff_at_once(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.call_list_broken = True
    handle = await start(time_skipping_env, world)
    await time_skipping_env.sleep(timedelta(seconds=1))
    assert world.calls() == [("escalated", "org:5"), ("called", "org:5")]
    assert world.notices[0].alert_kind == "fall"
    await time_skipping_env.sleep(timedelta(minutes=5, seconds=1))
    assert world.calls()[-2:] == [("escalated", "org:4"), ("called", "org:4")]
    await answer(handle, world, 2, "cancelled")
    assert await handle.result() == "cancelled"


async def test_a_call_list_given_in_the_input_is_called_without_asking_the_service(
    time_skipping_env: WorkflowEnvironment, world: World
) -> None:
    world.call_list_broken = True  # asking would fail: the dispatch would go straight to staff
    handle = await start(
        time_skipping_env, world, volunteers=[Callee("", "community", "34"), Callee("12", "community")]
    )
    await time_skipping_env.sleep(timedelta(seconds=61))
    assert world.calls()[:3] == [("called", "volunteer:34"), ("timed_out", "volunteer:34"), ("called", "member:12")]
    assert world.notices[0].unit_id == "7" and world.notices[0].alert_kind == "fall"
    await answer(handle, world, 2, "acknowledged", "member:12")
    await answer(handle, world, 3, "cancelled")
    assert await handle.result() == "cancelled"
