"""The org tree as other services see it: a small read-through cache over RegistryService.GetOrgUnit.

Wishes and dispatch use it to check that an org unit exists, what level it is and what lies above it,
for scope checks. Units rarely change, so answers are kept for a short while.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc

from services.runtime.cache import ShortLived
from services.runtime.errors import NotFound

_TTL_SECONDS = 60.0
_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class OrgUnitInfo:
    id: str
    kind: int  # linli.registry.v1.OrgUnitKind
    name: str
    parent_id: str
    ancestor_ids: tuple[str, ...]  # root first, excluding the unit

    @property
    def path(self) -> tuple[str, ...]:
        """Ancestors and the unit itself, root first."""
        return (*self.ancestor_ids, self.id)


class OrgDirectory:
    def __init__(self, registry: registry_pb2_grpc.RegistryServiceStub) -> None:
        self._registry = registry
        self._cache: ShortLived[str, OrgUnitInfo] = ShortLived(_TTL_SECONDS, _MAX_ENTRIES)

    async def unit(self, org_unit_id: str, field: str) -> OrgUnitInfo:
        """The unit, or NotFound naming `field`."""
        cached = self._cache.get(org_unit_id)
        if cached is not None:
            return cached
        try:
            response = await self._registry.GetOrgUnit(registry_pb2.GetOrgUnitRequest(org_unit_id=org_unit_id))
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise NotFound(f"no org unit {org_unit_id}", field) from exc
            raise
        unit = response.org_unit
        info = OrgUnitInfo(unit.id, unit.kind, unit.name, unit.parent_id, tuple(unit.ancestor_ids))
        self._cache.put(org_unit_id, info)
        return info
