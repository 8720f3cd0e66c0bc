"""The registry's SQL. Everything here runs against the `registry` schema and no other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.registry.domain import Member, OrgUnit, ServiceRecord, ServiceTotal
from services.runtime.audit import write_audit
from services.runtime.auth import Caller

_ORG_COLUMNS = "id, parent_id, kind, name, path::text as path, created_at"
_MEMBER_COLUMNS = """id, name, workplace_org, community_id, residence_unit_id, residence_path::text as residence_path,
    skills, tags, management_level, phone_masked, id_number_masked, status, registered_at"""


def _ids(path: str) -> tuple[int, ...]:
    return tuple(int(label) for label in path.split("."))


def _org_unit(row: asyncpg.Record) -> OrgUnit:
    return OrgUnit(
        id=row["id"],
        parent_id=row["parent_id"],
        kind=row["kind"],
        name=row["name"],
        ancestor_ids=_ids(row["path"])[:-1],
        created_at=row["created_at"],
    )


def _member(row: asyncpg.Record) -> Member:
    return Member(
        id=row["id"],
        name=row["name"],
        workplace_org=row["workplace_org"],
        community_id=row["community_id"],
        residence_unit_id=row["residence_unit_id"],
        residence_ancestor_ids=_ids(row["residence_path"]),
        skills=tuple(row["skills"]),
        tags=tuple(row["tags"]),
        management_level=row["management_level"],
        phone_masked=row["phone_masked"],
        id_number_masked=row["id_number_masked"],
        status=row["status"],
        registered_at=row["registered_at"],
    )


_RECORD_COLUMNS = "id, member_id, kind, source_id, category, hours, served_at, note, recorded_at"


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
    )


def _totals(rows: list[asyncpg.Record]) -> list[ServiceTotal]:
    return [ServiceTotal(r["kind"], r["category"], r["count"], float(r["hours"])) for r in rows]


def path_of(unit: OrgUnit) -> str:
    """The unit's materialised path (ids root first, the unit last) as ltree text."""
    return ".".join(str(i) for i in (*unit.ancestor_ids, unit.id))


@dataclass(frozen=True)
class NewService:
    member: Member
    kind: str
    source_id: str
    category: str
    hours: float
    served_at: datetime
    note: str


@dataclass(frozen=True)
class RegistryStats:
    members_registered: int
    members_active: int
    totals: list[ServiceTotal]


@dataclass(frozen=True)
class NewMember:
    name: str
    workplace_org: str
    community_id: int
    residence_unit_id: int
    residence_path: str
    skills: tuple[str, ...]
    tags: tuple[str, ...]
    management_level: str
    phone_sealed: bytes
    phone_hash: bytes
    phone_masked: str
    id_number_sealed: bytes
    id_number_hash: bytes
    id_number_masked: str


class DuplicatePerson(Exception):
    """The person (by ID number) is registered already."""


class DuplicateName(Exception):
    """The parent has a unit of this name already."""


class RegistryStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def org_unit(self, org_unit_id: int) -> OrgUnit | None:
        row = await self.pool.fetchrow(f"select {_ORG_COLUMNS} from org_units where id = $1", org_unit_id)
        return _org_unit(row) if row else None

    async def org_unit_kinds(self, ids: tuple[int, ...]) -> dict[int, str]:
        rows = await self.pool.fetch("select id, kind from org_units where id = any($1::bigint[])", list(ids))
        return {row["id"]: row["kind"] for row in rows}

    async def create_org_unit(
        self, caller: Caller, request_id: str, parent: OrgUnit | None, kind: str, name: str
    ) -> OrgUnit:
        """Creates the unit, or returns the one this caller created with the same request id.
        Raises DuplicateName when the parent has a unit of that name already."""
        async with self.pool.acquire() as conn, conn.transaction():
            new_id = await conn.fetchval("select nextval(pg_get_serial_sequence('org_units', 'id'))")
            path = ".".join(str(i) for i in (*parent.ancestor_ids, parent.id, new_id)) if parent else str(new_id)
            try:
                row = await conn.fetchrow(
                    f"""insert into org_units (id, parent_id, kind, name, path, created_by, request_id)
                        values ($1, $2, $3, $4, $5::public.ltree, $6, $7)
                        on conflict (created_by, request_id) do nothing
                        returning {_ORG_COLUMNS}""",
                    new_id,
                    parent.id if parent else None,
                    kind,
                    name,
                    path,
                    caller.subject,
                    request_id,
                )
            except asyncpg.UniqueViolationError as exc:
                if exc.constraint_name == "org_units_sibling_name":
                    raise DuplicateName(name) from exc
                raise
            if row is None:  # a retry: return what the first request made
                row = await conn.fetchrow(
                    f"select {_ORG_COLUMNS} from org_units where created_by = $1 and request_id = $2",
                    caller.subject,
                    request_id,
                )
                return _org_unit(row)
            parent_id = parent.id if parent else None
            await write_audit(conn, caller, "create_org_unit", "org_unit", new_id, kind=kind, parent_id=parent_id)
            return _org_unit(row)

    async def register_member(self, caller: Caller, request_id: str, new: NewMember) -> Member:
        """Inserts the member, or returns the one this caller registered with the same request id.
        Raises DuplicatePerson when the ID number is registered already under another request."""
        async with self.pool.acquire() as conn, conn.transaction():
            try:
                row = await conn.fetchrow(
                    f"""insert into members (name, workplace_org, community_id, residence_unit_id, residence_path,
                            skills, tags, management_level, phone_sealed, phone_hash, phone_masked, id_number_sealed,
                            id_number_hash, id_number_masked, created_by, request_id)
                        values ($1, $2, $3, $4, $5::public.ltree, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                        on conflict (created_by, request_id) do nothing
                        returning {_MEMBER_COLUMNS}""",
                    new.name,
                    new.workplace_org,
                    new.community_id,
                    new.residence_unit_id,
                    new.residence_path,
                    list(new.skills),
                    list(new.tags),
                    new.management_level,
                    new.phone_sealed,
                    new.phone_hash,
                    new.phone_masked,
                    new.id_number_sealed,
                    new.id_number_hash,
                    new.id_number_masked,
                    caller.subject,
                    request_id,
                )
            except asyncpg.UniqueViolationError as exc:
                if exc.constraint_name == "members_one_registration_per_person":
                    raise DuplicatePerson() from exc
                raise
            if row is None:  # a retry: return what the first request registered
                row = await conn.fetchrow(
                    f"select {_MEMBER_COLUMNS} from members where created_by = $1 and request_id = $2",
                    caller.subject,
                    request_id,
                )
                return _member(row)
            member = _member(row)
            await conn.execute(
                """insert into member_residences (member_id, community_id, residence_unit_id, residence_path,
                       from_time, reason)
                   values ($1, $2, $3, $4::public.ltree, $5, 'registered')""",
                member.id,
                new.community_id,
                new.residence_unit_id,
                new.residence_path,
                member.registered_at,
            )
            await write_audit(conn, caller, "register_member", "member", member.id, community_id=new.community_id)
            return member

    async def member(self, member_id: int) -> Member | None:
        row = await self.pool.fetchrow(f"select {_MEMBER_COLUMNS} from members where id = $1", member_id)
        return _member(row) if row else None

    async def sealed_personal_data(self, caller: Caller, member_id: int) -> tuple[bytes, bytes]:
        """The sealed phone and ID number, for a caller allowed to read them; the read is audited."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow("select phone_sealed, id_number_sealed from members where id = $1", member_id)
            await write_audit(conn, caller, "read_personal_data", "member", member_id, fields=["phone", "id_number"])
            return row["phone_sealed"], row["id_number_sealed"]

    async def search_members(
        self, subtree: OrgUnit, status: str, skill: str | None, after_id: int | None, limit: int
    ) -> list[Member]:
        """Members living in the subtree, in id order, after `after_id` (keyset paging)."""
        path = ".".join(str(i) for i in (*subtree.ancestor_ids, subtree.id))
        rows = await self.pool.fetch(
            f"""select {_MEMBER_COLUMNS} from members
                where residence_path <@ $1::public.ltree and status = $2
                  and ($3::text is null or $3 = any(skills))
                  and id > $4
                order by id
                limit $5""",
            path,
            status,
            skill,
            after_id or 0,
            limit,
        )
        return [_member(row) for row in rows]

    async def record_service(self, caller: Caller, request_id: str, new: NewService) -> tuple[ServiceRecord, bool]:
        """Records the service, or returns the record of the same (member, kind, source) with created=False."""
        member = new.member
        residence_path = ".".join(str(i) for i in member.residence_ancestor_ids)
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"""insert into service_records (member_id, kind, source_id, category, hours, served_at, note,
                        residence_path, created_by, request_id)
                    values ($1, $2, $3, $4, $5, $6, $7, $8::public.ltree, $9, $10)
                    on conflict (member_id, kind, source_id) do nothing
                    returning {_RECORD_COLUMNS}""",
                member.id,
                new.kind,
                new.source_id,
                new.category,
                new.hours,
                new.served_at,
                new.note,
                residence_path,
                caller.subject,
                request_id,
            )
            if row is None:
                row = await conn.fetchrow(
                    f"select {_RECORD_COLUMNS} from service_records where member_id = $1 and kind = $2 and source_id = $3",
                    member.id,
                    new.kind,
                    new.source_id,
                )
                return _service_record(row), False
            record = _service_record(row)
            await write_audit(
                conn,
                caller,
                "record_service",
                "member",
                member.id,
                record_id=record.id,
                kind=new.kind,
                source_id=new.source_id,
            )
            return record, True

    async def service_summary(self, member_id: int, start: datetime | None, end: datetime | None) -> list[ServiceTotal]:
        rows = await self.pool.fetch(
            """select kind, category, count(*)::int as count, coalesce(sum(hours), 0) as hours
               from service_records
               where member_id = $1 and ($2::timestamptz is null or served_at >= $2)
                 and ($3::timestamptz is null or served_at < $3)
               group by kind, category order by kind, category""",
            member_id,
            start,
            end,
        )
        return _totals(rows)

    async def registry_stats(self, subtree: OrgUnit, start: datetime | None, end: datetime) -> RegistryStats:
        """Registrations in [start, end), members living in the subtree and active at `end`, and the services
        given in [start, end) by members while they lived in the subtree."""
        path = path_of(subtree)
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            registered = await conn.fetchval(
                """select count(*)::int from members m
                   join member_residences r on r.member_id = m.id and r.reason = 'registered'
                   where r.residence_path <@ $1::public.ltree
                     and ($2::timestamptz is null or m.registered_at >= $2) and m.registered_at < $3""",
                path,
                start,
                end,
            )
            active = await conn.fetchval(
                """select count(*)::int from member_residences r join members m on m.id = r.member_id
                   where r.residence_path <@ $1::public.ltree and r.from_time < $2
                     and (r.to_time is null or r.to_time >= $2)
                     and (m.deregistered_at is null or m.deregistered_at >= $2)""",
                path,
                end,
            )
            rows = await conn.fetch(
                """select kind, category, count(*)::int as count, coalesce(sum(hours), 0) as hours
                   from service_records
                   where residence_path <@ $1::public.ltree
                     and ($2::timestamptz is null or served_at >= $2) and served_at < $3
                   group by kind, category order by kind, category""",
                path,
                start,
                end,
            )
        return RegistryStats(registered, active, _totals(rows))
