"""What EmergencyDispatch runs against on the time-skipping server: stand-ins for the dispatch service and the notice
senders that record what the workflow asked for, and how a test starts a dispatch and answers it
(tests/integration/test_emergency_dispatch_workflow.py, emergency_histories/record.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

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
