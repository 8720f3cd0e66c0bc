"""Personal data paths of the registry against a real Postgres: an export leaves its audit row before the first member
goes out, so a client that stops reading early still leaves a trace; and full names once stored as a team member's
masked name are masked by the migration."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from linli.registry.v1 import registry_pb2 as reg

from services.runtime import access
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role, reset_current_caller, set_current_caller
from services.runtime.db import create_pool, migrate
from tests.integration.helpers.registry_service import ADMIN, MIGRATIONS, import_row, make_tree, registry_service


async def test_an_export_is_audited_before_its_first_member_leaves(database_url: str) -> None:
    async with registry_service(database_url) as registry:
        tree = await make_tree(registry.stub)

        async def rows() -> AsyncIterator[reg.ImportMembersRequest]:
            yield reg.ImportMembersRequest(
                request_id="members", rows=[import_row(n, tree.grid_ids[0]) for n in range(5)]
            )

        await registry.stub.ImportMembers(rows(), metadata=ADMIN)
        # The servicer's stream itself, read as a client that hangs up after the first message would read it.
        caller = Caller("exporter", Role.STAFF, WHOLE_DEPLOYMENT)
        token, checks = set_current_caller(caller), access.begin_call()
        try:
            export = registry.servicer.ExportMembers(
                reg.ExportMembersRequest(org_unit_id=tree.street_id),
                context=None,  # type: ignore[arg-type]
            )
            first = await anext(export)
            await export.aclose()
        finally:
            access.end_call(checks)
            reset_current_caller(token)
        assert len(first.members) == 5
        async with registry.pool.acquire() as conn:
            audited = await conn.fetch(
                "select subject_kind, subject_id from audit_log where actor = 'exporter' and action = 'export_members'"
            )
        assert [(r["subject_kind"], r["subject_id"]) for r in audited] == [("org_unit", tree.street_id)]


async def test_the_migration_masks_full_names_stored_for_team_members(database_url: str, tmp_path: Path) -> None:
    before = tmp_path / "migrations"
    before.mkdir()
    for migration in sorted(MIGRATIONS.glob("*.sql")):
        if migration.name < "0053":
            shutil.copy(migration, before / migration.name)
    async with create_pool(database_url, "registry", 2) as pool:
        await migrate(pool, "registry", before)
        async with pool.acquire() as conn:
            unit = await conn.fetchval(
                """insert into org_units (parent_id, kind, name, path, created_by, request_id)
                   values (null, 'community', '三迪社区', '1', 'ops', 'c') returning id"""
            )
            member = await conn.fetchval(
                """insert into members (name, workplace_org, community_id, residence_unit_id, residence_path,
                       management_level, phone_sealed, phone_hash, phone_masked, id_number_sealed, id_number_hash,
                       id_number_masked, created_by, request_id)
                   values ('欧阳娜娜', 'x', $1, $1, $2::public.ltree, 'city', '', 'h', '', '', 'i', '', 'ops', 'm')
                   returning id""",
                unit,
                str(unit),
            )
            team = await conn.fetchval(
                "insert into teams (org_unit_id, kind, name) values ($1, 'party_member', '党员先锋队') returning id",
                unit,
            )
            await conn.execute(
                """insert into team_members (team_id, member_id, name_masked, phone_masked)
                   values ($1, $2, '欧阳娜娜', '139****5678')""",
                team,
                member,
            )
            await conn.execute(
                """insert into team_members (team_id, name_sealed, name_masked, phone_sealed, phone_hash, phone_masked)
                   values ($1, '', '刘**', '', 'v', '138****1111')""",
                team,
            )
        await migrate(pool, "registry", MIGRATIONS)
        async with pool.acquire() as conn:
            names = await conn.fetch("select name_masked from team_members order by id")
        assert [r["name_masked"] for r in names] == ["欧***", "刘**"]
