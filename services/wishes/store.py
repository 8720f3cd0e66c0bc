"""The wishes service's SQL for one wish at a time. Everything here runs against the `wishes` schema and no other.

A transition is one transaction: a conditional UPDATE of the wish (only from the states it may start from,
so of any number of concurrent claims exactly one matches) and the insert of its history event, which is
also the outbox row the relay later delivers to the wish's workflow. Every claim — a member's, a group's, staff's
assignment — is one call of the stored function claim_wish (services/wishes/functions/claim_wish.sql), which does
the same and, before it, holds each claimant to the open-claim cap under a lock per member.

Request ids belong to their caller: a wish is found again by (Caller.key, request id), and a move's event stores
Caller.retry_key(request id), so one caller's id never answers, or takes the place of, another's — a claimant who
sends the lifecycle's own request id makes a move of their own, not the lifecycle's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, assert_never

from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection, assignments, one_row
from services.wishes import domain
from services.wishes.domain import (
    Approval,
    Claim,
    Closing,
    Confirmation,
    Dispute,
    Extension,
    Fulfilment,
    Publication,
    Rejection,
    Transition,
    Unclaimed,
    Wish,
    WishChange,
    WishEvent,
)
from services.wishes.rows import EVENT_COLUMNS, WISH_COLUMNS, event_of, wish_of
from services.wishes.store_lists import WishLists

# Sealed personal data of a wish: column and the field name bound into its ciphertext.
RESIDENT_FIELDS = (("resident_name_sealed", "wish.resident_name"), ("resident_contact_sealed", "wish.resident_contact"))


@dataclass(frozen=True)
class NewWish:
    community_id: int
    # The community's path on the day of submission, kept as history; scope never reads it (the tree moves).
    community_path: tuple[str, ...]
    text: str
    source: str
    resident_name_sealed: bytes
    resident_name_masked: str
    resident_contact_sealed: bytes | None
    resident_contact_masked: str
    unit_id: int | None = None
    # What the submission was answered with: (wish id, similarity), most similar first.
    possible_duplicates: tuple[tuple[int, float], ...] = ()


class WrongState(Exception):
    def __init__(self, wish: Wish) -> None:
        self.wish = wish


class ClaimCapReached(Exception):
    def __init__(self, open_claims: int, member_id: int, group: bool = False) -> None:
        self.open_claims = open_claims
        self.member_id = member_id  # the member at the cap
        self.group = group  # the refused claim was a group's


@dataclass(frozen=True)
class Moved:
    """A transition committed now: the wish after it, and the state it left and when it had entered it."""

    wish: Wish
    from_state: str
    entered_at: datetime


def _columns(change: WishChange | None) -> dict[str, object]:
    """The columns a move's change sets besides the state, and their values: the one place changes meet the table."""
    now = datetime.now(UTC)
    match change:
        case None:
            return {}
        case Approval():
            return {
                "category": change.category,
                "service_standard": change.service_standard,
                "deadline": change.deadline,
            }
        case Rejection():
            return {"reject_reason": change.reason, "closed_at": now}
        case Publication():
            return {"published_at": now}
        case Unclaimed():
            return {
                "claimant_member_id": None,
                "claimed_at": None,
                "participant_member_ids": [],
                "participant_team_member_ids": [],
                "group_team_id": None,
                "group_workplace_org": None,
            }
        case Extension():
            return {"deadline": change.deadline, "claim_extended": True}
        case Fulfilment():
            return {"fulfilment_report": change.report, "hours": change.hours, "fulfilled_at": now}
        case Dispute():
            return {"fulfilled_at": None}
        case Confirmation():
            return {
                "rating": change.rating,
                "resident_comment": change.comment,
                "close_note": "confirmed by the resident",
                "closed_at": now,
            }
        case Closing():
            columns: dict[str, object] = {"close_note": change.note, "closed_at": now}
            if change.duplicate_of is not None:
                columns["duplicate_of"] = change.duplicate_of
            if change.referred_to is not None:
                columns["referred_to"] = change.referred_to
            return columns
    assert_never(change)


class WishStore(WishLists):
    async def wish(self, wish_id: int) -> Wish | None:
        row = await self.pool.fetchrow(f"select {WISH_COLUMNS} from wishes where id = $1", wish_id)
        return wish_of(row) if row else None

    async def wishes(self, wish_ids: list[int]) -> dict[int, Wish]:
        rows = await self.pool.fetch(f"select {WISH_COLUMNS} from wishes where id = any($1::bigint[])", wish_ids)
        return {row["id"]: wish_of(row) for row in rows}

    async def wish_by_request(self, caller: Caller, request_id: str) -> Wish | None:
        """The wish this caller submitted with this request id, if any (a retry)."""
        row = await self.pool.fetchrow(
            f"select {WISH_COLUMNS} from wishes where created_by = $1 and request_id = $2", caller.key, request_id
        )
        return wish_of(row) if row else None

    async def submitted_duplicates(self, wish_id: int) -> list[tuple[int, float]]:
        """The possible duplicates the wish's submission was answered with."""
        row = await self.pool.fetchrow(
            "select possible_duplicates, possible_duplicate_similarities from wishes where id = $1", wish_id
        )
        if row is None:
            return []
        return list(zip(row["possible_duplicates"], row["possible_duplicate_similarities"], strict=True))

    async def submit(self, caller: Caller, request_id: str, new: NewWish) -> tuple[Wish, bool]:
        """Inserts the wish and its first event; on a retry returns the first wish. True when created now."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"""insert into wishes (community_id, community_path, text, source, state, resident_name_sealed,
                        resident_name_masked, resident_contact_sealed, resident_contact_masked, created_by, request_id,
                        unit_id, possible_duplicates, possible_duplicate_similarities)
                    values ($1, $2, $3, $4, $14, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                    on conflict (created_by, request_id) do nothing
                    returning {WISH_COLUMNS}""",
                new.community_id,
                list(new.community_path),
                new.text,
                new.source,
                new.resident_name_sealed,
                new.resident_name_masked,
                new.resident_contact_sealed,
                new.resident_contact_masked,
                caller.key,
                request_id,
                new.unit_id,
                [other for other, _ in new.possible_duplicates],
                [similarity for _, similarity in new.possible_duplicates],
                domain.FIRST_STATE,
            )
            if row is None:
                row = await one_row(
                    conn,
                    f"select {WISH_COLUMNS} from wishes where created_by = $1 and request_id = $2",
                    caller.key,
                    request_id,
                )
                return wish_of(row), False
            wish = wish_of(row)
            await conn.execute(
                """insert into wish_events (wish_id, version, kind, state, actor, request_id)
                   values ($1, 1, 'transition', $2, $3, $4)""",
                wish.id,
                wish.state,
                caller.subject,
                caller.retry_key(request_id),
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
        change: WishChange | None = None,
        *,
        expected_version: int | None = None,
    ) -> tuple[Wish, Moved | None]:
        """Moves the wish if it is in one of move.from_states, recording `change`.

        Returns (wish, Moved) when moved now and (wish, None) when this caller's request id moved it before.
        Raises WrongState when the wish is in another state (or, with expected_version, has moved on), LookupError
        when there is no such wish.
        """
        retry_key = caller.retry_key(request_id)
        columns, values = assignments(_columns(change), first=5)
        async with self.pool.acquire() as conn, conn.transaction():
            if await self._seen(conn, wish_id, retry_key):
                return await self._current(conn, wish_id), None
            row = await conn.fetchrow(
                f"""with old as (select id as old_id, state as from_state, updated_at as entered_at
                                 from wishes where id = $1)
                    update wishes set state = $2, version = version + 1, updated_at = now(){columns}
                    from old
                    where id = old_id and state = any($3::text[]) and ($4::int is null or version = $4)
                    returning {WISH_COLUMNS}, from_state, entered_at""",
                wish_id,
                move.to_state,
                list(move.from_states),
                expected_version,
                *values,
            )
            if row is None:
                # A concurrent retry of this same request may have just committed: that is success, not a race lost.
                if await self._seen(conn, wish_id, retry_key):
                    return await self._current(conn, wish_id), None
                raise WrongState(await self._current(conn, wish_id))
            wish = wish_of(row)
            await conn.execute(
                """insert into wish_events (wish_id, version, kind, state, actor, note, request_id)
                   values ($1, $2, 'transition', $3, $4, $5, $6)""",
                wish.id,
                wish.version,
                wish.state,
                caller.subject,
                note,
                retry_key,
            )
            return wish, Moved(wish, row["from_state"], row["entered_at"])

    async def claim(
        self,
        caller: Caller,
        request_id: str,
        wish_id: int,
        move: Transition,
        note: str,
        claim: Claim,
        *,
        expected_version: int | None = None,
    ) -> tuple[Wish, Moved | None]:
        """Gives the wish to the claim's members by `move` (domain.CLAIM, or domain.ASSIGN for staff) in one round
        trip, the function claim_wish; answers and raises as transition() does, and ClaimCapReached when one of the
        members already has as many open claims as allowed. claim_wish clears a wish's team volunteers; a group claim
        that has some writes them in the same transaction."""
        args = (
            wish_id,
            caller.retry_key(request_id),
            caller.subject,
            note,
            list(move.from_states),
            move.to_state,
            expected_version,
            list(claim.member_ids),
            claim.cap,
            claim.team_id,
            claim.workplace_org,
        )
        query = """select outcome, member_id, held, from_state, entered_at, wish
                   from claim_wish($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"""
        if not claim.team_member_ids:
            row = await one_row(self.pool, query, *args)
            wish_row = row["wish"]
        else:
            async with self.pool.acquire() as conn, conn.transaction():
                row = await one_row(conn, query, *args)
                wish_row = row["wish"]
                if row["outcome"] == "moved":
                    wish_row = await conn.fetchval(
                        "update wishes w set participant_team_member_ids = $2 where w.id = $1 returning w",
                        wish_id,
                        list(claim.team_member_ids),
                    )
        outcome = row["outcome"]
        if outcome == "cap":
            raise ClaimCapReached(row["held"], row["member_id"], group=len(claim.member_ids) > 1)
        if outcome == "not_found":
            raise LookupError(wish_id)
        wish = wish_of(wish_row)
        if outcome == "wrong_state":
            raise WrongState(wish)
        if outcome == "seen":
            return wish, None
        return wish, Moved(wish, row["from_state"], row["entered_at"])

    async def moved_by(self, caller: Caller, wish_id: int, request_id: str) -> bool:
        """True when this caller's request id already moved the wish (a retry)."""
        async with self.pool.acquire() as conn:
            return await self._seen(conn, wish_id, caller.retry_key(request_id))

    async def fulfilled_by(self, wish_id: int) -> str | None:
        """Who recorded the wish's latest fulfilment (the caller's subject), if it was fulfilled."""
        actor: str | None = await self.pool.fetchval(
            """select actor from wish_events where wish_id = $1 and kind = 'transition' and state = $2
               order by id desc limit 1""",
            wish_id,
            domain.FULFIL.to_state,
        )
        return actor

    async def _seen(self, conn: Connection, wish_id: int, retry_key: str) -> bool:
        return bool(
            await conn.fetchval("select 1 from wish_events where wish_id = $1 and request_id = $2", wish_id, retry_key)
        )

    async def _current(self, conn: Connection, wish_id: int) -> Wish:
        row = await conn.fetchrow(f"select {WISH_COLUMNS} from wishes where id = $1", wish_id)
        if row is None:
            raise LookupError(wish_id)
        return wish_of(row)

    async def record_reminder(
        self, caller: Caller, request_id: str, wish_id: int, kind: str, state: str, note: str, recipients: list[str]
    ) -> bool:
        """Records a reminder or escalation if the wish is still in `state`; once per caller's request id."""
        retry_key = caller.retry_key(request_id)
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
                retry_key,
            )
            return inserted is not None or await self._seen(conn, wish_id, retry_key)

    async def history(self, wish_id: int, after_id: int | None, limit: int) -> list[WishEvent]:
        rows = await self.pool.fetch(
            f"select {EVENT_COLUMNS} from wish_events where wish_id = $1 and id > $2 order by id limit $3",
            wish_id,
            after_id or 0,
            limit,
        )
        return [event_of(row) for row in rows]

    async def sealed_resident(self, caller: Caller, wish_id: int, reason: str) -> tuple[bytes, bytes | None]:
        """The sealed name and contact of the wish's resident, for a caller allowed to read them; the read is
        audited with its reason, in the same transaction."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "select resident_name_sealed, resident_contact_sealed from wishes where id = $1", wish_id
            )
            if row is None:
                raise LookupError(wish_id)
            await write_audit(
                conn,
                caller,
                "read_personal_data",
                "wish",
                wish_id,
                fields=["resident_name", "resident_contact"],
                reason=reason,
            )
            return row["resident_name_sealed"], row["resident_contact_sealed"]

    async def reseal_batch(
        self, active_key_id: str, limit: int, reseal: Callable[[bytes, str], bytes]
    ) -> tuple[int, int]:
        """Re-encrypts up to `limit` wishes' resident data sealed under another key than the active one. Returns
        (resealed rows, rows still sealed under an old key)."""
        key_of = "convert_from(substring({column} from 3 for get_byte({column}, 1)), 'UTF8')"
        columns = [column for column, _ in RESIDENT_FIELDS]
        stale = " or ".join(f"({c} is not null and {key_of.format(column=c)} <> $1)" for c in columns)
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                f"select id, {', '.join(columns)} from wishes where {stale} order by id limit $2 for update skip locked",
                active_key_id,
                limit,
            )
            for row in rows:
                values = [reseal(row[c], f) if row[c] is not None else None for c, f in RESIDENT_FIELDS]
                await conn.execute(
                    f"update wishes set {columns[0]} = $2, {columns[1]} = $3 where id = $1", row["id"], *values
                )
            remaining = await conn.fetchval(f"select count(*) from wishes where {stale}", active_key_id)
        return len(rows), remaining

    async def audit(self, caller: Caller, action: str, subject_kind: str, subject_id: str, **detail: Any) -> None:
        async with self.pool.acquire() as conn:
            await write_audit(conn, caller, action, subject_kind, subject_id, **detail)


class BatchedReads:
    """Reads wishes by id for many concurrent calls in one query.

    A claim storm reads the same few hundred wishes thousands of times at once, and most of each read's cost is
    the round trip and the pool, not the row. Calls that ask within one turn of the event loop share one
    `where id = any(...)` query; the query is sent after every one of them asked, so each still sees every
    change committed before it asked (nothing is cached between turns).
    """

    def __init__(self, store: WishStore) -> None:
        self.store = store
        self._waiting: dict[int, list[asyncio.Future[Wish | None]]] = {}

    async def wish(self, wish_id: int) -> Wish | None:
        loop = asyncio.get_running_loop()
        if not self._waiting:
            loop.call_soon(self._flush)
        answer: asyncio.Future[Wish | None] = loop.create_future()
        self._waiting.setdefault(wish_id, []).append(answer)
        return await answer

    def _flush(self) -> None:
        batch, self._waiting = self._waiting, {}
        task = asyncio.ensure_future(self.store.wishes(list(batch)))
        task.add_done_callback(lambda done: _answer(batch, done))


def _answer(batch: dict[int, list[asyncio.Future[Wish | None]]], done: asyncio.Future[dict[int, Wish]]) -> None:
    error = None if done.cancelled() else done.exception()
    for wish_id, answers in batch.items():
        for answer in answers:
            if answer.done():  # its call was cancelled meanwhile
                continue
            if done.cancelled():
                answer.cancel()
            elif error is not None:
                answer.set_exception(error)
            else:
                answer.set_result(done.result().get(wish_id))
