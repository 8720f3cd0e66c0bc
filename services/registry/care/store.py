"""Care pairs' SQL (结对帮扶), in the registry's schema: pairs, carers, visits, missed periods, and the events that
are the outbox of each pair's CarePair workflow. Every change commits with its event row and its audit row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.registry.care.domain import CarePair, CareVisit, require_active
from services.registry.domain import Member, OrgUnit, ServiceRecord
from services.registry.rows import under
from services.registry.service_records.store import NewService, insert_service_record
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection, one_row
from services.runtime.errors import AlreadyExists, NotFound

_PAIR_COLUMNS = """p.id, p.unit_id, p.resident_ref, p.caree_kind, p.people, p.resident_name_masked, p.address_masked,
    p.contact_masked, p.team_id, p.cadence_days, p.state, p.created_at, p.created_by, p.began_at, p.last_visit_id,
    p.last_visit_at, p.visits, p.ended_at, p.end_reason, p.end_note, p.version,
    array(select c.member_id from care_pair_carers c where c.pair_id = p.id order by c.member_id) as carers"""
_VISIT_COLUMNS = "id, pair_id, member_ids, visited_at, note, hours, recorded_by"


@dataclass(frozen=True)
class NewPair:
    unit: OrgUnit
    resident_ref: str
    caree_kind: str
    people: int
    name_sealed: bytes | None
    name_masked: str
    address_sealed: bytes | None
    address_masked: str
    contact_sealed: bytes | None
    contact_masked: str
    carer_member_ids: tuple[int, ...]
    team_id: int | None
    cadence_days: int
    began_at: datetime


@dataclass(frozen=True)
class NewVisit:
    pair: CarePair
    members: tuple[Member, ...]
    visited_at: datetime
    note: str
    hours: float


@dataclass(frozen=True)
class CareStats:
    pairs_active: int
    pairs_begun: int
    pairs_ended: int
    people_cared_for: int
    visits_made: int
    visits_missed: int


def _pair(row: asyncpg.Record) -> CarePair:
    return CarePair(
        id=row["id"],
        unit_id=row["unit_id"],
        resident_ref=row["resident_ref"],
        caree_kind=row["caree_kind"],
        people=row["people"],
        resident_name_masked=row["resident_name_masked"],
        address_masked=row["address_masked"],
        contact_masked=row["contact_masked"],
        carer_member_ids=tuple(row["carers"]),
        team_id=row["team_id"],
        cadence_days=row["cadence_days"],
        state=row["state"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        began_at=row["began_at"],
        last_visit_id=row["last_visit_id"],
        last_visit_at=row["last_visit_at"],
        visits=row["visits"],
        ended_at=row["ended_at"],
        end_reason=row["end_reason"],
        end_note=row["end_note"],
        version=row["version"],
    )


def _visit(row: asyncpg.Record) -> CareVisit:
    return CareVisit(
        id=row["id"],
        pair_id=row["pair_id"],
        member_ids=tuple(row["member_ids"]),
        visited_at=row["visited_at"],
        note=row["note"],
        hours=float(row["hours"]),
        recorded_by=row["recorded_by"],
    )


class CareStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def pair(self, pair_id: int, conn: Connection | None = None, *, lock: bool = False) -> CarePair | None:
        row = await (conn or self.pool).fetchrow(
            f"select {_PAIR_COLUMNS} from care_pairs p where p.id = $1{' for update' if lock else ''}", pair_id
        )
        return _pair(row) if row else None

    async def _locked(self, conn: Connection, pair_id: int) -> CarePair:
        pair = await self.pair(pair_id, conn, lock=True)
        if pair is None:
            raise NotFound(f"no care pair {pair_id}", "pair_id")
        return pair

    async def _changed(self, conn: Connection, caller: Caller, pair_id: int, kind: str) -> CarePair:
        """Bumps the pair's version and writes its event (the outbox row), in the change's transaction."""
        version = await conn.fetchval(
            "update care_pairs set version = version + 1 where id = $1 returning version", pair_id
        )
        await conn.execute(
            "insert into care_events (pair_id, version, kind, actor) values ($1, $2, $3, $4)",
            pair_id,
            version,
            kind,
            caller.subject,
        )
        pair = await self.pair(pair_id, conn)
        assert pair is not None
        return pair

    async def _set_carers(self, conn: Connection, pair_id: int, member_ids: tuple[int, ...]) -> None:
        await conn.execute("delete from care_pair_carers where pair_id = $1", pair_id)
        await conn.executemany(
            "insert into care_pair_carers (pair_id, member_id) values ($1, $2)", [(pair_id, m) for m in member_ids]
        )

    async def create(self, conn: Connection, caller: Caller, new: NewPair) -> CarePair:
        try:
            async with conn.transaction():  # a savepoint: the unique index's refusal leaves the outer one usable
                pair_id = await conn.fetchval(
                    """insert into care_pairs (unit_id, resident_ref, caree_kind, people, resident_name_sealed,
                           resident_name_masked, address_sealed, address_masked, contact_sealed, contact_masked,
                           team_id, cadence_days, created_by, began_at, version)
                       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0) returning id""",
                    new.unit.id,
                    new.resident_ref,
                    new.caree_kind,
                    new.people,
                    new.name_sealed,
                    new.name_masked,
                    new.address_sealed,
                    new.address_masked,
                    new.contact_sealed,
                    new.contact_masked,
                    new.team_id,
                    new.cadence_days,
                    caller.subject,
                    new.began_at,
                )
        except asyncpg.UniqueViolationError:
            raise AlreadyExists(
                f"resident {new.resident_ref} already has an active care pair in unit {new.unit.id}", "resident_ref"
            ) from None
        await self._set_carers(conn, pair_id, new.carer_member_ids)
        await write_audit(
            conn,
            caller,
            "create_care_pair",
            "care_pair",
            pair_id,
            unit_id=new.unit.id,
            fields=[
                f
                for f, v in (
                    ("resident_name", new.name_sealed),
                    ("address", new.address_sealed),
                    ("contact", new.contact_sealed),
                )
                if v is not None
            ],
        )
        return await self._changed(conn, caller, pair_id, "created")

    async def pairs_page(
        self, subtree: OrgUnit | None, state: str, carer: int, before_id: int, limit: int
    ) -> list[CarePair]:
        """The pairs whose unit lies in the subtree as the tree is now (anywhere: None), those `carer` visits (named
        or on the team; any: 0), newest first, ids below `before_id`."""
        rows = await self.pool.fetch(
            f"""select {_PAIR_COLUMNS} from care_pairs p join org_units u on u.id = p.unit_id
                where ($1::public.lquery is null or u.path ~ $1::public.lquery) and ($2 = '' or p.state = $2)
                  and ($3 = 0 or p.id < $3)
                  and ($5 = 0 or exists (select 1 from care_pair_carers c where c.pair_id = p.id and c.member_id = $5)
                       or p.team_id in (select t.team_id from team_members t where t.member_id = $5))
                order by p.id desc limit $4""",
            under(subtree) if subtree else None,
            state,
            before_id,
            limit,
            carer,
        )
        return [_pair(row) for row in rows]

    async def carers_of(self, pair: CarePair, conn: Connection | None = None) -> frozenset[int]:
        """The pair's member carers and the registered members of its team, those still active (a deregistered
        member is reminded of nothing and records nothing)."""
        rows = await (conn or self.pool).fetch(
            """select id from members where status = 'active' and (id = any($1::bigint[]) or id in (
                   select member_id from team_members where team_id = $2 and member_id is not null))""",
            list(pair.carer_member_ids),
            pair.team_id,
        )
        return frozenset(row["id"] for row in rows)

    async def record_visit(
        self, conn: Connection, caller: Caller, request_id: str, new: NewVisit
    ) -> tuple[CareVisit, CarePair, list[ServiceRecord]]:
        """The visit, the pair's clock moved on (never back: a late entry of an older visit leaves it), and the
        service recorded to each member who went — in one transaction."""
        pair = await self._locked(conn, new.pair.id)
        require_active(pair)  # ended meanwhile by someone else
        row = await one_row(
            conn,
            f"""insert into care_visits (pair_id, member_ids, visited_at, note, hours, recorded_by)
                values ($1, $2, $3, $4, $5, $6) returning {_VISIT_COLUMNS}""",
            pair.id,
            [m.id for m in new.members],
            new.visited_at,
            new.note,
            new.hours,
            caller.subject,
        )
        visit = _visit(row)
        await conn.execute(
            """update care_pairs set visits = visits + 1,
                   last_visit_id = case when last_visit_at is null or $3 >= last_visit_at then $2 else last_visit_id end,
                   last_visit_at = greatest(coalesce(last_visit_at, $3), $3)
               where id = $1""",
            pair.id,
            visit.id,
            visit.visited_at,
        )
        records = []
        for member in new.members:
            service = NewService(
                member, "care_visit", str(visit.id), pair.caree_kind, new.hours, visit.visited_at, "care visit"
            )
            record, _ = await insert_service_record(conn, caller, request_id, service)
            records.append(record)
        await write_audit(
            conn,
            caller,
            "record_care_visit",
            "care_pair",
            pair.id,
            visit_id=visit.id,
            member_ids=[m.id for m in new.members],
        )
        return visit, await self._changed(conn, caller, pair.id, "visit"), records

    async def visits_page(self, pair_id: int, before_id: int, limit: int) -> list[CareVisit]:
        rows = await self.pool.fetch(
            f"""select {_VISIT_COLUMNS} from care_visits where pair_id = $1 and ($2 = 0 or id < $2)
                order by id desc limit $3""",
            pair_id,
            before_id,
            limit,
        )
        return [_visit(row) for row in rows]

    async def change_carers(
        self, conn: Connection, caller: Caller, pair_id: int, member_ids: tuple[int, ...], team_id: int | None
    ) -> CarePair:
        pair = await self._locked(conn, pair_id)
        require_active(pair)
        await conn.execute("update care_pairs set team_id = $2 where id = $1", pair.id, team_id)
        await self._set_carers(conn, pair.id, member_ids)
        await write_audit(
            conn, caller, "change_carers", "care_pair", pair.id, member_ids=list(member_ids), team_id=team_id
        )
        return await self._changed(conn, caller, pair.id, "carers")

    async def end(self, conn: Connection, caller: Caller, pair_id: int, reason: str, note: str) -> CarePair:
        pair = await self._locked(conn, pair_id)
        require_active(pair)
        await conn.execute(
            """update care_pairs set state = 'ended', ended_at = now(), ended_by = $2, end_reason = $3, end_note = $4
               where id = $1""",
            pair.id,
            caller.subject,
            reason,
            note,
        )
        await write_audit(conn, caller, "end_care_pair", "care_pair", pair.id, reason=reason)
        return await self._changed(conn, caller, pair.id, "ended")

    async def sealed_resident(
        self, caller: Caller, pair_id: int, reason: str
    ) -> tuple[bytes | None, bytes | None, bytes | None]:
        """The sealed name, address and contact, for a caller allowed to read them; the read is audited first."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await one_row(
                conn,
                "select resident_name_sealed, address_sealed, contact_sealed from care_pairs where id = $1",
                pair_id,
            )
            await write_audit(
                conn,
                caller,
                "reveal_care_resident",
                "care_pair",
                pair_id,
                reason=reason,
                fields=["resident_name", "address", "contact"],
            )
            return row["resident_name_sealed"], row["address_sealed"], row["contact_sealed"]

    async def record_miss(
        self, conn: Connection, caller: Caller, pair: CarePair, after_visit_id: int, period: int, office: bool
    ) -> bool:
        """Records a period that ran out with no visit (once), or that its office was told (once)."""
        created = await conn.fetchval(
            """insert into care_misses (pair_id, after_visit_id, period) values ($1, $2, $3)
               on conflict do nothing returning true""",
            pair.id,
            after_visit_id,
            period,
        )
        if office:
            created = await conn.fetchval(
                """update care_misses set office_told_at = now()
                   where pair_id = $1 and after_visit_id = $2 and period = $3 and office_told_at is null
                   returning true""",
                pair.id,
                after_visit_id,
                period,
            )
        if created:
            await write_audit(
                conn,
                caller,
                "record_care_miss",
                "care_pair",
                pair.id,
                after_visit_id=after_visit_id,
                period=period,
                office=office,
            )
        return bool(created)

    async def stats(self, subtree: OrgUnit, start: datetime | None, end: datetime) -> CareStats:
        path = under(subtree)
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            row = await one_row(
                conn,
                """select
                     count(*) filter (where p.began_at < $3 and (p.ended_at is null or p.ended_at >= $3))::int
                       as active,
                     coalesce(sum(p.people) filter (where p.began_at < $3
                       and (p.ended_at is null or p.ended_at >= $3)), 0)::int as people,
                     count(*) filter (where ($2::timestamptz is null or p.began_at >= $2) and p.began_at < $3)::int
                       as begun,
                     count(*) filter (where ($2::timestamptz is null or p.ended_at >= $2) and p.ended_at < $3)::int
                       as ended
                   from care_pairs p join org_units u on u.id = p.unit_id where u.path ~ $1::public.lquery""",
                path,
                start,
                end,
            )
            made = await conn.fetchval(
                """select count(*)::int from care_visits v join care_pairs p on p.id = v.pair_id
                   join org_units u on u.id = p.unit_id
                   where u.path ~ $1::public.lquery and ($2::timestamptz is null or v.visited_at >= $2)
                     and v.visited_at < $3""",
                path,
                start,
                end,
            )
            missed = await conn.fetchval(
                """select count(*)::int from care_misses m join care_pairs p on p.id = m.pair_id
                   join org_units u on u.id = p.unit_id
                   where u.path ~ $1::public.lquery and ($2::timestamptz is null or m.reminded_at >= $2)
                     and m.reminded_at < $3""",
                path,
                start,
                end,
            )
        return CareStats(row["active"], row["begun"], row["ended"], row["people"], made, missed)

    async def count_by_state(self) -> list[tuple[str, int]]:
        rows = await self.pool.fetch("select state, count(*)::int as n from care_pairs group by state")
        return [(row["state"], row["n"]) for row in rows]

    async def count_overdue(self) -> int:
        """Active pairs whose next visit is past due now."""
        return int(
            await self.pool.fetchval(
                """select count(*) from care_pairs where state = 'active'
                   and coalesce(last_visit_at, began_at) + make_interval(days => cadence_days) < now()"""
            )
        )
