"""`python -m services.dispatch`: runs the dispatch service until SIGTERM."""

from __future__ import annotations

import asyncio
from pathlib import Path

from linli.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2_grpc

from services.dispatch.servicer import DispatchServicer
from services.runtime.clients import service_channel
from services.runtime.config import Settings, load_settings
from services.runtime.server import ServiceHost

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = dispatch_pb2.DESCRIPTOR.services_by_name["DispatchService"].full_name


async def serve(settings: Settings) -> None:
    host = ServiceHost(settings, schema="dispatch", migrations=MIGRATIONS)
    wishes = wishes_pb2_grpc.WishServiceStub(
        service_channel(settings.wishes_address, settings.auth_secret, settings.service)
    )
    registry = registry_pb2_grpc.RegistryServiceStub(
        service_channel(settings.registry_address, settings.auth_secret, settings.service)
    )
    dispatch_pb2_grpc.add_DispatchServiceServicer_to_server(DispatchServicer(wishes, registry), host.server)
    await host.run([SERVICE_NAME])


if __name__ == "__main__":
    asyncio.run(serve(load_settings("dispatch")))
