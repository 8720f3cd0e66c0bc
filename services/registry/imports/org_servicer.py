"""RegistryService's ImportOrgTree: a district's units, party organisations and teams set up in one call.

One transaction under the org tree's exclusive lock (as a move's), so the tree read to plan the import is the tree it
is written to: all or nothing, and a file sent again plans nothing and answers `changed: false`.
"""

from __future__ import annotations

from typing import Any

import grpc
from linli.registry.v1 import registry_pb2 as pb

from services.registry.imports.org_tree import plan_import
from services.registry.lookups import Lookups, require_unit_in_scope
from services.registry.store import lock_tree
from services.runtime import access, validate
from services.runtime.auth import current_caller
from services.runtime.db import Connection


class OrgImportCalls(Lookups):
    async def ImportOrgTree(
        self, request: pb.ImportOrgTreeRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ImportOrgTreeResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        root = None
        if request.root_org_unit_id.strip():
            root = await self._open_org_unit("root_org_unit_id", request.root_org_unit_id)
            require_unit_in_scope(caller, root, "root unit")
        else:
            access.require_whole_deployment(caller, "import below the roots")

        async def run(conn: Connection) -> pb.ImportOrgTreeResponse:
            await lock_tree(conn, exclusive=True)
            if root is not None:
                # Checked again under the lock: a move may have taken the root out of the caller's scope since.
                locked = await self.store.lock_org_unit(conn, root.id)
                require_unit_in_scope(caller, locked, "root unit")
            tree, places = await self.store.tree_below(conn, root)
            plan = plan_import(request, tree)
            await self.store.write_plan(conn, caller, request_id, root, plan, places)
            return pb.ImportOrgTreeResponse(
                units_created=len(plan.units),
                units_unchanged=plan.units_unchanged,
                party_organisations_created=len(plan.party_orgs),
                party_organisations_unchanged=plan.party_orgs_unchanged,
                teams_created=len(plan.teams),
                teams_unchanged=plan.teams_unchanged,
                changed=bool(plan.units or plan.party_orgs or plan.teams),
            )

        target = f"org_unit:{root.id}" if root else "org_unit:*"
        return await self.store.once(caller, request_id, "ImportOrgTree", pb.ImportOrgTreeResponse, run, target)
