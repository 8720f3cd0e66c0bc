"""ImportMembers merges its rows a chunk at a time in one transaction: with chunks of two rows, what crosses a
chunk's edge (the same person twice, a move, a bad row, a unit first named mid-import) is handled as in one
piece, and a re-run writes nothing."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc

from services.registry.__main__ import MIGRATIONS
from services.registry.access import RULES as REGISTRY_RULES
from services.registry.domain import id_number_check_char
from services.registry.servicer import RegistryServicer
from services.registry.store import RegistryStore
from services.runtime.auth import WHOLE_DEPLOYMENT, Role
from services.runtime.db import create_pool, migrate
from services.runtime.interceptors import CallInterceptor
from services.runtime.pii import PersonalDataCipher
from tests.helpers.tokens import bearer, verifier

ADMIN = bearer("ops", Role.ADMIN, WHOLE_DEPLOYMENT)


@asynccontextmanager
async def registry(pool: asyncpg.Pool) -> AsyncIterator[registry_pb2_grpc.RegistryServiceStub]:
    cipher = PersonalDataCipher({"k1": os.urandom(32)}, "k1", os.urandom(32))
    servicer = RegistryServicer(RegistryStore(pool), cipher, import_chunk_rows=2)
    server = grpc.aio.server(interceptors=[CallInterceptor(verifier(), lambda: True, rules=REGISTRY_RULES)])
    registry_pb2_grpc.add_RegistryServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield registry_pb2_grpc.RegistryServiceStub(channel)
    finally:
        await server.stop(None)


def id_number(n: int) -> str:
    first17 = f"61030219800101{n:03d}"
    return first17 + id_number_check_char(first17)


def row(n: int, grid_id: str, **fields: object) -> reg.ImportRow:
    values: dict[str, object] = {
        "name": f"成员{n}",
        "workplace_org": "宝鸡市教育局党委",
        "residence_unit_id": grid_id,
        "management_level": reg.MANAGEMENT_LEVEL_CITY,
        "phone": f"1360000{n:04d}",
        "id_number": id_number(n),
    }
    values.update(fields)
    return reg.ImportRow(**values)  # type: ignore[arg-type]


async def import_rows(
    api: registry_pb2_grpc.RegistryServiceStub, rows: list[reg.ImportRow], request_id: str
) -> reg.ImportMembersResponse:
    async def messages() -> AsyncIterator[reg.ImportMembersRequest]:
        for start in range(0, len(rows), 3):  # three rows a message, two a chunk: the edges do not line up
            yield reg.ImportMembersRequest(request_id=request_id, rows=rows[start : start + 3])

    return await api.ImportMembers(messages(), metadata=ADMIN)


async def test_an_import_in_chunks_handles_what_crosses_a_chunk_edge_and_a_rerun_writes_nothing(
    database_url: str,
) -> None:
    # One connection in the pool: an import works on its own connection alone.
    async with create_pool(database_url, "registry", 1) as pool:
        await migrate(pool, "registry", MIGRATIONS)
        async with registry(pool) as api:
            parent, grids = "", []
            for kind, name in [
                (reg.ORG_UNIT_KIND_CITY, "宝鸡市"),
                (reg.ORG_UNIT_KIND_DISTRICT, "金台区"),
                (reg.ORG_UNIT_KIND_STREET, "街道"),
                (reg.ORG_UNIT_KIND_COMMUNITY, "社区"),
            ]:
                created = await api.CreateOrgUnit(
                    reg.CreateOrgUnitRequest(request_id=name, parent_id=parent, kind=kind, name=name), metadata=ADMIN
                )
                parent = created.org_unit.id
            for name in ("第1网格", "第2网格"):
                created = await api.CreateOrgUnit(
                    reg.CreateOrgUnitRequest(request_id=name, parent_id=parent, kind=reg.ORG_UNIT_KIND_GRID, name=name),
                    metadata=ADMIN,
                )
                grids.append(created.org_unit.id)
            first, second = grids

            rows = [row(n, first) for n in range(1, 7)] + [row(7, second)]  # the second grid: first seen mid-import
            rows.insert(4, row(9, first, phone="12345"))  # row 5: a bad phone
            rows.append(row(2, first, name="又一次"))  # row 9: the same person as row 2, two chunks later
            result = await import_rows(api, rows, "first")
            assert (result.rows_received, result.inserted, result.updated, result.unchanged, result.failed) == (
                9,
                7,
                0,
                0,
                2,
            )
            assert [(e.row_number, e.field) for e in result.errors] == [(5, "phone"), (9, "id_number")]

            count_writes = """select (select count(*) from audit_log), (select count(*) from member_residences),
                                     (select max(updated_at) from members)"""
            async with pool.acquire() as conn:
                before = await conn.fetchrow(count_writes)
            again = await import_rows(api, rows, "again")
            assert (again.inserted, again.updated, again.unchanged, again.failed) == (0, 0, 7, 2)
            async with pool.acquire() as conn:
                after = await conn.fetchrow(count_writes)
            # The re-run wrote nothing but the import's own audit row.
            assert (after[0], after[1], after[2]) == (before[0] + 1, before[1], before[2])

            # Members 1 and 6 move to the second grid, member 4 changes phone, member 10 is new; 3 chunks.
            changed = [row(1, second), row(4, first, phone="13600009999"), row(6, second), row(10, first)]
            moved = await import_rows(api, changed, "moved")
            assert (moved.inserted, moved.updated, moved.unchanged, moved.failed) == (1, 3, 0, 0)

            async with pool.acquire() as conn:
                member_audit = await conn.fetchval("select count(*) from audit_log where subject_kind = 'member'")
                history = await conn.fetch(
                    """select m.id_number_masked, r.residence_unit_id, r.reason, r.to_time is null as open
                       from member_residences r join members m on m.id = r.member_id order by r.id"""
                )
            assert member_audit == 7 + 4
            by_person: dict[str, list[tuple[int, str, bool]]] = {}
            for h in history:
                by_person.setdefault(h["id_number_masked"][-4:], []).append(
                    (h["residence_unit_id"], h["reason"], h["open"])
                )
            moved_history = [(int(first), "imported", False), (int(second), "moved by import", True)]
            assert by_person[id_number(1)[-4:]] == moved_history
            assert by_person[id_number(6)[-4:]] == moved_history
            assert by_person[id_number(4)[-4:]] == [(int(first), "imported", True)]
            assert by_person[id_number(10)[-4:]] == [(int(first), "imported", True)]
