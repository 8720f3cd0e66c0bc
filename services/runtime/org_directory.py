"""The org tree as other services see it: a small read-through cache over the registry's org tree.

Wishes and dispatch use it to check that an org unit exists, what level it is and what lies above it — for scope
checks, which follow the tree as it is now (a community moved to another street is in the new street's scope,
not the old one's) — and which communities lie under a unit now, for lists by unit. Answers are kept only for a
few seconds: moves are rare, and a move reaches every scope check within that time.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc

from services.runtime import access
from services.runtime.auth import Caller
from services.runtime.cache import ShortLived
from services.runtime.errors import NotFound

_TTL_SECONDS = 5.0
_MAX_ENTRIES = 10_000
# Levels that have communities below them (a grid or a building has none).
_ABOVE_COMMUNITIES = frozenset(
    {
        registry_pb2.ORG_UNIT_KIND_PROVINCE,
        registry_pb2.ORG_UNIT_KIND_CITY,
        registry_pb2.ORG_UNIT_KIND_DISTRICT,
        registry_pb2.ORG_UNIT_KIND_STREET,
    }
)


@dataclass(frozen=True)
class OrgUnitInfo:
    id: str
    kind: registry_pb2.OrgUnitKind
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
        self._communities: ShortLived[str, tuple[int, ...]] = ShortLived(_TTL_SECONDS, _MAX_ENTRIES)

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

    async def require_in_scope(
        self, caller: Caller, org_unit_id: str, field: str, what: str = "org unit"
    ) -> OrgUnitInfo:
        """The unit, once the caller's scope covers it as the tree is now (PERMISSION_DENIED otherwise)."""
        unit = await self.unit(org_unit_id, field)
        access.require_scope(caller, unit.id, unit.ancestor_ids, what)
        return unit

    async def communities_under(self, org_unit_id: str, field: str) -> tuple[int, ...]:
        """The ids of the communities under the unit now (the unit itself, if it is one; closed ones too)."""
        cached = self._communities.get(org_unit_id)
        if cached is not None:
            return cached
        unit = await self.unit(org_unit_id, field)
        found: list[int] = []
        if unit.kind == registry_pb2.ORG_UNIT_KIND_COMMUNITY:
            found.append(int(unit.id))
        elif unit.kind in _ABOVE_COMMUNITIES:
            token = ""
            while True:
                response = await self._registry.ListOrgUnitSubtree(
                    registry_pb2.ListOrgUnitSubtreeRequest(
                        org_unit_id=unit.id,
                        kind=registry_pb2.ORG_UNIT_KIND_COMMUNITY,
                        include_closed=True,
                        page_size=1000,
                        page_token=token,
                    )
                )
                found.extend(int(u.id) for u in response.org_units)
                token = response.next_page_token
                if not token:
                    break
        communities = tuple(found)
        self._communities.put(org_unit_id, communities)
        return communities
