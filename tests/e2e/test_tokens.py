"""Bearer tokens over gRPC: every service refuses a bad token with UNAUTHENTICATED saying why, and a process's own
key makes only the tokens its role allows — the worker's key cannot act as admin."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import grpc
import jwt
import pytest
from linli.dispatch.v1 import dispatch_pb2
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from devstack.stack import ISSUER_ROLES, LocalStack
from services.runtime.auth import Role, TokenPolicy, issue_token
from services.runtime.token_keys import ALGORITHM, KeySet, SigningKey
from tests.e2e.helpers.community import make_community


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": "linli", "aud": "linli", "sub": "intruder", "role": "admin", "scope": "*", "iat": now}
    return {**claims, "exp": now + 60, "jti": "t1", **overrides}


def _bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


async def _refusal(api: Api, service: str, token: str) -> grpc.aio.AioRpcError:
    calls = {
        "registry": lambda md: api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id="1"), metadata=md),
        "wishes": lambda md: api.wishes.GetWish(wish.GetWishRequest(wish_id="1"), metadata=md),
        "dispatch": lambda md: api.dispatch.GetAlert(dispatch_pb2.GetAlertRequest(alert_id="1"), metadata=md),
    }
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await calls[service](_bearer(token))
    return error.value


@pytest.mark.parametrize("service", ["registry", "wishes", "dispatch"])
async def test_every_service_refuses_a_bad_token_saying_why(api: Api, stack: LocalStack, service: str) -> None:
    worker = stack.secrets.signing_key("worker")
    stranger = SigningKey.generate("stranger", ("admin",))
    cases = {
        "signed by key 'stranger', which this deployment does not trust": issue_token(
            stranger, "intruder", Role.ADMIN, "*", 60
        ),
        f"key {worker.kid} may not sign tokens for role admin": jwt.encode(
            _claims(), worker.key, algorithm=ALGORITHM, headers={"kid": worker.kid}
        ),
        "has expired": jwt.encode(
            _claims(exp=int(time.time()) - 120),
            stack.secrets.issuer.key,
            algorithm=ALGORITHM,
            headers={"kid": stack.secrets.issuer.kid},
        ),
        "not for this deployment": issue_token(
            stack.secrets.issuer, "ops", Role.ADMIN, "*", 60, policy=TokenPolicy(audience="another-district")
        ),
        "not signed with EdDSA": jwt.encode(_claims(), "s" * 40, algorithm="HS256"),
        "malformed": "not-a-token",
    }
    for reason, token in cases.items():
        refused = await _refusal(api, service, token)
        assert refused.code() == grpc.StatusCode.UNAUTHENTICATED, (reason, refused.details())
        assert reason in (refused.details() or ""), refused.details()


async def test_the_workers_key_signs_service_tokens_that_reach_only_service_methods(
    api: Api, stack: LocalStack
) -> None:
    worker = stack.secrets.signing_key("worker")
    with pytest.raises(ValueError, match="may not sign tokens for role admin"):
        issue_token(worker, "service:worker", Role.ADMIN, "*", 60)
    service = _bearer(issue_token(worker, "service:worker", Role.SERVICE, "*", 60))
    # A service may read the org tree (every process does) but not register members.
    community = await make_community(api)
    unit = await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=community.community_id), metadata=service)
    assert unit.org_unit.id == community.community_id
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.ImportMembers(iter([reg.ImportMembersRequest(request_id="r1")]), metadata=service)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "ImportMembers" in (error.value.details() or "")


async def test_during_a_key_rotation_tokens_of_both_keys_are_served_under_load(api: Api, stack: LocalStack) -> None:
    """A replica started with the next key beside the current one (the rotation's first step) serves a steady load of
    tokens signed by either; a replica that does not trust the next key yet refuses its tokens, naming the key."""
    community = await make_community(api)
    following = SigningKey.generate("local-issuer-next", ISSUER_ROLES)
    keys = KeySet.of([*stack.secrets.key_set().keys.values(), following.public])
    rotated = stack.start_process(
        "registry",
        name="registry-rotated",
        LINLI_TOKEN_KEYS=json.dumps(keys.as_jwks()),
        LINLI_SIGNING_KEY=json.dumps(following.as_jwk()),
    )
    old = _bearer(issue_token(stack.secrets.issuer, "ops", Role.ADMIN, "*", 600))
    new = _bearer(issue_token(following, "ops", Role.ADMIN, "*", 600))
    request = reg.GetOrgUnitRequest(org_unit_id=community.community_id)
    try:
        async with stack.channel(rotated.ports["grpc"]) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)
            for _ in range(6):
                answers = await asyncio.gather(
                    *(stub.GetOrgUnit(request, metadata=(old, new)[i % 2]) for i in range(50)), return_exceptions=True
                )
                assert [a for a in answers if isinstance(a, BaseException)] == []
    finally:
        rotated.stop()
        stack.processes.pop("registry-rotated")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.GetOrgUnit(request, metadata=new)
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "local-issuer-next" in (error.value.details() or "")
