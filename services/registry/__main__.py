"""`python -m services.registry`: runs the registry service until SIGTERM."""

from __future__ import annotations

import asyncio
from pathlib import Path

from linli.registry.v1 import registry_pb2, registry_pb2_grpc

from services.registry.servicer import RegistryServicer
from services.registry.store import RegistryStore
from services.runtime.config import Settings, load_settings
from services.runtime.pii import PersonalDataCipher
from services.runtime.server import ServiceHost

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name


async def serve(settings: Settings) -> None:
    host = ServiceHost(settings, schema="registry", migrations=MIGRATIONS)
    cipher = PersonalDataCipher(settings.data_keys, settings.active_data_key, settings.lookup_key)
    registry_pb2_grpc.add_RegistryServiceServicer_to_server(
        RegistryServicer(RegistryStore(host.pool), cipher), host.server
    )
    await host.run([SERVICE_NAME])


if __name__ == "__main__":
    asyncio.run(serve(load_settings("registry")))
