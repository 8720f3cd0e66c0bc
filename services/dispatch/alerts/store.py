"""The dispatch service's SQL for emergency alerts, in the `dispatch` schema.

An alert's state change is one transaction: a conditional UPDATE (only from the states it may start from,
so of two volunteers acknowledging at once exactly one matches) and the insert of its timeline event,
which is also the outbox row the relay later delivers to the alert's workflow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

import asyncpg

from services.dispatch.alerts.domain import (
    ADDRESS_FIELD,
    DEVICE_ID_FIELD,
    Acknowledgement,
    AlertChange,
    AlertMove,
    Cancellation,
    Resolution,
    mask_address,
    mask_device_id,
)
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection, assignments, one_row
from services.runtime.pii import PersonalDataCipher

log = logging.getLogger(__name__)

# The address and device id only masked: the sealed values are read by `reveal`, which audits the read.
_ALERT_COLUMNS = """id, kind, state, unit_id, unit_path, community_id, street_id, grid_id, building_id,
    address_masked, device_id_masked, note, responder, outcome, outcome_note, escalation, raised_at, acknowledged_at,
    arrived_at, closed_at, version, call_list"""


@dataclass(frozen=True)
class Alert:
    id: int
    kind: str
    state: str
    unit_id: int
    unit_path: tuple[str, ...]
    community_id: int
    street_id: int | None
    grid_id: int | None
    building_id: int | None
    address_masked: str
    device_id_masked: str
    note: str
    responder: str | None
    outcome: str | None
    outcome_note: str
    escalation: str
    raised_at: datetime
    acknowledged_at: datetime | None
    arrived_at: datetime | None
    closed_at: datetime | None
    version: int
    # [[volunteer, nearness], ...] worked out at the raise; None for alerts raised before it was.
    call_list: list[list[str]] | None = None


@dataclass(frozen=True)
class AlertEventRow:
    id: int
    kind: str
    recipient: str
    actor: str
    note: str
    at: datetime


@dataclass(frozen=True)
class NewAlert:
    kind: str
    unit_id: int
    unit_path: tuple[str, ...]
    community_id: int
    street_id: int | None
    grid_id: int | None
    building_id: int | None
    # Personal data: sealed (None when not given) and masked; never in the clear here.
    address_sealed: bytes | None
    address_masked: str
    device_id_sealed: bytes | None
    device_id_masked: str
    data_key_id: str
    note: str
    raised_at: datetime
    call_list: list[list[str]]


@dataclass(frozen=True)
class SealedAlertData:
    address: bytes | None
    device_id: bytes | None


@dataclass(frozen=True)
class AlertStats:
    raised: int
    acknowledged: int
    escalated: int
    resolved: int
    median_seconds: float
    p90_seconds: float


def _columns(change: AlertChange | None) -> dict[str, object]:
    """The columns a move's change sets besides the state and its time: the one place changes meet the table."""
    match change:
        case None:
            return {}
        case Acknowledgement():
            return {"responder": change.responder}
        case Resolution():
            return {"outcome": change.outcome, "outcome_note": change.note}
        case Cancellation():
            return {"outcome_note": change.note}
    assert_never(change)


class WrongAlertState(Exception):
    def __init__(self, alert: Alert) -> None:
        self.alert = alert


# Where an alert is, by the level of an org unit: the columns stats filter on.
_WHERE_COLUMNS = {"community": "community_id", "grid": "grid_id", "building": "building_id"}


def _alert(row: asyncpg.Record) -> Alert:
    return Alert(**{**dict(row), "unit_path": tuple(row["unit_path"])})


class AlertStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def alert(self, alert_id: int) -> Alert | None:
        row = await self.pool.fetchrow(f"select {_ALERT_COLUMNS} from alerts where id = $1", alert_id)
        return _alert(row) if row else None

    async def alert_by_request(self, caller: Caller, request_id: str) -> Alert | None:
        row = await self.pool.fetchrow(
            f"select {_ALERT_COLUMNS} from alerts where created_by = $1 and request_id = $2", caller.key, request_id
        )
        return _alert(row) if row else None

    async def raise_alert(self, caller: Caller, request_id: str, new: NewAlert) -> tuple[Alert, bool]:
        """Inserts the alert and its first event; on a retry returns the first alert. True when created now."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"""insert into alerts (kind, state, unit_id, unit_path, community_id, street_id, grid_id, building_id,
                        address_sealed, address_masked, device_id_sealed, device_id_masked, data_key_id, note,
                        created_by, request_id, raised_at, call_list)
                    values ($1, 'raised', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                    on conflict (created_by, request_id) do nothing
                    returning {_ALERT_COLUMNS}""",
                new.kind,
                new.unit_id,
                list(new.unit_path),
                new.community_id,
                new.street_id,
                new.grid_id,
                new.building_id,
                new.address_sealed,
                new.address_masked,
                new.device_id_sealed,
                new.device_id_masked,
                new.data_key_id,
                new.note,
                caller.key,
                request_id,
                new.raised_at,
                new.call_list,
            )
            if row is None:
                row = await one_row(
                    conn,
                    f"select {_ALERT_COLUMNS} from alerts where created_by = $1 and request_id = $2",
                    caller.key,
                    request_id,
                )
                return _alert(row), False
            alert = _alert(row)
            await conn.execute(
                """insert into alert_events (alert_id, version, kind, actor, note, request_id)
                   values ($1, 1, 'raised', $2, $3, $4)""",
                alert.id,
                caller.subject,
                f"{new.kind} alert from a device" if new.device_id_sealed else f"{new.kind} alert",
                caller.retry_key(request_id),
            )
            return alert, True

    async def move(
        self, caller: Caller, request_id: str, alert_id: int, move: AlertMove, note: str, change: AlertChange | None
    ) -> tuple[Alert, bool]:
        """Moves the alert if it is in one of move.from_states; (alert, False) when this caller's request id did it
        before. Raises WrongAlertState when it is in another state. Request ids are the caller's own (a workflow's
        are predictable): another caller's id never answers for this one, nor blocks it."""
        key = caller.retry_key(request_id)
        columns, values = assignments(_columns(change), first=4)
        async with self.pool.acquire() as conn, conn.transaction():
            if await self._seen(conn, alert_id, key):
                return await self._current(conn, alert_id), False
            row = await conn.fetchrow(
                f"""update alerts set state = $2, version = version + 1, {move.time_column} = now(){columns}
                    where id = $1 and state = any($3::text[])
                    returning {_ALERT_COLUMNS}""",
                alert_id,
                move.to_state,
                list(move.from_states),
                *values,
            )
            if row is None:
                if await self._seen(conn, alert_id, key):
                    return await self._current(conn, alert_id), False
                raise WrongAlertState(await self._current(conn, alert_id))
            alert = _alert(row)
            await conn.execute(
                """insert into alert_events (alert_id, version, kind, recipient, actor, note, request_id)
                   values ($1, $2, $3, $4, $5, $6, $7)""",
                alert.id,
                alert.version,
                alert.state,
                alert.responder or "",
                caller.subject,
                note,
                key,
            )
            return alert, True

    async def _seen(self, conn: Connection, alert_id: int, key: str) -> bool:
        return bool(
            await conn.fetchval("select 1 from alert_events where alert_id = $1 and request_id = $2", alert_id, key)
        )

    async def _current(self, conn: Connection, alert_id: int) -> Alert:
        row = await conn.fetchrow(f"select {_ALERT_COLUMNS} from alerts where id = $1", alert_id)
        if row is None:
            raise LookupError(alert_id)
        return _alert(row)

    async def reveal(self, caller: Caller, alert_id: int, purpose: str) -> SealedAlertData:
        """The alert's sealed personal data, with the read written to the audit log (the caller opens it)."""
        async with self.pool.acquire() as conn, conn.transaction():
            return await self._reveal(conn, caller, alert_id, purpose)

    async def _reveal(self, conn: Connection, caller: Caller, alert_id: int, purpose: str) -> SealedAlertData:
        row = await conn.fetchrow("select address_sealed, device_id_sealed from alerts where id = $1", alert_id)
        if row is None:
            raise LookupError(alert_id)
        await write_audit(conn, caller, "reveal_alert_personal_data", "alert", alert_id, purpose=purpose)
        return SealedAlertData(row["address_sealed"], row["device_id_sealed"])

    async def record_event(
        self,
        caller: Caller,
        request_id: str,
        alert_id: int,
        kind: str,
        recipient: str,
        note: str,
        escalation: str,
        reveal_for: str = "",
    ) -> tuple[bool, SealedAlertData | None]:
        """Records a step of the dispatch once per request id (the caller's own); an escalation also raises the alert's level. With
        reveal_for (the notice's recipient), also returns the sealed address, the read audited in the same
        transaction — on a retry too, since a retried notice needs the address again."""
        async with self.pool.acquire() as conn, conn.transaction():
            # The sealed values come along: a call's notice needs the address, and it is one round trip fewer.
            alert = await conn.fetchrow(
                "select version, address_sealed, device_id_sealed from alerts where id = $1 for share", alert_id
            )
            if alert is None:
                raise LookupError(alert_id)
            version = alert["version"]
            inserted = await conn.fetchval(
                """insert into alert_events (alert_id, version, kind, recipient, actor, note, request_id)
                   values ($1, $2, $3, $4, $5, $6, $7)
                   on conflict (alert_id, request_id) do nothing
                   returning id""",
                alert_id,
                version,
                kind,
                recipient,
                caller.subject,
                note,
                caller.retry_key(request_id),
            )
            if inserted is not None and kind == "escalated" and escalation:
                await conn.execute("update alerts set escalation = $2 where id = $1", alert_id, escalation)
            sealed = None
            if reveal_for:
                await write_audit(
                    conn, caller, "reveal_alert_personal_data", "alert", alert_id, purpose=f"notice to {reveal_for}"
                )
                sealed = SealedAlertData(alert["address_sealed"], alert["device_id_sealed"])
            return inserted is not None, sealed

    async def timeline(self, alert_id: int, limit: int) -> list[AlertEventRow]:
        rows = await self.pool.fetch(
            """select id, kind, recipient, actor, note, at from alert_events where alert_id = $1
               order by id limit $2""",
            alert_id,
            limit,
        )
        return [AlertEventRow(**dict(row)) for row in rows]

    async def called(self, alert_id: int) -> set[str]:
        rows = await self.pool.fetch(
            "select distinct recipient from alert_events where alert_id = $1 and kind = 'called'", alert_id
        )
        return {row["recipient"] for row in rows}

    async def open_alerts_by_responder(self, community_id: int | None = None) -> dict[str, int]:
        rows = await self.pool.fetch(
            """select responder, count(*) as n from alerts
               where state in ('acknowledged', 'arrived') and responder is not null
                 and ($1::bigint is null or community_id = $1)
               group by responder""",
            community_id,
        )
        return {row["responder"]: row["n"] for row in rows}

    async def stats(
        self, where: str, unit_ids: Sequence[int], start: datetime | None, end: datetime | None
    ) -> AlertStats:
        """Alerts raised in the period whose `where` ("community", "grid" or "building") is one of the units: the
        caller names the communities under an org unit as the tree is now."""
        column = _WHERE_COLUMNS[where]
        row = await one_row(
            self.pool,
            f"""select count(*) as raised,
                      count(acknowledged_at) as acknowledged,
                      count(*) filter (where escalation <> 'volunteers') as escalated,
                      count(*) filter (where state = 'resolved') as resolved,
                      percentile_cont(0.5) within group (
                          order by extract(epoch from acknowledged_at - raised_at)) as median,
                      percentile_cont(0.9) within group (
                          order by extract(epoch from acknowledged_at - raised_at)) as p90
               from alerts
               where {column} = any($1::bigint[])
                 and ($2::timestamptz is null or raised_at >= $2)
                 and ($3::timestamptz is null or raised_at < $3)""",
            list(unit_ids),
            start,
            end,
        )
        return AlertStats(
            raised=row["raised"],
            acknowledged=row["acknowledged"],
            escalated=row["escalated"],
            resolved=row["resolved"],
            median_seconds=float(row["median"] or 0.0),
            p90_seconds=float(row["p90"] or 0.0),
        )

    async def count_open(self) -> list[tuple[str, str, int]]:
        rows = await self.pool.fetch(
            """select state, escalation, count(*) as n from alerts
               where state in ('raised', 'acknowledged', 'arrived') group by 1, 2"""
        )
        return [(row["state"], row["escalation"], row["n"]) for row in rows]

    async def oldest_unacknowledged(self) -> datetime | None:
        """When the oldest alert still waiting for someone to answer was raised; None when none waits."""
        raised: datetime | None = await self.pool.fetchval("select min(raised_at) from alerts where state = 'raised'")
        return raised

    # -- personal data at rest ---------------------------------------------------------------------------------

    async def seal_at_rest(self, cipher: PersonalDataCipher) -> None:
        """Run once at start: seals alerts stored in the clear by an older version, and reseals those sealed under a
        key that is no longer the active one (a rotation: the new key first in LINLI_DATA_KEYS, the old kept after
        it until this is done)."""

        def reseal(blob: bytes, field: str) -> bytes:
            return cipher.seal(cipher.open(blob, field), field)

        sealed = resealed = 0
        while n := await self.seal_clear_personal_data(cipher.seal, cipher.active_key_id, 500):
            sealed += n
        while n := await self.reseal_batch(cipher.active_key_id, reseal, 500):
            resealed += n
        if sealed or resealed:
            log.info("alert personal data sealed", extra={"sealed": sealed, "resealed": resealed})

    async def seal_clear_personal_data(self, seal: Callable[[str, str], bytes], key_id: str, batch: int) -> int:
        """Seals a batch of alerts stored before addresses were sealed (and blanks their clear columns); returns how
        many it sealed."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """select id, address, device_id from alerts where address <> '' or device_id <> ''
                   order by id limit $1 for update skip locked""",
                batch,
            )
            await conn.executemany(
                """update alerts set address = '', device_id = '', address_sealed = $2, address_masked = $3,
                       device_id_sealed = $4, device_id_masked = $5, data_key_id = $6
                   where id = $1""",
                [
                    (
                        row["id"],
                        seal(row["address"], ADDRESS_FIELD) if row["address"] else None,
                        mask_address(row["address"]),
                        seal(row["device_id"], DEVICE_ID_FIELD) if row["device_id"] else None,
                        mask_device_id(row["device_id"]),
                        key_id,
                    )
                    for row in rows
                ],
            )
            return len(rows)

    async def reseal_batch(self, active_key_id: str, reseal: Callable[[bytes, str], bytes], batch: int) -> int:
        """Reseals a batch of alerts sealed under an older key with the active one; returns how many."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """select id, address_sealed, device_id_sealed from alerts
                   where data_key_id is not null and data_key_id <> $1
                   order by id limit $2 for update skip locked""",
                active_key_id,
                batch,
            )
            await conn.executemany(
                "update alerts set address_sealed = $2, device_id_sealed = $3, data_key_id = $4 where id = $1",
                [
                    (
                        row["id"],
                        reseal(row["address_sealed"], ADDRESS_FIELD) if row["address_sealed"] else None,
                        reseal(row["device_id_sealed"], DEVICE_ID_FIELD) if row["device_id_sealed"] else None,
                        active_key_id,
                    )
                    for row in rows
                ],
            )
            return len(rows)
