"""`python -m services.dispatch`: runs the dispatch service until SIGTERM."""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

from linli.dispatch.v1 import activities_pb2, activities_pb2_grpc, dispatch_pb2, dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2_grpc

from services.dispatch.access import RULES
from services.dispatch.activities.metrics import refresh_activity_gauges
from services.dispatch.activities.recurring import RecurringActivities
from services.dispatch.activities.relay import ActivityRelay
from services.dispatch.activities.servicer import ActivityServicer
from services.dispatch.activities.store import ActivityStore
from services.dispatch.alerts.relay import AlertRelay
from services.dispatch.duty import contract as duty_contract
from services.dispatch.matching.members import MemberDirectory
from services.dispatch.metrics import export_alert_limits, refresh_dispatch_gauges
from services.dispatch.servicer import DispatchServicer
from services.dispatch.store import DispatchStore
from services.runtime import revocations
from services.runtime.clients import service_channel
from services.runtime.config import Settings, settings_or_exit
from services.runtime.org_directory import OrgDirectory
from services.runtime.pii import PersonalDataCipher
from services.runtime.server import ServiceHost
from services.runtime.temporal import connect_temporal, keep_schedule

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = dispatch_pb2.DESCRIPTOR.services_by_name["DispatchService"].full_name
ACTIVITY_SERVICE_NAME = activities_pb2.DESCRIPTOR.services_by_name["ActivityService"].full_name


async def serve(settings: Settings) -> None:
    host = ServiceHost(settings, schema="dispatch", migrations=MIGRATIONS, rules=RULES)
    cipher = PersonalDataCipher(settings.data_keys, settings.active_data_key, settings.lookup_key)
    # Lazy: the service starts while Temporal is down; the relay keeps alert changes until it is back.
    temporal = await connect_temporal(settings, lazy=True)
    wishes = wishes_pb2_grpc.WishServiceStub(
        service_channel(
            settings.wishes_address, settings.signing_key, settings.service, settings.token_policy, settings.tls
        )
    )
    to_registry = service_channel(
        settings.registry_address, settings.signing_key, settings.service, settings.token_policy, settings.tls
    )
    registry = registry_pb2_grpc.RegistryServiceStub(to_registry)
    host.read_revocations_from(revocations.from_registry(to_registry))
    store = DispatchStore(host.pool)
    relay = AlertRelay(host.pool, temporal, settings)
    zone = ZoneInfo(settings.timezone)
    servicer = DispatchServicer(
        wishes, registry, store, relay, OrgDirectory(registry), MemberDirectory(registry), zone, cipher
    )
    servicer.retention = settings.retention
    dispatch_pb2_grpc.add_DispatchServiceServicer_to_server(servicer, host.server)
    host.add_background(relay.run)
    host.add_background(lambda: store.seal_at_rest(cipher))
    export_alert_limits(settings.alerts)
    host.add_background(lambda: refresh_dispatch_gauges(store, zone))
    gap_notices = duty_contract.duty_gap_schedule(settings.task_queue, settings.timezone)
    host.add_background(lambda: keep_schedule(temporal, duty_contract.SCHEDULE_ID, gap_notices))
    # Activities (活动): a HolidayActivity workflow each, told of committed transitions by their own outbox relay.
    activity_store = ActivityStore(host.pool)
    activity_relay = ActivityRelay(host.pool, temporal, settings)
    activity_org = OrgDirectory(registry)
    recurring = RecurringActivities(host.pool, temporal, settings.task_queue, activity_org)
    activities_pb2_grpc.add_ActivityServiceServicer_to_server(
        ActivityServicer(activity_store, activity_relay, activity_org, registry, recurring), host.server
    )
    # Recurring activities changed while Temporal was away get their Schedules once it is back (as an outbox would).
    host.add_background(lambda: recurring.keep_schedules_in_step(settings.outbox_poll_interval))
    host.add_background(activity_relay.run)
    host.add_background(lambda: refresh_activity_gauges(activity_store))
    await host.run([SERVICE_NAME, ACTIVITY_SERVICE_NAME])


if __name__ == "__main__":
    asyncio.run(serve(settings_or_exit("dispatch")))
