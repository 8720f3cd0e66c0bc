"""The registry's SQL. Everything here runs against the `registry` schema and no other."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

import asyncpg
from google.protobuf.message import Message

from services.registry.domain import (
    Member,
    OrgUnit,
    OrgUnitEvent,
    Pairing,
    PartyOrganisation,
    Residence,
    ServicePost,
    ServiceRecord,
    ServiceTotal,
    Team,
    TeamMember,
)
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound

Response = TypeVar("Response", bound=Message)
# The columns of one imported member as the servicer prepares them for COPY.
IMPORT_COLUMNS = (
    "name",
    "workplace_org",
    "community_id",
    "residence_unit_id",
    "residence_path",
    "skills",
    "tags",
    "management_level",
    "phone_sealed",
    "phone_hash",
    "phone_masked",
    "id_number_sealed",
    "id_number_hash",
    "id_number_masked",
)
_POST_COLUMNS = "id, community_id, name, description, capacity, claimed, created_at"
_TEAM_COLUMNS = "id, org_unit_id, kind, custom_kind, name, size, created_at"
_TEAM_MEMBER_COLUMNS = "id, team_id, member_id, name_masked, phone_masked, joined_at"
_PARTY_ORG_COLUMNS = "id, org_unit_id, kind, name, focus, created_at, dissolved_at"
_PAIRING_COLUMNS = "id, workplace_org, community_id, start_date, end_date, note"

_ORG_COLUMNS = "id, parent_id, kind, name, path::text as path, created_at, closed_at"
_MEMBER_COLUMNS = """id, name, workplace_org, community_id, residence_unit_id, residence_path::text as residence_path,
    skills, tags, management_level, phone_masked, id_number_masked, status, registered_at, deregistered_at,
    deregister_reason"""


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
        closed_at=row["closed_at"],
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
        deregistered_at=row["deregistered_at"],
        deregister_reason=row["deregister_reason"] or "",
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


def _pairing(row: asyncpg.Record) -> Pairing:
    return Pairing(
        id=row["id"],
        workplace_org=row["workplace_org"],
        community_id=row["community_id"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        note=row["note"],
    )


def _totals(rows: list[asyncpg.Record]) -> list[ServiceTotal]:
    return [ServiceTotal(r["kind"], r["category"], r["count"], float(r["hours"])) for r in rows]


def subtree_end(path: str) -> str:
    """The end of the unit's subtree in ltree order (labels compare as bytes, a prefix first): "0" appended to
    the last label. 1.2's descendants 1.2.x sort before 1.20, and no id label lies between "2" and "20", so
    [path, subtree_end) holds the unit and its descendants exactly."""
    return path + "0"


# The members of a subtree as an index range on residence_path ($1 the path, $2 its subtree_end).
_IN_SUBTREE = (
    "residence_path >= $1::public.ltree and residence_path < $2::public.ltree and residence_path <@ $1::public.ltree"
)


def under(unit: OrgUnit) -> str:
    """An lquery matching every path through the unit, wherever the unit hung when the path was written:
    history rows keep the path of their day, and ids are never reused."""
    return f"*.{unit.id}.*"


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


@dataclass
class ImportCounts:
    """What the import's chunks did: members inserted and updated, and the row numbers refused because the
    person lives outside the caller's scope, or their unit closed during the import."""

    inserted: int = 0
    updated: int = 0
    outside_scope: list[int] = field(default_factory=list)
    unit_closed: list[int] = field(default_factory=list)

    def add(self, other: ImportCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.outside_scope += other.outside_scope
        self.unit_closed += other.unit_closed


class DuplicatePerson(Exception):
    """The person (by ID number) is registered already."""


class DuplicateName(Exception):
    """The parent has a unit of this name already."""


# Moving or closing units takes this lock exclusively; writes that place a member on the tree take it shared
# and read the unit's path inside their transaction, so no member is written under a path that just changed.
TREE_LOCK = "select pg_advisory_xact_lock{mode}(hashtext('linli.registry.org_tree'))"


async def lock_tree(conn: asyncpg.Connection, *, exclusive: bool) -> None:
    await conn.execute(TREE_LOCK.format(mode="" if exclusive else "_shared"))


async def current_place(conn: asyncpg.Connection, unit_id: int, field: str) -> tuple[str, int]:
    """The residence unit's path and community now (call with the tree lock held)."""
    row = await conn.fetchrow(
        """select u.path::text as path, u.closed_at,
                  (select c.id from org_units c where c.path @> u.path and c.kind = 'community') as community_id
           from org_units u where u.id = $1""",
        unit_id,
    )
    if row["closed_at"] is not None:
        raise FailedPrecondition(f"org unit {unit_id} is closed", field)
    return row["path"], row["community_id"]


class RegistryStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def org_unit(self, org_unit_id: int) -> OrgUnit | None:
        row = await self.pool.fetchrow(f"select {_ORG_COLUMNS} from org_units where id = $1", org_unit_id)
        return _org_unit(row) if row else None

    async def org_unit_kinds(self, ids: tuple[int, ...], conn: asyncpg.Connection | None = None) -> dict[int, str]:
        rows = await (conn or self.pool).fetch("select id, kind from org_units where id = any($1::bigint[])", list(ids))
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
            await conn.execute(
                """insert into org_unit_events (org_unit_id, kind, actor, new_name, new_parent_id)
                   values ($1, 'created', $2, $3, $4)""",
                new_id,
                caller.subject,
                name,
                parent_id,
            )
            await write_audit(conn, caller, "create_org_unit", "org_unit", new_id, kind=kind, parent_id=parent_id)
            return _org_unit(row)

    async def register_member(self, caller: Caller, request_id: str, new: NewMember) -> Member:
        """Inserts the member, or returns the one this caller registered with the same request id.
        Raises DuplicatePerson when the ID number is registered already under another request."""
        async with self.pool.acquire() as conn, conn.transaction():
            earlier = await conn.fetchrow(
                f"select {_MEMBER_COLUMNS} from members where created_by = $1 and request_id = $2",
                caller.subject,
                request_id,
            )
            if earlier is not None:  # a retry, even if the unit has moved or closed since
                return _member(earlier)
            await lock_tree(conn, exclusive=False)
            path, community_id = await current_place(conn, new.residence_unit_id, "residence_unit_id")
            new = replace(new, residence_path=path, community_id=community_id)
            try:
                row = await conn.fetchrow(
                    f"""insert into members (name, workplace_org, community_id, residence_unit_id, residence_path,
                            skills, tags, management_level, phone_sealed, phone_hash, phone_masked, id_number_sealed,
                            id_number_hash, id_number_masked, created_by, request_id)
                        values ($1, $2, $3, $4, $5::public.ltree, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                        on conflict (created_by, request_id) where request_id is not null do nothing
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
        async with self.pool.acquire() as conn, conn.transaction(readonly=True):
            # Planned for the actual subtree: walking ids suits a district, a building's path range suits a
            # building; one generic plan for both is badly wrong for one of them.
            await conn.execute("set local plan_cache_mode = force_custom_plan")
            rows = await conn.fetch(
                f"""select {_MEMBER_COLUMNS} from members
                    where {_IN_SUBTREE} and status = $3
                      and ($4::text is null or $4 = any(skills))
                      and id > $5
                    order by id
                    limit $6""",
                subtree.path,
                subtree_end(subtree.path),
                status,
                skill,
                after_id or 0,
                limit,
            )
        return [_member(row) for row in rows]

    async def search_members_by_name(
        self,
        subtree: OrgUnit,
        status: str,
        skill: str | None,
        name_prefix: str,
        after: tuple[str, int] | None,
        limit: int,
    ) -> list[Member]:
        """Members of the subtree whose name starts with `name_prefix`, in (name, id) order by bytes, after
        `after` (keyset paging): one range of the name index, however common or rare the prefix is."""
        async with self.pool.acquire() as conn, conn.transaction(readonly=True):
            # A prepared statement's generic plan guesses a prefix matches a handful of rows and sorts every
            # match (100k rows, 100 ms); planned for the actual prefix it reads just one page of the index.
            await conn.execute("set local plan_cache_mode = force_custom_plan")
            rows = await conn.fetch(
                f"""select {_MEMBER_COLUMNS} from members
                where {_IN_SUBTREE} and status = $3
                  and ($4::text is null or $4 = any(skills))
                  and name collate "C" >= $5 and name collate "C" < $6 and starts_with(name, $5)
                  and (name collate "C", id) > ($7::text collate "C", $8::bigint)
                order by name collate "C", id
                limit $9""",
                subtree.path,
                subtree_end(subtree.path),
                status,
                skill,
                name_prefix,
                name_prefix + "\U0010ffff",
                # The first page starts at the prefix itself, so the scan starts there too (ids are positive).
                after[0] if after else name_prefix,
                after[1] if after else 0,
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
                   where residence_path ~ $1::public.lquery
                     and ($2::timestamptz is null or served_at >= $2) and served_at < $3
                   group by kind, category order by kind, category""",
                path,
                start,
                end,
            )
        return RegistryStats(registered, active, _totals(rows))

    # ---- idempotent writes -------------------------------------------------------------------------------

    async def once(
        self,
        caller: Caller,
        request_id: str,
        method: str,
        response_type: type[Response],
        work: Callable[[asyncpg.Connection], Awaitable[Response]],
    ) -> Response:
        """Runs `work` in one transaction the first time this caller sends this request id, and stores its
        response; a retry gets the stored response and changes nothing. A failed first attempt stores nothing."""
        async with self.pool.acquire() as conn, conn.transaction():
            # A concurrent first attempt holds this row's lock until it commits; we then read its result.
            fresh = await conn.fetchval(
                """insert into request_results (actor, request_id, method) values ($1, $2, $3)
                   on conflict do nothing returning true""",
                caller.subject,
                request_id,
                method,
            )
            if not fresh:
                row = await conn.fetchrow(
                    "select method, response from request_results where actor = $1 and request_id = $2",
                    caller.subject,
                    request_id,
                )
                if row["method"] != method:
                    raise InvalidArgument(f"was used for an earlier {row['method']} call", "request_id")
                return response_type.FromString(row["response"])
            response = await work(conn)
            await conn.execute(
                "update request_results set response = $3 where actor = $1 and request_id = $2",
                caller.subject,
                request_id,
                response.SerializeToString(),
            )
            return response

    # ---- org tree ------------------------------------------------------------------------------------------

    async def lock_org_unit(self, conn: asyncpg.Connection, unit_id: int) -> OrgUnit:
        row = await conn.fetchrow(f"select {_ORG_COLUMNS} from org_units where id = $1 for update", unit_id)
        if row is None:
            raise NotFound(f"no org unit {unit_id}", "org_unit_id")
        return _org_unit(row)

    async def rename_org_unit(self, conn: asyncpg.Connection, caller: Caller, unit: OrgUnit, name: str) -> OrgUnit:
        try:
            row = await conn.fetchrow(
                f"update org_units set name = $2 where id = $1 returning {_ORG_COLUMNS}", unit.id, name
            )
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyExists("the parent has a unit of this name already", "name") from exc
        await conn.execute(
            """insert into org_unit_events (org_unit_id, kind, actor, old_name, new_name)
               values ($1, 'renamed', $2, $3, $4)""",
            unit.id,
            caller.subject,
            unit.name,
            name,
        )
        await write_audit(conn, caller, "rename_org_unit", "org_unit", unit.id, old_name=unit.name, new_name=name)
        return _org_unit(row)

    async def move_org_unit(
        self, conn: asyncpg.Connection, caller: Caller, unit: OrgUnit, new_parent: OrgUnit, new_community_id: int | None
    ) -> OrgUnit:
        """Re-roots the unit's subtree under `new_parent`: the units, the members living there, their current
        residences and the pairings. History rows keep the path of their day. `new_community_id` is set when
        the unit lies below a community, so the members living in it now belong to another community."""
        old_path, new_path = unit.path, f"{new_parent.path}.{unit.id}"
        depth = len(unit.ancestor_ids)  # labels to cut from the front of every path in the subtree
        try:
            await conn.execute("update org_units set parent_id = $2 where id = $1", unit.id, new_parent.id)
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyExists("the new parent has a unit of this name already", "new_parent_id") from exc
        rewrite = "$2::public.ltree || subpath({column}, $3)"
        await conn.execute(
            f"update members set residence_path = $3::public.ltree || subpath(residence_path, $4) where {_IN_SUBTREE}",
            old_path,
            subtree_end(old_path),
            new_parent.path,
            depth,
        )
        await conn.execute(
            """update org_units set path = $3::public.ltree || subpath(path, $4)
               where path >= $1::public.ltree and path < $2::public.ltree and path <@ $1::public.ltree""",
            old_path,
            subtree_end(old_path),
            new_parent.path,
            depth,
        )
        await conn.execute(
            f"""update pairings set community_path = {rewrite.format(column="community_path")}
                where community_path <@ $1::public.ltree""",
            old_path,
            new_parent.path,
            depth,
        )
        await conn.execute(
            f"""update member_residences set residence_path = {rewrite.format(column="residence_path")}
                where to_time is null and residence_path <@ $1::public.ltree""",
            old_path,
            new_parent.path,
            depth,
        )
        if new_community_id is not None:
            await conn.execute(
                f"update members set community_id = $3 where {_IN_SUBTREE}",
                new_path,
                subtree_end(new_path),
                new_community_id,
            )
            await conn.execute(
                """update member_residences set community_id = $2
                   where to_time is null and residence_path <@ $1::public.ltree""",
                new_path,
                new_community_id,
            )
        await conn.execute(
            """insert into org_unit_events (org_unit_id, kind, actor, old_parent_id, new_parent_id)
               values ($1, 'moved', $2, $3, $4)""",
            unit.id,
            caller.subject,
            unit.parent_id,
            new_parent.id,
        )
        await write_audit(
            conn,
            caller,
            "move_org_unit",
            "org_unit",
            unit.id,
            old_parent_id=unit.parent_id,
            new_parent_id=new_parent.id,
        )
        row = await conn.fetchrow(f"select {_ORG_COLUMNS} from org_units where id = $1", unit.id)
        return _org_unit(row)

    async def close_org_unit(self, conn: asyncpg.Connection, caller: Caller, unit: OrgUnit, reason: str) -> OrgUnit:
        open_children = await conn.fetchval(
            "select count(*) from org_units where parent_id = $1 and closed_at is null", unit.id
        )
        if open_children:
            raise FailedPrecondition(f"{open_children} units below it are still open; close or move them first")
        party_orgs = await conn.fetchval(
            "select count(*) from party_organisations where org_unit_id = $1 and dissolved_at is null", unit.id
        )
        if party_orgs:
            raise FailedPrecondition(f"{party_orgs} party organisations on it are not dissolved; dissolve them first")
        living = await conn.fetchval(
            f"select count(*) from members where {_IN_SUBTREE} and status = 'active'", unit.path, subtree_end(unit.path)
        )
        if living:
            raise FailedPrecondition(f"{living} active members live in it; transfer or deregister them first")
        row = await conn.fetchrow(
            f"update org_units set closed_at = now(), close_reason = $2 where id = $1 returning {_ORG_COLUMNS}",
            unit.id,
            reason,
        )
        await conn.execute(
            "insert into org_unit_events (org_unit_id, kind, actor, reason) values ($1, 'closed', $2, $3)",
            unit.id,
            caller.subject,
            reason,
        )
        await write_audit(conn, caller, "close_org_unit", "org_unit", unit.id, reason=reason)
        return _org_unit(row)

    async def org_unit_children(
        self, parent: OrgUnit, include_closed: bool, after: tuple[str, int] | None, limit: int
    ) -> list[OrgUnit]:
        rows = await self.pool.fetch(
            f"""select {_ORG_COLUMNS} from org_units
                where parent_id = $1 and ($2 or closed_at is null)
                  and ($3::text is null or (name, id) > ($3, $4))
                order by name, id limit $5""",
            parent.id,
            include_closed,
            after[0] if after else None,
            after[1] if after else 0,
            limit,
        )
        return [_org_unit(row) for row in rows]

    async def org_unit_subtree(
        self, root: OrgUnit, kind: str | None, include_closed: bool, after_path: str | None, limit: int
    ) -> list[OrgUnit]:
        """Units below `root` in tree order (by path), after `after_path` (keyset paging)."""
        # Ordered by the ltree column itself (`path` alone would name the text column of the select list),
        # so the B-tree on path gives the page without a sort.
        rows = await self.pool.fetch(
            f"""select {_ORG_COLUMNS} from org_units
                where org_units.path <@ $1::public.ltree and id <> $6
                  and org_units.path > coalesce($2::public.ltree, $1::public.ltree)
                  and org_units.path < $7::public.ltree
                  and ($3::text is null or kind = $3) and ($4 or closed_at is null)
                order by org_units.path limit $5""",
            root.path,
            after_path,
            kind,
            include_closed,
            limit,
            root.id,
            subtree_end(root.path),
        )
        return [_org_unit(row) for row in rows]

    async def org_unit_events(self, unit_id: int, after_id: int, limit: int) -> list[tuple[int, OrgUnitEvent]]:
        rows = await self.pool.fetch(
            """select id, kind, at, actor, old_name, new_name, old_parent_id, new_parent_id, reason
               from org_unit_events where org_unit_id = $1 and id > $2 order by id limit $3""",
            unit_id,
            after_id,
            limit,
        )
        return [
            (
                r["id"],
                OrgUnitEvent(
                    r["kind"],
                    r["at"],
                    r["actor"],
                    r["old_name"],
                    r["new_name"],
                    r["old_parent_id"],
                    r["new_parent_id"],
                    r["reason"],
                ),
            )
            for r in rows
        ]

    # ---- member changes ------------------------------------------------------------------------------------

    async def lock_member(self, conn: asyncpg.Connection, member_id: int) -> Member:
        row = await conn.fetchrow(f"select {_MEMBER_COLUMNS} from members where id = $1 for update", member_id)
        if row is None:
            raise NotFound(f"no member {member_id}", "member_id")
        return _member(row)

    async def update_member(
        self, conn: asyncpg.Connection, caller: Caller, member: Member, changes: dict[str, Any]
    ) -> Member:
        """Sets the given columns (already validated and, for personal data, sealed) and audits which changed."""
        columns = sorted(changes)
        assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, start=2))
        row = await conn.fetchrow(
            f"update members set {assignments}, updated_at = now() where id = $1 returning {_MEMBER_COLUMNS}",
            member.id,
            *(changes[c] for c in columns),
        )
        fields = sorted({c.removesuffix("_sealed").removesuffix("_hash").removesuffix("_masked") for c in columns})
        await write_audit(conn, caller, "update_member", "member", member.id, fields=fields)
        return _member(row)

    async def transfer_member(
        self,
        conn: asyncpg.Connection,
        caller: Caller,
        member: Member,
        residence: OrgUnit,
        community_id: int,
        reason: str,
    ) -> Member:
        """Closes the member's current residence and opens the new one at the same instant (流动党员)."""
        await lock_tree(conn, exclusive=False)
        path, community_id = await current_place(conn, residence.id, "residence_unit_id")
        residence = replace(residence, ancestor_ids=tuple(int(i) for i in path.split(".")[:-1]))
        moved_at = await conn.fetchval("select now()")
        await conn.execute(
            "update member_residences set to_time = $2 where member_id = $1 and to_time is null", member.id, moved_at
        )
        await conn.execute(
            """insert into member_residences (member_id, community_id, residence_unit_id, residence_path,
                   from_time, reason)
               values ($1, $2, $3, $4::public.ltree, $5, $6)""",
            member.id,
            community_id,
            residence.id,
            residence.path,
            moved_at,
            reason,
        )
        row = await conn.fetchrow(
            f"""update members set community_id = $2, residence_unit_id = $3, residence_path = $4::public.ltree,
                    updated_at = now()
                where id = $1 returning {_MEMBER_COLUMNS}""",
            member.id,
            community_id,
            residence.id,
            residence.path,
        )
        await write_audit(
            conn,
            caller,
            "transfer_member",
            "member",
            member.id,
            from_unit_id=member.residence_unit_id,
            to_unit_id=residence.id,
        )
        return _member(row)

    async def residences(self, member_id: int, after_id: int, limit: int) -> list[tuple[int, Residence]]:
        rows = await self.pool.fetch(
            """select id, community_id, residence_unit_id, from_time, to_time, reason from member_residences
               where member_id = $1 and id > $2 order by id limit $3""",
            member_id,
            after_id,
            limit,
        )
        return [
            (r["id"], Residence(r["community_id"], r["residence_unit_id"], r["from_time"], r["to_time"], r["reason"]))
            for r in rows
        ]

    async def deregister_member(self, conn: asyncpg.Connection, caller: Caller, member: Member, reason: str) -> Member:
        row = await conn.fetchrow(
            f"""update members set status = 'deregistered', deregistered_at = now(), deregister_reason = $2,
                    updated_at = now()
                where id = $1 returning {_MEMBER_COLUMNS}""",
            member.id,
            reason,
        )
        await conn.execute(
            "update member_residences set to_time = now() where member_id = $1 and to_time is null", member.id
        )
        # A deregistered member gives back the service posts they held.
        await conn.execute(
            """with released as (delete from service_post_claims where member_id = $1 returning post_id)
               update service_posts p set claimed = claimed - 1 from released r where p.id = r.post_id""",
            member.id,
        )
        await write_audit(conn, caller, "deregister_member", "member", member.id, reason=reason)
        return _member(row)

    # ---- service posts (服务岗位) ---------------------------------------------------------------------------

    async def create_service_post(
        self, conn: asyncpg.Connection, caller: Caller, community: OrgUnit, name: str, description: str, capacity: int
    ) -> ServicePost:
        try:
            row = await conn.fetchrow(
                f"""insert into service_posts (community_id, name, description, capacity) values ($1, $2, $3, $4)
                    returning {_POST_COLUMNS}""",
                community.id,
                name,
                description,
                capacity,
            )
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyExists("the community has a post of this name already", "name") from exc
        await write_audit(conn, caller, "create_service_post", "service_post", row["id"], community_id=community.id)
        return ServicePost(**dict(row))

    async def service_post(self, post_id: int) -> ServicePost | None:
        row = await self.pool.fetchrow(f"select {_POST_COLUMNS} from service_posts where id = $1", post_id)
        return ServicePost(**dict(row)) if row else None

    async def service_posts(self, community_id: int, after_id: int, limit: int) -> list[ServicePost]:
        rows = await self.pool.fetch(
            f"select {_POST_COLUMNS} from service_posts where community_id = $1 and id > $2 order by id limit $3",
            community_id,
            after_id,
            limit,
        )
        return [ServicePost(**dict(r)) for r in rows]

    async def claim_service_post(
        self, conn: asyncpg.Connection, caller: Caller, post: ServicePost, member: Member
    ) -> ServicePost:
        """Takes a place: the conditional update is the capacity check, so two claims cannot share the last
        place (the second waits for the first's row lock, then sees the post full)."""
        inserted = await conn.fetchval(
            """insert into service_post_claims (post_id, member_id) values ($1, $2)
               on conflict do nothing returning true""",
            post.id,
            member.id,
        )
        if not inserted:
            raise AlreadyExists("the member holds a place on this post already", "member_id")
        row = await conn.fetchrow(
            f"""update service_posts set claimed = claimed + 1 where id = $1 and claimed < capacity
                returning {_POST_COLUMNS}""",
            post.id,
        )
        if row is None:
            raise FailedPrecondition(f"the post is full ({post.capacity} places)", "post_id")
        await write_audit(conn, caller, "claim_service_post", "service_post", post.id, member_id=member.id)
        return ServicePost(**dict(row))

    async def release_service_post(
        self, conn: asyncpg.Connection, caller: Caller, post: ServicePost, member_id: int
    ) -> ServicePost:
        deleted = await conn.fetchval(
            "delete from service_post_claims where post_id = $1 and member_id = $2 returning true", post.id, member_id
        )
        if not deleted:
            raise FailedPrecondition("the member holds no place on this post", "member_id")
        row = await conn.fetchrow(
            f"update service_posts set claimed = claimed - 1 where id = $1 returning {_POST_COLUMNS}", post.id
        )
        await write_audit(conn, caller, "release_service_post", "service_post", post.id, member_id=member_id)
        return ServicePost(**dict(row))

    # ---- volunteer teams (志愿服务队) -----------------------------------------------------------------------

    async def create_team(
        self, conn: asyncpg.Connection, caller: Caller, unit: OrgUnit, kind: str, custom_kind: str, name: str
    ) -> Team:
        try:
            row = await conn.fetchrow(
                f"""insert into teams (org_unit_id, kind, custom_kind, name) values ($1, $2, $3, $4)
                    returning {_TEAM_COLUMNS}""",
                unit.id,
                kind,
                custom_kind,
                name,
            )
        except asyncpg.UniqueViolationError as exc:
            raise AlreadyExists("the unit has a team of this name already", "name") from exc
        await write_audit(conn, caller, "create_team", "team", row["id"], org_unit_id=unit.id, kind=kind)
        return Team(**dict(row))

    async def team(self, team_id: int) -> Team | None:
        row = await self.pool.fetchrow(f"select {_TEAM_COLUMNS} from teams where id = $1", team_id)
        return Team(**dict(row)) if row else None

    async def teams(self, subtree: OrgUnit, after_id: int, limit: int) -> list[Team]:
        rows = await self.pool.fetch(
            f"""select {", ".join("t." + c.strip() for c in _TEAM_COLUMNS.split(","))}
                from teams t join org_units u on u.id = t.org_unit_id
                where u.path >= $1::public.ltree and u.path < $4::public.ltree and u.path <@ $1::public.ltree
                  and t.id > $2 order by t.id limit $3""",
            subtree.path,
            after_id,
            limit,
            subtree_end(subtree.path),
        )
        return [Team(**dict(r)) for r in rows]

    async def add_team_member(
        self,
        conn: asyncpg.Connection,
        caller: Caller,
        team: Team,
        *,
        member: Member | None = None,
        volunteer: tuple[bytes, str, bytes, bytes, str] | None = None,
    ) -> TeamMember:
        """Adds a registered member, or a resident volunteer given as (name sealed, name masked, phone sealed,
        phone hash, phone masked)."""
        if member is not None:
            values = (member.id, None, member.name, None, None, member.phone_masked)
        else:
            assert volunteer is not None
            name_sealed, name_masked, phone_sealed, phone_hash, phone_masked = volunteer
            values = (None, name_sealed, name_masked, phone_sealed, phone_hash, phone_masked)
        row = await conn.fetchrow(
            f"""insert into team_members (team_id, member_id, name_sealed, name_masked, phone_sealed, phone_hash,
                    phone_masked)
                values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning {_TEAM_MEMBER_COLUMNS}""",
            team.id,
            *values,
        )
        if row is None:
            raise AlreadyExists("this person is on the team already", "member_id" if member else "volunteer")
        await conn.execute("update teams set size = size + 1 where id = $1", team.id)
        await write_audit(conn, caller, "add_team_member", "team", team.id, team_member_id=row["id"])
        return TeamMember(**dict(row))

    async def remove_team_member(
        self, conn: asyncpg.Connection, caller: Caller, team: Team, team_member_id: int
    ) -> Team:
        deleted = await conn.fetchval(
            "delete from team_members where team_id = $1 and id = $2 returning true", team.id, team_member_id
        )
        if not deleted:
            raise NotFound(f"no one with id {team_member_id} on team {team.id}", "team_member_id")
        row = await conn.fetchrow(f"update teams set size = size - 1 where id = $1 returning {_TEAM_COLUMNS}", team.id)
        await write_audit(conn, caller, "remove_team_member", "team", team.id, team_member_id=team_member_id)
        return Team(**dict(row))

    async def team_members(self, team_id: int, after_id: int, limit: int) -> list[TeamMember]:
        rows = await self.pool.fetch(
            f"""select {_TEAM_MEMBER_COLUMNS} from team_members where team_id = $1 and id > $2
                order by id limit $3""",
            team_id,
            after_id,
            limit,
        )
        return [TeamMember(**dict(r)) for r in rows]

    # ---- pairings (结对共建) --------------------------------------------------------------------------------

    async def create_pairing(
        self,
        conn: asyncpg.Connection,
        caller: Caller,
        workplace_org: str,
        community: OrgUnit,
        start: date,
        end: date | None,
        note: str,
    ) -> Pairing:
        row = await conn.fetchrow(
            f"""insert into pairings (workplace_org, community_id, community_path, start_date, end_date, note)
                values ($1, $2, $3::public.ltree, $4, $5, $6) returning {_PAIRING_COLUMNS}""",
            workplace_org,
            community.id,
            community.path,
            start,
            end,
            note,
        )
        await write_audit(conn, caller, "create_pairing", "pairing", row["id"], community_id=community.id)
        return _pairing(row)

    async def lock_pairing(self, conn: asyncpg.Connection, pairing_id: int) -> tuple[Pairing, str]:
        row = await conn.fetchrow(
            f"select {_PAIRING_COLUMNS}, community_path::text as path from pairings where id = $1 for update",
            pairing_id,
        )
        if row is None:
            raise NotFound(f"no pairing {pairing_id}", "pairing_id")
        return _pairing(row), row["path"]

    async def end_pairing(self, conn: asyncpg.Connection, caller: Caller, pairing: Pairing, end: date) -> Pairing:
        row = await conn.fetchrow(
            f"update pairings set end_date = $2 where id = $1 returning {_PAIRING_COLUMNS}", pairing.id, end
        )
        await write_audit(conn, caller, "end_pairing", "pairing", pairing.id, end_date=end.isoformat())
        return _pairing(row)

    async def pairings(self, subtree: OrgUnit, active_on: date | None, after_id: int, limit: int) -> list[Pairing]:
        rows = await self.pool.fetch(
            f"""select {_PAIRING_COLUMNS} from pairings
                where community_path <@ $1::public.ltree and id > $2
                  and ($3::date is null or (start_date <= $3 and (end_date is null or end_date >= $3)))
                order by id limit $4""",
            subtree.path,
            after_id,
            active_on,
            limit,
        )
        return [_pairing(r) for r in rows]

    # ---- bulk sync -----------------------------------------------------------------------------------------

    async def begin_import(self, conn: asyncpg.Connection) -> None:
        """Takes the tree lock (shared) and makes the import's temporary tables; once, in the import's
        transaction, before its chunks."""
        await lock_tree(conn, exclusive=False)
        await conn.execute(
            """create temp table import_staging (
                   row_number bigint, name text, workplace_org text, community_id bigint, residence_unit_id bigint,
                   residence_path text, skills text[], tags text[], management_level text, phone_sealed bytea,
                   phone_hash bytea, phone_masked text, id_number_sealed bytea, id_number_hash bytea,
                   id_number_masked text
               ) on commit drop;
               create temp table import_result (
                   id bigint, inserted boolean, community_id bigint, residence_unit_id bigint,
                   residence_path public.ltree, registered_at timestamptz, status text
               ) on commit drop"""
        )

    async def import_members(
        self, conn: asyncpg.Connection, caller: Caller, rows: list[tuple[Any, ...]], scope_path: str | None
    ) -> ImportCounts:
        """Upserts one chunk of an import by ID-number hash: COPY into the staging table, then one merge (call
        begin_import first). Rows are (row_number, *IMPORT_COLUMNS) with hashes distinct across the whole
        import. Unchanged rows are not written at all."""
        await conn.execute("truncate import_staging, import_result")
        await conn.copy_records_to_table("import_staging", records=rows, columns=("row_number", *IMPORT_COLUMNS))
        refused: list[int] = []
        if scope_path is not None:
            # A scoped caller may not take over a member who lives outside their scope today.
            outside = await conn.fetch(
                """delete from import_staging s using members m
                   where m.id_number_hash = s.id_number_hash and not m.residence_path <@ $1::public.ltree
                   returning s.row_number""",
                scope_path,
            )
            refused = sorted(r["row_number"] for r in outside)
        # Paths and communities as they are now, under the tree lock (a unit may have moved since the rows
        # were checked); a unit closed since then is refused below like any other bad row.
        await conn.execute(
            """update import_staging s set residence_path = u.path::text,
                   community_id = (select c.id from org_units c where c.path @> u.path and c.kind = 'community')
               from org_units u where u.id = s.residence_unit_id and u.path::text <> s.residence_path"""
        )
        closed = await conn.fetch(
            """delete from import_staging s using org_units u
               where u.id = s.residence_unit_id and u.closed_at is not null returning s.row_number"""
        )
        refused_closed = sorted(r["row_number"] for r in closed)
        await conn.execute(
            """with merged as (
                   insert into members (name, workplace_org, community_id, residence_unit_id, residence_path, skills,
                       tags, management_level, phone_sealed, phone_hash, phone_masked, id_number_sealed,
                       id_number_hash, id_number_masked, created_by)
                   select name, workplace_org, community_id, residence_unit_id, residence_path::public.ltree, skills,
                       tags, management_level, phone_sealed, phone_hash, phone_masked, id_number_sealed,
                       id_number_hash, id_number_masked, $1
                   from import_staging
                   on conflict (id_number_hash) do update set
                       name = excluded.name, workplace_org = excluded.workplace_org,
                       community_id = excluded.community_id, residence_unit_id = excluded.residence_unit_id,
                       residence_path = excluded.residence_path, skills = excluded.skills, tags = excluded.tags,
                       management_level = excluded.management_level,
                       -- Sealing is randomised: keep the stored ciphertext unless the phone really changed.
                       phone_sealed = case when members.phone_hash = excluded.phone_hash
                                           then members.phone_sealed else excluded.phone_sealed end,
                       phone_hash = excluded.phone_hash, phone_masked = excluded.phone_masked, updated_at = now()
                   where (members.name, members.workplace_org, members.residence_unit_id, members.skills,
                          members.tags, members.management_level, members.phone_hash)
                         is distinct from (excluded.name, excluded.workplace_org, excluded.residence_unit_id,
                          excluded.skills, excluded.tags, excluded.management_level, excluded.phone_hash)
                   -- The import never changes a status, so this is the member's status before it too.
                   returning id, xmax = 0 as inserted, community_id, residence_unit_id, residence_path, registered_at,
                       status
               )
               insert into import_result select * from merged""",
            caller.subject,
        )
        counts = await conn.fetchrow(
            "select count(*) filter (where inserted) as inserted, count(*) filter (where not inserted) as updated "
            "from import_result"
        )
        # Residence history: a new member's first residence; a moved member's open residence (at the old unit)
        # closes and a new one opens. Found through the open residence rather than a join of the members as they
        # were before the merge, which read the whole members table for every chunk.
        await conn.execute(
            """update member_residences r set to_time = now() from import_result x
               where r.member_id = x.id and r.to_time is null and not x.inserted
                 and r.residence_unit_id <> x.residence_unit_id"""
        )
        await conn.execute(
            """insert into member_residences (member_id, community_id, residence_unit_id, residence_path, from_time,
                   reason)
               select id, community_id, residence_unit_id, residence_path,
                      case when inserted then registered_at else now() end,
                      case when inserted then 'imported' else 'moved by import' end
               from import_result x
               where status = 'active'
                 and (inserted or not exists (select from member_residences r where r.member_id = x.id and r.to_time is null))"""
        )
        await conn.execute(
            """insert into audit_log (actor, actor_role, action, subject_kind, subject_id, detail)
               select $1, $2, case when inserted then 'import_member' else 'update_member' end, 'member', id::text,
                      jsonb_build_object('community_id', community_id, 'via', 'import')
               from import_result""",
            caller.subject,
            caller.role.value,
        )
        return ImportCounts(counts["inserted"], counts["updated"], refused, refused_closed)

    async def members_page(self, subtree: OrgUnit, status: str, after_id: int, limit: int) -> list[Member]:
        return await self.search_members(subtree, status, None, after_id, limit)

    async def audit(self, caller: Caller, action: str, subject_kind: str, subject_id: int | str, **detail: Any) -> None:
        async with self.pool.acquire() as conn:
            await write_audit(conn, caller, action, subject_kind, subject_id, **detail)

    async def org_units(self, ids: list[int], conn: asyncpg.Connection | None = None) -> dict[int, OrgUnit]:
        rows = await (conn or self.pool).fetch(
            f"select {_ORG_COLUMNS} from org_units where id = any($1::bigint[])", ids
        )
        return {row["id"]: _org_unit(row) for row in rows}

    # ---- key rotation --------------------------------------------------------------------------------------

    async def reseal_batch(
        self, active_key_id: str, limit: int, reseal: Callable[[bytes, str], bytes]
    ) -> tuple[int, int]:
        """Re-encrypts up to `limit` members' and volunteers' personal data sealed under another key than the
        active one. Returns (resealed rows, rows still sealed under an old key)."""
        key_of = "convert_from(substring({column} from 3 for get_byte({column}, 1)), 'UTF8')"
        targets = (
            ("members", ("phone_sealed", "id_number_sealed"), ("member.phone", "member.id_number")),
            ("team_members", ("phone_sealed", "name_sealed"), ("team_member.phone", "team_member.name")),
        )
        resealed = remaining = 0
        async with self.pool.acquire() as conn, conn.transaction():
            for table, columns, fields in targets:
                stale = " or ".join(f"({c} is not null and {key_of.format(column=c)} <> $1)" for c in columns)
                rows = await conn.fetch(
                    f"select id, {', '.join(columns)} from {table} where {stale} limit $2 for update skip locked",
                    active_key_id,
                    max(limit - resealed, 0),
                )
                for row in rows:
                    values = [
                        reseal(row[c], f) if row[c] is not None else None for c, f in zip(columns, fields, strict=True)
                    ]
                    await conn.execute(
                        f"update {table} set {columns[0]} = $2, {columns[1]} = $3 where id = $1", row["id"], *values
                    )
                resealed += len(rows)
                remaining += await conn.fetchval(f"select count(*) from {table} where {stale}", active_key_id)
        return resealed, remaining

    # ---- party organisations -------------------------------------------------------------------------------

    async def create_party_organisation(
        self, conn: asyncpg.Connection, caller: Caller, unit: OrgUnit, kind: str, name: str, focus: str
    ) -> PartyOrganisation:
        try:
            row = await conn.fetchrow(
                f"""insert into party_organisations (org_unit_id, kind, name, focus) values ($1, $2, $3, $4)
                    returning {_PARTY_ORG_COLUMNS}""",
                unit.id,
                kind,
                name,
                focus,
            )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "party_organisations_one_standing":
                raise AlreadyExists(f"the unit has a {kind} already", "kind") from exc
            raise AlreadyExists("the unit has a party organisation of this name already", "name") from exc
        await write_audit(conn, caller, "create_party_organisation", "party_organisation", row["id"], kind=kind)
        return PartyOrganisation(**dict(row))

    async def party_organisations(
        self, subtree: OrgUnit, kind: str | None, include_dissolved: bool, after_id: int, limit: int
    ) -> list[PartyOrganisation]:
        columns = ", ".join(f"p.{c.strip()}" for c in _PARTY_ORG_COLUMNS.split(","))
        rows = await self.pool.fetch(
            f"""select {columns} from party_organisations p join org_units u on u.id = p.org_unit_id
                where u.path >= $1::public.ltree and u.path < $6::public.ltree and u.path <@ $1::public.ltree
                  and ($2::text is null or p.kind = $2) and ($3 or p.dissolved_at is null) and p.id > $4
                order by p.id limit $5""",
            subtree.path,
            kind,
            include_dissolved,
            after_id,
            limit,
            subtree_end(subtree.path),
        )
        return [PartyOrganisation(**dict(r)) for r in rows]

    async def lock_party_organisation(self, conn: asyncpg.Connection, party_org_id: int) -> PartyOrganisation:
        row = await conn.fetchrow(
            f"select {_PARTY_ORG_COLUMNS} from party_organisations where id = $1 for update", party_org_id
        )
        if row is None:
            raise NotFound(f"no party organisation {party_org_id}", "party_organisation_id")
        return PartyOrganisation(**dict(row))

    async def dissolve_party_organisation(
        self, conn: asyncpg.Connection, caller: Caller, party_org: PartyOrganisation, reason: str
    ) -> PartyOrganisation:
        row = await conn.fetchrow(
            f"""update party_organisations set dissolved_at = now(), dissolve_reason = $2 where id = $1
                returning {_PARTY_ORG_COLUMNS}""",
            party_org.id,
            reason,
        )
        await write_audit(
            conn, caller, "dissolve_party_organisation", "party_organisation", party_org.id, reason=reason
        )
        return PartyOrganisation(**dict(row))

    async def members_by_hash(self, column: str, value_hash: bytes, limit: int) -> list[Member]:
        assert column in ("id_number_hash", "phone_hash")
        rows = await self.pool.fetch(
            f"select {_MEMBER_COLUMNS} from members where {column} = $1 order by id limit $2", value_hash, limit
        )
        return [_member(row) for row in rows]
