"""Delivers committed changes of care pairs to their CarePair workflows, through the one outbox relay
(services/runtime/outbox.py explains why): each change commits with its row in care_events, sent as signal
`changed` (starting the pair's workflow on the first). The row carries the pair as it is now, at its current
version, so a repeat or a late row changes nothing the workflow has not heard of."""

from __future__ import annotations

import asyncpg
from temporalio.client import Client

from services.registry.care import contract
from services.runtime.config import Settings
from services.runtime.outbox import Outbox, OutboxRelay, Row, SignalWithStart

OUTBOX = Outbox(
    "care",
    "care_events",
    "pair_id",
    """select e.id, e.pair_id, e.at, p.version, p.state, p.unit_id, p.cadence_days, p.began_at, p.last_visit_id,
              p.last_visit_at
       from care_events e join care_pairs p on p.id = e.pair_id""",
)


class CareRelay(OutboxRelay):
    def __init__(self, pool: asyncpg.Pool, temporal: Client, settings: Settings) -> None:
        super().__init__(pool, temporal, settings, OUTBOX)
        self.timings = contract.CareTimings(grace_seconds=settings.care_grace.total_seconds())

    def letter(self, row: Row) -> SignalWithStart:
        pair_id = str(row["pair_id"])
        last_visit = row["last_visit_at"]
        return SignalWithStart(
            workflow=contract.WORKFLOW,
            input=contract.CarePairInput(pair_id=pair_id, unit_id=str(row["unit_id"]), timings=self.timings),
            workflow_id=contract.workflow_id(pair_id),
            signal=contract.CHANGED_SIGNAL,
            signal_arg=contract.CareChange(
                version=row["version"],
                state=row["state"],
                cadence_days=row["cadence_days"],
                started_at=row["began_at"].timestamp(),
                last_visit_id=str(row["last_visit_id"] or 0),
                last_visit_at=last_visit.timestamp() if last_visit else 0.0,
            ),
        )
