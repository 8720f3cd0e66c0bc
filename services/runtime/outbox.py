"""The outbox relay: delivers committed changes to the workflows that wait for them — one mechanism for the wishes',
the alerts' and the activities' outboxes.

Why an outbox: a change (a wish's transition, an alert's state change, an activity's decision) is committed in
Postgres together with its history event. Telling Temporal inside that transaction is impossible, and telling it
after the commit can fail or never happen (the process dies in between). So the event row itself is the outbox:
`delivered_at` stays empty until the workflow has the change. A relay, running in every replica of the service,
takes a batch of undelivered rows (FOR UPDATE SKIP LOCKED, so replicas share the work), sends each as
signal-with-start — which starts the object's workflow if it is not running yet — and marks them delivered in
the same transaction. One object's rows go oldest first, and stop at its first failure, so they arrive in order.
If the process dies before the commit, the rows stay undelivered and the next relay sends them again; each
workflow ignores versions it has already seen, so delivery is at least once and its effect exactly once.
Handlers wake the relay after each commit, so delivery is immediate; a poll catches everything else.

A domain gives only what differs: its Outbox (which rows of which table, with what they need) and what one row
becomes (`letter`: a SignalWithStart, named by the strings of its workflow's contract).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from prometheus_client import Counter, Gauge, Histogram
from temporalio.client import Client
from temporalio.common import TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from services.runtime.config import Settings

log = logging.getLogger(__name__)

DELIVERED = Counter("linli_outbox_delivered_total", "Committed changes delivered to their workflows.", ["outbox"])
DELIVERY_FAILURES = Counter("linli_outbox_failures_total", "Failed attempts to deliver a committed change.", ["outbox"])
PENDING = Gauge("linli_outbox_pending", "Committed changes of the last batch not yet delivered.", ["outbox"])
DELIVERY_LAG = Histogram(
    "linli_outbox_lag_seconds",
    "Time from a change's commit to its delivery to the workflow.",
    ["outbox"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

BATCH = 200
_TEMPORAL_DOWN = (RPCError, RuntimeError, OSError)


@dataclass(frozen=True)
class SignalWithStart:
    """What one outbox row becomes: a signal to its object's workflow, which starts it if it is not running."""

    workflow: str  # the workflow's registered type name
    input: object
    workflow_id: str
    signal: str
    signal_arg: object
    # Set on the workflow it starts, when the deployment has them (services/runtime/search_attributes.py).
    search_attributes: TypedSearchAttributes | None = None


# One outbox row: as the loop reads it (a Record) or as a handler has it in hand after its commit (a mapping).
Row = asyncpg.Record | Mapping[str, Any]


@dataclass(frozen=True)
class Outbox:
    """What one domain's outbox is made of. Its events table is `e` in `select`."""

    name: str  # the `outbox` label of the metrics: "wish", "alert", "activity"
    table: str  # the events table, where `delivered_at` is set
    order_by: str  # the column naming the object whose rows must arrive in order ("wish_id", ...)
    select: str  # the columns of a row (its `id`, `at`, the `order_by` column, what `letter` needs) and their tables
    where: str = ""  # which of its events are relayed, when not all

    def undelivered(self) -> str:
        """Undelivered rows, oldest first, at most $1, locked for the one delivering them and skipped by the others."""
        which = f"{self.where} and " if self.where else ""
        return f"""{self.select}
                   where {which}e.delivered_at is null
                   order by e.id
                   limit $1
                   for update of e skip locked"""


class OutboxRelay:
    """The relay of one outbox; a domain's relay says what a row becomes (`letter`)."""

    def __init__(self, pool: asyncpg.Pool, temporal: Client, settings: Settings, outbox: Outbox) -> None:
        self.pool = pool
        self.temporal = temporal
        self.task_queue = settings.task_queue
        self.poll_interval = settings.outbox_poll_interval.total_seconds()
        self.search_attributes = settings.search_attributes
        self.outbox = outbox
        self._undelivered = outbox.undelivered()
        self._wake = asyncio.Event()
        self._soon: set[asyncio.Task[None]] = set()
        # Every series exists from the start, at 0, so dashboards and alerts see an outbox before its first delivery.
        self._delivered = DELIVERED.labels(outbox.name)
        self._failures = DELIVERY_FAILURES.labels(outbox.name)
        self._pending = PENDING.labels(outbox.name)
        self._lag = DELIVERY_LAG.labels(outbox.name)

    def letter(self, row: Row) -> SignalWithStart:
        """What one row becomes: its workflow, by the names in that workflow's contract."""
        raise NotImplementedError

    def wake(self) -> None:
        """Called after a change commits, so it is delivered now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                delivered, remaining = await self.deliver_pending()
            except (asyncpg.PostgresError, OSError) as exc:
                log.warning(
                    "outbox relay cannot reach the database",
                    extra={"outbox": self.outbox.name, "error": type(exc).__name__},
                )
                delivered, remaining = 0, 0
            if delivered and remaining:
                continue  # a full batch went through: there is more
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            except TimeoutError:
                pass

    async def deliver_pending(self) -> tuple[int, int]:
        """Delivers one batch; returns (delivered, rows in the batch not delivered)."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(self._undelivered, BATCH)
            if not rows:
                self._pending.set(0)
                return 0, 0
            by_object: dict[Any, list[asyncpg.Record]] = defaultdict(list)
            for row in rows:
                by_object[row[self.outbox.order_by]].append(row)
            results = await asyncio.gather(*(self._deliver_in_order(events) for events in by_object.values()))
            delivered = [event_id for ids in results for event_id in ids]
            await conn.execute(
                f"update {self.outbox.table} set delivered_at = now() where id = any($1::bigint[])", delivered
            )
            self._pending.set(len(rows) - len(delivered))
            return len(delivered), len(rows) - len(delivered)

    async def _deliver_in_order(self, events: list[asyncpg.Record]) -> list[int]:
        """Delivers one object's rows oldest first, stopping at the first failure to keep their order."""
        delivered: list[int] = []
        for event in events:
            if not await self.deliver(event):
                break
            delivered.append(event["id"])
            self._lag.observe(max(0.0, (datetime.now(UTC) - event["at"]).total_seconds()))
        return delivered

    async def deliver(self, row: Row) -> bool:
        """Sends one row's change; False when Temporal could not take it (it stays for a later attempt)."""
        letter = self.letter(row)
        try:
            await self.temporal.start_workflow(
                letter.workflow,
                letter.input,
                id=letter.workflow_id,
                task_queue=self.task_queue,
                start_signal=letter.signal,
                start_signal_args=[letter.signal_arg],
                search_attributes=letter.search_attributes if self.search_attributes else None,
                # An object's workflow runs once: never a second one after it has closed.
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                rpc_timeout=timedelta(seconds=5),
            )
        except WorkflowAlreadyStartedError:
            pass  # the workflow has ended; nothing waits for this change
        except _TEMPORAL_DOWN as exc:
            self._failures.inc()
            log.warning(
                "committed change not delivered; will retry",
                extra={"outbox": self.outbox.name, "workflow_id": letter.workflow_id, "error": type(exc).__name__},
            )
            return False
        self._delivered.inc()
        return True

    def deliver_at_once(self, row: Row, mark_delivered: Callable[[], Awaitable[object]]) -> None:
        """Sends a change just committed at once, beside the loop (which takes over should this fail), from what
        the handler has in hand: no row lock is held across the call to Temporal, so handlers keep the pool's
        connections. Should the loop send the same change too, the workflow ignores the repeat."""
        task = asyncio.create_task(self._deliver_now(row, mark_delivered))
        self._soon.add(task)
        task.add_done_callback(self._soon.discard)

    async def _deliver_now(self, row: Row, mark_delivered: Callable[[], Awaitable[object]]) -> None:
        if not await self.deliver(row):
            self.wake()
            return
        try:
            await mark_delivered()
        except (asyncpg.PostgresError, OSError):
            self.wake()  # the loop delivers it again: a repeat the workflow ignores
