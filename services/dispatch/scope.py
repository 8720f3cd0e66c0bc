"""Scope checks of dispatch's stored objects (alerts, activities, recurring activities, absences) against the org
tree as it is now: an object keeps the unit it belongs to, never the path above it on the day it was made."""

from __future__ import annotations

from services.runtime import access
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller
from services.runtime.org_directory import OrgDirectory


async def require_unit_in_scope(org: OrgDirectory, caller: Caller, unit_id: int | str, field: str) -> None:
    """PERMISSION_DENIED unless the caller's scope covers the unit as the tree is now. A deployment-wide caller (the
    worker, on the way to every notice) is covered whatever the tree says: no look-up, so no wait on the registry."""
    if caller.scope == WHOLE_DEPLOYMENT:
        access.require_scope(caller, str(unit_id), ())
        return
    await org.require_in_scope(caller, str(unit_id), field)
