"""The whole platform as processes on free loopback ports, called over gRPC as other systems call it."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api, connect
from devstack.stack import LocalStack, Ports, Secrets
from services.registry.domain import id_number_check_char
from tests.conftest import create_database, drop_database

# Short limits, so the lifecycle's reminders happen within a test.
LIMITS = {
    "LINLI_WISH_REVIEW_LIMIT": "2s",
    "LINLI_WISH_PUBLISH_LIMIT": "2s",
    "LINLI_WISH_CLAIM_LIMIT": "2s",
    # Only environment wishes close by default and lapse fast, so other tests can confirm at their own pace.
    "LINLI_WISH_CATEGORY_LIMITS": "environment:confirm=2s,overdue_grace=2s",
}


@pytest.fixture(scope="session")
async def stack(
    postgres_server: str, temporal_dev_server: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LocalStack]:
    database = await create_database(postgres_server)
    platform = LocalStack(
        home=tmp_path_factory.mktemp("stack"),
        ports=Ports.pick(),
        secrets=Secrets.generate(),
        database_url=database,
        temporal_address=temporal_dev_server,
        durable=False,
        extra_env={**LIMITS, "LINLI_OUTBOX_POLL": "500ms", "LINLI_SHUTDOWN_GRACE": "5s"},
    )
    try:
        platform.start()
        yield platform
    finally:
        platform.stop()
        await drop_database(postgres_server, database)


@pytest.fixture(scope="session")
async def api(stack: LocalStack) -> AsyncIterator[Api]:
    async with connect(stack.ports, stack.secrets.auth_secret) as client:
        yield client


_serial = itertools.count(1)


def new_request_id() -> str:
    return uuid.uuid4().hex


def new_id_number() -> str:
    """A valid resident ID number (region 610302: 宝鸡市渭滨区), different on every call of the run."""
    n = next(_serial)
    birth = f"{1950 + n % 50}{1 + n // 50 % 12:02d}{1 + n // 600 % 28:02d}"
    first17 = f"610302{birth}{n // 16800 % 1000:03d}"
    return first17 + id_number_check_char(first17)


@dataclass
class Community:
    street_id: str
    community_id: str
    grid_id: str


async def make_community(api: Api, name: str | None = None) -> Community:
    """A street with one community and one grid under a shared city and district."""
    suffix = uuid.uuid4().hex[:6]
    parent = ""
    ids = []
    for kind, unit_name in [
        (reg.ORG_UNIT_KIND_CITY, "宝鸡市"),
        (reg.ORG_UNIT_KIND_DISTRICT, "金台区"),
        (reg.ORG_UNIT_KIND_STREET, f"中山东路街道-{suffix}"),
        (reg.ORG_UNIT_KIND_COMMUNITY, name or f"陈仓园社区-{suffix}"),
        (reg.ORG_UNIT_KIND_GRID, "第1网格"),
    ]:
        response = await api.registry.CreateOrgUnit(
            reg.CreateOrgUnitRequest(
                request_id=f"org-{parent}-{kind}-{unit_name}", parent_id=parent, kind=kind, name=unit_name
            ),
            metadata=api.admin,
        )
        parent = response.org_unit.id
        ids.append(parent)
    return Community(street_id=ids[2], community_id=ids[3], grid_id=ids[4])


async def register_member(
    api: Api, residence_unit_id: str, *, name: str = "王芳", skills: tuple[int, ...] = (reg.SKILL_MEDICAL,)
) -> reg.Member:
    response = await api.registry.RegisterMember(
        reg.RegisterMemberRequest(
            request_id=new_request_id(),
            name=name,
            workplace_org="宝鸡市人民医院党委",
            residence_unit_id=residence_unit_id,
            skills=list(skills),
            management_level=reg.MANAGEMENT_LEVEL_DISTRICT,
            phone="13912345678",
            id_number=new_id_number(),
        ),
        metadata=api.admin,
    )
    return response.member


@pytest.fixture
def logs_dir(stack: LocalStack) -> Iterator[Path]:
    yield stack.logs
