"""Deadlines travel and reads retry by policy, on real grpc.aio servers (127.0.0.1) and the real registry stubs.

`inner` stands for the registry: it notes the time each call was given and can answer UNAVAILABLE. `middle`
stands for a service calling it on a caller's behalf through `service_channel`, behind the call interceptor.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import grpc
import pytest
from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from prometheus_client import REGISTRY

from services.registry.access import RULES as REGISTRY_RULES
from services.runtime import clients
from services.runtime.auth import Role
from services.runtime.clients import DEFAULT_TIMEOUT_SECONDS, service_channel
from services.runtime.interceptors import CallInterceptor
from tests.helpers.tokens import SERVICE, bearer, verifier

UNIT = registry_pb2.GetOrgUnitRequest(org_unit_id="7")
# A timeout travels as the grpc-timeout header, rounded up: the server may see a few milliseconds more.
SLACK = 0.05
TOKEN = bearer("staff:1", Role.ADMIN, "*")


class Inner(registry_pb2_grpc.RegistryServiceServicer):
    """GetOrgUnit (a read) answers UNAVAILABLE for its first `refusals` attempts; CreateOrgUnit (a write) always."""

    def __init__(self) -> None:
        self.attempts: Counter[str] = Counter()
        self.given: list[float | None] = []  # time_remaining() of each call that got through
        self.with_token: list[bool] = []  # whether each call that got through carried a bearer token
        self.refusals = 0

    async def _attempt(self, method: str, context: grpc.aio.ServicerContext) -> None:
        self.attempts[method] += 1
        if method == "CreateOrgUnit" or self.attempts[method] <= self.refusals:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")
        self.given.append(context.time_remaining())
        self.with_token.append(any(key == "authorization" for key, _ in context.invocation_metadata() or ()))

    async def GetOrgUnit(
        self, request: registry_pb2.GetOrgUnitRequest, context: grpc.aio.ServicerContext
    ) -> registry_pb2.GetOrgUnitResponse:
        await self._attempt("GetOrgUnit", context)
        return registry_pb2.GetOrgUnitResponse(org_unit=registry_pb2.OrgUnit(id=request.org_unit_id))

    async def CreateOrgUnit(
        self, request: registry_pb2.CreateOrgUnitRequest, context: grpc.aio.ServicerContext
    ) -> registry_pb2.CreateOrgUnitResponse:
        await self._attempt("CreateOrgUnit", context)
        return registry_pb2.CreateOrgUnitResponse()

    async def ExportMembers(
        self, request: registry_pb2.ExportMembersRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[registry_pb2.ExportMembersResponse]:
        await self._attempt("ExportMembers", context)
        yield registry_pb2.ExportMembersResponse()

    async def ImportMembers(
        self, requests: AsyncIterator[registry_pb2.ImportMembersRequest], context: grpc.aio.ServicerContext
    ) -> registry_pb2.ImportMembersResponse:
        async for _ in requests:
            pass
        await self._attempt("ImportMembers", context)
        return registry_pb2.ImportMembersResponse()


class Middle(registry_pb2_grpc.RegistryServiceServicer):
    """GetOrgUnit asks the inner registry for the unit, or for org unit "slow" outlives any deadline."""

    def __init__(self, inner: registry_pb2_grpc.RegistryServiceStub) -> None:
        self.inner = inner

    async def GetOrgUnit(
        self, request: registry_pb2.GetOrgUnitRequest, context: grpc.aio.ServicerContext
    ) -> registry_pb2.GetOrgUnitResponse:
        if request.org_unit_id == "slow":
            await asyncio.sleep(30)
        return await self.inner.GetOrgUnit(request)


@dataclass
class Servers:
    inner: Inner
    inner_address: str
    middle_address: str


@pytest.fixture(scope="module")
async def servers() -> AsyncIterator[Servers]:
    inner = Inner()
    inner_server = grpc.aio.server()
    registry_pb2_grpc.add_RegistryServiceServicer_to_server(inner, inner_server)
    inner_address = f"127.0.0.1:{inner_server.add_insecure_port('127.0.0.1:0')}"
    middle_server = grpc.aio.server(interceptors=[CallInterceptor(verifier(), lambda: True, rules=REGISTRY_RULES)])
    to_inner = service_channel(inner_address, SERVICE, "middle")
    registry_pb2_grpc.add_RegistryServiceServicer_to_server(
        Middle(registry_pb2_grpc.RegistryServiceStub(to_inner)), middle_server
    )
    middle_address = f"127.0.0.1:{middle_server.add_insecure_port('127.0.0.1:0')}"
    await inner_server.start()
    await middle_server.start()
    try:
        yield Servers(inner, inner_address, middle_address)
    finally:
        await middle_server.stop(grace=None)
        await inner_server.stop(grace=None)
        await to_inner.close()


@pytest.fixture(autouse=True)
def fresh(servers: Servers) -> Iterator[None]:
    servers.inner.attempts.clear()
    servers.inner.given.clear()
    servers.inner.with_token.clear()
    servers.inner.refusals = 0
    yield


async def test_a_call_made_for_a_caller_gets_no_more_than_the_callers_deadline(servers: Servers) -> None:
    async with service_channel(servers.middle_address, SERVICE, "caller") as channel:
        await registry_pb2_grpc.RegistryServiceStub(channel).GetOrgUnit(UNIT, timeout=1)
    [given] = servers.inner.given
    assert given is not None and given <= 1 + SLACK


async def test_a_call_made_for_a_caller_without_a_deadline_gets_the_channels_default(servers: Servers) -> None:
    async with grpc.aio.insecure_channel(servers.middle_address) as channel:
        await registry_pb2_grpc.RegistryServiceStub(channel).GetOrgUnit(UNIT, metadata=TOKEN)
    [given] = servers.inner.given
    assert given is not None and DEFAULT_TIMEOUT_SECONDS - 1 < given <= DEFAULT_TIMEOUT_SECONDS + SLACK


async def test_streaming_calls_carry_the_token_and_inherit_the_deadline_too(servers: Servers) -> None:
    token = clients.set_incoming_deadline(1.0)
    try:
        async with service_channel(servers.inner_address, SERVICE, "middle") as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)
            [_] = [page async for page in stub.ExportMembers(registry_pb2.ExportMembersRequest())]
            await stub.ImportMembers(iter([registry_pb2.ImportMembersRequest()]))
    finally:
        clients.reset_incoming_deadline(token)
    assert len(servers.inner.given) == 2
    assert all(given is not None and given <= 1 + SLACK for given in servers.inner.given)
    assert servers.inner.with_token == [True, True]


async def test_a_call_made_after_the_callers_deadline_passed_is_not_sent(servers: Servers) -> None:
    token = clients.set_incoming_deadline(0.0)
    try:
        async with service_channel(servers.inner_address, SERVICE, "middle") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as error:
                await registry_pb2_grpc.RegistryServiceStub(channel).GetOrgUnit(UNIT)
    finally:
        clients.reset_incoming_deadline(token)
    assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "caller's deadline passed" in error.value.details()
    assert servers.inner.attempts["GetOrgUnit"] == 0


async def test_a_read_that_finds_the_service_unavailable_is_retried_by_the_channel(servers: Servers) -> None:
    servers.inner.refusals = 2
    async with service_channel(servers.inner_address, SERVICE, "middle") as channel:
        response = await registry_pb2_grpc.RegistryServiceStub(channel).GetOrgUnit(UNIT)
    assert response.org_unit.id == "7"
    assert servers.inner.attempts["GetOrgUnit"] == 3


async def test_a_write_that_finds_the_service_unavailable_is_not_retried(servers: Servers) -> None:
    async with service_channel(servers.inner_address, SERVICE, "middle") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await registry_pb2_grpc.RegistryServiceStub(channel).CreateOrgUnit(registry_pb2.CreateOrgUnitRequest())
    assert error.value.code() == grpc.StatusCode.UNAVAILABLE
    assert servers.inner.attempts["CreateOrgUnit"] == 1


async def test_a_call_whose_deadline_passed_is_counted_as_such_not_as_cancelled(servers: Servers) -> None:
    def handled(code: str) -> float:
        labels = {
            "grpc_type": "unary",
            "grpc_service": "linli.registry.v1.RegistryService",
            "grpc_method": "GetOrgUnit",
            "grpc_code": code,
        }
        return REGISTRY.get_sample_value("grpc_server_handled_total", labels) or 0.0

    before = handled("DeadlineExceeded"), handled("Canceled")  # as Go spells them
    async with service_channel(servers.middle_address, SERVICE, "caller") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await registry_pb2_grpc.RegistryServiceStub(channel).GetOrgUnit(
                registry_pb2.GetOrgUnitRequest(org_unit_id="slow"), timeout=0.2
            )
    assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    for _ in range(100):  # the server records the call once grpc has cancelled its handler
        if handled("DeadlineExceeded") > before[0]:
            break
        await asyncio.sleep(0.01)
    assert (handled("DeadlineExceeded"), handled("Canceled")) == (before[0] + 1, before[1])
