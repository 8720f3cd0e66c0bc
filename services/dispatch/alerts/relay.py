"""The alert relay: delivers committed alert state changes to their EmergencyDispatch workflows.

The same outbox as the wishes service's (services/wishes/relay.py, which explains why): an alert's state
change is committed with its timeline event, and the event row stays undelivered until the workflow has
it. The relay sends each as signal-with-start — which starts the alert's workflow when it is raised — and
marks it delivered in the same transaction. After each commit a handler has the change delivered at once, on
its own (deliver_soon: from the committed alert in hand, not waiting behind a batch of other alerts' in flight);
the relay's loop is the backstop, and its poll catches anything a crash or a failure left behind.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import asyncpg
from prometheus_client import Counter, Gauge, Histogram
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from services.dispatch.alerts import contract
from services.runtime.config import Settings

if TYPE_CHECKING:
    from services.dispatch.alerts.store import Alert

log = logging.getLogger(__name__)

DELIVERED = Counter("linli_alert_outbox_delivered_total", "Alert state changes delivered to their workflows.")
DELIVERY_FAILURES = Counter("linli_alert_outbox_failures_total", "Failed attempts to deliver an alert state change.")
PENDING = Gauge("linli_alert_outbox_pending", "Committed alert state changes not yet delivered to their workflows.")
DELIVERY_LAG = Histogram(
    "linli_alert_outbox_lag_seconds",
    "Time from an alert state change's commit to its delivery to the workflow.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)

_BATCH = 200
# State changes not yet delivered, oldest first, at most $1, locked for the one delivering them.
_UNDELIVERED = """select e.id, e.alert_id, e.version, e.kind, e.recipient, e.at,
                         a.community_id, a.street_id, a.kind as alert_kind, a.unit_id, a.call_list
                  from alert_events e join alerts a on a.id = e.alert_id
                  where e.kind in ('raised', 'acknowledged', 'arrived', 'resolved', 'cancelled')
                    and e.delivered_at is null
                  order by e.id
                  limit $1
                  for update of e skip locked"""


class AlertRelay:
    def __init__(self, pool: asyncpg.Pool, temporal: Client, settings: Settings) -> None:
        self.pool = pool
        self.temporal = temporal
        self.task_queue = settings.task_queue
        self.poll_interval = settings.outbox_poll_interval.total_seconds()
        self.ack_timeout = settings.alerts.ack_timeout.total_seconds()
        self.staff_timeout = settings.alerts.staff_timeout.total_seconds()
        self._wake = asyncio.Event()
        self._direct: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        self._wake.set()

    def deliver_soon(self, alert: Alert) -> None:
        """Tells the alert's workflow of its change just committed, now, beside the relay's loop — which takes over
        should this fail."""
        task = asyncio.create_task(self._deliver_now(alert))
        self._direct.add(task)
        task.add_done_callback(self._direct.discard)

    async def _deliver_now(self, alert: Alert) -> None:
        # From what the handler has in hand: no row lock is held across the call to Temporal, so handlers keep the
        # pool's connections. Should the relay's loop send the same change too, the workflow keeps the highest
        # version it has seen and ignores the repeat.
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
        try:
            await self._signal_with_start(change)
        except WorkflowAlreadyStartedError:
            pass  # the dispatch has ended; nothing waits for this change
        except (RPCError, RuntimeError, OSError) as exc:
            DELIVERY_FAILURES.inc()
            log.warning(
                "alert change not delivered at once; the relay will",
                extra={"alert_id": alert.id, "version": alert.version, "error": type(exc).__name__},
            )
            self.wake()
            return
        DELIVERED.inc()
        try:
            await self.pool.execute(
                """update alert_events set delivered_at = now()
                   where alert_id = $1 and version = $2 and kind = $3 and delivered_at is null""",
                alert.id,
                alert.version,
                alert.state,
            )
        except (asyncpg.PostgresError, OSError):
            self.wake()  # the relay delivers it again: a repeat the workflow ignores

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                delivered, remaining = await self.deliver_pending()
            except (asyncpg.PostgresError, OSError) as exc:
                log.warning("alert relay cannot reach the database", extra={"error": type(exc).__name__})
                delivered, remaining = 0, 0
            if delivered and remaining:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            except TimeoutError:
                pass

    async def deliver_pending(self) -> tuple[int, int]:
        """Delivers one batch; returns (delivered, rows in the batch not delivered)."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_UNDELIVERED, _BATCH)
            if not rows:
                PENDING.set(0)
                return 0, 0
            by_alert: dict[int, list[asyncpg.Record]] = defaultdict(list)
            for row in rows:
                by_alert[row["alert_id"]].append(row)
            results = await asyncio.gather(*(self._deliver_in_order(events) for events in by_alert.values()))
            delivered = [event_id for ids in results for event_id in ids]
            await conn.execute("update alert_events set delivered_at = now() where id = any($1::bigint[])", delivered)
            PENDING.set(len(rows) - len(delivered))
            return len(delivered), len(rows) - len(delivered)

    async def _deliver_in_order(self, events: list[asyncpg.Record]) -> list[int]:
        delivered: list[int] = []
        for event in events:
            try:
                await self._signal_with_start(event)
            except WorkflowAlreadyStartedError:
                pass  # the dispatch has ended; nothing waits for this change
            except (RPCError, RuntimeError, OSError) as exc:
                DELIVERY_FAILURES.inc()
                log.warning(
                    "alert change not delivered; will retry",
                    extra={"alert_id": event["alert_id"], "version": event["version"], "error": type(exc).__name__},
                )
                break
            delivered.append(event["id"])
            DELIVERED.inc()
            DELIVERY_LAG.observe(max(0.0, (datetime.now(UTC) - event["at"]).total_seconds()))
        return delivered

    async def _signal_with_start(self, event: Mapping[str, Any]) -> None:
        alert_id = str(event["alert_id"])
        await self.temporal.start_workflow(
            contract.WORKFLOW,
            contract.EmergencyDispatchInput(
                alert_id=alert_id,
                ack_timeout_seconds=self.ack_timeout,
                staff_timeout_seconds=self.staff_timeout,
                community_id=str(event["community_id"]),
                street_id=str(event["street_id"] or ""),
                kind=event["alert_kind"],
                volunteers=_callees(event["call_list"]),
                unit_id=str(event["unit_id"]),
            ),
            id=contract.workflow_id(alert_id),
            task_queue=self.task_queue,
            start_signal=contract.CHANGED_SIGNAL,
            start_signal_args=[contract.AlertChange(event["version"], event["kind"], event["recipient"])],
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            rpc_timeout=timedelta(seconds=5),
        )


def _callees(call_list: list[list[str]] | None) -> list[contract.Callee] | None:
    if call_list is None:
        return None
    callees = []
    for volunteer, nearness in call_list:
        kind, _, number = volunteer.partition(":")
        callees.append(contract.Callee(number, nearness) if kind == "member" else contract.Callee("", nearness, number))
    return callees
