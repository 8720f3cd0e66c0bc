"""Calls spread across replicas: a service channel balances round robin, one call at a time, over every address its
target resolves to — and a `dns:///` target works over TLS with the local CA, checked against the name dialled."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc
import pytest
from linli.registry.v1 import registry_pb2, registry_pb2_grpc

from devstack.certificates import LocalCertificates
from services.runtime.clients import service_channel
from services.runtime.tls_settings import tls_settings
from tests.helpers.tokens import SERVICE

UNIT = registry_pb2.GetOrgUnitRequest(org_unit_id="7")


class Replica(registry_pb2_grpc.RegistryServiceServicer):
    """Answers GetOrgUnit with its own name, so a caller can count who answered."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def GetOrgUnit(
        self, request: registry_pb2.GetOrgUnitRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> registry_pb2.GetOrgUnitResponse:
        return registry_pb2.GetOrgUnitResponse(org_unit=registry_pb2.OrgUnit(id=request.org_unit_id, name=self.name))


@pytest.fixture
def certificates(tmp_path: Path) -> LocalCertificates:
    return LocalCertificates.load_or_create(tmp_path / "tls")


@asynccontextmanager
async def _replicas(count: int, certificates: LocalCertificates | None) -> AsyncIterator[list[int]]:
    servers, ports = [], []
    for number in range(count):
        server = grpc.aio.server()
        registry_pb2_grpc.add_RegistryServiceServicer_to_server(Replica(f"replica-{number}"), server)
        if certificates is None:
            ports.append(server.add_insecure_port("127.0.0.1:0"))
        else:
            pair = (certificates.key_file.read_bytes(), certificates.cert_file.read_bytes())
            ports.append(server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([pair])))
        await server.start()
        servers.append(server)
    try:
        yield ports
    finally:
        for server in servers:
            await server.stop(grace=None)


async def _answers(
    target: str, calls: int, certificates: LocalCertificates | None = None, *, replicas: int = 1, **env: str
) -> Counter[str]:
    """Who answered `calls` calls on one channel, counted once every one of `replicas` has answered (round robin
    sends only to the replicas already connected while the others connect)."""
    tls = tls_settings({**certificates.environment(), **env}) if certificates else None
    async with service_channel(target, SERVICE, "caller", tls=tls) as channel:
        stub = registry_pb2_grpc.RegistryServiceStub(channel)
        seen: set[str] = set()
        for _ in range(200):
            seen.add((await stub.GetOrgUnit(UNIT)).org_unit.name)
            if len(seen) == replicas:
                break
        return Counter([(await stub.GetOrgUnit(UNIT)).org_unit.name for _ in range(calls)])


async def test_calls_on_one_channel_spread_over_every_replica_it_resolves() -> None:
    async with _replicas(3, None) as ports:
        # A static list stands for what DNS gives for a headless Service: one address a replica.
        answers = await _answers("ipv4:" + ",".join(f"127.0.0.1:{port}" for port in ports), 30, replicas=3)
        # pick_first, gRPC's default, would send all 30 to replica-0.
        assert answers == Counter({"replica-0": 10, "replica-1": 10, "replica-2": 10})


async def test_calls_spread_over_tls_too(certificates: LocalCertificates) -> None:
    async with _replicas(2, certificates) as ports:
        # A list of addresses names no host: the certificate is checked against the name set for it.
        target = "ipv4:" + ",".join(f"127.0.0.1:{port}" for port in ports)
        answers = await _answers(target, 10, certificates, replicas=2, LINLI_TLS_SERVER_NAME="localhost")
        assert answers == Counter({"replica-0": 5, "replica-1": 5})


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
async def test_a_dns_target_is_served_over_tls_checked_against_the_name_dialled(
    certificates: LocalCertificates, host: str
) -> None:
    async with _replicas(1, certificates) as [port]:
        assert await _answers(f"dns:///{host}:{port}", 2, certificates) == Counter({"replica-0": 2})


async def test_a_dns_target_whose_name_the_certificate_lacks_is_refused(certificates: LocalCertificates) -> None:
    # A certificate for another name only: the channel must not take it for localhost's.
    cert, key = certificates.issue("elsewhere", "elsewhere.example", ("elsewhere.example",))
    server = grpc.aio.server()
    registry_pb2_grpc.add_RegistryServiceServicer_to_server(Replica("elsewhere"), server)
    port = server.add_secure_port("127.0.0.1:0", grpc.ssl_server_credentials([(key.read_bytes(), cert.read_bytes())]))
    await server.start()
    try:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _answers(f"dns:///localhost:{port}", 1, certificates)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await server.stop(grace=None)
