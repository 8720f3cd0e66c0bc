"""`python -m workflows.worker`: runs linli's workflows and their steps (Temporal activities) until SIGTERM.

Workflows keep their state in Temporal, so a worker may be killed at any point: another (or the same,
restarted) worker picks up where it stopped. LINLI_WORKER_QUEUES chooses the task queues it polls: the
general one, emergency dispatch's own, or both (the default). Metrics (workflow and activity counts,
latencies, failures) are served by the Temporal SDK's Prometheus endpoint.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import grpc
from linli.dispatch.v1 import activities_pb2_grpc, dispatch_pb2_grpc
from linli.registry.v1 import care_pb2_grpc, registry_pb2_grpc, reports_pb2_grpc
from linli.wishes.v1 import wishes_pb2_grpc
from temporalio.client import Client
from temporalio.runtime import Runtime, TelemetryConfig
from temporalio.service import RPCError
from temporalio.worker import Worker

from services.runtime.clients import service_channel
from services.runtime.config import Settings, settings_or_exit
from services.runtime.logs import configure_logging
from services.runtime.temporal import connect_temporal
from workflows.activity_notice_steps import ActivityNoticeSteps
from workflows.activity_schedules import ActivityNoticeDigest, RecurringActivityRun
from workflows.activity_steps import ActivitySteps
from workflows.care_pair import CarePair
from workflows.care_steps import CareSteps
from workflows.commitment_check import CommitmentCheck
from workflows.commitment_steps import CommitmentSteps
from workflows.duty_gap_notice import DutyGapNotice
from workflows.duty_steps import DutySteps
from workflows.emergency_dispatch import EmergencyDispatch
from workflows.emergency_steps import EmergencySteps
from workflows.holiday_activity import HolidayActivity
from workflows.metrics import initialise_worker_metrics, prometheus_config
from workflows.notices import notifiers_for
from workflows.report_steps import ReportSteps
from workflows.reports import WeeklyReport, WeeklyReports, YearlyServiceReports
from workflows.retention import PersonalDataRetention
from workflows.retention_steps import RetentionSteps
from workflows.wish_lifecycle import WishLifecycle
from workflows.wish_notice_steps import WishNoticeSteps
from workflows.wish_steps import WishSteps

log = logging.getLogger("linli.worker")

WORKFLOWS = [
    WishLifecycle,
    HolidayActivity,
    RecurringActivityRun,
    ActivityNoticeDigest,
    EmergencyDispatch,
    WeeklyReports,
    WeeklyReport,
    YearlyServiceReports,
    DutyGapNotice,
    CarePair,
    CommitmentCheck,
    PersonalDataRetention,
]
# Alerts have a queue of their own (LINLI_EMERGENCY_TASK_QUEUE). EmergencyDispatch stays in WORKFLOWS too: an alert
# whose workflow started on the general queue before that queue existed finishes there (docs/upgrades.md).
EMERGENCY_WORKFLOWS = [EmergencyDispatch]


def _channels(settings: Settings) -> Callable[[str], grpc.aio.Channel]:
    def channel(address: str) -> grpc.aio.Channel:
        return service_channel(address, settings.signing_key, "worker", settings.token_policy, settings.tls)

    return channel


def steps(settings: Settings) -> list[Callable[..., Any]]:
    """Every step the workflows take, registered by its method's name (the activity type name histories record)."""
    channel = _channels(settings)
    wish = WishSteps(
        wishes_pb2_grpc.WishServiceStub(channel(settings.wishes_address)),
        dispatch_pb2_grpc.DispatchServiceStub(channel(settings.dispatch_address)),
        registry_pb2_grpc.RegistryServiceStub(channel(settings.registry_address)),
    )
    return [
        wish.read_wish,
        wish.recommend_claimants,
        wish.parent_org,
        wish.org_path,
        wish.record_reminder,
        wish.act_on_limit,
        wish.record_service,
        WishNoticeSteps(
            activities_pb2_grpc.ActivityServiceStub(channel(settings.dispatch_address)),
            notifiers_for(settings.alerts.webhook_url),
            {"wish_recommended": settings.wish_limits.recommended_per_day},
        ).send_wish_notice,
        *_activity_steps(channel, settings),
        *_report_steps(channel, settings),
        *_emergency_steps(channel, settings),
        *_duty_steps(channel, settings),
        *_care_steps(channel, settings),
        *_commitment_steps(channel, settings),
        RetentionSteps(
            registry_pb2_grpc.RegistryServiceStub(channel(settings.registry_address)),
            wishes_pb2_grpc.WishServiceStub(channel(settings.wishes_address)),
            dispatch_pb2_grpc.DispatchServiceStub(channel(settings.dispatch_address)),
        ).erase_expired_batch,
    ]


def _care_steps(channel: Callable[[str], grpc.aio.Channel], settings: Settings) -> list[Callable[..., Any]]:
    """The steps of CarePair: the pair re-read, a missed visit recorded, and its notices."""
    steps = CareSteps(
        care_pb2_grpc.CarePairServiceStub(channel(settings.registry_address)),
        notifiers_for(settings.alerts.webhook_url),
    )
    return [steps.read_care_pair, steps.record_care_miss, steps.send_care_notice]


def _commitment_steps(channel: Callable[[str], grpc.aio.Channel], settings: Settings) -> list[Callable[..., Any]]:
    """The steps of CommitmentCheck: the year's lagging service commitments, and their notices."""
    steps = CommitmentSteps(
        registry_pb2_grpc.RegistryServiceStub(channel(settings.registry_address)),
        notifiers_for(settings.alerts.webhook_url),
        settings.timezone,
    )
    return [steps.lagging_commitments, steps.send_commitment_notice]


def _duty_steps(channel: Callable[[str], grpc.aio.Channel], settings: Settings) -> list[Callable[..., Any]]:
    """The steps of DutyGapNotice: tomorrow's uncovered duty days, and their notices."""
    steps = DutySteps(
        dispatch_pb2_grpc.DispatchServiceStub(channel(settings.dispatch_address)),
        notifiers_for(settings.alerts.webhook_url),
        settings.timezone,
    )
    return [steps.uncovered_tomorrow, steps.send_duty_notice]


def _emergency_steps(channel: Callable[[str], grpc.aio.Channel], settings: Settings) -> list[Callable[..., Any]]:
    """The steps of EmergencyDispatch; notices go to the log, and to the webhook when one is set."""
    steps = EmergencySteps(
        dispatch_pb2_grpc.DispatchServiceStub(channel(settings.dispatch_address)),
        registry_pb2_grpc.RegistryServiceStub(channel(settings.registry_address)),
        notifiers_for(settings.alerts.webhook_url),
    )
    return [
        steps.alert_call_list,
        steps.read_alert,
        steps.record_alert_step,
        steps.send_notice,
        steps.record_alert_service,
    ]


def _report_steps(channel: Callable[[str], grpc.aio.Channel], settings: Settings) -> list[Callable[..., Any]]:
    """The steps of the report workflows."""
    steps = ReportSteps(
        registry_pb2_grpc.RegistryServiceStub(channel(settings.registry_address)),
        reports_pb2_grpc.ReportServiceStub(channel(settings.registry_address)),
        wishes_pb2_grpc.WishServiceStub(channel(settings.wishes_address)),
        dispatch_pb2_grpc.DispatchServiceStub(channel(settings.dispatch_address)),
        activities_pb2_grpc.ActivityServiceStub(channel(settings.dispatch_address)),
        care_pb2_grpc.CarePairServiceStub(channel(settings.registry_address)),
    )
    return [
        steps.plan_weekly_reports,
        steps.gather_weekly_figures,
        steps.store_weekly_report,
        steps.produce_yearly_reports,
    ]


def _activity_steps(channel: Callable[[str], grpc.aio.Channel], settings: Settings) -> list[Callable[..., Any]]:
    """The steps of HolidayActivity and the scheduled activity workflows; notices go where alert notices go."""
    activities = activities_pb2_grpc.ActivityServiceStub(channel(settings.dispatch_address))
    steps = ActivitySteps(
        activities,
        dispatch_pb2_grpc.DispatchServiceStub(channel(settings.dispatch_address)),
        registry_pb2_grpc.RegistryServiceStub(channel(settings.registry_address)),
    )
    notices = ActivityNoticeSteps(activities, notifiers_for(settings.alerts.webhook_url))
    return [
        steps.read_activity,
        steps.advance_activity,
        steps.notify_participants,
        steps.record_notice,
        notices.send_activity_notice,
        notices.give_up_notice,
        notices.send_notice_digests,
        steps.recommend_volunteers,
        steps.propose_from_template,
        steps.record_volunteer_service,
    ]


async def connect(settings: Settings, runtime: Runtime) -> Client:
    """Connects to Temporal, waiting for it to come up."""
    delay = 0.2
    while True:
        try:
            return await connect_temporal(settings, runtime=runtime)
        except (RPCError, RuntimeError, OSError) as exc:
            # The message says what a TLS mistake was (an unknown CA, a name the certificate does not carry).
            detail = str(exc)[:500]
            log.warning(
                "temporal not reachable yet", extra={"error": type(exc).__name__, "detail": detail, "retry_in_s": delay}
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def run(settings: Settings) -> None:
    configure_logging("worker", settings.log_level)
    runtime = Runtime(
        telemetry=TelemetryConfig(metrics=prometheus_config(f"{settings.metrics_host}:{settings.metrics_port}"))
    )
    initialise_worker_metrics(runtime.metric_meter)
    # Signal handlers first, so SIGTERM stops a worker still waiting for Temporal to come up.
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    connecting = asyncio.create_task(connect(settings, runtime))
    stop_requested = asyncio.create_task(stopping.wait())
    await asyncio.wait([connecting, stop_requested], return_when=asyncio.FIRST_COMPLETED)
    if stopping.is_set():
        connecting.cancel()
        log.info("worker stopped before reaching temporal")
        return
    stop_requested.cancel()
    client = connecting.result()
    async with AsyncExitStack() as running:
        for worker in workers(client, settings):
            await running.enter_async_context(worker)
        queues = [queue for queue, _ in queues_served(settings)]
        log.info("worker running", extra={"task_queues": queues, "temporal": settings.temporal_address})
        await stopping.wait()
        log.info("worker draining")
    log.info("worker stopped")


def queues_served(settings: Settings) -> list[tuple[str, bool]]:
    """The task queues this worker polls (LINLI_WORKER_QUEUES), each with whether it is the emergency one."""
    served = []
    if settings.worker_queues in ("all", "bulk"):
        served.append((settings.task_queue, False))
    if settings.worker_queues in ("all", "emergency"):
        served.append((settings.emergency_task_queue, True))
    return served


def workers(client: Client, settings: Settings) -> list[Worker]:
    """One Temporal worker per queue served, each with its own pollers, slots and channels to the services, so a
    backlog of imports or reports on the general queue never holds up an alert's next step."""
    return [
        Worker(
            client,
            task_queue=queue,
            workflows=EMERGENCY_WORKFLOWS if emergency else WORKFLOWS,
            activities=_emergency_steps(_channels(settings), settings) if emergency else steps(settings),
            graceful_shutdown_timeout=settings.shutdown_grace,
        )
        for queue, emergency in queues_served(settings)
    ]


if __name__ == "__main__":
    asyncio.run(run(settings_or_exit("worker")))
