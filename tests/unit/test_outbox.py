"""The one outbox relay (services/runtime/outbox.py), with Postgres and Temporal stood in for: what a batch delivers,
in which order, what it leaves for the next attempt, and what its metrics say."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

from prometheus_client import REGISTRY
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from services.runtime.config import load_settings
from services.runtime.outbox import Outbox, OutboxRelay, SignalWithStart
from tests.helpers.tokens import token_environment

OUTBOX = Outbox("test", "test_events", "object_id", "select e.id, e.object_id, e.at from test_events e", "e.kind = 'x'")


class Connection:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.marked: list[int] = []
        self.queries: list[str] = []

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    async def fetch(self, query: str, limit: int) -> list[dict[str, Any]]:
        self.queries.append(query)
        return self.rows[:limit]

    async def execute(self, query: str, ids: list[int]) -> None:
        assert query.startswith("update test_events set delivered_at = now()")
        self.marked += ids


class Pool:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[Connection]:
        yield self.conn


class Temporal:
    """Takes every signal-with-start but those to `down` (unreachable) and `ended` (closed workflows)."""

    def __init__(self, down: frozenset[str] = frozenset(), ended: frozenset[str] = frozenset()) -> None:
        self.down, self.ended = down, ended
        self.sent: list[tuple[str, object]] = []

    async def start_workflow(
        self, workflow: str, arg: object, *, id: str, start_signal_args: list[object], **options: object
    ) -> None:
        if id in self.down:
            raise RPCError("unavailable", RPCStatusCode.UNAVAILABLE, b"")
        if id in self.ended:
            raise WorkflowAlreadyStartedError(id, workflow)
        self.sent.append((id, start_signal_args[0]))


class Relay(OutboxRelay):
    def letter(self, row: Mapping[str, Any]) -> SignalWithStart:
        return SignalWithStart("Test", None, f"object-{row['object_id']}", "changed", row["id"])


def rows(*pairs: tuple[int, int]) -> list[dict[str, Any]]:
    return [{"id": event_id, "object_id": object_id, "at": datetime.now(UTC)} for event_id, object_id in pairs]


def relay(conn: Connection, temporal: Temporal) -> Relay:
    settings = load_settings("worker", token_environment("worker"))
    return Relay(Pool(conn), temporal, settings, OUTBOX)  # type: ignore[arg-type]  # stand-ins


def metric(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"outbox": "test"}) or 0.0


async def test_one_objects_changes_go_in_order_and_stop_at_the_first_temporal_does_not_take() -> None:
    conn = Connection(rows((1, 7), (2, 8), (3, 7), (4, 8)))
    temporal = Temporal(down=frozenset({"object-7"}))
    delivered_before, failures_before = metric("linli_outbox_delivered_total"), metric("linli_outbox_failures_total")
    assert await relay(conn, temporal).deliver_pending() == (2, 2)
    # Object 8's two changes, oldest first; none of object 7's, whose first failed: its second waits behind it.
    assert temporal.sent == [("object-8", 2), ("object-8", 4)]
    assert conn.marked == [2, 4]
    assert (
        metric("linli_outbox_delivered_total") - delivered_before == 2
        and metric("linli_outbox_failures_total") - failures_before == 1
    )
    assert metric("linli_outbox_pending") == 2


async def test_a_change_for_a_workflow_that_has_ended_is_delivered_for_good() -> None:
    conn = Connection(rows((1, 7)))
    assert await relay(conn, Temporal(ended=frozenset({"object-7"}))).deliver_pending() == (1, 0)
    assert conn.marked == [1]


async def test_the_batch_is_the_domains_rows_undelivered_oldest_first_under_a_lock_others_skip() -> None:
    conn = Connection([])
    assert await relay(conn, Temporal()).deliver_pending() == (0, 0)
    [query] = conn.queries
    assert "where e.kind = 'x' and e.delivered_at is null" in query
    assert " ".join(query.split()).endswith("order by e.id limit $1 for update of e skip locked")
    assert metric("linli_outbox_pending") == 0
