"""ImportOrgTree's SQL: read what the tree holds below the root, then write a plan in the caller's transaction."""

from __future__ import annotations

import asyncpg

from services.registry.domain import OrgUnit
from services.registry.imports.org_tree import ExistingUnit, Path, Plan, Tree
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection


class OrgImportStore:
    pool: asyncpg.Pool

    async def tree_below(self, conn: Connection, root: OrgUnit | None) -> tuple[Tree, dict[Path, tuple[int, str]]]:
        """The tree below `root` (the whole deployment when None) by paths of names, and each unit's id and ltree
        path by the same key, the root's under ()."""
        where = "path <@ $1::public.ltree and id <> $2" if root else "$1::text is null and $2::bigint is null"
        rows = await conn.fetch(
            f"select id, parent_id, kind, name, path::text as path, closed_at is not null as closed "
            f"from org_units where {where} order by nlevel(path)",
            root.path if root else None,
            root.id if root else None,
        )
        tree = Tree(root.kind if root else None)
        places: dict[Path, tuple[int, str]] = {(): (root.id, root.path)} if root else {}
        names: dict[int, Path] = {root.id: ()} if root else {}
        for row in rows:  # parents first (by depth), so each row's parent has its path already
            parent = names.get(row["parent_id"], ()) if row["parent_id"] is not None else ()
            path = (*parent, row["name"])
            names[row["id"]] = path
            places[path] = (row["id"], row["path"])
            tree.units[path] = ExistingUnit(row["id"], row["kind"], row["closed"])
        ids = list(names)
        for row in await conn.fetch(
            "select org_unit_id, kind, name from party_organisations "
            "where org_unit_id = any($1::bigint[]) and dissolved_at is null",
            ids,
        ):
            tree.party_orgs[(names[row["org_unit_id"]], row["name"])] = row["kind"]
        for row in await conn.fetch(
            "select org_unit_id, kind, name from teams where org_unit_id = any($1::bigint[])", ids
        ):
            tree.teams[(names[row["org_unit_id"]], row["name"])] = row["kind"]
        return tree, places

    async def write_plan(
        self,
        conn: Connection,
        caller: Caller,
        request_id: str,
        root: OrgUnit | None,
        plan: Plan,
        places: dict[Path, tuple[int, str]],
    ) -> None:
        """Creates what the plan names, parents first, with each unit's history row, and one audit row; a plan with
        nothing new writes nothing at all."""
        if not (plan.units or plan.party_orgs or plan.teams):
            return
        ids = await conn.fetch(
            "select nextval(pg_get_serial_sequence('org_units', 'id')) as id from generate_series(1, $1)",
            len(plan.units),
        )
        units = []
        for n, ((path, kind), row) in enumerate(zip(plan.units, ids, strict=True)):
            parent = places.get(path[:-1])
            unit_id = row["id"]
            ltree = f"{parent[1]}.{unit_id}" if parent else str(unit_id)
            places[path] = (unit_id, ltree)
            # Each unit's own request id, under the caller's key like CreateOrgUnit's, unique within the import.
            units.append(
                (unit_id, parent[0] if parent else None, kind, path[-1], ltree, caller.key, f"{request_id}#{n}")
            )
        await conn.executemany(
            """insert into org_units (id, parent_id, kind, name, path, created_by, request_id)
               values ($1, $2, $3, $4, $5::public.ltree, $6, $7)""",
            units,
        )
        await conn.executemany(
            """insert into org_unit_events (org_unit_id, kind, actor, new_name, new_parent_id)
               values ($1, 'created', $2, $3, $4)""",
            [(u[0], caller.subject, u[3], u[1]) for u in units],
        )
        await conn.executemany(
            "insert into party_organisations (org_unit_id, kind, name, focus) values ($1, $2, $3, $4)",
            [(places[path][0], kind, name, focus) for path, kind, name, focus in plan.party_orgs],
        )
        await conn.executemany(
            "insert into teams (org_unit_id, kind, custom_kind, name) values ($1, $2, $3, $4)",
            [(places[path][0], kind, custom, name) for path, kind, custom, name in plan.teams],
        )
        await write_audit(
            conn,
            caller,
            "import_org_tree",
            "org_unit",
            root.id if root else "*",
            units=len(plan.units),
            party_organisations=len(plan.party_orgs),
            teams=len(plan.teams),
        )
