"""Delivers committed activity transitions to their HolidayActivity workflows (the outbox relay).

The same pattern as the wishes' relay (services/wishes/relay.py): a transition is committed together with
its row in activity_events; this relay signals the workflow (starting it on the first one) and marks the row
delivered. A transition committed just before the service dies is delivered when it comes back. A notice the
service records itself (a place come free from the waiting list) reaches the workflow the same way, as signal
`notice`, and the workflow sends it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import timedelta

import asyncpg
from prometheus_client import Counter, Gauge
from temporalio.client import Client, ScheduleAlreadyRunningError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from services.dispatch.activities import contract
from services.runtime.config import Settings
from services.runtime.errors import Unavailable

log = logging.getLogger(__name__)

DELIVERED = Counter("linli_activity_outbox_delivered_total", "Activity transitions delivered to their workflows.")
DELIVERY_FAILURES = Counter(
    "linli_activity_outbox_failures_total", "Failed attempts to deliver an activity transition."
)
PENDING = Gauge("linli_activity_outbox_pending", "Committed activity transitions not yet delivered to their workflows.")

_BATCH = 200


class ActivityRelay:
    def __init__(self, pool: asyncpg.Pool, temporal: Client, settings: Settings) -> None:
        self.pool = pool
        self.temporal = temporal
        self.task_queue = settings.task_queue
        self.poll_interval = settings.outbox_poll_interval.total_seconds()
        self.limits = contract.ActivityLimits(approval_seconds=settings.activity_approval_limit.total_seconds())
        self.timezone = settings.timezone
        self._wake = asyncio.Event()
        self._digest_scheduled = False

    def wake(self) -> None:
        """Called after a transition commits, so it is delivered now rather than at the next poll."""
        self._wake.set()

    async def ensure_digest_schedule(self) -> None:
        """Creates the daily digest's Temporal Schedule if it does not exist yet (once someone asks for a digest)."""
        if self._digest_scheduled:
            return
        try:
            await self.temporal.create_schedule(
                contract.DIGEST_SCHEDULE_ID, contract.digest_schedule(self.task_queue, self.timezone)
            )
        except ScheduleAlreadyRunningError:
            pass
        except (RPCError, RuntimeError, OSError) as exc:
            raise Unavailable("Temporal is not reachable to schedule the daily digest; retry") from exc
        self._digest_scheduled = True

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                delivered, remaining = await self.deliver_pending()
            except (asyncpg.PostgresError, OSError) as exc:
                log.warning("activity relay cannot reach the database", extra={"error": type(exc).__name__})
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
            rows = await conn.fetch(
                """select e.id, e.activity_id, e.version, e.state, e.kind, a.org_unit_id
                   from activity_events e join activities a on a.id = e.activity_id
                   where e.delivered_at is null
                   order by e.id
                   limit $1
                   for update of e skip locked""",
                _BATCH,
            )
            if not rows:
                PENDING.set(0)
                return 0, 0
            by_activity: dict[int, list[asyncpg.Record]] = defaultdict(list)
            for row in rows:
                by_activity[row["activity_id"]].append(row)
            results = await asyncio.gather(*(self._deliver_in_order(events) for events in by_activity.values()))
            delivered = [event_id for ids in results for event_id in ids]
            await conn.execute(
                "update activity_events set delivered_at = now() where id = any($1::bigint[])", delivered
            )
            PENDING.set(len(rows) - len(delivered))
            return len(delivered), len(rows) - len(delivered)

    async def _deliver_in_order(self, events: list[asyncpg.Record]) -> list[int]:
        delivered: list[int] = []
        for event in events:
            if event["kind"] == "transition":
                signal, argument = contract.CHANGED_SIGNAL, contract.ActivityChange(event["version"], event["state"])
            else:
                signal, argument = contract.NOTICE_SIGNAL, contract.NoticeRecorded(event["id"])
            try:
                await self.temporal.start_workflow(
                    contract.WORKFLOW,
                    contract.HolidayActivityInput(
                        activity_id=str(event["activity_id"]),
                        org_unit_id=str(event["org_unit_id"]),
                        limits=self.limits,
                    ),
                    id=contract.workflow_id(str(event["activity_id"])),
                    task_queue=self.task_queue,
                    start_signal=signal,
                    start_signal_args=[argument],
                    # An activity's workflow runs once: never a second one after it has closed.
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    rpc_timeout=timedelta(seconds=5),
                )
            except WorkflowAlreadyStartedError:
                pass  # the workflow has ended; nothing waits for this transition
            except (RPCError, RuntimeError, OSError) as exc:
                DELIVERY_FAILURES.inc()
                log.warning(
                    "activity transition not delivered; will retry",
                    extra={
                        "activity_id": event["activity_id"],
                        "version": event["version"],
                        "error": type(exc).__name__,
                    },
                )
                break
            delivered.append(event["id"])
            DELIVERED.inc()
        return delivered
