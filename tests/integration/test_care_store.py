"""Care pairs on a real Postgres over real gRPC (the registry's servicers, no worker): the resident's data sealed at
rest and re-sealed by a key rotation; concurrent visits all counted, the clock at the latest; a late entry of an
older visit never moves the clock back; a unit with an active pair is not closed; a missed period recorded once, told
only to carers still active."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import grpc
import pytest
from linli.registry.v1 import care_pb2 as pb
from linli.registry.v1 import care_pb2_grpc, registry_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg

from services.registry.__main__ import MIGRATIONS
from services.registry.access import RULES
from services.registry.care.servicer import CarePairServicer
from services.registry.care.store import CareStore
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
WORKER = bearer("service:worker", Role.SERVICE, WHOLE_DEPLOYMENT)


@dataclass
class Registry:
    registry: registry_pb2_grpc.RegistryServiceStub
    care: care_pb2_grpc.CarePairServiceStub


@asynccontextmanager
async def serving(pool: asyncpg.Pool, cipher: PersonalDataCipher) -> AsyncIterator[Registry]:
    server = grpc.aio.server(interceptors=[CallInterceptor(verifier(), lambda: True, rules=RULES)])
    registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(RegistryStore(pool), cipher), server)
    care_pb2_grpc.add_CarePairServiceServicer_to_server(
        CarePairServicer(RegistryStore(pool), CareStore(pool), cipher, None), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield Registry(registry_pb2_grpc.RegistryServiceStub(channel), care_pb2_grpc.CarePairServiceStub(channel))
    finally:
        await server.stop(None)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database_url, "registry", 8) as pool:
        await migrate(pool, "registry", MIGRATIONS)
        yield pool


async def _place(api: Registry) -> tuple[str, list[str]]:
    """A community's grid, and three members living in it."""
    parent = ""
    for kind, name in [
        (reg.ORG_UNIT_KIND_CITY, "咸宁市"),
        (reg.ORG_UNIT_KIND_DISTRICT, "咸安区"),
        (reg.ORG_UNIT_KIND_STREET, "温泉街道"),
        (reg.ORG_UNIT_KIND_COMMUNITY, "桂花路社区"),
        (reg.ORG_UNIT_KIND_GRID, "第9网格"),
    ]:
        unit = await api.registry.CreateOrgUnit(
            reg.CreateOrgUnitRequest(request_id=name, parent_id=parent, kind=kind, name=name), metadata=ADMIN
        )
        parent = unit.org_unit.id
    members = []
    for n in range(3):
        first17 = f"42120219800101{n:03d}"
        registered = await api.registry.RegisterMember(
            reg.RegisterMemberRequest(
                request_id=f"m{n}",
                name=f"党员{n}",
                workplace_org="咸安区委",
                residence_unit_id=parent,
                management_level=reg.MANAGEMENT_LEVEL_DISTRICT,
                phone=f"1390000000{n}",
                id_number=first17 + id_number_check_char(first17),
            ),
            metadata=ADMIN,
        )
        members.append(registered.member.id)
    return parent, members


async def _pair(api: Registry, grid: str, carers: list[str], ref: str = "resident-1") -> pb.CarePair:
    created = await api.care.CreateCarePair(
        pb.CreateCarePairRequest(
            request_id=f"pair-{ref}",
            unit_id=grid,
            resident_ref=ref,
            caree_kind=pb.CAREE_KIND_HOUSEHOLD,
            people=2,
            resident_name="陈桂英",
            address="银泉名座5栋",
            contact="13700002222",
            carer_member_ids=carers,
            cadence_days=3,
        ),
        metadata=ADMIN,
    )
    return created.pair


async def test_the_residents_data_is_sealed_at_rest_and_a_rotation_reseals_it(pool: asyncpg.Pool) -> None:
    old_only = PersonalDataCipher({"k1": OLD}, "k1", LOOKUP)
    rotated = PersonalDataCipher({"k2": NEW, "k1": OLD}, "k2", LOOKUP)
    async with serving(pool, old_only) as api:
        grid, members = await _place(api)
        pair = await _pair(api, grid, members[:1])
    stored = await pool.fetchrow("select * from registry.care_pairs where id = $1", int(pair.id))
    assert b"\xe9\x99\x88" not in stored["resident_name_sealed"]  # 陈 in UTF-8: not in the clear
    assert stored["resident_name_masked"] == "陈**" and stored["contact_masked"] == "137****2222"
    async with serving(pool, rotated) as api:
        rotation = await api.registry.RotatePersonalDataKeys(reg.RotatePersonalDataKeysRequest(), metadata=ADMIN)
        assert rotation.remaining == 0
        revealed = await api.care.RevealCarePairResident(
            pb.RevealCarePairResidentRequest(pair_id=pair.id, reason="核对"), metadata=ADMIN
        )
    assert (revealed.resident_name, revealed.address, revealed.contact) == ("陈桂英", "银泉名座5栋", "13700002222")
    keys = await pool.fetchrow(
        """select substring(resident_name_sealed from 3 for 2) as n, substring(address_sealed from 3 for 2) as a,
                  substring(contact_sealed from 3 for 2) as c from registry.care_pairs where id = $1""",
        int(pair.id),
    )
    assert (keys["n"], keys["a"], keys["c"]) == (b"k2", b"k2", b"k2")
    audited = await pool.fetchval(
        "select count(*) from registry.audit_log where action = 'reveal_care_resident' and subject_id = $1", pair.id
    )
    assert audited == 1


async def test_concurrent_visits_all_count_and_a_late_entry_never_moves_the_clock_back(pool: asyncpg.Pool) -> None:
    cipher = PersonalDataCipher({"k1": OLD}, "k1", LOOKUP)
    async with serving(pool, cipher) as api:
        grid, members = await _place(api)
        pair = await _pair(api, grid, members)
        now = datetime.now(UTC)

        def visit(n: int, member: str, at: datetime) -> pb.RecordVisitRequest:
            request = pb.RecordVisitRequest(request_id=f"v{n}", pair_id=pair.id, member_ids=[member])
            request.visited_at.FromDatetime(at)
            return request

        answers = await asyncio.gather(
            *(api.care.RecordVisit(visit(n, m, now), metadata=ADMIN) for n, m in enumerate(members))
        )
        latest = max(answers, key=lambda a: int(a.visit.id))
        late = await api.care.RecordVisit(visit(9, members[0], pair.created_at.ToDatetime(UTC)), metadata=ADMIN)
        current = (await api.care.GetCarePair(pb.GetCarePairRequest(pair_id=pair.id), metadata=ADMIN)).pair
    assert current.visits == 4 and late.pair.last_visit_id == latest.visit.id
    assert current.last_visit_at.ToDatetime(UTC) == now
    versions = await pool.fetch("select version from registry.care_events where pair_id = $1 order by id", int(pair.id))
    assert [r["version"] for r in versions] == [1, 2, 3, 4, 5]  # one event a change, in order: the outbox


async def test_a_unit_with_an_active_pair_is_not_closed_and_a_missed_period_is_recorded_once(
    pool: asyncpg.Pool,
) -> None:
    cipher = PersonalDataCipher({"k1": OLD}, "k1", LOOKUP)
    async with serving(pool, cipher) as api:
        grid, members = await _place(api)
        building = await api.registry.CreateOrgUnit(
            reg.CreateOrgUnitRequest(request_id="b", parent_id=grid, kind=reg.ORG_UNIT_KIND_BUILDING, name="5栋"),
            metadata=ADMIN,
        )
        pair = await _pair(api, building.org_unit.id, members[:1])
        close = reg.CloseOrgUnitRequest(request_id="close", org_unit_id=building.org_unit.id, reason="demolished")
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await api.registry.CloseOrgUnit(close, metadata=ADMIN)
        assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "care pairs" in (refused.value.details() or "")
        miss = pb.RecordCareMissRequest(request_id="miss", pair_id=pair.id, after_visit_id="0", period=1)
        first = await api.care.RecordCareMiss(miss, metadata=WORKER)
        again = await api.care.RecordCareMiss(miss, metadata=WORKER)
        assert (first.created, again.created, list(first.carer_member_ids)) == (True, False, members[:1])
        await api.registry.DeregisterMember(
            reg.DeregisterMemberRequest(request_id="gone", member_id=members[0], reason="moved away"), metadata=ADMIN
        )
        later = pb.RecordCareMissRequest(request_id="miss-2", pair_id=pair.id, after_visit_id="0", period=2)
        assert (
            list((await api.care.RecordCareMiss(later, metadata=WORKER)).carer_member_ids) == []
        )  # its one carer has left
        stats = await api.care.GetCareStats(pb.GetCareStatsRequest(org_unit_id=grid), metadata=ADMIN)
        assert (stats.pairs_active, stats.people_cared_for, stats.visits_missed, stats.visits_due) == (1, 2, 2, 2)
        await api.care.EndCarePair(
            pb.EndCarePairRequest(request_id="end", pair_id=pair.id, reason=pb.CARE_END_REASON_MOVED), metadata=ADMIN
        )
        closed = await api.registry.CloseOrgUnit(close, metadata=ADMIN)
    assert closed.org_unit.HasField("close_time")  # ended, the pair no longer holds the building open
