"""The wishes service in-process on a real Postgres, with a registry that holds only an org tree: for tests of the
service's own bounds (the duplicate check, the export's audit, key rotation) without the other services running."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2_grpc

from services.runtime import access, auth
from services.runtime.auth import Caller, Role
from services.runtime.config import WishLimits
from services.runtime.db import create_pool, migrate
from services.runtime.interceptors import CallInterceptor
from services.runtime.org_directory import OrgDirectory
from services.runtime.pii import PersonalDataCipher
from services.wishes.__main__ import MIGRATIONS
from services.wishes.access import RULES
from services.wishes.servicer import WishServicer
from services.wishes.store import WishStore
from tests.helpers.tokens import bearer, verifier

LOOKUP = os.urandom(32)
LIMITS = WishLimits(review=timedelta(hours=48), publish=timedelta(hours=24), claim=timedelta(hours=72))
# A city, a district, a street and two communities.
CITY, DISTRICT, STREET, COMMUNITY, OTHER_COMMUNITY = "1", "2", "3", "4", "5"


@dataclass
class OrgTree:
    """The registry's org tree calls the wishes service makes (GetOrgUnit, ListOrgUnitSubtree), from a dict."""

    units: dict[str, reg.OrgUnit] = field(default_factory=dict)

    def add(self, unit_id: str, kind: int, parent_id: str = "") -> None:
        ancestors = [*self.units[parent_id].ancestor_ids, parent_id] if parent_id else []
        self.units[unit_id] = reg.OrgUnit(
            id=unit_id, parent_id=parent_id, kind=kind, name=f"unit {unit_id}", ancestor_ids=ancestors
        )

    async def GetOrgUnit(self, request: reg.GetOrgUnitRequest, **_: object) -> reg.GetOrgUnitResponse:
        return reg.GetOrgUnitResponse(org_unit=self.units[request.org_unit_id])

    async def ListOrgUnitSubtree(
        self, request: reg.ListOrgUnitSubtreeRequest, **_: object
    ) -> reg.ListOrgUnitSubtreeResponse:
        below = [
            u
            for u in self.units.values()
            if request.org_unit_id in u.ancestor_ids and (not request.kind or u.kind == request.kind)
        ]
        return reg.ListOrgUnitSubtreeResponse(org_units=below)


class QuietRelay:
    """Takes the servicer's wake-ups; nothing here runs workflows."""

    def wake(self) -> None:
        pass


def a_tree() -> OrgTree:
    tree = OrgTree()
    tree.add(CITY, reg.ORG_UNIT_KIND_CITY)
    tree.add(DISTRICT, reg.ORG_UNIT_KIND_DISTRICT, CITY)
    tree.add(STREET, reg.ORG_UNIT_KIND_STREET, DISTRICT)
    tree.add(COMMUNITY, reg.ORG_UNIT_KIND_COMMUNITY, STREET)
    tree.add(OTHER_COMMUNITY, reg.ORG_UNIT_KIND_COMMUNITY, STREET)
    return tree


@asynccontextmanager
async def wish_service(database_url: str, cipher: PersonalDataCipher) -> AsyncIterator[WishServicer]:
    async with create_pool(database_url, "wishes", 8) as pool:
        await migrate(pool, "wishes", MIGRATIONS)
        tree = a_tree()
        yield WishServicer(WishStore(pool), QuietRelay(), OrgDirectory(tree), tree, cipher, LIMITS)  # type: ignore[arg-type]


@contextmanager
def calling(caller: Caller) -> Iterator[None]:
    """Runs handlers called directly as if the call interceptor had let `caller` in."""
    caller_token, checks_token = auth.set_current_caller(caller), access.begin_call()
    try:
        yield
    finally:
        access.end_call(checks_token)
        auth.reset_current_caller(caller_token)


@asynccontextmanager
async def served(servicer: WishServicer) -> AsyncIterator[wishes_pb2_grpc.WishServiceStub]:
    """The servicer behind the call interceptor with the wishes service's authorisation table, on loopback."""
    server = grpc.aio.server(interceptors=[CallInterceptor(verifier(), lambda: True, rules=RULES)])
    wishes_pb2_grpc.add_WishServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield wishes_pb2_grpc.WishServiceStub(channel)
    finally:
        await server.stop(None)


def token(role: Role, scope: str, subject: str = "ops") -> tuple[tuple[str, str], ...]:
    return bearer(subject, role, scope)
