"""The SQL of service commitments (服务承诺): one row per member and year in `service_commitments`, and what the
member did in that year, read from `service_records` (纪实) and `service_post_claims`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.registry.commitments.domain import Commitment
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection, one_row

_COLUMNS = """c.member_id, c.year, c.post_id, coalesce(p.name, '') as post_name, c.services, c.hours, c.set_at"""
_FROM = "service_commitments c left join service_posts p on p.id = c.post_id"


def _commitment(row: asyncpg.Record) -> Commitment:
    return Commitment(
        member_id=row["member_id"],
        year=row["year"],
        post_id=row["post_id"],
        post_name=row["post_name"],
        services=row["services"],
        hours=float(row["hours"]),
        set_at=row["set_at"],
    )


@dataclass(frozen=True)
class Done:
    """What a member did in a period: services, hours, and whether they hold the committed post now."""

    services: int
    hours: float
    post_held: bool


class CommitmentStore:
    pool: asyncpg.Pool

    async def set_commitment(
        self,
        conn: Connection,
        caller: Caller,
        member_id: int,
        year: int,
        post_id: int | None,
        services: int,
        hours: float,
    ) -> Commitment:
        """Sets the member's commitment for the year, replacing an earlier one; audited with its terms."""
        await conn.execute(
            """insert into service_commitments (member_id, year, post_id, services, hours, set_by)
               values ($1, $2, $3, $4, $5, $6)
               on conflict (member_id, year) do update
                 set post_id = excluded.post_id, services = excluded.services, hours = excluded.hours,
                     set_at = now(), set_by = excluded.set_by""",
            member_id,
            year,
            post_id,
            services,
            hours,
            caller.subject,
        )
        row = await one_row(
            conn, f"select {_COLUMNS} from {_FROM} where c.member_id = $1 and c.year = $2", member_id, year
        )
        await write_audit(
            conn,
            caller,
            "set_service_commitment",
            "member",
            member_id,
            year=year,
            post_id=post_id,
            services=services,
            hours=hours,
        )
        return _commitment(row)

    async def commitment(self, member_id: int, year: int) -> Commitment | None:
        row = await self.pool.fetchrow(
            f"select {_COLUMNS} from {_FROM} where c.member_id = $1 and c.year = $2", member_id, year
        )
        return _commitment(row) if row else None

    async def commitments_of(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Commitment]:
        """The commitments of these (member id, year) pairs that exist."""
        if not pairs:
            return {}
        rows = await self.pool.fetch(
            f"""select {_COLUMNS} from {_FROM}
                join unnest($1::bigint[], $2::integer[]) as g(member_id, year)
                  on g.member_id = c.member_id and g.year = c.year""",
            [p[0] for p in pairs],
            [p[1] for p in pairs],
        )
        return {(r["member_id"], r["year"]): _commitment(r) for r in rows}

    async def commitments_of_year(self, year: int, after_member_id: int, limit: int) -> list[tuple[Commitment, int]]:
        """One page of a year's commitments of active members, by member id, each with the member's community."""
        rows = await self.pool.fetch(
            f"""select {_COLUMNS}, m.community_id from {_FROM} join members m on m.id = c.member_id
                where c.year = $1 and c.member_id > $2 and m.status = 'active'
                order by c.member_id limit $3""",
            year,
            after_member_id,
            limit,
        )
        return [(_commitment(r), r["community_id"]) for r in rows]

    async def done_in(self, commitments: list[Commitment], start: datetime, end: datetime) -> dict[int, Done]:
        """What each commitment's member did in [start, end), and whether they hold its post now."""
        if not commitments:
            return {}
        rows = await self.pool.fetch(
            """select g.member_id,
                      (select count(*)::int from service_records r
                        where r.member_id = g.member_id and r.served_at >= $3 and r.served_at < $4) as services,
                      (select coalesce(sum(hours), 0) from service_records r
                        where r.member_id = g.member_id and r.served_at >= $3 and r.served_at < $4) as hours,
                      exists (select 1 from service_post_claims k
                               where k.member_id = g.member_id and k.post_id = g.post_id) as post_held
               from unnest($1::bigint[], $2::bigint[]) as g(member_id, post_id)""",
            [c.member_id for c in commitments],
            [c.post_id for c in commitments],
            start,
            end,
        )
        return {r["member_id"]: Done(r["services"], float(r["hours"]), r["post_held"]) for r in rows}

    async def posts_held(self, commitments: list[Commitment]) -> set[int]:
        """The members of these commitments who hold their committed post now."""
        with_post = [c for c in commitments if c.post_id is not None]
        if not with_post:
            return set()
        rows = await self.pool.fetch(
            """select k.member_id from service_post_claims k
               join unnest($1::bigint[], $2::bigint[]) as g(member_id, post_id)
                 on g.member_id = k.member_id and g.post_id = k.post_id""",
            [c.member_id for c in with_post],
            [c.post_id for c in with_post],
        )
        return {r["member_id"] for r in rows}
