"""The whole platform as processes on free loopback ports, called over gRPC as other systems call it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from linli.dispatch.v1 import activities_pb2_grpc
from linli.registry.v1 import reports_pb2_grpc
from temporalio.client import Client

from devstack.certificates import LocalCertificates
from devstack.client import Api, connect
from devstack.postgres_front import start_front
from devstack.stack import LocalStack, Ports, Secrets, verify_full
from tests.e2e.helpers.alerts import AlertPlatform, running_alert_platform
from tests.helpers.databases import create_database, drop_database

# Short limits, so the lifecycle's reminders happen within a test.
LIMITS = {
    "LINLI_WISH_REVIEW_LIMIT": "2s",
    "LINLI_WISH_PUBLISH_LIMIT": "2s",
    "LINLI_WISH_CLAIM_LIMIT": "2s",
    # Only environment wishes close by default and lapse fast, so other tests can confirm at their own pace.
    "LINLI_WISH_CATEGORY_LIMITS": "environment:confirm=2s,overdue_grace=2s",
    # One category's standard deadline set by the deployment, the others their defaults.
    "LINLI_WISH_CATEGORY_DEADLINES": "legal_aid=5d",
}
# The tests' calling systems call in bursts (the matrix, polling); the quota's own test gives its system a quota.
QUOTA = {"LINLI_SYSTEM_CALLS_PER_SECOND": "1000", "LINLI_SYSTEM_BURST": "2000"}


@pytest.fixture(scope="session")
async def stack(
    postgres_server: str, temporal_dev_server: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LocalStack]:
    home = tmp_path_factory.mktemp("stack")
    certificates = LocalCertificates.load_or_create(home / "tls")
    # The stack's services reach their database over TLS with verify-full, as in the local run: through the TLS front
    # (devstack/postgres_front.py) before the run's Postgres. Other tests' databases on it are reached directly.
    front = start_front(urlsplit(postgres_server).port or 5432, certificates, home / "logs" / "postgres-tls.log", None)
    database = await create_database(postgres_server)
    platform = LocalStack(
        home=home,
        ports=Ports.pick(),
        secrets=Secrets.generate(),
        database_url=verify_full(database, front.ports["postgres"], certificates.ca_file),
        temporal_address=temporal_dev_server,
        durable=False,
        extra_env={
            **LIMITS,
            **QUOTA,
            "LINLI_OUTBOX_POLL": "500ms",
            "LINLI_SHUTDOWN_GRACE": "5s",
            "LINLI_REVOCATION_REFRESH": "1s",
            # A missed care visit's office is told this long after the carers' reminder.
            "LINLI_CARE_GRACE": "2s",
        },
        certificates=certificates,
    )
    try:
        platform.start()
        yield platform
    finally:
        platform.stop()
        front.stop()
        await drop_database(postgres_server, database)


@pytest.fixture(scope="session")
async def api(stack: LocalStack) -> AsyncIterator[Api]:
    async with connect(stack.ports, stack.secrets, stack.ca_file) as client:
        yield client


@pytest.fixture(scope="session")
async def alert_platform(stack: LocalStack, postgres_server: str) -> AsyncIterator[AlertPlatform]:
    """The alert tests' own dispatch service and worker (tests/e2e/helpers/alerts.py), started when the first of them
    asks for it and shared by all of them (answers, faults, personal data): starting it takes seconds."""
    async with running_alert_platform(stack, postgres_server) as platform:
        yield platform


@pytest.fixture(scope="module")
async def activities(stack: LocalStack) -> AsyncIterator[activities_pb2_grpc.ActivityServiceStub]:
    async with stack.channel(stack.ports.dispatch) as channel:
        yield activities_pb2_grpc.ActivityServiceStub(channel)


@pytest.fixture(scope="module")
async def reports(stack: LocalStack) -> AsyncIterator[reports_pb2_grpc.ReportServiceStub]:
    async with stack.channel(stack.ports.registry) as channel:
        yield reports_pb2_grpc.ReportServiceStub(channel)


@pytest.fixture(scope="module")
async def temporal(stack: LocalStack) -> Client:
    assert stack.temporal_address
    return await Client.connect(stack.temporal_address)


@pytest.fixture
def logs_dir(stack: LocalStack) -> Iterator[Path]:
    yield stack.logs
