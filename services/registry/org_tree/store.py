"""The org tree's SQL (组织): units, their renames, moves and closing, and the tree's history."""

from __future__ import annotations

import asyncpg

from services.registry.domain import OrgUnit, OrgUnitEvent
from services.registry.rows import IN_SUBTREE, ORG_COLUMNS, org_unit_of, subtree_end
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection, one_row
from services.runtime.errors import AlreadyExists, FailedPrecondition, NotFound


class DuplicateName(Exception):
    """The parent has a unit of this name already."""


class OrgTreeStore:
    pool: asyncpg.Pool

    async def org_unit(self, org_unit_id: int) -> OrgUnit | None:
        row = await self.pool.fetchrow(f"select {ORG_COLUMNS} from org_units where id = $1", org_unit_id)
        return org_unit_of(row) if row else None

    async def org_units(self, ids: list[int], conn: Connection | None = None) -> dict[int, OrgUnit]:
        rows = await (conn or self.pool).fetch(f"select {ORG_COLUMNS} from org_units where id = any($1::bigint[])", ids)
        return {row["id"]: org_unit_of(row) for row in rows}

    async def org_unit_kinds(self, ids: tuple[int, ...], conn: Connection | None = None) -> dict[int, str]:
        rows = await (conn or self.pool).fetch("select id, kind from org_units where id = any($1::bigint[])", list(ids))
        return {row["id"]: row["kind"] for row in rows}

    async def create_org_unit(
        self, caller: Caller, request_id: str, parent: OrgUnit | None, kind: str, name: str
    ) -> tuple[OrgUnit, bool]:
        """Creates the unit, or returns the one this caller created with the same request id (and False).
        Raises DuplicateName when the parent has a unit of that name already."""
        async with self.pool.acquire() as conn, conn.transaction():
            new_id = await conn.fetchval("select nextval(pg_get_serial_sequence('org_units', 'id'))")
            path = ".".join(str(i) for i in (*parent.ancestor_ids, parent.id, new_id)) if parent else str(new_id)
            try:
                # The request id is the caller's own (its role and scope too): another caller's id is never theirs.
                row = await conn.fetchrow(
                    f"""insert into org_units (id, parent_id, kind, name, path, created_by, request_id)
                        values ($1, $2, $3, $4, $5::public.ltree, $6, $7)
                        on conflict (created_by, request_id) do nothing
                        returning {ORG_COLUMNS}""",
                    new_id,
                    parent.id if parent else None,
                    kind,
                    name,
                    path,
                    caller.key,
                    request_id,
                )
            except asyncpg.UniqueViolationError as exc:
                if exc.constraint_name == "org_units_sibling_name":
                    raise DuplicateName(name) from exc
                raise
            if row is None:  # a retry: return what the first request made
                row = await one_row(
                    conn,
                    f"select {ORG_COLUMNS} from org_units where created_by = $1 and request_id = $2",
                    caller.key,
                    request_id,
                )
                return org_unit_of(row), False
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
            return org_unit_of(row), True

    async def lock_org_unit(self, conn: Connection, unit_id: int) -> OrgUnit:
        row = await conn.fetchrow(f"select {ORG_COLUMNS} from org_units where id = $1 for update", unit_id)
        if row is None:
            raise NotFound(f"no org unit {unit_id}", "org_unit_id")
        return org_unit_of(row)

    async def rename_org_unit(self, conn: Connection, caller: Caller, unit: OrgUnit, name: str) -> OrgUnit:
        try:
            row = await one_row(
                conn, f"update org_units set name = $2 where id = $1 returning {ORG_COLUMNS}", unit.id, name
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
        return org_unit_of(row)

    async def move_org_unit(
        self, conn: Connection, caller: Caller, unit: OrgUnit, new_parent: OrgUnit, new_community_id: int | None
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
            f"update members set residence_path = $3::public.ltree || subpath(residence_path, $4) where {IN_SUBTREE}",
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
                f"update members set community_id = $3 where {IN_SUBTREE}",
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
        row = await one_row(conn, f"select {ORG_COLUMNS} from org_units where id = $1", unit.id)
        return org_unit_of(row)

    async def close_org_unit(self, conn: Connection, caller: Caller, unit: OrgUnit, reason: str) -> OrgUnit:
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
            f"select count(*) from members where {IN_SUBTREE} and status = 'active'", unit.path, subtree_end(unit.path)
        )
        if living:
            raise FailedPrecondition(f"{living} active members live in it; transfer or deregister them first")
        cared_for = await conn.fetchval(
            "select count(*) from care_pairs where unit_id = $1 and state = 'active'", unit.id
        )
        if cared_for:
            raise FailedPrecondition(f"{cared_for} care pairs in it are active; end them first")
        row = await one_row(
            conn,
            f"update org_units set closed_at = now(), close_reason = $2 where id = $1 returning {ORG_COLUMNS}",
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
        return org_unit_of(row)

    async def org_unit_children(
        self, parent: OrgUnit, include_closed: bool, after: tuple[str, int] | None, limit: int
    ) -> list[OrgUnit]:
        rows = await self.pool.fetch(
            f"""select {ORG_COLUMNS} from org_units
                where parent_id = $1 and ($2 or closed_at is null)
                  and ($3::text is null or (name, id) > ($3, $4))
                order by name, id limit $5""",
            parent.id,
            include_closed,
            after[0] if after else None,
            after[1] if after else 0,
            limit,
        )
        return [org_unit_of(row) for row in rows]

    async def org_unit_subtree(
        self, root: OrgUnit, kind: str | None, include_closed: bool, after_path: str | None, limit: int
    ) -> list[OrgUnit]:
        """Units below `root` in tree order (by path), after `after_path` (keyset paging)."""
        # Ordered by the ltree column itself (`path` alone would name the text column of the select list),
        # so the B-tree on path gives the page without a sort.
        rows = await self.pool.fetch(
            f"""select {ORG_COLUMNS} from org_units
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
        return [org_unit_of(row) for row in rows]

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
