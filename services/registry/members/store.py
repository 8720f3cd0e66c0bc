"""Members' SQL (在职党员报到): registration, reads and searches, changes, transfers with their history, and the
personal data sealed with them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import asyncpg

from services.registry.domain import Member, OrgUnit, Residence
from services.registry.rows import IN_SUBTREE, MEMBER_COLUMNS, current_place, lock_tree, member_of, subtree_end
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection, one_row
from services.runtime.errors import NotFound


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


class MemberStore:
    pool: asyncpg.Pool

    async def registered_by(self, caller: Caller, request_id: str) -> Member | None:
        """The member this caller registered with this request id, if any (a retry). The request id is the
        caller's own — its role and scope too — so another caller's id never finds theirs."""
        row = await self.pool.fetchrow(
            f"select {MEMBER_COLUMNS} from members where created_by = $1 and request_id = $2", caller.key, request_id
        )
        return member_of(row) if row else None

    async def register_member(self, caller: Caller, request_id: str, new: NewMember) -> tuple[Member, bool]:
        """Inserts the member, or returns the one this caller registered with the same request id (and False).
        Raises DuplicatePerson when the ID number is registered already under another request."""
        async with self.pool.acquire() as conn, conn.transaction():
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
                        returning {MEMBER_COLUMNS}""",
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
                    caller.key,
                    request_id,
                )
            except asyncpg.UniqueViolationError as exc:
                if exc.constraint_name == "members_one_registration_per_person":
                    raise DuplicatePerson() from exc
                raise
            if row is None:  # a concurrent retry: return what the first request registered
                row = await one_row(
                    conn,
                    f"select {MEMBER_COLUMNS} from members where created_by = $1 and request_id = $2",
                    caller.key,
                    request_id,
                )
                return member_of(row), False
            member = member_of(row)
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
            return member, True

    async def member(self, member_id: int) -> Member | None:
        row = await self.pool.fetchrow(f"select {MEMBER_COLUMNS} from members where id = $1", member_id)
        return member_of(row) if row else None

    async def sealed_personal_data(self, caller: Caller, member_id: int) -> tuple[bytes, bytes]:
        """The sealed phone and ID number, for a caller allowed to read them; the read is audited."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await one_row(conn, "select phone_sealed, id_number_sealed from members where id = $1", member_id)
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
                f"""select {MEMBER_COLUMNS} from members
                    where {IN_SUBTREE} and status = $3
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
        return [member_of(row) for row in rows]

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
                f"""select {MEMBER_COLUMNS} from members
                where {IN_SUBTREE} and status = $3
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
        return [member_of(row) for row in rows]

    async def members_by_hash(self, column: str, value_hash: bytes, limit: int) -> list[Member]:
        assert column in ("id_number_hash", "phone_hash")
        rows = await self.pool.fetch(
            f"select {MEMBER_COLUMNS} from members where {column} = $1 order by id limit $2", value_hash, limit
        )
        return [member_of(row) for row in rows]

    async def lock_member(self, conn: Connection, member_id: int) -> Member:
        row = await conn.fetchrow(f"select {MEMBER_COLUMNS} from members where id = $1 for update", member_id)
        if row is None:
            raise NotFound(f"no member {member_id}", "member_id")
        return member_of(row)

    async def update_member(self, conn: Connection, caller: Caller, member: Member, changes: dict[str, Any]) -> Member:
        """Sets the given columns (already validated and, for personal data, sealed) and audits which changed."""
        columns = sorted(changes)
        assignments = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, start=2))
        row = await one_row(
            conn,
            f"update members set {assignments}, updated_at = now() where id = $1 returning {MEMBER_COLUMNS}",
            member.id,
            *(changes[c] for c in columns),
        )
        fields = sorted({c.removesuffix("_sealed").removesuffix("_hash").removesuffix("_masked") for c in columns})
        await write_audit(conn, caller, "update_member", "member", member.id, fields=fields)
        return member_of(row)

    async def transfer_member(
        self,
        conn: Connection,
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
        row = await one_row(
            conn,
            f"""update members set community_id = $2, residence_unit_id = $3, residence_path = $4::public.ltree,
                    updated_at = now()
                where id = $1 returning {MEMBER_COLUMNS}""",
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
        return member_of(row)

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

    async def deregister_member(self, conn: Connection, caller: Caller, member: Member, reason: str) -> Member:
        row = await one_row(
            conn,
            f"""update members set status = 'deregistered', deregistered_at = now(), deregister_reason = $2,
                    updated_at = now()
                where id = $1 returning {MEMBER_COLUMNS}""",
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
        return member_of(row)

    async def members_page(self, subtree: OrgUnit, status: str, after_id: int, limit: int) -> list[Member]:
        return await self.search_members(subtree, status, None, after_id, limit)

    async def count_members(self, subtree: OrgUnit, status: str) -> int:
        """How many members an export of the subtree will hold (the progress bar's "of how many")."""
        count: int = await self.pool.fetchval(
            f"select count(*) from members where {IN_SUBTREE} and status = $3",
            subtree.path,
            subtree_end(subtree.path),
            status,
        )
        return count

    async def reseal_batch(
        self, active_key_id: str, limit: int, reseal: Callable[[bytes, str], bytes]
    ) -> tuple[int, int]:
        """Re-encrypts up to `limit` members', volunteers' and cared-for residents' personal data sealed under another key than the
        active one. Returns (resealed rows, rows still sealed under an old key)."""
        key_of = "convert_from(substring({column} from 3 for get_byte({column}, 1)), 'UTF8')"
        targets = (
            ("members", ("phone_sealed", "id_number_sealed"), ("member.phone", "member.id_number")),
            ("team_members", ("phone_sealed", "name_sealed"), ("team_member.phone", "team_member.name")),
            (
                "care_pairs",
                ("resident_name_sealed", "address_sealed", "contact_sealed"),
                ("care.resident_name", "care.address", "care.contact"),
            ),
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
                    assignments = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=2))
                    await conn.execute(f"update {table} set {assignments} where id = $1", row["id"], *values)
                resealed += len(rows)
                remaining += await conn.fetchval(f"select count(*) from {table} where {stale}", active_key_id)
        return resealed, remaining
