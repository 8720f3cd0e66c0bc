"""The wishes service's SQL over many wishes: lists, stats, exports, gauges and the duplicate check's candidates.

Lists by org unit take the ids of the communities under the unit as the org tree is now (OrgDirectory's
communities_under), never the path stored with a wish on the day it was submitted, so a community moved to another
street is listed, counted and exported with the new street.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.runtime.db import one_row
from services.wishes.domain import CLOSED_STATES, OPEN_STATES, UNFULFILLED_STATES, WALL_STATES, Wish
from services.wishes.rows import WISH_COLUMNS, wish_of


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


# States in which a wish can wait for an office: not yet reviewed, published, claimed or fulfilled.
QUEUED_STATES = frozenset({"submitted", "approved", "published", "claimed"})


@dataclass(frozen=True)
class QueueEntry:
    wish: Wish
    reason: str  # "escalated", "overdue_claim", "unreviewed" or "unpublished"
    waiting_since: datetime


class WishLists:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def list_wishes(
        self, communities: Sequence[int], where: WishFilter, before_id: int | None, limit: int
    ) -> list[Wish]:
        """Newest first, ids below before_id, of the communities given (those under where.org_unit_id now)."""
        rows = await self.pool.fetch(
            f"""select {WISH_COLUMNS} from wishes
                where community_id = any($1::bigint[])
                  and ($2::text is null or state = $2)
                  and ($3::text is null or category = $3)
                  and (not $4 or (state = any($5::text[]) and deadline < now()))
                  and (not $6 or state = any($7::text[]))
                  and ($8::bigint is null or id < $8)
                order by id desc
                limit $9""",
            list(communities),
            where.state,
            where.category,
            where.overdue_only,
            list(OPEN_STATES),
            where.wall_only,
            list(WALL_STATES),
            before_id,
            limit,
        )
        return [wish_of(row) for row in rows]

    async def office_queue(
        self,
        office: str,
        communities: Sequence[int],
        after: tuple[datetime, int] | None,
        limit: int,
        located_in: int | None = None,
    ) -> list[QueueEntry]:
        """What waits for the office (an org unit's id) among the communities given (and, for a grid or building,
        only the wishes located in it), oldest first by the time it has waited since, then id; keyset after
        (waiting_since, id). An escalation counts only at the wish's current version: a wish that moved on since
        left the queue of the office it was escalated to."""
        rows = await self.pool.fetch(
            """select * from (
                  select w.*, q.reason, q.since from wishes w
                  cross join lateral (
                    select case when e.at is not null then 'escalated'
                                when w.state = 'claimed' then 'overdue_claim'
                                when w.state = 'submitted' then 'unreviewed'
                                else 'unpublished' end as reason,
                           case when e.at is not null then e.at
                                when w.state = 'claimed' then w.deadline
                                else w.updated_at end as since
                    from (select max(at) as at from wish_events
                          where wish_id = w.id and version = w.version and kind = 'escalation'
                            and $1 = any(recipients)) e
                  ) q
                  where w.community_id = any($2::bigint[])
                    and w.state = any($3::text[])
                    and ($7::bigint is null or w.unit_id = $7)
                    and (q.reason = 'escalated' or w.state in ('submitted', 'approved')
                         or (w.state = 'claimed' and w.deadline < now()))
                ) queued
                where $4::timestamptz is null or (since, id) > ($4, $5)
                order by since, id
                limit $6""",
            f"org:{office}",
            list(communities),
            list(QUEUED_STATES),
            after[0] if after else None,
            after[1] if after else 0,
            limit,
            located_in,
        )
        return [QueueEntry(wish_of(row), row["reason"], row["since"]) for row in rows]

    async def stats(
        self, communities: Sequence[int], start: datetime, end: datetime, as_of: datetime | None = None
    ) -> WishStats:
        """Counts and averages over the wishes of the communities given, over [start, end); wishes by state now, or
        as they stood at `as_of` (each in the state of its last transition at or before it)."""
        ids = list(communities)
        async with self.pool.acquire() as conn:
            if as_of is None:
                by_state = await conn.fetch(
                    "select state, count(*) as n from wishes where community_id = any($1::bigint[]) group by state",
                    ids,
                )
            else:
                # Every move is a transition row (its state after the move) committed with it; a wish's first is
                # its submission, so a wish submitted after `as_of` has none before it and is not counted.
                by_state = await conn.fetch(
                    """select state, count(*) as n from (
                           select distinct on (e.wish_id) e.state
                             from wish_events e join wishes w on w.id = e.wish_id
                            where w.community_id = any($1::bigint[]) and e.kind = 'transition' and e.at <= $2
                            order by e.wish_id, e.at desc, e.id desc
                       ) as stood group by state""",
                    ids,
                    as_of,
                )
            row = await one_row(
                conn,
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
                   from wishes where community_id = any($1::bigint[])""",
                ids,
                start,
                end,
            )
            ended = await conn.fetch(
                """select state, count(*) as n from wishes
                   where community_id = any($1::bigint[]) and closed_at >= $2 and closed_at < $3
                     and state = any($4::text[])
                   group by state""",
                ids,
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

    async def export_page(
        self,
        communities: Sequence[int],
        state: str | None,
        start: datetime | None,
        end: datetime | None,
        after_id: int,
        limit: int,
    ) -> list[Wish]:
        """The communities' wishes (optionally in one state, submitted in [start, end)) after after_id, oldest first."""
        rows = await self.pool.fetch(
            f"""select {WISH_COLUMNS} from wishes
                where community_id = any($1::bigint[])
                  and ($2::text is null or state = $2)
                  and ($3::timestamptz is null or submitted_at >= $3)
                  and ($4::timestamptz is null or submitted_at < $4)
                  and id > $5
                order by id
                limit $6""",
            list(communities),
            state,
            start,
            end,
            after_id,
            limit,
        )
        return [wish_of(row) for row in rows]

    async def count_export(
        self, communities: Sequence[int], state: str | None, start: datetime | None, end: datetime | None
    ) -> int:
        """How many wishes an export will hold (the progress bar's "of how many")."""
        count: int = await self.pool.fetchval(
            """select count(*) from wishes
               where community_id = any($1::bigint[]) and ($2::text is null or state = $2)
                 and ($3::timestamptz is null or submitted_at >= $3) and ($4::timestamptz is null or submitted_at < $4)""",
            list(communities),
            state,
            start,
            end,
        )
        return count

    async def duplicate_candidates(self, community_id: int, shortest: int, limit: int) -> list[Wish]:
        """The community's most recent open wishes (not yet fulfilled or closed) of at least `shortest` characters:
        what a new wish may duplicate."""
        rows = await self.pool.fetch(
            f"""select {WISH_COLUMNS} from wishes
                where community_id = $1 and state = any($2::text[]) and char_length(text) >= $3
                order by id desc limit $4""",
            community_id,
            list(UNFULFILLED_STATES),
            shortest,
            limit,
        )
        return [wish_of(row) for row in rows]

    async def count_by_state(self) -> list[tuple[str, str, int]]:
        rows = await self.pool.fetch(
            "select state, coalesce(category, '') as category, count(*) as n from wishes group by 1, 2"
        )
        return [(row["state"], row["category"], row["n"]) for row in rows]

    async def count_overdue(self) -> list[tuple[str, int]]:
        rows = await self.pool.fetch(
            """select coalesce(category, '') as category, count(*) as n from wishes
               where state = any($1::text[]) and deadline < now() group by 1""",
            list(OPEN_STATES),
        )
        return [(row["category"], row["n"]) for row in rows]
