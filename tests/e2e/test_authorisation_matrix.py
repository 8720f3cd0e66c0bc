"""The authorisation matrix, end to end: every method of every service, called by each role on objects in and out
of the caller's scope (and an admin of the whole deployment), against the running services. Each answer must match the table (services/*/access.py):
PERMISSION_DENIED for a role the rule does not name or an object outside the caller's scope, and otherwise
anything but PERMISSION_DENIED (success, or a domain answer such as FAILED_PRECONDITION). The methods come from the
descriptors, so a method added later without a case fails here."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor

import tests.e2e.helpers.authorisation_cases.activities
import tests.e2e.helpers.authorisation_cases.care
import tests.e2e.helpers.authorisation_cases.commitments
import tests.e2e.helpers.authorisation_cases.dispatch
import tests.e2e.helpers.authorisation_cases.ledger
import tests.e2e.helpers.authorisation_cases.registry
import tests.e2e.helpers.authorisation_cases.retention
import tests.e2e.helpers.authorisation_cases.systems
import tests.e2e.helpers.authorisation_cases.wishes  # noqa: F401  (each module registers its cases)
from devstack.client import Api
from devstack.stack import LocalStack
from services.catalogue import METHODS, full_name, rules
from services.runtime.access import DEPLOYMENT, Rule
from services.runtime.auth import Role
from tests.e2e.helpers.authorisation_cases import CASES, Case, World, make_place

OUTCOMES: Counter[str] = Counter()  # printed in the test summary (tests/conftest.py)
_NOT_AUTHORISATION = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


@dataclass(frozen=True)
class MatrixCaller:
    role: Role
    whole_deployment: bool = False  # scope "*" rather than our street (a member: our community)

    @property
    def label(self) -> str:
        return f"{self.role.value}{' (whole deployment)' if self.whole_deployment else ''}"


CALLERS = [MatrixCaller(role, whole_deployment=role == Role.SERVICE) for role in Role] + [
    MatrixCaller(Role.ADMIN, True)
]


@pytest.fixture(scope="module")
async def world(api: Api) -> World:
    return World(api, await make_place(api), await make_place(api))


def expect_denied(rule: Rule, case: Case, caller: MatrixCaller, in_scope: bool) -> bool:
    if caller.role not in rule.roles:
        return True
    if rule.scope == DEPLOYMENT:
        return not caller.whole_deployment
    if not rule.scoped or caller.whole_deployment or in_scope:
        return False
    return not (caller.role == Role.MEMBER and case.members_anywhere)


async def call(stack: LocalStack, process: str, method: MethodDescriptor, request: object, metadata: object) -> None:
    output = message_factory.GetMessageClass(method.output_type)
    path = f"/{full_name(method)}"
    async with stack.channel(stack.ports.grpc(process)) as channel:
        codecs = {"request_serializer": lambda m: m.SerializeToString(), "response_deserializer": output.FromString}
        if method.client_streaming:

            async def requests() -> AsyncIterator[object]:
                for one in request:  # type: ignore[attr-defined]
                    yield one

            await channel.stream_unary(path, **codecs)(requests(), metadata=metadata, timeout=30)
        elif method.server_streaming:
            async for _ in channel.unary_stream(path, **codecs)(request, metadata=metadata, timeout=30):
                pass
        else:
            await channel.unary_unary(path, **codecs)(request, metadata=metadata, timeout=30)


@pytest.mark.parametrize(("process", "method"), METHODS, ids=[full_name(m) for _, m in METHODS])
async def test_every_role_in_and_out_of_scope_gets_what_the_table_says(
    stack: LocalStack, world: World, process: str, method: MethodDescriptor
) -> None:
    name = full_name(method)
    rule = rules()[name]
    case = CASES.get(name)
    assert case is not None, f"no matrix case for {name}: add one in tests/e2e/helpers/authorisation_cases/"
    wrong: list[str] = []
    for caller in CALLERS:
        for in_scope, place in ((True, world.ours), (False, world.theirs)):
            request = await case.build(world, place, caller.role)
            denied = expect_denied(rule, case, caller, in_scope)
            where = "in scope" if in_scope else "out of scope"
            try:
                await call(stack, process, method, request, world.token(caller.role, caller.whole_deployment))
                code = grpc.StatusCode.OK
            except grpc.aio.AioRpcError as exc:
                code, details = exc.code(), exc.details() or ""
                if code in _NOT_AUTHORISATION:
                    wrong.append(f"{caller.label} {where}: {code.name} {details}")
                    continue
            OUTCOMES["calls"] += 1
            OUTCOMES["denied" if code == grpc.StatusCode.PERMISSION_DENIED else "allowed"] += 1
            if code == grpc.StatusCode.OK:
                OUTCOMES["succeeded"] += 1
            if denied != (code == grpc.StatusCode.PERMISSION_DENIED):
                wrong.append(f"{caller.label} {where}: expected {'denied' if denied else 'allowed'}, got {code.name}")
    assert not wrong, f"{name}:\n" + "\n".join(wrong)
