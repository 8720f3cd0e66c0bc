"""Encrypted transport: the stack's gRPC ports take TLS by default and refuse plaintext cleanly; a service told to
require client certificates (LINLI_TLS_CLIENT_CA_FILE) refuses a caller without one, takes one the CA signed — the
services' own channels included — and can tell who the caller's certificate names."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2 as wish
from linli.wishes.v1 import wishes_pb2_grpc

from devstack.certificates import LocalCertificates
from devstack.client import Api
from devstack.stack import SERVICES, LocalStack
from services.runtime.config import load_settings
from services.runtime.tls import PeerCertificate, peer_certificate, server_credentials
from tests.e2e.helpers.community import make_community
from tests.e2e.helpers.ids import new_request_id

CHECK = health_pb2.HealthCheckRequest()


async def health(channel: grpc.aio.Channel, timeout: float = 5) -> int:
    response = await health_pb2_grpc.HealthStub(channel).Check(CHECK, timeout=timeout)
    status: int = response.status
    return status


def certificates(stack: LocalStack) -> LocalCertificates:
    assert stack.certificates is not None and stack.ca_file is not None, "the tests' stack takes TLS"
    return stack.certificates


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_takes_tls_by_default_with_the_local_cas_certificate(
    stack: LocalStack, service: str
) -> None:
    authority = certificates(stack)
    assert load_settings(service, stack.env(service)).tls.cert_chain == authority.cert_file.read_bytes()
    # A caller that trusts only the stack's CA, presenting nothing of its own, gets its answer.
    credentials = authority.credentials(client_certificate=False)
    async with grpc.aio.secure_channel(f"127.0.0.1:{stack.ports.grpc(service)}", credentials) as channel:
        assert await health(channel) == health_pb2.HealthCheckResponse.SERVING


async def test_a_caller_trusting_another_ca_is_refused(stack: LocalStack, tmp_path: Path) -> None:
    stranger = LocalCertificates.load_or_create(tmp_path / "other-ca", "some other CA")
    credentials = stranger.credentials(client_certificate=False)
    async with grpc.aio.secure_channel(f"127.0.0.1:{stack.ports.registry}", credentials) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await health(channel)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_a_plaintext_caller_is_refused_at_once_and_the_service_keeps_serving(stack: LocalStack, api: Api) -> None:
    address = f"127.0.0.1:{stack.ports.registry}"

    async def plaintext_call() -> float:
        began = time.monotonic()
        async with grpc.aio.insecure_channel(address) as plain:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await health(plain, timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE, refused.value
        return time.monotonic() - began

    # Several at once, while TLS callers go on being served.
    async with stack.channel(stack.ports.registry) as tls:
        took, served = await asyncio.gather(
            asyncio.gather(*(plaintext_call() for _ in range(5))),
            asyncio.gather(*(health(tls) for _ in range(20))),
        )
    assert max(took) < 2, f"plaintext refused after {max(took):.2f}s: it should not wait for its deadline"
    assert set(served) == {health_pb2.HealthCheckResponse.SERVING}
    community = await make_community(api)  # and real calls still go through
    unit = await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=community.grid_id), metadata=api.admin)
    assert unit.org_unit.id == community.grid_id
    assert stack.processes["registry"].alive()


@pytest.fixture(scope="module")
async def mutual_tls(stack: LocalStack) -> AsyncIterator[dict[str, int]]:
    """A registry that requires client certificates from the stack's CA, and a wishes service that calls it."""
    authority = certificates(stack)
    registry = stack.start_process("registry", "registry-mtls", LINLI_TLS_CLIENT_CA_FILE=str(authority.ca_file))
    wishes = stack.start_process(
        "wishes",
        "wishes-mtls",
        LINLI_TLS_CLIENT_CA_FILE=str(authority.ca_file),
        LINLI_REGISTRY_ADDRESS=f"127.0.0.1:{registry.ports['grpc']}",
        LINLI_TASK_QUEUE="mtls-e2e",  # no worker polls it: nothing here waits for a workflow
    )
    try:
        yield {"registry": registry.ports["grpc"], "wishes": wishes.ports["grpc"]}
    finally:
        for name in ("wishes-mtls", "registry-mtls"):
            stack.processes.pop(name).stop()


async def test_a_service_requiring_client_certificates_refuses_a_caller_without_one(
    stack: LocalStack, mutual_tls: dict[str, int]
) -> None:
    without = certificates(stack).credentials(client_certificate=False)
    async with grpc.aio.secure_channel(f"127.0.0.1:{mutual_tls['registry']}", without) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await health(channel)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    async with stack.channel(mutual_tls["registry"]) as channel:  # the stack's certificate, from the CA
        assert await health(channel) == health_pb2.HealthCheckResponse.SERVING


async def test_a_caller_with_a_certificate_of_another_ca_is_refused_by_mutual_tls(
    stack: LocalStack, mutual_tls: dict[str, int], tmp_path: Path
) -> None:
    stranger = LocalCertificates.load_or_create(tmp_path / "other-ca", "some other CA")
    credentials = grpc.ssl_channel_credentials(
        certificates(stack).ca_file.read_bytes(), stranger.key_file.read_bytes(), stranger.cert_file.read_bytes()
    )
    async with grpc.aio.secure_channel(f"127.0.0.1:{mutual_tls['registry']}", credentials) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await health(channel)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_services_present_their_certificates_to_each_other_under_mutual_tls(
    api: Api, stack: LocalStack, mutual_tls: dict[str, int]
) -> None:
    """A wish submitted to the wishes service that requires client certificates: it asks the registry (which
    requires them too) about the community, over its own channel, with its own certificate."""
    community = await make_community(api)
    async with stack.channel(mutual_tls["wishes"]) as channel:
        submitted = await wishes_pb2_grpc.WishServiceStub(channel).SubmitWish(
            wish.SubmitWishRequest(
                request_id=new_request_id(),
                community_id=community.community_id,
                text="楼下路灯不亮",
                source=wish.WISH_SOURCE_HOTLINE,
                resident_name="张三",
            ),
            metadata=api.admin,
            timeout=10,
        )
    assert submitted.wish.community_id == community.community_id
    async with stack.channel(mutual_tls["registry"]) as channel:
        registry = registry_pb2_grpc.RegistryServiceStub(channel)
        unit = await registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=community.community_id), metadata=api.admin)
    assert unit.org_unit.id == community.community_id


async def test_a_server_can_tell_whom_a_verified_client_certificate_names(stack: LocalStack) -> None:
    """services.runtime.tls.peer_certificate on a server requiring client certificates: the common name and the
    alternative names of the certificate the caller presented; None on a port that asks for none."""
    authority = certificates(stack)
    cert_file, key_file = authority.issue("hotline", "12345-hotline", ("hotline.example.org",))
    seen: list[PeerCertificate | None] = []

    async def whoami(request: bytes, context: grpc.aio.ServicerContext[object, object]) -> bytes:
        seen.append(peer_certificate(context))
        return b""

    def server(env: dict[str, str]) -> tuple[grpc.aio.Server, int]:
        settings = load_settings("worker", {**stack.secrets.as_environment("worker"), **env})
        made = grpc.aio.server()
        handlers = {"WhoAmI": grpc.unary_unary_rpc_method_handler(whoami)}
        made.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Peer", handlers),))
        return made, made.add_secure_port("127.0.0.1:0", server_credentials(settings.tls))

    mutual, mutual_port = server(authority.environment(client_ca=True))
    one_way, one_way_port = server(authority.environment())
    await mutual.start()
    await one_way.start()
    try:
        hotline = grpc.ssl_channel_credentials(
            authority.ca_file.read_bytes(), key_file.read_bytes(), cert_file.read_bytes()
        )
        for port in (mutual_port, one_way_port):
            async with grpc.aio.secure_channel(f"127.0.0.1:{port}", hotline) as channel:
                await channel.unary_unary("/test.Peer/WhoAmI")(b"", timeout=5)
    finally:
        await mutual.stop(None)
        await one_way.stop(None)
    identity, nobody = seen
    assert identity is not None and nobody is None
    assert identity.common_name == "12345-hotline"
    assert identity.subject_alternative_names == ("hotline.example.org",)
    assert identity.pem.strip() == cert_file.read_text().strip()
