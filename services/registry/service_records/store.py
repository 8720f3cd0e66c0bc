"""Service records' SQL (纪实) and the registry's stats: what members did, where they lived when they did it, and
what team volunteers who are not members did, where their team is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.registry.domain import Member, OrgUnit, ServiceRecord, ServiceTotal, Team, TeamMember
from services.registry.rows import totals_of, under
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection, one_row

_RECORD_COLUMNS = (
    "id, member_id, kind, source_id, category, hours, served_at, note, recorded_at, team_id, team_member_id"
)
_S_COLUMNS = ", ".join(f"s.{c}" for c in _RECORD_COLUMNS.split(", "))


@dataclass(frozen=True)
class Volunteer:
    """A team volunteer who is not a member, with their team and its unit (where their service counts)."""

    team_member: TeamMember
    team: Team
    unit: OrgUnit


@dataclass(frozen=True)
class NewService:
    member: Member | None  # None for a team volunteer
    kind: str
    source_id: str
    category: str
    hours: float
    served_at: datetime
    note: str
    volunteer: Volunteer | None = None


@dataclass(frozen=True)
class RecordQuery:
    """Which service records to read: one member's, or those given in a subtree (by members while they lived there,
    the path of the day, so past work stays where it was done; by team volunteers who are not members in its
    teams); optionally of one kind, in [start, end)."""

    member_id: int | None = None
    subtree: OrgUnit | None = None
    kind: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def where(self, first: int = 1) -> tuple[str, list[object]]:
        """The SQL condition (on `s`, service_records) and its arguments, numbered from `first`. Only the predicates
        asked for are written, so the planner sees each query's own shape."""
        parts: list[str] = []
        args: list[object] = []

        def add(condition: str, value: object) -> None:
            args.append(value)
            parts.append(condition.format(f"${first + len(args) - 1}"))

        if self.member_id is not None:
            add("s.member_id = {}", self.member_id)
        if self.subtree is not None:
            add("s.residence_path ~ {}::public.lquery", under(self.subtree))
        if self.kind is not None:
            add("s.kind = {}", self.kind)
        if self.start is not None:
            add("s.served_at >= {}", self.start)
        if self.end is not None:
            add("s.served_at < {}", self.end)
        return " and ".join(parts) or "true", args


@dataclass(frozen=True)
class ExportedRecord:
    record: ServiceRecord
    member_name: str
    residence_unit_id: int  # where the member lived when they served; a team volunteer's team's unit


@dataclass(frozen=True)
class RegistryStats:
    members_registered: int
    members_active: int
    totals: list[ServiceTotal]
    team_volunteer_services: int = 0
    team_volunteer_hours: float = 0.0


def _service_record(row: asyncpg.Record) -> ServiceRecord:
    return ServiceRecord(
        id=row["id"],
        member_id=row["member_id"],
        kind=row["kind"],
        source_id=row["source_id"],
        category=row["category"],
        hours=float(row["hours"]),
        served_at=row["served_at"],
        note=row["note"],
        recorded_at=row["recorded_at"],
        team_id=row["team_id"],
        team_member_id=row["team_member_id"],
    )


async def insert_service_record(
    conn: Connection, caller: Caller, request_id: str, new: NewService
) -> tuple[ServiceRecord, bool]:
    """Records the service in the caller's transaction, or returns the record of the same (member or team volunteer,
    kind, source) with created=False: every kind of service (a wish, an alert, a care visit) is recorded by this one
    insert. A member's counts where they live; a team volunteer's (not a member) where their team is."""
    if new.volunteer is not None:
        who_column, who, path = "team_member_id", new.volunteer.team_member.id, new.volunteer.unit.path
        conflict = "(team_member_id, kind, source_id) where team_member_id is not null"
        team_id: int | None = new.volunteer.team.id
    else:
        assert new.member is not None
        who_column, who, team_id = "member_id", new.member.id, None
        path = ".".join(str(i) for i in new.member.residence_ancestor_ids)
        conflict = "(member_id, kind, source_id)"
    row = await conn.fetchrow(
        f"""insert into service_records ({who_column}, kind, source_id, category, hours, served_at, note,
                residence_path, created_by, request_id, team_id)
            values ($1, $2, $3, $4, $5, $6, $7, $8::public.ltree, $9, $10, $11)
            on conflict {conflict} do nothing
            returning {_RECORD_COLUMNS}""",
        who,
        new.kind,
        new.source_id,
        new.category,
        new.hours,
        new.served_at,
        new.note,
        path,
        caller.subject,
        request_id,
        team_id,
    )
    if row is None:
        row = await one_row(
            conn,
            f"select {_RECORD_COLUMNS} from service_records where {who_column} = $1 and kind = $2 and source_id = $3",
            who,
            new.kind,
            new.source_id,
        )
        return _service_record(row), False
    record = _service_record(row)
    await write_audit(
        conn,
        caller,
        "record_service",
        "team_member" if new.volunteer is not None else "member",
        who,
        record_id=record.id,
        kind=new.kind,
        source_id=new.source_id,
    )
    return record, True


class RecordStore:
    pool: asyncpg.Pool

    async def record_service(self, caller: Caller, request_id: str, new: NewService) -> tuple[ServiceRecord, bool]:
        """Records the service, or returns the record of the same (member or team volunteer, kind, source) with
        created=False."""
        async with self.pool.acquire() as conn, conn.transaction():
            return await insert_service_record(conn, caller, request_id, new)

    async def service_summary(
        self, member_id: int, start: datetime | None, end: datetime | None, *, team_volunteer: bool = False
    ) -> list[ServiceTotal]:
        """A member's services by kind and category in [start, end); with team_volunteer, member_id is a team
        volunteer's TeamMember id."""
        who = "team_member_id" if team_volunteer else "member_id"
        rows = await self.pool.fetch(
            f"""select kind, category, count(*)::int as count, coalesce(sum(hours), 0) as hours
               from service_records
               where {who} = $1 and ($2::timestamptz is null or served_at >= $2)
                 and ($3::timestamptz is null or served_at < $3)
               group by kind, category order by kind, category""",
            member_id,
            start,
            end,
        )
        return totals_of(rows)

    async def registry_stats(self, subtree: OrgUnit, start: datetime | None, end: datetime) -> RegistryStats:
        """Registrations in [start, end), members living in the subtree and active at `end`, and the services
        given in [start, end) by members while they lived in the subtree."""
        path = under(subtree)
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            registered = await conn.fetchval(
                """select count(*)::int from members m
                   join member_residences r on r.member_id = m.id and r.reason in ('registered', 'imported')
                   where r.residence_path ~ $1::public.lquery
                     and ($2::timestamptz is null or m.registered_at >= $2) and m.registered_at < $3""",
                path,
                start,
                end,
            )
            active = await conn.fetchval(
                """select count(*)::int from member_residences r join members m on m.id = r.member_id
                   where r.residence_path ~ $1::public.lquery and r.from_time < $2
                     and (r.to_time is null or r.to_time >= $2)
                     and (m.deregistered_at is null or m.deregistered_at >= $2)""",
                path,
                end,
            )
            rows = await conn.fetch(
                """select kind, category, count(*)::int as count, coalesce(sum(hours), 0) as hours
                   from service_records
                   where residence_path ~ $1::public.lquery and member_id is not null
                     and ($2::timestamptz is null or served_at >= $2) and served_at < $3
                   group by kind, category order by kind, category""",
                path,
                start,
                end,
            )
            volunteers = await one_row(
                conn,
                """select count(*)::int as count, coalesce(sum(hours), 0) as hours from service_records
                   where residence_path ~ $1::public.lquery and team_member_id is not null
                     and ($2::timestamptz is null or served_at >= $2) and served_at < $3""",
                path,
                start,
                end,
            )
        return RegistryStats(
            registered, active, totals_of(rows), volunteers["count"], round(float(volunteers["hours"]), 2)
        )

    async def service_records(
        self, query: RecordQuery, before: tuple[datetime, int] | None, limit: int
    ) -> list[ServiceRecord]:
        """Newest service first, below the keyset position `before` (served_at, id) when given."""
        where, args = query.where()
        if before is not None:
            where += f" and (s.served_at, s.id) < (${len(args) + 1}, ${len(args) + 2})"
            args += list(before)
        rows = await self.pool.fetch(
            f"""select {_S_COLUMNS} from service_records s where {where}
                order by s.served_at desc, s.id desc limit ${len(args) + 1}""",
            *args,
            limit,
        )
        return [_service_record(r) for r in rows]

    async def count_service_records(self, query: RecordQuery) -> int:
        where, args = query.where()
        count: int = await self.pool.fetchval(f"select count(*) from service_records s where {where}", *args)
        return count

    async def export_service_records(
        self, query: RecordQuery, after: tuple[datetime, int] | None, limit: int
    ) -> list[ExportedRecord]:
        """Oldest service first, above the keyset position `after` (served_at, id) when given, with the member's
        name and where they lived then (a team volunteer's record: no name here, and their team's unit)."""
        where, args = query.where()
        if after is not None:
            where += f" and (s.served_at, s.id) > (${len(args) + 1}, ${len(args) + 2})"
            args += list(after)
        rows = await self.pool.fetch(
            f"""select {_S_COLUMNS}, coalesce(m.name, '') as member_name,
                       public.subpath(s.residence_path, -1)::text::bigint as residence_unit_id
                from service_records s left join members m on m.id = s.member_id
                where {where} order by s.served_at, s.id limit ${len(args) + 1}""",
            *args,
            limit,
        )
        return [ExportedRecord(_service_record(r), r["member_name"], r["residence_unit_id"]) for r in rows]
