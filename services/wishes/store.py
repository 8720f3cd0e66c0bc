"""The wishes service's SQL. Everything here runs against the `wishes` schema and no other.

A transition is one transaction: a conditional UPDATE of the wish (only from the states it may start from,
so of any number of concurrent claims exactly one matches) and the insert of its history event, which is
also the outbox row the relay later delivers to the wish's workflow.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.wishes.domain import CLOSED_STATES, OPEN_STATES, WALL_STATES, Transition, Wish, WishEvent

_WISH_COLUMNS = """id, community_id, community_path, text, source, state, category, service_standard, deadline,
    reject_reason, claimant_member_id, resident_name_masked, resident_contact_masked, submitted_at, updated_at, version,
    published_at, claimed_at, fulfilment_report, hours, fulfilled_at, rating, resident_comment, close_note, closed_at,
    claim_extended, duplicate_of, referred_to, participant_member_ids, group_team_id, group_workplace_org, unit_id"""
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
        published_at=row["published_at"],
        claimed_at=row["claimed_at"],
        fulfilment_report=row["fulfilment_report"],
        hours=row["hours"],
        fulfilled_at=row["fulfilled_at"],
        rating=row["rating"],
        resident_comment=row["resident_comment"],
        close_note=row["close_note"],
        closed_at=row["closed_at"],
        claim_extended=row["claim_extended"],
        duplicate_of=row["duplicate_of"],
        referred_to=row["referred_to"],
        participant_member_ids=tuple(row["participant_member_ids"]),
        group_team_id=row["group_team_id"],
        group_workplace_org=row["group_workplace_org"],
        unit_id=row["unit_id"],
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
    unit_id: int | None = None


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


@dataclass(frozen=True)
class ClaimCap:
    """At most `limit` open claims for each of `member_ids` (one claimant, or everyone in a group claim), checked
    under a lock per member. A member's open claims are the wishes they hold and the group claims they take part in.
    """

    member_ids: tuple[int, ...]
    limit: int


@dataclass(frozen=True)
class WishFilter:
    org_unit_id: str
    state: str | None = None
    category: str | None = None
    overdue_only: bool = False
    wall_only: bool = False


@dataclass(frozen=True)
class WishStats:
    by_state: dict[str, int]
    submitted: int
    closed: int
    overdue: int
    average_hours_to_claim: float
    average_hours_to_close: float
    ended_by_state: dict[str, int]


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

    async def wishes(self, wish_ids: list[int]) -> dict[int, Wish]:
        rows = await self.pool.fetch(f"select {_WISH_COLUMNS} from wishes where id = any($1::bigint[])", wish_ids)
        return {row["id"]: _wish(row) for row in rows}

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
                        resident_name_masked, resident_contact_sealed, resident_contact_masked, created_by, request_id,
                        unit_id)
                    values ($1, $2, $3, $4, 'submitted', $5, $6, $7, $8, $9, $10, $11)
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
                new.unit_id,
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
        *,
        cap: ClaimCap | None = None,
        expected_version: int | None = None,
        **changes: Any,
    ) -> tuple[Wish, Moved | None]:
        """Moves the wish if it is in one of move.from_states, setting `changes` (column: value).

        Returns (wish, Moved) when moved now and (wish, None) when this request id moved it before.
        Raises WrongState when the wish is in another state (or, with expected_version, has moved on),
        ClaimCapReached when one of the cap's members already has as many open claims as allowed, LookupError when there
        is no such wish.
        """
        assignments = "".join(f", {column} = ${index}" for index, column in enumerate(changes, start=5))
        async with self.pool.acquire() as conn, conn.transaction():
            if await self._seen(conn, wish_id, request_id):
                return await self._current(conn, wish_id), None
            if cap is not None:
                # Each member's claims are counted and taken one at a time (lock_open_claims, locks in a fixed
                # order), so concurrent single and group claims cannot pass anyone's cap.
                at_cap = await conn.fetchrow(
                    "select member_id, held from lock_open_claims($1::bigint[], $2, $3)",
                    list(cap.member_ids),
                    wish_id,
                    cap.limit,
                )
                if at_cap is not None:
                    raise ClaimCapReached(at_cap["held"], at_cap["member_id"], group=len(cap.member_ids) > 1)
            row = await conn.fetchrow(
                f"""with old as (select id as old_id, state as from_state, updated_at as entered_at
                                 from wishes where id = $1)
                    update wishes set state = $2, version = version + 1, updated_at = now(){assignments}
                    from old
                    where id = old_id and state = any($3::text[]) and ($4::int is null or version = $4)
                    returning {_WISH_COLUMNS}, from_state, entered_at""",
                wish_id,
                move.to_state,
                list(move.from_states),
                expected_version,
                *changes.values(),
            )
            if row is None:
                # A concurrent retry of this same request may have just committed: that is success, not a race lost.
                if await self._seen(conn, wish_id, request_id):
                    return await self._current(conn, wish_id), None
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
            return wish, Moved(wish, row["from_state"], row["entered_at"])

    async def claim(
        self, caller: Caller, request_id: str, wish_id: int, note: str, cap: ClaimCap
    ) -> tuple[Wish, Moved | None]:
        """Claims a published wish for the cap's one member in one round trip (the function claim_wish); answers
        and raises as transition() does for domain.CLAIM."""
        (member_id,) = cap.member_ids
        row = await self.pool.fetchrow(
            "select outcome, held, entered_at, wish from claim_wish($1, $2, $3, $4, $5, $6)",
            wish_id,
            request_id,
            caller.subject,
            note,
            member_id,
            cap.limit,
        )
        outcome = row["outcome"]
        if outcome == "cap":
            raise ClaimCapReached(row["held"], member_id)
        if outcome == "not_found":
            raise LookupError(wish_id)
        wish = _wish(row["wish"])
        if outcome == "wrong_state":
            raise WrongState(wish)
        if outcome == "seen":
            return wish, None
        return wish, Moved(wish, "published", row["entered_at"])

    async def moved_by(self, wish_id: int, request_id: str) -> bool:
        """True when this request id already moved the wish (a retry)."""
        async with self.pool.acquire() as conn:
            return await self._seen(conn, wish_id, request_id)

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

    async def list_wishes(self, where: WishFilter, before_id: int | None, limit: int) -> list[Wish]:
        """Newest first, ids below before_id; a subtree by the community's path (GIN-indexed)."""
        rows = await self.pool.fetch(
            f"""select {_WISH_COLUMNS} from wishes
                where community_path @> array[$1::text]
                  and ($2::text is null or state = $2)
                  and ($3::text is null or category = $3)
                  and (not $4 or (state = any($5::text[]) and deadline < now()))
                  and (not $6 or state = any($7::text[]))
                  and ($8::bigint is null or id < $8)
                order by id desc
                limit $9""",
            where.org_unit_id,
            where.state,
            where.category,
            where.overdue_only,
            list(OPEN_STATES),
            where.wall_only,
            list(WALL_STATES),
            before_id,
            limit,
        )
        return [_wish(row) for row in rows]

    async def stats(self, org_unit_id: str, start: datetime, end: datetime) -> WishStats:
        async with self.pool.acquire() as conn:
            by_state = await conn.fetch(
                "select state, count(*) as n from wishes where community_path @> array[$1::text] group by state",
                org_unit_id,
            )
            row = await conn.fetchrow(
                """select
                     count(*) filter (where submitted_at >= $2 and submitted_at < $3) as submitted,
                     count(*) filter (where state = 'closed' and closed_at >= $2 and closed_at < $3) as closed,
                     -- open at end_time: submitted, not yet fulfilled or closed, and its deadline passed
                     count(*) filter (where submitted_at < $3 and deadline < $3
                                        and (fulfilled_at is null or fulfilled_at >= $3)
                                        and (closed_at is null or closed_at >= $3)
                                        and state <> 'rejected') as overdue,
                     avg(extract(epoch from claimed_at - published_at) / 3600)
                       filter (where claimed_at >= $2 and claimed_at < $3 and published_at is not null) as to_claim,
                     avg(extract(epoch from closed_at - submitted_at) / 3600)
                       filter (where state = 'closed' and closed_at >= $2 and closed_at < $3) as to_close
                   from wishes where community_path @> array[$1::text]""",
                org_unit_id,
                start,
                end,
            )
            ended = await conn.fetch(
                """select state, count(*) as n from wishes
                   where community_path @> array[$1::text] and closed_at >= $2 and closed_at < $3
                     and state = any($4::text[])
                   group by state""",
                org_unit_id,
                start,
                end,
                list(CLOSED_STATES),
            )
        return WishStats(
            by_state={r["state"]: r["n"] for r in by_state},
            submitted=row["submitted"],
            closed=row["closed"],
            overdue=row["overdue"],
            average_hours_to_claim=float(row["to_claim"] or 0.0),
            average_hours_to_close=float(row["to_close"] or 0.0),
            ended_by_state={r["state"]: r["n"] for r in ended},
        )

    async def count_overdue(self) -> list[tuple[str, int]]:
        rows = await self.pool.fetch(
            """select coalesce(category, '') as category, count(*) as n from wishes
               where state = any($1::text[]) and deadline < now() group by 1""",
            list(OPEN_STATES),
        )
        return [(row["category"], row["n"]) for row in rows]

    async def open_wishes_of(self, community_id: int, exclude_id: int, limit: int = 500) -> list[Wish]:
        """The community's open wishes (not yet fulfilled or closed), newest first: what a new wish may duplicate."""
        rows = await self.pool.fetch(
            f"""select {_WISH_COLUMNS} from wishes
                where community_id = $1 and state = any($2::text[]) and id <> $3
                order by id desc limit $4""",
            community_id,
            ["submitted", *OPEN_STATES],
            exclude_id,
            limit,
        )
        return [_wish(row) for row in rows]

    async def export_page(
        self,
        org_unit_id: str,
        state: str | None,
        start: datetime | None,
        end: datetime | None,
        after_id: int,
        limit: int,
    ) -> list[Wish]:
        """The subtree's wishes (optionally in one state, submitted in [start, end)) after after_id, oldest first."""
        rows = await self.pool.fetch(
            f"""select {_WISH_COLUMNS} from wishes
                where community_path @> array[$1::text]
                  and ($2::text is null or state = $2)
                  and ($3::timestamptz is null or submitted_at >= $3)
                  and ($4::timestamptz is null or submitted_at < $4)
                  and id > $5
                order by id
                limit $6""",
            org_unit_id,
            state,
            start,
            end,
            after_id,
            limit,
        )
        return [_wish(row) for row in rows]

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
