"""EmergencyDispatch on Temporal's time-skipping server: every escalation path, with its timers.

The activities here stand in for the dispatch service and the notice senders (their real gRPC and HTTP
sides are exercised by the end-to-end tests and test_emergency_notify.py); they record what the workflow
asked for, so each call, time-out, escalation and stand-down can be checked exactly and in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.dispatch.alerts.contract import AlertChange, Callee, EmergencyDispatchInput, workflow_id
from workflows.emergency_dispatch import EmergencyDispatch
from workflows.emergency_steps import AlertRef, AlertSnapshot, AlertStep, CallList
from workflows.notices import Notice


@dataclass
class World:
    """What the dispatch service would say, and what the workflow told it and sent."""

    call_list: CallList = field(
        default_factory=lambda: CallList(
            volunteers=[Callee("11", "building"), Callee("12", "grid"), Callee("13", "community")],
            community_id="5",
            street_id="4",
            alert_kind="fall",
            unit_id="7",
        )
    )
    alert: AlertSnapshot = field(default_factory=lambda: AlertSnapshot(1, "raised", ""))
    steps: list[AlertStep] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    service_recorded: list[str] = field(default_factory=list)
    failing_sends: int = 0  # the next N sends fail as if the gateway were down
    send_attempts: int = 0
    refuse: bool = False
    call_list_broken: bool = False
    started: list[WorkflowHandle] = field(default_factory=list)
    task_queue: str = ""

    def activities(self) -> list[object]:
        @activity.defn(name="alert_call_list")
        async def alert_call_list(ref: AlertRef) -> CallList:
            if self.call_list_broken:
                raise ApplicationError("NOT_FOUND: no alert", type="NOT_FOUND", non_retryable=True)
            return self.call_list

        @activity.defn(name="read_alert")
        async def read_alert(ref: AlertRef) -> AlertSnapshot:
            return self.alert

        @activity.defn(name="record_alert_step")
        async def record_alert_step(step: AlertStep) -> bool:
            if any(s.request_id == step.request_id for s in self.steps):
                return False
            self.steps.append(step)
            return True

        @activity.defn(name="send_notice")
        async def send_notice(notice: Notice) -> None:
            self.send_attempts += 1
            if notice.purpose == "alert":
                await record_alert_step(AlertStep(f"{notice.key}/called", notice.alert_id, "called", notice.recipient))
            if self.refuse:
                raise ApplicationError(
                    "gateway refused the notice: HTTP 400", type="GatewayRefused", non_retryable=True
                )
            if self.failing_sends > 0:
                self.failing_sends -= 1
                raise ApplicationError("gateway unreachable: ConnectionRefusedError")
            self.notices.append(notice)
            kind = "delivered" if notice.purpose == "alert" else "stood_down"
            await record_alert_step(AlertStep(f"{notice.key}/sent", notice.alert_id, kind, notice.recipient))

        @activity.defn(name="record_alert_service")
        async def record_alert_service(ref: AlertRef) -> str:
            self.service_recorded.append(ref.alert_id)
            return "900"

        return [alert_call_list, read_alert, record_alert_step, send_notice, record_alert_service]

    def calls(self) -> list[tuple[str, str]]:
        """(kind, recipient) of the dispatch steps, without the deliveries (which run beside them)."""
        return [(s.kind, s.recipient) for s in self.steps if s.kind not in ("delivered", "stood_down")]

    def recipients(self, purpose: str) -> list[str]:
        return sorted(n.recipient for n in self.notices if n.purpose == purpose)


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


async def start(
    env: WorkflowEnvironment, world: World, ack_timeout: float = 60.0, volunteers: list[Callee] | None = None
) -> WorkflowHandle:
    alert_id = uuid.uuid4().hex[:8]
    handle = await env.client.start_workflow(
        EmergencyDispatch.run,
        EmergencyDispatchInput(
            alert_id=alert_id,
            ack_timeout_seconds=ack_timeout,
            staff_timeout_seconds=300,
            community_id="5",
            street_id="4",
            kind="fall",
            volunteers=volunteers,
            unit_id="7",
        ),
        id=workflow_id(alert_id),
        task_queue=world.task_queue,
        start_signal="changed",
        start_signal_args=[AlertChange(1, "raised")],
    )
    world.started.append(handle)
    return handle


async def answer(handle: WorkflowHandle, world: World, version: int, state: str, responder: str = "") -> None:
    world.alert = AlertSnapshot(version, state, responder or world.alert.responder)
    await handle.signal(EmergencyDispatch.changed, AlertChange(version, state, responder))


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
