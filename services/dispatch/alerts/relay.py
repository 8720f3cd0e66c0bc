"""The alert relay: delivers committed alert state changes to their EmergencyDispatch workflows, through the one
outbox relay (services/runtime/outbox.py explains why). A state change is committed with its timeline event, and
that row, sent as signal `changed`, starts the alert's workflow when it is raised.

After each commit a handler has the change delivered at once, on its own (deliver_soon: from the committed alert
in hand, not waiting behind a batch of other alerts' in flight); the relay's loop is the backstop, and its poll
catches anything a crash or a failure left behind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg
from temporalio.client import Client

from services.dispatch.alerts import contract
from services.runtime.config import Settings
from services.runtime.outbox import Outbox, OutboxRelay, Row, SignalWithStart
from services.runtime.search_attributes import search_attributes

if TYPE_CHECKING:
    from services.dispatch.alerts.store import Alert

# The state changes, not the steps the workflow records itself (calls, time-outs, escalations, deliveries).
_CHANGES = "e.kind in ('raised', 'acknowledged', 'arrived', 'resolved', 'cancelled')"
OUTBOX = Outbox(
    "alert",
    "alert_events",
    "alert_id",
    """select e.id, e.alert_id, e.version, e.kind, e.recipient, e.at,
              a.community_id, a.street_id, a.kind as alert_kind, a.unit_id, a.call_list
       from alert_events e join alerts a on a.id = e.alert_id""",
    where=_CHANGES,
)


class AlertRelay(OutboxRelay):
    def __init__(self, pool: asyncpg.Pool, temporal: Client, settings: Settings) -> None:
        super().__init__(pool, temporal, settings, OUTBOX)
        # Alerts start on a queue of their own, served by workers that run nothing else. An alert whose workflow
        # started on the general queue before the upgrade is only signalled here: it finishes where it began.
        self.task_queue = settings.emergency_task_queue
        self.ack_timeout = settings.alerts.ack_timeout.total_seconds()
        self.staff_timeout = settings.alerts.staff_timeout.total_seconds()

    def letter(self, row: Row) -> SignalWithStart:
        alert_id = str(row["alert_id"])
        return SignalWithStart(
            workflow=contract.WORKFLOW,
            input=contract.EmergencyDispatchInput(
                alert_id=alert_id,
                ack_timeout_seconds=self.ack_timeout,
                staff_timeout_seconds=self.staff_timeout,
                community_id=str(row["community_id"]),
                street_id=str(row["street_id"] or ""),
                kind=row["alert_kind"],
                volunteers=_callees(row["call_list"]),
                unit_id=str(row["unit_id"]),
            ),
            workflow_id=contract.workflow_id(alert_id),
            signal=contract.CHANGED_SIGNAL,
            signal_arg=contract.AlertChange(row["version"], row["kind"], row["recipient"]),
            # The alert's kind only: its state changes many times a minute, its unit and kind never.
            search_attributes=search_attributes(str(row["community_id"]), category=row["alert_kind"]),
        )

    def deliver_soon(self, alert: Alert) -> None:
        """Tells the alert's workflow of its change just committed, now, beside the relay's loop — which takes over
        should this fail."""
        change = {
            "alert_id": alert.id,
            "version": alert.version,
            "kind": alert.state,
            "recipient": alert.responder or "",
            "community_id": alert.community_id,
            "street_id": alert.street_id,
            "alert_kind": alert.kind,
            "unit_id": alert.unit_id,
            "call_list": alert.call_list,
        }

        async def mark_delivered() -> None:
            await self.pool.execute(
                """update alert_events set delivered_at = now()
                   where alert_id = $1 and version = $2 and kind = $3 and delivered_at is null""",
                alert.id,
                alert.version,
                alert.state,
            )

        self.deliver_at_once(change, mark_delivered)


def _callees(call_list: list[list[str]] | None) -> list[contract.Callee] | None:
    if call_list is None:
        return None
    callees = []
    for volunteer, nearness in call_list:
        kind, _, number = volunteer.partition(":")
        callees.append(contract.Callee(number, nearness) if kind == "member" else contract.Callee("", nearness, number))
    return callees
