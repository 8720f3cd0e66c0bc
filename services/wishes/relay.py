"""The transition relay: delivers committed wish transitions to their WishLifecycle workflows.

Why an outbox: a transition is committed in Postgres together with its history event. Telling Temporal
inside that transaction is impossible, and telling it after the commit can fail or never happen (the
process dies in between). So the event row itself is the outbox: `delivered_at` stays empty until the
workflow has the transition. This relay, running in every replica of the service, takes undelivered
events (FOR UPDATE SKIP LOCKED, so replicas share the work), sends each as signal-with-start — which
starts the wish's workflow if it is not running yet — and marks them delivered in the same transaction.
If the process dies before that commit, the rows stay undelivered and the next relay sends them again;
the workflow ignores versions it has already seen, so delivery is at least once and its effect exactly once.
Handlers wake the relay after each commit, so delivery is immediate; a poll catches everything else.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import asyncpg
from prometheus_client import Counter, Gauge, Histogram
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from services.runtime.config import ConfigError, Settings
from services.runtime.config import WishLimits as WishLimitSettings
from services.wishes import contract
from services.wishes.domain import CATEGORY_NUMBERS

log = logging.getLogger(__name__)

DELIVERED = Counter("linli_wish_outbox_delivered_total", "Wish transitions delivered to their workflows.")
DELIVERY_FAILURES = Counter("linli_wish_outbox_failures_total", "Failed attempts to deliver a wish transition.")
PENDING = Gauge("linli_wish_outbox_pending", "Committed wish transitions not yet delivered to their workflows.")
DELIVERY_LAG = Histogram(
    "linli_wish_outbox_lag_seconds",
    "Time from a transition's commit to its delivery to the workflow.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

_BATCH = 200


def workflow_limits(limits: WishLimitSettings) -> contract.WishLimits:
    """The deployment's limits as the workflow takes them (seconds), checking the category names."""
    unknown = set(limits.by_category) - set(CATEGORY_NUMBERS)
    if unknown:
        raise ConfigError(
            f"LINLI_WISH_CATEGORY_LIMITS: unknown categories {', '.join(sorted(unknown))} "
            f"(known: {', '.join(CATEGORY_NUMBERS)})"
        )
    return contract.WishLimits(
        review_seconds=limits.review.total_seconds(),
        publish_seconds=limits.publish.total_seconds(),
        claim_seconds=limits.claim.total_seconds(),
        overdue_grace_seconds=limits.overdue_grace.total_seconds(),
        confirm_seconds=limits.confirm.total_seconds(),
        by_category={
            category: {name: duration.total_seconds() for name, duration in overrides.items()}
            for category, overrides in limits.by_category.items()
        },
        escalate_to=limits.escalate_to,
    )


class TransitionRelay:
    def __init__(self, pool: asyncpg.Pool, temporal: Client, settings: Settings) -> None:
        self.pool = pool
        self.temporal = temporal
        self.task_queue = settings.task_queue
        self.poll_interval = settings.outbox_poll_interval.total_seconds()
        self.limits = workflow_limits(settings.wish_limits)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a transition commits, so it is delivered now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                delivered, remaining = await self.deliver_pending()
            except (asyncpg.PostgresError, OSError) as exc:
                log.warning("outbox relay cannot reach the database", extra={"error": type(exc).__name__})
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
            rows = await conn.fetch(
                """select e.id, e.wish_id, e.version, e.state, e.at, w.community_id, w.claimant_member_id, w.category,
                          w.deadline
                   from wish_events e join wishes w on w.id = e.wish_id
                   where e.kind = 'transition' and e.delivered_at is null
                   order by e.id
                   limit $1
                   for update of e skip locked""",
                _BATCH,
            )
            if not rows:
                PENDING.set(0)
                return 0, 0
            by_wish: dict[int, list[asyncpg.Record]] = defaultdict(list)
            for row in rows:
                by_wish[row["wish_id"]].append(row)
            results = await asyncio.gather(*(self._deliver_in_order(events) for events in by_wish.values()))
            delivered = [event_id for ids in results for event_id in ids]
            await conn.execute("update wish_events set delivered_at = now() where id = any($1::bigint[])", delivered)
            PENDING.set(len(rows) - len(delivered))
            return len(delivered), len(rows) - len(delivered)

    async def _deliver_in_order(self, events: list[asyncpg.Record]) -> list[int]:
        """Delivers one wish's events oldest first, stopping at the first failure to keep their order."""
        delivered: list[int] = []
        for event in events:
            try:
                await self._signal_with_start(event)
            except WorkflowAlreadyStartedError:
                pass  # the lifecycle has ended; nothing is waiting for this transition
            except (RPCError, RuntimeError, OSError) as exc:
                DELIVERY_FAILURES.inc()
                log.warning(
                    "wish transition not delivered; will retry",
                    extra={"wish_id": event["wish_id"], "version": event["version"], "error": type(exc).__name__},
                )
                break
            delivered.append(event["id"])
            DELIVERED.inc()
            DELIVERY_LAG.observe(max(0.0, (datetime.now(UTC) - event["at"]).total_seconds()))
        return delivered

    async def _signal_with_start(self, event: asyncpg.Record) -> None:
        wish_id = str(event["wish_id"])
        claimant = event["claimant_member_id"]
        await self.temporal.start_workflow(
            contract.WORKFLOW,
            contract.WishLifecycleInput(wish_id=wish_id, community_id=str(event["community_id"]), limits=self.limits),
            id=contract.workflow_id(wish_id),
            task_queue=self.task_queue,
            start_signal=contract.TRANSITION_SIGNAL,
            start_signal_args=[
                contract.WishTransition(
                    event["version"],
                    event["state"],
                    str(claimant) if claimant else "",
                    event["category"] or "",
                    event["deadline"].timestamp() if event["deadline"] else 0.0,
                )
            ],
            # A wish's lifecycle runs once: never start a second one after it has closed.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            rpc_timeout=timedelta(seconds=5),
        )
