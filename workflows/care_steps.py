"""The steps of CarePair (workflows/care_pair.py): the pair re-read from the registry before a timer acts, a missed
period recorded there (which answers whom to tell), and one recipient's notice sent through every sender
(workflows/notices.py, the path every notice takes) under its idempotency key. References only: no name, address
or contact of the resident enters a step's input or result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from linli.registry.v1 import care_pb2, care_pb2_grpc
from temporalio import activity

from workflows.metrics import CARE_NOTICES
from workflows.notices import Notifier, send_one_counted
from workflows.steps import TIMEOUT_SECONDS, call


@dataclass
class CarePairRef:
    pair_id: str


@dataclass
class CarePairSnapshot:
    version: int
    state: str  # "active", "ended"
    cadence_days: int
    started_at: float
    last_visit_id: str = "0"
    last_visit_at: float = 0.0


@dataclass
class CareMiss:
    request_id: str
    pair_id: str
    after_visit_id: str  # "0": counted from the pairing
    period: int
    office: bool  # False: the carers are reminded; True: the office is told


@dataclass
class CareRecipients:
    carer_member_ids: list[str] = field(default_factory=list)
    unit_id: str = ""


@dataclass
class CareNotice:
    key: str  # e.g. "care-pair-7/after-0/1/reminder/member:12"
    purpose: str  # "care_visit_due", "care_visit_missed", "care_undelivered"
    recipient: str  # "member:<id>" or "org:<id>"
    unit_id: str
    text: str


_STATES = {care_pb2.CARE_PAIR_STATE_ACTIVE: "active", care_pb2.CARE_PAIR_STATE_ENDED: "ended"}


class CareSteps:
    def __init__(self, care: care_pb2_grpc.CarePairServiceStub, notifiers: Sequence[Notifier]) -> None:
        self.care = care
        self.notifiers = list(notifiers)

    @activity.defn
    async def read_care_pair(self, ref: CarePairRef) -> CarePairSnapshot:
        answer = await call(
            self.care.GetCarePair(care_pb2.GetCarePairRequest(pair_id=ref.pair_id), timeout=TIMEOUT_SECONDS)
        )
        pair = answer.pair
        return CarePairSnapshot(
            version=pair.version,
            state=_STATES.get(pair.state, ""),
            cadence_days=pair.cadence_days,
            started_at=pair.began_at.ToMicroseconds() / 1e6,
            last_visit_id=pair.last_visit_id or "0",
            last_visit_at=pair.last_visit_at.ToMicroseconds() / 1e6 if pair.HasField("last_visit_at") else 0.0,
        )

    @activity.defn
    async def record_care_miss(self, miss: CareMiss) -> CareRecipients:
        answer = await call(
            self.care.RecordCareMiss(
                care_pb2.RecordCareMissRequest(
                    request_id=miss.request_id,
                    pair_id=miss.pair_id,
                    after_visit_id=miss.after_visit_id,
                    period=miss.period,
                    office=miss.office,
                ),
                timeout=TIMEOUT_SECONDS,
            )
        )
        return CareRecipients(list(answer.carer_member_ids), answer.unit_id)

    @activity.defn
    async def send_care_notice(self, notice: CareNotice) -> bool:
        """Sends the notice; False when the gateway refused it for good (counted, never sent again). A gateway that
        is down fails the attempt, retried with back-off."""
        return await send_one_counted(
            self.notifiers,
            CARE_NOTICES,
            key=notice.key,
            purpose=notice.purpose,
            recipient=notice.recipient,
            unit_id=notice.unit_id,
            text=notice.text,
        )
