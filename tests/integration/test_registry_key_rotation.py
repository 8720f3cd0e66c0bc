"""Rotating the personal-data key: a registry started with a new active key re-seals what the old key sealed,
over real gRPC and a real Postgres."""

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

OLD, NEW, LOOKUP = os.urandom(32), os.urandom(32), os.urandom(32)
ADMIN = bearer("ops", Role.ADMIN, WHOLE_DEPLOYMENT)


@asynccontextmanager
async def registry(
    pool: asyncpg.Pool, cipher: PersonalDataCipher
) -> AsyncIterator[registry_pb2_grpc.RegistryServiceStub]:
    server = grpc.aio.server(interceptors=[CallInterceptor(verifier(), lambda: True, rules=REGISTRY_RULES)])
    registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(RegistryStore(pool), cipher), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield registry_pb2_grpc.RegistryServiceStub(channel)
    finally:
        await server.stop(None)


async def test_rotation_reseals_old_rows_under_the_new_key_and_they_still_open(database_url: str) -> None:
    old_only = PersonalDataCipher({"k1": OLD}, "k1", LOOKUP)
    rotated = PersonalDataCipher({"k2": NEW, "k1": OLD}, "k2", LOOKUP)
    async with create_pool(database_url, "registry", 4) as pool:
        await migrate(pool, "registry", MIGRATIONS)
        async with registry(pool, old_only) as api:
            parent = ""
            for kind, name in [
                (reg.ORG_UNIT_KIND_CITY, "唐山市"),
                (reg.ORG_UNIT_KIND_DISTRICT, "路北区"),
                (reg.ORG_UNIT_KIND_STREET, "街道"),
                (reg.ORG_UNIT_KIND_COMMUNITY, "祥富里社区"),
            ]:
                unit = await api.CreateOrgUnit(
                    reg.CreateOrgUnitRequest(request_id=name, parent_id=parent, kind=kind, name=name), metadata=ADMIN
                )
                parent = unit.org_unit.id
            members = []
            for n in range(5):
                first17 = f"13020319800101{n:03d}"
                response = await api.RegisterMember(
                    reg.RegisterMemberRequest(
                        request_id=f"m{n}",
                        name=f"党员{n}",
                        workplace_org="唐山市委党校",
                        residence_unit_id=parent,
                        management_level=reg.MANAGEMENT_LEVEL_OTHER,
                        phone=f"1390000000{n}",
                        id_number=first17 + id_number_check_char(first17),
                    ),
                    metadata=ADMIN,
                )
                members.append(response.member)
            team = await api.CreateTeam(
                reg.CreateTeamRequest(request_id="t", org_unit_id=parent, kind=reg.TEAM_KIND_PARTY_MEMBER, name="队"),
                metadata=ADMIN,
            )
            await api.AddTeamMember(
                reg.AddTeamMemberRequest(
                    request_id="v",
                    team_id=team.team.id,
                    volunteer=reg.ResidentVolunteer(name="刘秀英", phone="13800001111"),
                ),
                metadata=ADMIN,
            )

        async with registry(pool, rotated) as api:
            first = await api.RotatePersonalDataKeys(reg.RotatePersonalDataKeysRequest(batch_size=4), metadata=ADMIN)
            assert (first.resealed, first.remaining, first.active_key_id) == (4, 2, "k2")
            second = await api.RotatePersonalDataKeys(reg.RotatePersonalDataKeysRequest(), metadata=ADMIN)
            assert (second.resealed, second.remaining) == (2, 0)
            revealed = await api.GetMember(
                reg.GetMemberRequest(member_id=members[3].id, reveal_personal_data=True), metadata=ADMIN
            )
            assert revealed.member.phone == "13900000003"
        key_ids = await pool.fetch(
            """select get_byte(phone_sealed, 1) as n, substring(phone_sealed from 3 for 2) as phone_key,
                      substring(id_number_sealed from 3 for 2) as id_key from registry.members"""
        )
        volunteer_keys = await pool.fetch(
            "select substring(phone_sealed from 3 for 2) as p, substring(name_sealed from 3 for 2) as n "
            "from registry.team_members"
        )
    assert {(r["phone_key"], r["id_key"]) for r in key_ids} == {(b"k2", b"k2")}
    assert {(r["p"], r["n"]) for r in volunteer_keys} == {(b"k2", b"k2")}
