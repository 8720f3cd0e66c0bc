"""ImportMembers is bounded: a client that streams slowly holds no lock, transaction or connection while it sends,
so moves and closes of units go on; and an import over its rows, bytes or time is refused with nothing written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
import pytest
from linli.registry.v1 import registry_pb2 as reg

from services.registry.imports.servicer import ImportLimits
from tests.integration.helpers.registry_service import ADMIN, Registry, import_row, make_tree, registry_service


async def counts(registry: Registry) -> tuple[int, int, int, int]:
    """Members, their audit rows, and the rows and imports left in staging."""
    async with registry.pool.acquire() as conn:
        row = await conn.fetchrow(
            """select (select count(*) from members), (select count(*) from audit_log where subject_kind = 'member'),
                      (select count(*) from import_rows), (select count(*) from import_batches)"""
        )
    return row[0], row[1], row[2], row[3]


async def test_a_client_streaming_slowly_does_not_hold_back_a_move_of_a_unit(database_url: str) -> None:
    # Two connections: the move needs one while the import is under way.
    async with registry_service(database_url, pool_size=2, limits=ImportLimits(chunk_rows=2)) as registry:
        tree = await make_tree(registry.stub)
        first_sent, go_on = asyncio.Event(), asyncio.Event()

        async def slow_client() -> AsyncIterator[reg.ImportMembersRequest]:
            yield reg.ImportMembersRequest(
                request_id="slow", rows=[import_row(n, tree.grid_ids[0]) for n in range(1, 4)]
            )
            first_sent.set()
            await go_on.wait()  # the client thinks for as long as the move takes
            yield reg.ImportMembersRequest(request_id="slow", rows=[import_row(4, tree.grid_ids[0])])

        importing = asyncio.ensure_future(registry.stub.ImportMembers(slow_client(), metadata=ADMIN, timeout=60))
        try:
            await asyncio.wait_for(first_sent.wait(), 10)
            await asyncio.sleep(0.5)  # the first message is received, checked and staged by now
            # The second community's grid moves to the first community while the import waits for its client.
            moved = await registry.stub.MoveOrgUnit(
                reg.MoveOrgUnitRequest(
                    request_id="move", org_unit_id=tree.grid_ids[1], new_parent_id=tree.community_ids[0]
                ),
                metadata=ADMIN,
                timeout=5,
            )
            assert moved.org_unit.parent_id == tree.community_ids[0]
        finally:
            go_on.set()
        result = await importing
        assert (result.rows_received, result.inserted, result.failed) == (4, 4, 0)
        assert await counts(registry) == (4, 4, 0, 0)


async def test_an_import_over_the_row_limit_is_refused_with_nothing_written(database_url: str) -> None:
    async with registry_service(database_url, limits=ImportLimits(rows=5, chunk_rows=2)) as registry:
        tree = await make_tree(registry.stub)

        async def messages() -> AsyncIterator[reg.ImportMembersRequest]:
            for start in (1, 3, 5):  # two rows a message: chunks of two are staged before the sixth row arrives
                rows = [import_row(n, tree.grid_ids[0]) for n in (start, start + 1)]
                yield reg.ImportMembersRequest(request_id="too-many", rows=rows)

        with pytest.raises(grpc.aio.AioRpcError) as error:
            await registry.stub.ImportMembers(messages(), metadata=ADMIN, timeout=30)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.value.details() == "rows: at most 5 rows in one import"
        assert await counts(registry) == (0, 0, 0, 0)


async def test_an_import_over_the_byte_limit_is_refused_with_nothing_written(database_url: str) -> None:
    async with registry_service(database_url, limits=ImportLimits(bytes=1000, chunk_rows=2)) as registry:
        tree = await make_tree(registry.stub)

        async def messages() -> AsyncIterator[reg.ImportMembersRequest]:
            for n in range(1, 20):  # about 90 bytes a row
                yield reg.ImportMembersRequest(request_id="too-big", rows=[import_row(n, tree.grid_ids[0])])

        with pytest.raises(grpc.aio.AioRpcError) as error:
            await registry.stub.ImportMembers(messages(), metadata=ADMIN, timeout=30)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.value.details().startswith("rows: an import is at most 1000 bytes")
        assert await counts(registry) == (0, 0, 0, 0)


async def test_an_import_that_does_not_arrive_in_time_is_refused_with_nothing_written(database_url: str) -> None:
    async with registry_service(database_url, limits=ImportLimits(receive_seconds=1, chunk_rows=1)) as registry:
        tree = await make_tree(registry.stub)

        async def trickle() -> AsyncIterator[reg.ImportMembersRequest]:
            for n in range(1, 10):
                yield reg.ImportMembersRequest(request_id="trickle", rows=[import_row(n, tree.grid_ids[0])])
                await asyncio.sleep(0.3)

        with pytest.raises(grpc.aio.AioRpcError) as error:
            await registry.stub.ImportMembers(trickle(), metadata=ADMIN, timeout=30)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.value.details().startswith("rows: an import must arrive within 1 s")
        assert await counts(registry) == (0, 0, 0, 0)
