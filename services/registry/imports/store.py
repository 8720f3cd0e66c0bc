"""ImportMembers' SQL: rows staged as they arrive, outside any transaction, then merged into the members in one
transaction under the org tree's lock (shared), a chunk at a time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg

from services.registry.rows import lock_tree
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller
from services.runtime.db import Connection, one_row
from services.runtime.errors import PermissionDenied, Unavailable

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
_STAGED_COLUMNS = ("import_id", "row_number", *IMPORT_COLUMNS)


@dataclass
class ImportCounts:
    """What the import's chunks did: members inserted and updated, and the row numbers refused because the
    person lives outside the caller's scope, their unit closed during the import, or their unit moved out of the
    caller's scope during the import."""

    inserted: int = 0
    updated: int = 0
    outside_scope: list[int] = field(default_factory=list)
    unit_closed: list[int] = field(default_factory=list)
    unit_moved_out: list[int] = field(default_factory=list)

    def add(self, other: ImportCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.outside_scope += other.outside_scope
        self.unit_closed += other.unit_closed
        self.unit_moved_out += other.unit_moved_out


@dataclass(frozen=True)
class StagedChunk:
    """Rows first_row..last_row of an import, `rows` of them (bad rows in between were never staged)."""

    first_row: int
    last_row: int
    rows: int


class ImportStore:
    pool: asyncpg.Pool

    async def start_staging(self, abandoned_after: timedelta) -> uuid.UUID:
        """A new import's staging id; the rows of imports abandoned long ago (a process that died mid-stream) go."""
        import_id = uuid.uuid4()
        async with self.pool.acquire() as conn:
            stale = await conn.fetch(
                "delete from import_batches where started_at < now() - $1::interval returning import_id",
                abandoned_after,
            )
            if stale:
                await conn.execute(
                    "delete from import_rows where import_id = any($1::uuid[])", [r["import_id"] for r in stale]
                )
            await conn.execute("insert into import_batches (import_id) values ($1)", import_id)
        return import_id

    async def stage(self, import_id: uuid.UUID, rows: Sequence[tuple[Any, ...]]) -> None:
        """COPYs checked rows, (row_number, *IMPORT_COLUMNS), into the staging table: on a pooled connection for as
        long as the COPY takes, in no transaction and under no lock, so a slow client holds neither."""
        async with self.pool.acquire() as conn:
            await conn.copy_records_to_table(
                "import_rows", records=[(import_id, *row) for row in rows], columns=_STAGED_COLUMNS
            )

    async def forget_staged(self, import_id: uuid.UUID) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute("delete from import_rows where import_id = $1", import_id)
            await conn.execute("delete from import_batches where import_id = $1", import_id)

    async def begin_merge(self, conn: Connection, caller: Caller) -> str | None:
        """Takes the tree lock (shared) and makes the merge's temporary tables; once, in the import's transaction,
        before its chunks. Returns the path of the caller's scope unit now (None for a deployment-wide caller)."""
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
        if caller.scope == WHOLE_DEPLOYMENT:
            return None
        path: str | None = await conn.fetchval(
            "select path::text from org_units where id = $1", int(caller.scope) if caller.scope.isdigit() else 0
        )
        if path is None:
            raise PermissionDenied("the caller's scope is not an org unit")
        return path

    async def merge_chunk(
        self,
        conn: Connection,
        caller: Caller,
        import_id: uuid.UUID,
        chunk: StagedChunk,
        scope_path: str | None,
    ) -> ImportCounts:
        """Upserts one staged chunk of an import by ID-number hash (call begin_merge first). Staged rows have ID
        number hashes distinct across the whole import. Unchanged rows are not written at all."""
        await conn.execute("truncate import_staging, import_result")
        copied = await conn.execute(
            f"""insert into import_staging select {", ".join(_STAGED_COLUMNS[1:])} from import_rows
                where import_id = $1 and row_number between $2 and $3""",
            import_id,
            chunk.first_row,
            chunk.last_row,
        )
        if int(copied.rsplit(" ", 1)[1]) != chunk.rows:
            # Staging is unlogged: a restart of the database empties it. Nothing is merged; the client sends again.
            raise Unavailable("the import's rows were lost while it was received; send the import again")
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
        moved_out: list[int] = []
        if scope_path is not None:
            # The rows were checked against the caller's scope as they arrived; a unit may have moved out since.
            moved = await conn.fetch(
                """delete from import_staging where not residence_path::public.ltree <@ $1::public.ltree
                   returning row_number""",
                scope_path,
            )
            moved_out = sorted(r["row_number"] for r in moved)
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
            caller.key,
        )
        counts = await one_row(
            conn,
            "select count(*) filter (where inserted) as inserted, count(*) filter (where not inserted) as updated "
            "from import_result",
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
        return ImportCounts(counts["inserted"], counts["updated"], refused, refused_closed, moved_out)
