"""The registry's SQL. Everything here runs against the `registry` schema and no other.

`RegistryStore` is the one store the servicers use; its SQL lives by sub-domain in the packages beside it
(org_tree/, members/, groups/, service_records/, imports/, commitments/: each a store.py). Here: idempotent writes and the audit log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from google.protobuf.message import Message

from services.registry.commitments.store import CommitmentStore
from services.registry.groups.store import GroupStore
from services.registry.imports.org_store import OrgImportStore
from services.registry.imports.store import IMPORT_COLUMNS, ImportCounts, ImportStore, StagedChunk
from services.registry.members.store import DuplicatePerson, MemberStore, NewMember
from services.registry.org_tree.store import DuplicateName, OrgTreeStore
from services.registry.rows import lock_tree, subtree_end
from services.registry.service_records.store import NewService, RecordStore, RegistryStats
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection, one_row
from services.runtime.errors import InvalidArgument

__all__ = [
    "IMPORT_COLUMNS",
    "DuplicateName",
    "DuplicatePerson",
    "ImportCounts",
    "NewMember",
    "NewService",
    "RegistryStats",
    "RegistryStore",
    "StagedChunk",
    "lock_tree",
    "subtree_end",
]

Response = TypeVar("Response", bound=Message)


class RegistryStore(OrgTreeStore, MemberStore, GroupStore, RecordStore, ImportStore, CommitmentStore, OrgImportStore):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # ---- idempotent writes -------------------------------------------------------------------------------
    # A request id belongs to one caller (`Caller.key`: its subject, role and scope), and to the one object the
    # request acted on (`target`): a retry is answered only after the handler checked the caller's scope over that
    # object as the tree is now, and a request id sent again for another object is refused.

    async def earlier_answer(
        self, caller: Caller, request_id: str, method: str, response_type: type[Response], target: str = ""
    ) -> Response | None:
        """The stored answer to this caller's request id, if it has one (a retry)."""
        row = await self.pool.fetchrow(
            "select method, target, response from request_results where actor = $1 and request_id = $2",
            caller.key,
            request_id,
        )
        if row is None or row["response"] is None:
            return None
        return _stored(row, method, response_type, target)

    async def once(
        self,
        caller: Caller,
        request_id: str,
        method: str,
        response_type: type[Response],
        work: Callable[[Connection], Awaitable[Response]],
        target: str = "",
    ) -> Response:
        """Runs `work` in one transaction the first time this caller sends this request id, and stores its
        response; a retry gets the stored response and changes nothing. A failed first attempt stores nothing.
        `target` names the object the request acts on ("member:12"), whose scope the handler checked."""
        async with self.pool.acquire() as conn, conn.transaction():
            # A concurrent first attempt holds this row's lock until it commits; we then read its result.
            fresh = await conn.fetchval(
                """insert into request_results (actor, request_id, method, target) values ($1, $2, $3, $4)
                   on conflict do nothing returning true""",
                caller.key,
                request_id,
                method,
                target,
            )
            if not fresh:
                row = await one_row(
                    conn,
                    "select method, target, response from request_results where actor = $1 and request_id = $2",
                    caller.key,
                    request_id,
                )
                return _stored(row, method, response_type, target)
            response = await work(conn)
            await conn.execute(
                "update request_results set response = $3 where actor = $1 and request_id = $2",
                caller.key,
                request_id,
                response.SerializeToString(),
            )
            return response

    async def audit(self, caller: Caller, action: str, subject_kind: str, subject_id: int | str, **detail: Any) -> None:
        async with self.pool.acquire() as conn:
            await write_audit(conn, caller, action, subject_kind, subject_id, **detail)


def _stored(row: asyncpg.Record, method: str, response_type: type[Response], target: str) -> Response:
    if row["method"] != method:
        raise InvalidArgument(f"was used for an earlier {row['method']} call", "request_id")
    if row["target"] != target:
        raise InvalidArgument(f"was used for a call on another object ({row['target']})", "request_id")
    return response_type.FromString(row["response"])
