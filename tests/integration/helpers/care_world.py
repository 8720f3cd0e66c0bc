"""A care pair for CarePair on the time-skipping server: the registry's CarePairService stood in for (its pair and
the missed periods it records), the real steps sending to a gateway on 127.0.0.1 when one is given."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import care_pb2 as pb
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.registry.care.contract import CHANGED_SIGNAL, CareChange, CarePairInput, CareTimings, workflow_id
from workflows.care_pair import CarePair
from workflows.care_steps import CareSteps
from workflows.notices import LogNotifier, Notifier, WebhookNotifier
from workflows.wish_steps import OrgRef

UNIT, PARENT = "40", "30"
CARERS = ["12", "13"]


def _at(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromMicroseconds(int(seconds * 1e6))
    return stamp


@dataclass
class CareRegistry:
    """The pair as the registry holds it, and what the workflow asked of it."""

    pair_id: str
    started_at: float
    cadence_days: int = 3
    version: int = 1
    state: str = "active"
    last_visit_id: str = "0"
    last_visit_at: float = 0.0
    misses: set[tuple[str, int, bool]] = field(default_factory=set)

    def change(self) -> CareChange:
        return CareChange(
            self.version, self.state, self.cadence_days, self.started_at, self.last_visit_id, self.last_visit_at
        )

    def visit(self, visit_id: str, at: float) -> CareChange:
        self.version += 1
        self.last_visit_id, self.last_visit_at = visit_id, at
        return self.change()

    def end(self) -> CareChange:
        self.version += 1
        self.state = "ended"
        return self.change()

    async def GetCarePair(self, request: pb.GetCarePairRequest, timeout: float) -> pb.GetCarePairResponse:
        return pb.GetCarePairResponse(
            pair=pb.CarePair(
                id=self.pair_id,
                version=self.version,
                state=pb.CARE_PAIR_STATE_ACTIVE if self.state == "active" else pb.CARE_PAIR_STATE_ENDED,
                cadence_days=self.cadence_days,
                began_at=_at(self.started_at),
                last_visit_id=self.last_visit_id,
                last_visit_at=_at(self.last_visit_at) if self.last_visit_at else None,
            )
        )

    async def RecordCareMiss(self, request: pb.RecordCareMissRequest, timeout: float) -> pb.RecordCareMissResponse:
        key = (request.after_visit_id, request.period, request.office)
        created = key not in self.misses
        self.misses.add(key)
        return pb.RecordCareMissResponse(carer_member_ids=CARERS, unit_id=UNIT, created=created)


@activity.defn(name="parent_org")
async def parent_org(ref: OrgRef) -> OrgRef:
    return OrgRef(PARENT if ref.org_unit_id == UNIT else "")


@dataclass
class CareWorld:
    env: WorkflowEnvironment
    registry: CareRegistry
    handle: WorkflowHandle[Any, Any]

    async def tell(self, change: CareChange) -> None:
        await self.handle.signal(CHANGED_SIGNAL, change)


async def new_pair(env: WorkflowEnvironment, cadence_days: int = 3) -> CareRegistry:
    """A pair begun now (the test server's now), with an id of its own on the shared server."""
    now = (await env.get_current_time()).timestamp()
    return CareRegistry(pair_id=str(uuid.uuid4().int % 10**9), started_at=now, cadence_days=cadence_days)


def care_worker(env: WorkflowEnvironment, queue: str, registry: CareRegistry, url: str | None) -> Worker:
    notifiers: list[Notifier] = [WebhookNotifier(url)] if url else [LogNotifier()]
    steps = CareSteps(registry, notifiers)  # type: ignore[arg-type]
    return Worker(
        env.client,
        task_queue=queue,
        workflows=[CarePair],
        activities=[steps.read_care_pair, steps.record_care_miss, steps.send_care_notice, parent_org],
    )


async def start(
    env: WorkflowEnvironment,
    queue: str,
    registry: CareRegistry,
    grace: timedelta = timedelta(days=1),
    history_limit: int = 10_000,
) -> CareWorld:
    """Starts the pair's workflow as the outbox relay does: signal-with-start carrying its first change."""
    handle = await env.client.start_workflow(
        "CarePair",
        CarePairInput(registry.pair_id, UNIT, CareTimings(grace.total_seconds(), history_limit)),
        id=workflow_id(registry.pair_id),
        task_queue=queue,
        start_signal=CHANGED_SIGNAL,
        start_signal_args=[registry.change()],
    )
    return CareWorld(env, registry, handle)
