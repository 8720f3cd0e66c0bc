"""`python -m services.wishes`: runs the wishes service until SIGTERM."""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

from linli.registry.v1 import registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2, wishes_pb2_grpc

from services.runtime import revocations
from services.runtime.clients import service_channel
from services.runtime.config import Settings, settings_or_exit
from services.runtime.org_directory import OrgDirectory
from services.runtime.pii import PersonalDataCipher
from services.runtime.server import ServiceHost
from services.runtime.temporal import connect_temporal
from services.wishes.access import RULES
from services.wishes.metrics import refresh_wish_gauges
from services.wishes.relay import TransitionRelay
from services.wishes.servicer import WishServicer
from services.wishes.store import WishStore

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = wishes_pb2.DESCRIPTOR.services_by_name["WishService"].full_name


async def serve(settings: Settings) -> None:
    host = ServiceHost(settings, schema="wishes", migrations=MIGRATIONS, rules=RULES)
    # Lazy: the service starts while Temporal is down; the relay keeps transitions until it is back.
    temporal = await connect_temporal(settings, lazy=True)
    to_registry = service_channel(
        settings.registry_address, settings.signing_key, settings.service, settings.token_policy, settings.tls
    )
    registry = registry_pb2_grpc.RegistryServiceStub(to_registry)
    host.read_revocations_from(revocations.from_registry(to_registry))
    store = WishStore(host.pool)
    relay = TransitionRelay(host.pool, temporal, settings)
    cipher = PersonalDataCipher(settings.data_keys, settings.active_data_key, settings.lookup_key)
    servicer = WishServicer(
        store,
        relay,
        OrgDirectory(registry),
        registry,
        cipher,
        settings.wish_limits,
        ZoneInfo(settings.timezone),
        retention=settings.retention,
    )
    wishes_pb2_grpc.add_WishServiceServicer_to_server(servicer, host.server)
    host.add_background(relay.run)
    host.add_background(lambda: refresh_wish_gauges(store))
    await host.run([SERVICE_NAME])


if __name__ == "__main__":
    asyncio.run(serve(settings_or_exit("wishes")))
