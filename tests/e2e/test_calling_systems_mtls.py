"""A calling system identified by its client certificate instead of a token (mTLS): a registry that requires client
certificates takes one the deployment's CA signed, whose common name is a system with a credential in force that
accepts certificates; the credential's methods and scope apply as to its token; revoked, the certificate is refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc
from linli.registry.v1 import systems_pb2 as sys_pb

from devstack.client import Api
from devstack.stack import LocalStack
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import make_community
from tests.e2e.helpers.ids import new_request_id


@pytest.fixture(scope="module")
async def registry_port(stack: LocalStack) -> AsyncIterator[int]:
    """A registry replica that requires client certificates from the stack's CA."""
    assert stack.certificates is not None
    replica = stack.start_process(
        "registry", "registry-certificates", LINLI_TLS_CLIENT_CA_FILE=str(stack.certificates.ca_file)
    )
    try:
        yield replica.ports["grpc"]
    finally:
        stack.processes.pop("registry-certificates").stop()


def _channel(stack: LocalStack, port: int, common_name: str) -> grpc.aio.Channel:
    assert stack.certificates is not None
    cert, key = stack.certificates.issue(f"client-{common_name}", common_name)
    credentials = grpc.ssl_channel_credentials(
        stack.certificates.ca_file.read_bytes(), key.read_bytes(), cert.read_bytes()
    )
    return grpc.aio.secure_channel(f"127.0.0.1:{port}", credentials)


async def _code(call: object) -> grpc.StatusCode:
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_a_certificate_stands_for_its_systems_credential_until_revoked(
    api: Api, stack: LocalStack, registry_port: int
) -> None:
    community = await make_community(api)
    system = f"care-monitor-{uuid.uuid4().hex[:6]}"
    issued = await api.systems.IssueCredential(
        sys_pb.IssueCredentialRequest(
            request_id=new_request_id(),
            system=system,
            scope_org_unit_id=community.street_id,
            methods=["GetOrgUnit"],
            client_certificate=True,
        ),
        metadata=api.admin,
    )
    assert issued.credential.client_certificate
    inside = reg.GetOrgUnitRequest(org_unit_id=community.community_id)
    async with _channel(stack, registry_port, system) as channel:
        registry = registry_pb2_grpc.RegistryServiceStub(channel)

        async def served() -> bool:
            return await _code(registry.GetOrgUnit(inside)) == grpc.StatusCode.OK

        await eventually(served, "the certificate is taken once the replica has read the credential")
        # The credential's methods apply as to a token: ListOrgUnitHistory is not among them.
        history = registry.ListOrgUnitHistory(reg.ListOrgUnitHistoryRequest(org_unit_id=community.community_id))
        assert await _code(history) == grpc.StatusCode.PERMISSION_DENIED
        await api.systems.RevokeCredential(
            sys_pb.RevokeCredentialRequest(request_id=new_request_id(), credential_id=issued.credential.id, reason="x"),
            metadata=api.admin,
        )

        async def refused() -> bool:
            return await _code(registry.GetOrgUnit(inside)) == grpc.StatusCode.UNAUTHENTICATED

        await eventually(refused, "the revoked credential's certificate is refused")


async def test_a_certificate_naming_no_credential_is_unauthenticated(stack: LocalStack, registry_port: int) -> None:
    async with _channel(stack, registry_port, "nobody-known") as channel:
        registry = registry_pb2_grpc.RegistryServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id="1"))
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "nobody-known" in (error.value.details() or "")
