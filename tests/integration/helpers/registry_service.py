"""The registry service in this test's process, on a real Postgres: a gRPC server with the servicer and the call
interceptor (with the authorisation table), for tests that need the servicer's own settings or its store."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc

from services.registry.__main__ import MIGRATIONS
from services.registry.access import RULES
from services.registry.domain import id_number_check_char
from services.registry.imports.servicer import ImportLimits
from services.registry.servicer import RegistryServicer
from services.registry.store import RegistryStore
from services.runtime.auth import WHOLE_DEPLOYMENT, Role
from services.runtime.db import create_pool, migrate
from services.runtime.interceptors import CallInterceptor
from services.runtime.pii import PersonalDataCipher
from tests.helpers.tokens import bearer, verifier

Metadata = tuple[tuple[str, str], ...]


def token(role: Role = Role.ADMIN, scope: str = WHOLE_DEPLOYMENT, subject: str = "ops") -> Metadata:
    return bearer(subject, role, scope)


ADMIN = token()


@dataclass
class Registry:
    stub: registry_pb2_grpc.RegistryServiceStub
    servicer: RegistryServicer
    pool: asyncpg.Pool


@asynccontextmanager
async def registry_service(
    database_url: str, *, pool_size: int = 4, limits: ImportLimits | None = None
) -> AsyncIterator[Registry]:
    async with create_pool(database_url, "registry", pool_size) as pool:
        await migrate(pool, "registry", MIGRATIONS)
        cipher = PersonalDataCipher({"k1": os.urandom(32)}, "k1", os.urandom(32))
        servicer = RegistryServicer(RegistryStore(pool), cipher, import_limits=limits)
        server = grpc.aio.server(interceptors=[CallInterceptor(verifier(), lambda: True, rules=RULES)])
        registry_pb2_grpc.add_RegistryServiceServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                yield Registry(registry_pb2_grpc.RegistryServiceStub(channel), servicer, pool)
        finally:
            await server.stop(None)


async def create_unit(stub: registry_pb2_grpc.RegistryServiceStub, parent_id: str, kind: int, name: str) -> str:
    created = await stub.CreateOrgUnit(
        reg.CreateOrgUnitRequest(request_id=f"{parent_id}/{name}", parent_id=parent_id, kind=kind, name=name),
        metadata=ADMIN,
    )
    return created.org_unit.id


@dataclass
class Tree:
    district_id: str
    street_id: str
    community_ids: list[str]
    grid_ids: list[str]


async def make_tree(stub: registry_pb2_grpc.RegistryServiceStub) -> Tree:
    """A district with one street of two communities, each with a grid."""
    city = await create_unit(stub, "", reg.ORG_UNIT_KIND_CITY, "宝鸡市")
    district = await create_unit(stub, city, reg.ORG_UNIT_KIND_DISTRICT, "金台区")
    street = await create_unit(stub, district, reg.ORG_UNIT_KIND_STREET, "中山东路街道")
    communities, grids = [], []
    for n, name in enumerate(("陈仓园社区", "三迪社区"), start=1):
        community = await create_unit(stub, street, reg.ORG_UNIT_KIND_COMMUNITY, name)
        communities.append(community)
        grids.append(await create_unit(stub, community, reg.ORG_UNIT_KIND_GRID, f"第{n}网格"))
    return Tree(district, street, communities, grids)


def id_number(n: int) -> str:
    first17 = f"61030219800101{n:03d}"
    return first17 + id_number_check_char(first17)


def import_row(n: int, residence_unit_id: str) -> reg.ImportRow:
    return reg.ImportRow(
        name=f"成员{n}",
        workplace_org="宝鸡市教育局党委",
        residence_unit_id=residence_unit_id,
        management_level=reg.MANAGEMENT_LEVEL_CITY,
        phone=f"1360000{n:04d}",
        id_number=id_number(n),
    )
