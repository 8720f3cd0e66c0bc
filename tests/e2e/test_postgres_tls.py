"""The local run's Postgres over TLS: the stack's embedded Postgres takes `sslmode=verify-full` connections checked
against the local CA, a service connects so and serves, plaintext is refused with a Postgres error that says why,
and a client trusting another CA fails with the certificate error — a service so configured says it in its log and
stays NOT_SERVING."""

from __future__ import annotations

import ssl
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devstack.certificates import LocalCertificates
from devstack.ports import pick
from devstack.processes import ChildProcess
from devstack.stack import REPO, LocalStack, Ports, Secrets, verify_full


@pytest.fixture(scope="module")
def tls_stack(temporal_dev_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of its own with the embedded Postgres, as `./linli up` runs it (TLS on by default)."""
    stack = LocalStack(
        home=tmp_path_factory.mktemp("tls-stack"),
        ports=Ports.pick(),
        secrets=Secrets.generate(),
        temporal_address=temporal_dev_server,
        durable=False,
    )
    try:
        stack.start_postgres()
        yield stack
    finally:
        stack.stop()
        if stack.postgres is not None:
            stack.postgres.remove()


def plain_url(stack: LocalStack) -> str:
    assert stack.database_url
    return stack.database_url.partition("?")[0]


async def test_the_local_runs_postgres_url_asks_for_verify_full_against_the_local_ca(tls_stack: LocalStack) -> None:
    assert tls_stack.database_url and tls_stack.ca_file
    query = parse_qs(urlsplit(tls_stack.database_url).query)
    assert query == {"sslmode": ["verify-full"], "sslrootcert": [str(tls_stack.ca_file)]}
    conn = await asyncpg.connect(tls_stack.database_url)
    try:
        assert await conn.fetchval("select current_database()") == "linli"
        ssl_object = conn._transport.get_extra_info("ssl_object")  # asyncpg keeps no public handle on it
        assert ssl_object is not None and ssl_object.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        await conn.close()


async def test_a_service_connects_with_verify_full_and_serves(tls_stack: LocalStack) -> None:
    registry = tls_stack.start_process("registry")  # returns once SERVING: connected, migrated
    try:
        async with tls_stack.channel(registry.ports["grpc"]) as channel:
            response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert response.status == health_pb2.HealthCheckResponse.SERVING
        conn = await asyncpg.connect(tls_stack.database_url)
        try:
            applied = await conn.fetchval("select count(*) from registry.schema_migrations")
        finally:
            await conn.close()
        assert applied > 0
    finally:
        tls_stack.processes.pop("registry").stop()


async def test_a_plaintext_connection_is_refused_saying_tls_is_required(tls_stack: LocalStack) -> None:
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError, match="TLS connections only"):
        await asyncpg.connect(plain_url(tls_stack) + "?sslmode=disable")


async def test_a_client_trusting_another_ca_fails_on_the_certificate(tls_stack: LocalStack, tmp_path: Path) -> None:
    stranger = LocalCertificates.load_or_create(tmp_path / "other-ca", "some other CA")
    assert tls_stack.postgres_front is not None
    wrong = verify_full(plain_url(tls_stack), tls_stack.postgres_front.ports["postgres"], stranger.ca_file)
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        await asyncpg.connect(wrong)


def test_a_service_given_the_wrong_ca_says_so_and_does_not_serve(tls_stack: LocalStack, tmp_path: Path) -> None:
    stranger = LocalCertificates.load_or_create(tmp_path / "other-ca", "some other CA")
    assert tls_stack.postgres_front is not None
    wrong = verify_full(plain_url(tls_stack), tls_stack.postgres_front.ports["postgres"], stranger.ca_file)
    grpc_port, metrics_port = pick(2)
    env = tls_stack.env(
        "registry", DATABASE_URL=wrong, LINLI_GRPC_PORT=str(grpc_port), LINLI_METRICS_PORT=str(metrics_port)
    )
    child = ChildProcess(
        "registry-wrong-ca", [sys.executable, "-m", "services.registry"], tmp_path / "registry.log", env, REPO
    )
    child.start()
    try:
        deadline = time.monotonic() + 30
        while "certificate verify failed" not in child.log_tail():
            assert child.alive() and time.monotonic() < deadline, child.log_tail()
            time.sleep(0.2)
        assert "database not reachable yet" in child.log_tail()
        assert tls_stack.certificates is not None
        with grpc.secure_channel(f"127.0.0.1:{grpc_port}", tls_stack.certificates.credentials()) as channel:
            status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status
        assert status == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        child.stop()
