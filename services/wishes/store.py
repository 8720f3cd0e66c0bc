"""The wishes service's SQL. Everything here runs against the `wishes` schema and no other.

A transition is one transaction: a conditional UPDATE of the wish (only from the states it may start from,
so of any number of concurrent claims exactly one matches) and the insert of its history event, which is
also the outbox row the relay later delivers to the wish's workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.wishes.domain import Transition, Wish, WishEvent

_WISH_COLUMNS = """id, community_id, community_path, text, source, state, category, service_standard, deadline,
    reject_reason, claimant_member_id, resident_name_masked, resident_contact_masked, submitted_at, updated_at, version"""
_EVENT_COLUMNS = "id, wish_id, version, kind, state, actor, note, recipients, at"


def _wish(row: asyncpg.Record) -> Wish:
    return Wish(
        id=row["id"],
        community_id=row["community_id"],
        community_path=tuple(row["community_path"]),
        text=row["text"],
        source=row["source"],
        state=row["state"],
        category=row["category"],
        service_standard=row["service_standard"],
        deadline=row["deadline"],
        reject_reason=row["reject_reason"],
        claimant_member_id=row["claimant_member_id"],
        resident_name_masked=row["resident_name_masked"],
        resident_contact_masked=row["resident_contact_masked"],
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _event(row: asyncpg.Record) -> WishEvent:
    return WishEvent(
        id=row["id"],
        wish_id=row["wish_id"],
        version=row["version"],
        kind=row["kind"],
        state=row["state"],
        actor=row["actor"],
        note=row["note"],
        at=row["at"],
        recipients=tuple(row["recipients"]),
    )


@dataclass(frozen=True)
class NewWish:
    community_id: int
    community_path: tuple[str, ...]
    text: str
    source: str
    resident_name_sealed: bytes
    resident_name_masked: str
    resident_contact_sealed: bytes | None
    resident_contact_masked: str


class WrongState(Exception):
    def __init__(self, wish: Wish) -> None:
        self.wish = wish


@dataclass(frozen=True)
class PendingTransition:
    """A committed transition its workflow has not yet been told of (an outbox row)."""

    event_id: int
    wish_id: int
    version: int
    state: str
    community_id: int
    claimant_member_id: int | None
    committed_at: datetime


class WishStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def wish(self, wish_id: int) -> Wish | None:
        row = await self.pool.fetchrow(f"select {_WISH_COLUMNS} from wishes where id = $1", wish_id)
        return _wish(row) if row else None

    async def wish_by_request(self, caller: Caller, request_id: str) -> Wish | None:
        row = await self.pool.fetchrow(
            f"select {_WISH_COLUMNS} from wishes where created_by = $1 and request_id = $2", caller.subject, request_id
        )
        return _wish(row) if row else None

    async def submit(self, caller: Caller, request_id: str, new: NewWish) -> tuple[Wish, bool]:
        """Inserts the wish and its first event; on a retry returns the first wish. True when created now."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"""insert into wishes (community_id, community_path, text, source, state, resident_name_sealed,
                        resident_name_masked, resident_contact_sealed, resident_contact_masked, created_by, request_id)
                    values ($1, $2, $3, $4, 'submitted', $5, $6, $7, $8, $9, $10)
                    on conflict (created_by, request_id) do nothing
                    returning {_WISH_COLUMNS}""",
                new.community_id,
                list(new.community_path),
                new.text,
                new.source,
                new.resident_name_sealed,
                new.resident_name_masked,
                new.resident_contact_sealed,
                new.resident_contact_masked,
                caller.subject,
                request_id,
            )
            if row is None:
                row = await conn.fetchrow(
                    f"select {_WISH_COLUMNS} from wishes where created_by = $1 and request_id = $2",
                    caller.subject,
                    request_id,
                )
                return _wish(row), False
            wish = _wish(row)
            await conn.execute(
                """insert into wish_events (wish_id, version, kind, state, actor, request_id)
                   values ($1, 1, 'transition', 'submitted', $2, $3)""",
                wish.id,
                caller.subject,
                request_id,
            )
            await write_audit(
                conn, caller, "submit_wish", "wish", wish.id, fields=["resident_name", "resident_contact"]
            )
            return wish, True

    async def transition(
        self,
        caller: Caller,
        request_id: str,
        wish_id: int,
        move: Transition,
        note: str = "",
        **changes: Any,
    ) -> tuple[Wish, bool]:
        """Moves the wish if it is in one of move.from_states, setting `changes` (column: value).

        Returns (wish, True) when moved now and (wish, False) when this request id moved it before.
        Raises WrongState when the wish is in another state, LookupError when there is no such wish.
        """
        assignments = "".join(f", {column} = ${index}" for index, column in enumerate(changes, start=4))
        async with self.pool.acquire() as conn, conn.transaction():
            if await self._seen(conn, wish_id, request_id):
                return await self._current(conn, wish_id), False
            row = await conn.fetchrow(
                f"""update wishes set state = $2, version = version + 1, updated_at = now(){assignments}
                    where id = $1 and state = any($3::text[])
                    returning {_WISH_COLUMNS}""",
                wish_id,
                move.to_state,
                list(move.from_states),
                *changes.values(),
            )
            if row is None:
                # A concurrent retry of this same request may have just committed: that is success, not a race lost.
                if await self._seen(conn, wish_id, request_id):
                    return await self._current(conn, wish_id), False
                raise WrongState(await self._current(conn, wish_id))
            wish = _wish(row)
            await conn.execute(
                """insert into wish_events (wish_id, version, kind, state, actor, note, request_id)
                   values ($1, $2, 'transition', $3, $4, $5, $6)""",
                wish.id,
                wish.version,
                wish.state,
                caller.subject,
                note,
                request_id,
            )
            return wish, True

    async def _seen(self, conn: asyncpg.Connection, wish_id: int, request_id: str) -> bool:
        return bool(
            await conn.fetchval("select 1 from wish_events where wish_id = $1 and request_id = $2", wish_id, request_id)
        )

    async def _current(self, conn: asyncpg.Connection, wish_id: int) -> Wish:
        row = await conn.fetchrow(f"select {_WISH_COLUMNS} from wishes where id = $1", wish_id)
        if row is None:
            raise LookupError(wish_id)
        return _wish(row)

    async def record_reminder(
        self, caller: Caller, request_id: str, wish_id: int, kind: str, state: str, note: str, recipients: list[str]
    ) -> bool:
        """Records a reminder or escalation if the wish is still in `state`; once per request id."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow("select state, version from wishes where id = $1 for share", wish_id)
            if row is None:
                raise LookupError(wish_id)
            if row["state"] != state:
                return False
            inserted = await conn.fetchval(
                """insert into wish_events (wish_id, version, kind, state, actor, note, recipients, request_id)
                   values ($1, $2, $3, $4, $5, $6, $7, $8)
                   on conflict (wish_id, request_id) do nothing
                   returning id""",
                wish_id,
                row["version"],
                kind,
                state,
                caller.subject,
                note,
                recipients,
                request_id,
            )
            return inserted is not None or await self._seen(conn, wish_id, request_id)

    async def history(self, wish_id: int, after_id: int | None, limit: int) -> list[WishEvent]:
        rows = await self.pool.fetch(
            f"select {_EVENT_COLUMNS} from wish_events where wish_id = $1 and id > $2 order by id limit $3",
            wish_id,
            after_id or 0,
            limit,
        )
        return [_event(row) for row in rows]

    async def count_by_state(self) -> list[tuple[str, str, int]]:
        rows = await self.pool.fetch(
            "select state, coalesce(category, '') as category, count(*) as n from wishes group by 1, 2"
        )
        return [(row["state"], row["category"], row["n"]) for row in rows]
