"""RegistryService's org tree (组织): creating, renaming, moving and closing units, and reading the tree.

The tree's names and shape (GetOrgUnit, ListOrgUnitChildren, ListOrgUnitSubtree) are public to every caller: every
service checks scope through them and front ends show them. Its history names who changed it and why, so it is for
staff in scope (services/registry/access.py).
"""

from __future__ import annotations

from typing import Any

import grpc
from linli.registry.v1 import registry_pb2 as pb

from services.registry import domain
from services.registry.domain import OrgUnit
from services.registry.lookups import Lookups, require_unit_in_scope
from services.registry.messages import (
    ORG_EVENT_KINDS,
    after_id_of,
    name_and_id_after,
    org_unit_message,
    page_of,
)
from services.registry.store import DuplicateName, lock_tree
from services.runtime import access, validate
from services.runtime.auth import Caller, current_caller
from services.runtime.convert import to_timestamp
from services.runtime.db import Connection
from services.runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from services.runtime.paging import decode_page_token


def _require_holds_parent(caller: Caller, unit: OrgUnit) -> None:
    """A move takes the unit out of its parent's subtree: the caller must hold the parent too."""
    if unit.parent_id:
        access.require_scope(caller, str(unit.parent_id), map(str, unit.ancestor_ids[:-1]), "the unit's parent")


class OrgTreeCalls(Lookups):
    async def CreateOrgUnit(
        self, request: pb.CreateOrgUnitRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateOrgUnitResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        kind = domain.ORG_KINDS[validate.enum("kind", request.kind, pb.OrgUnitKind)]
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)
        parent = await self._open_org_unit("parent_id", request.parent_id) if request.parent_id.strip() else None
        domain.check_parent(kind, parent.kind if parent else None)
        if parent:
            require_unit_in_scope(caller, parent, "parent unit")
        else:
            access.require_whole_deployment(caller, "create a root unit")
        try:
            unit, created = await self.store.create_org_unit(caller, request_id, parent, kind, name)
        except DuplicateName as exc:
            raise AlreadyExists("the parent has a unit of this name already", "name") from exc
        if not created:
            # A retry's answer is checked like a fresh one: the unit it made, where the tree has it now.
            require_unit_in_scope(caller, unit)
        return pb.CreateOrgUnitResponse(org_unit=org_unit_message(unit))

    async def GetOrgUnit(
        self, request: pb.GetOrgUnitRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetOrgUnitResponse:
        unit = await self._org_unit("org_unit_id", request.org_unit_id)
        return pb.GetOrgUnitResponse(org_unit=org_unit_message(unit))

    async def _org_change(self, request_id_text: str, raw_unit_id: str) -> tuple[Caller, str, OrgUnit]:
        caller = current_caller()
        request_id = validate.request_id(request_id_text)
        unit = await self._org_unit("org_unit_id", raw_unit_id)
        require_unit_in_scope(caller, unit)
        return caller, request_id, unit

    async def RenameOrgUnit(
        self, request: pb.RenameOrgUnitRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RenameOrgUnitResponse:
        caller, request_id, unit = await self._org_change(request.request_id, request.org_unit_id)
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)

        async def rename(conn: Connection) -> pb.RenameOrgUnitResponse:
            locked = await self.store.lock_org_unit(conn, unit.id)
            if locked.closed_at is not None:
                raise FailedPrecondition(f"org unit {unit.id} is closed", "org_unit_id")
            renamed = await self.store.rename_org_unit(conn, caller, locked, name) if locked.name != name else locked
            return pb.RenameOrgUnitResponse(org_unit=org_unit_message(renamed))

        return await self.store.once(
            caller, request_id, "RenameOrgUnit", pb.RenameOrgUnitResponse, rename, f"org_unit:{unit.id}"
        )

    async def MoveOrgUnit(
        self, request: pb.MoveOrgUnitRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.MoveOrgUnitResponse:
        caller, request_id, unit = await self._org_change(request.request_id, request.org_unit_id)
        # Moving takes the unit out of its parent's subtree: the caller must hold the old and the new place.
        _require_holds_parent(caller, unit)
        new_parent = await self._open_org_unit("new_parent_id", request.new_parent_id)
        require_unit_in_scope(caller, new_parent, "new parent")

        async def move(conn: Connection) -> pb.MoveOrgUnitResponse:
            # One tree change at a time, so two concurrent moves cannot make a cycle.
            await lock_tree(conn, exclusive=True)
            locked = await self.store.lock_org_unit(conn, unit.id)
            parent = await self.store.lock_org_unit(conn, new_parent.id)
            if locked.closed_at is not None:
                raise FailedPrecondition(f"org unit {unit.id} is closed", "org_unit_id")
            # Checked again under the lock: another move may have changed either place since.
            _require_holds_parent(caller, locked)
            require_unit_in_scope(caller, parent, "new parent")
            domain.check_move(locked, parent)
            new_community_id = None
            if locked.kind in ("grid", "building"):
                new_community_id = await self._community_of(parent)
            moved = await self.store.move_org_unit(conn, caller, locked, parent, new_community_id)
            return pb.MoveOrgUnitResponse(org_unit=org_unit_message(moved))

        return await self.store.once(
            caller, request_id, "MoveOrgUnit", pb.MoveOrgUnitResponse, move, f"org_unit:{unit.id}"
        )

    async def CloseOrgUnit(
        self, request: pb.CloseOrgUnitRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CloseOrgUnitResponse:
        caller, request_id, unit = await self._org_change(request.request_id, request.org_unit_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)

        async def close(conn: Connection) -> pb.CloseOrgUnitResponse:
            await lock_tree(conn, exclusive=True)
            locked = await self.store.lock_org_unit(conn, unit.id)
            if locked.closed_at is not None:
                raise FailedPrecondition(f"org unit {unit.id} is closed already", "org_unit_id")
            closed = await self.store.close_org_unit(conn, caller, locked, reason)
            return pb.CloseOrgUnitResponse(org_unit=org_unit_message(closed))

        return await self.store.once(
            caller, request_id, "CloseOrgUnit", pb.CloseOrgUnitResponse, close, f"org_unit:{unit.id}"
        )

    async def ListOrgUnitChildren(
        self, request: pb.ListOrgUnitChildrenRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListOrgUnitChildrenResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        parent = await self._org_unit("org_unit_id", request.org_unit_id)
        query = {"children_of": parent.id, "closed": request.include_closed}
        after = name_and_id_after(request.page_token, query)
        units = await self.store.org_unit_children(parent, request.include_closed, after, page_size + 1)
        units, token = page_of(units, page_size, query, lambda u: [u.name, u.id])
        return pb.ListOrgUnitChildrenResponse(org_units=[org_unit_message(u) for u in units], next_page_token=token)

    async def ListOrgUnitSubtree(
        self, request: pb.ListOrgUnitSubtreeRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListOrgUnitSubtreeResponse:
        page_size = validate.page_size("page_size", request.page_size, default=200, maximum=1000)
        kind_number = validate.enum("kind", request.kind, pb.OrgUnitKind, required=False)
        root = await self._org_unit("org_unit_id", request.org_unit_id)
        kind = domain.ORG_KINDS[kind_number] if kind_number else None
        query = {"subtree_of": root.id, "kind": kind, "closed": request.include_closed}
        key = decode_page_token(request.page_token, query)
        if key is not None and (len(key) != 1 or not isinstance(key[0], str) or not key[0].startswith(root.path)):
            raise InvalidArgument("is not a page token this service issued", "page_token")
        units = await self.store.org_unit_subtree(
            root, kind, request.include_closed, key[0] if key else None, page_size + 1
        )
        units, token = page_of(units, page_size, query, lambda u: [u.path])
        return pb.ListOrgUnitSubtreeResponse(org_units=[org_unit_message(u) for u in units], next_page_token=token)

    async def ListOrgUnitHistory(
        self, request: pb.ListOrgUnitHistoryRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListOrgUnitHistoryResponse:
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        unit = await self._org_unit("org_unit_id", request.org_unit_id)
        # Who changed the unit and why: for staff of the unit as it lies now.
        require_unit_in_scope(caller, unit)
        query = {"history_of": unit.id}
        events = await self.store.org_unit_events(unit.id, after_id_of(request.page_token, query), page_size + 1)
        events, token = page_of(events, page_size, query, lambda e: [e[0]])
        return pb.ListOrgUnitHistoryResponse(
            events=[
                pb.OrgUnitEvent(
                    kind=ORG_EVENT_KINDS[e.kind],
                    time=to_timestamp(e.at),
                    actor=e.actor,
                    old_name=e.old_name,
                    new_name=e.new_name,
                    old_parent_id=str(e.old_parent_id or ""),
                    new_parent_id=str(e.new_parent_id or ""),
                    reason=e.reason,
                )
                for _, e in events
            ],
            next_page_token=token,
        )
