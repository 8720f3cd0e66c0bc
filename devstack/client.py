"""gRPC stubs for the three services with bearer tokens, as another system or a front end would call them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from linli.dispatch.v1 import activities_pb2_grpc, dispatch_pb2_grpc
from linli.registry.v1 import care_pb2_grpc, registry_pb2_grpc, reports_pb2_grpc, systems_pb2_grpc
from linli.wishes.v1 import wishes_pb2_grpc

from devstack.stack import SERVICES, Ports, Secrets, open_channel
from services.runtime.auth import WHOLE_DEPLOYMENT, Role, issue_token
from services.runtime.token_keys import SigningKey

Metadata = tuple[tuple[str, str], ...]


@dataclass
class Api:
    issuer: SigningKey  # signs the tokens of the people and systems this client acts as
    service_key: SigningKey  # signs its `service` tokens (a process's own key)
    registry: registry_pb2_grpc.RegistryServiceStub
    wishes: wishes_pb2_grpc.WishServiceStub
    dispatch: dispatch_pb2_grpc.DispatchServiceStub
    systems: systems_pb2_grpc.CallingSystemServiceStub  # calling systems' credentials, on the registry
    care: care_pb2_grpc.CarePairServiceStub  # care pairs (结对帮扶), on the registry
    activities: activities_pb2_grpc.ActivityServiceStub  # activities (活动), on dispatch
    reports: reports_pb2_grpc.ReportServiceStub  # weekly and yearly reports, on the registry

    def token(self, role: Role = Role.ADMIN, scope: str = WHOLE_DEPLOYMENT, subject: str = "linli-dev") -> Metadata:
        """Call metadata carrying a token for the given caller, valid for an hour."""
        return (
            (
                "authorization",
                f"Bearer {issue_token(self.service_key if role is Role.SERVICE else self.issuer, subject, role, scope, 3600)}",
            ),
        )

    @property
    def admin(self) -> Metadata:
        return self.token()


@asynccontextmanager
async def connect(ports: Ports, secrets: Secrets, ca_file: Path | None = None) -> AsyncIterator[Api]:
    """Stubs on channels to the services on loopback: over TLS, trusting `ca_file`, when one is given."""
    channels = [open_channel(f"127.0.0.1:{ports.grpc(service)}", ca_file) for service in SERVICES]
    try:
        yield Api(
            secrets.issuer,
            secrets.signing_key("worker"),
            registry_pb2_grpc.RegistryServiceStub(channels[0]),
            wishes_pb2_grpc.WishServiceStub(channels[1]),
            dispatch_pb2_grpc.DispatchServiceStub(channels[2]),
            systems_pb2_grpc.CallingSystemServiceStub(channels[0]),
            care_pb2_grpc.CarePairServiceStub(channels[0]),
            activities_pb2_grpc.ActivityServiceStub(channels[2]),
            reports_pb2_grpc.ReportServiceStub(channels[0]),
        )
    finally:
        for channel in channels:
            await channel.close(None)  # no grace: nothing is in flight by now
