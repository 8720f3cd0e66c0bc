"""What the registry's stores share: the columns they read, rows made into domain objects, subtree ranges on the
materialised paths, and the org tree's lock."""

from __future__ import annotations

import asyncpg

from services.registry.domain import Member, OrgUnit, ServiceTotal
from services.runtime.db import Connection, one_row
from services.runtime.errors import FailedPrecondition

ORG_COLUMNS = "id, parent_id, kind, name, path::text as path, created_at, closed_at"
MEMBER_COLUMNS = """id, name, workplace_org, community_id, residence_unit_id, residence_path::text as residence_path,
    skills, tags, management_level, phone_masked, id_number_masked, status, registered_at, deregistered_at,
    deregister_reason"""


def ids_of(path: str) -> tuple[int, ...]:
    return tuple(int(label) for label in path.split("."))


def org_unit_of(row: asyncpg.Record) -> OrgUnit:
    return OrgUnit(
        id=row["id"],
        parent_id=row["parent_id"],
        kind=row["kind"],
        name=row["name"],
        ancestor_ids=ids_of(row["path"])[:-1],
        created_at=row["created_at"],
        closed_at=row["closed_at"],
    )


def member_of(row: asyncpg.Record) -> Member:
    return Member(
        id=row["id"],
        name=row["name"],
        workplace_org=row["workplace_org"],
        community_id=row["community_id"],
        residence_unit_id=row["residence_unit_id"],
        residence_ancestor_ids=ids_of(row["residence_path"]),
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


def totals_of(rows: list[asyncpg.Record]) -> list[ServiceTotal]:
    return [ServiceTotal(r["kind"], r["category"], r["count"], float(r["hours"])) for r in rows]


def subtree_end(path: str) -> str:
    """The end of the unit's subtree in ltree order (labels compare as bytes, a prefix first): "0" appended to
    the last label. 1.2's descendants 1.2.x sort before 1.20, and no id label lies between "2" and "20", so
    [path, subtree_end) holds the unit and its descendants exactly."""
    return path + "0"


# The members of a subtree as an index range on residence_path ($1 the path, $2 its subtree_end).
IN_SUBTREE = (
    "residence_path >= $1::public.ltree and residence_path < $2::public.ltree and residence_path <@ $1::public.ltree"
)
# The org units of a subtree, as `u`, by the tree as it is now ($1 the path, $2 its subtree_end).
UNITS_IN_SUBTREE = "u.path >= $1::public.ltree and u.path < $2::public.ltree and u.path <@ $1::public.ltree"


def under(unit: OrgUnit) -> str:
    """An lquery matching every path through the unit, wherever the unit hung when the path was written:
    history rows keep the path of their day, and ids are never reused."""
    return f"*.{unit.id}.*"


# Moving or closing units takes this lock exclusively; writes that place a member on the tree take it shared
# and read the unit's path inside their transaction, so no member is written under a path that just changed.
TREE_LOCK = "select pg_advisory_xact_lock{mode}(hashtext('linli.registry.org_tree'))"


async def lock_tree(conn: Connection, *, exclusive: bool) -> None:
    await conn.execute(TREE_LOCK.format(mode="" if exclusive else "_shared"))


async def current_place(conn: Connection, unit_id: int, field: str) -> tuple[str, int]:
    """The residence unit's path and community now (call with the tree lock held)."""
    row = await one_row(
        conn,
        """select u.path::text as path, u.closed_at,
                  (select c.id from org_units c where c.path @> u.path and c.kind = 'community') as community_id
           from org_units u where u.id = $1""",
        unit_id,
    )
    if row["closed_at"] is not None:
        raise FailedPrecondition(f"org unit {unit_id} is closed", field)
    return row["path"], row["community_id"]
