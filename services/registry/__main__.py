"""`python -m services.registry`: runs the registry service until SIGTERM."""

from __future__ import annotations

import asyncio
from pathlib import Path

from linli.registry.v1 import (
    care_pb2,
    care_pb2_grpc,
    registry_pb2,
    registry_pb2_grpc,
    reports_pb2,
    reports_pb2_grpc,
    systems_pb2,
    systems_pb2_grpc,
)

from services.registry import retention_contract
from services.registry.access import RULES
from services.registry.care.metrics import refresh_care_gauges
from services.registry.care.relay import CareRelay
from services.registry.care.servicer import CarePairServicer
from services.registry.care.store import CareStore
from services.registry.commitments import contract as commitments_contract
from services.registry.reports.scheduling import keep_report_schedules
from services.registry.reports.servicer import ReportServicer
from services.registry.reports.store import ReportStore
from services.registry.servicer import RegistryServicer
from services.registry.store import RegistryStore
from services.registry.systems.servicer import CallingSystemServicer
from services.registry.systems.store import SystemStore
from services.runtime.config import Settings, settings_or_exit
from services.runtime.db import forget_old_request_results
from services.runtime.pii import PersonalDataCipher
from services.runtime.server import ServiceHost
from services.runtime.temporal import connect_temporal, keep_schedule

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name
REPORT_SERVICE_NAME = reports_pb2.DESCRIPTOR.services_by_name["ReportService"].full_name
SYSTEM_SERVICE_NAME = systems_pb2.DESCRIPTOR.services_by_name["CallingSystemService"].full_name
CARE_SERVICE_NAME = care_pb2.DESCRIPTOR.services_by_name["CarePairService"].full_name


async def serve(settings: Settings) -> None:
    host = ServiceHost(settings, schema="registry", migrations=MIGRATIONS, rules=RULES)
    host.add_background(lambda: forget_old_request_results(host.pool, settings.request_retention))
    cipher = PersonalDataCipher(settings.data_keys, settings.active_data_key, settings.lookup_key)
    registry_servicer = RegistryServicer(RegistryStore(host.pool), cipher, timezone=settings.timezone)
    registry_servicer.retention = settings.retention
    registry_pb2_grpc.add_RegistryServiceServicer_to_server(registry_servicer, host.server)
    # Reports (周报, 年报): stored here, produced by workflows on Temporal Schedules. Lazy: the service starts while
    # Temporal is down; only producing and scheduling reports need it.
    temporal = await connect_temporal(settings, lazy=True)
    reports_pb2_grpc.add_ReportServiceServicer_to_server(
        ReportServicer(
            ReportStore(host.pool), RegistryStore(host.pool), temporal, settings.task_queue, settings.timezone
        ),
        host.server,
    )
    # The deployment's own report Schedules (LINLI_REPORT_UNITS), kept from the start: nothing else asks for them.
    host.add_background(
        lambda: keep_report_schedules(
            host.pool, temporal, settings.report_units, settings.timezone, settings.task_queue
        )
    )
    # Service commitments (服务承诺): the mid-year check of lagging ones, a Schedule the deployment always has.
    commitment_check = commitments_contract.commitment_check_schedule(settings.task_queue, settings.timezone)
    host.add_background(lambda: keep_schedule(temporal, commitments_contract.SCHEDULE_ID, commitment_check))
    # The nightly erasure of personal data past its retention period (workflows/retention.py), kept from the start.
    retention = retention_contract.retention_schedule(settings.task_queue, settings.timezone)
    host.add_background(lambda: keep_schedule(temporal, retention_contract.SCHEDULE_ID, retention))
    # Calling systems' credentials: issued here, their revocations read by every service (this one from its tables).
    systems = SystemStore(host.pool)
    systems_pb2_grpc.add_CallingSystemServiceServicer_to_server(
        CallingSystemServicer(systems, RegistryStore(host.pool), settings.signing_key, settings.token_policy),
        host.server,
    )
    host.read_revocations_from(systems.credential_sync)
    # Care pairs (结对帮扶): a CarePair workflow each, told of committed changes by their own outbox relay.
    care = CareStore(host.pool)
    care_relay = CareRelay(host.pool, temporal, settings)
    care_pb2_grpc.add_CarePairServiceServicer_to_server(
        CarePairServicer(RegistryStore(host.pool), care, cipher, care_relay), host.server
    )
    host.add_background(care_relay.run)
    host.add_background(lambda: refresh_care_gauges(care))
    await host.run([SERVICE_NAME, REPORT_SERVICE_NAME, SYSTEM_SERVICE_NAME, CARE_SERVICE_NAME])


if __name__ == "__main__":
    asyncio.run(serve(settings_or_exit("registry")))
