"""The one way a linli process reaches Temporal: its address and namespace, over TLS with an API key as configured
(TEMPORAL_* in docs/configuration.md); and the Schedules a deployment always has, created at start-up."""

from __future__ import annotations

import asyncio
import logging

from temporalio.client import Client, Schedule, ScheduleAlreadyRunningError
from temporalio.runtime import Runtime
from temporalio.service import RPCError

from services.runtime.config import Settings
from services.runtime.tls import temporal_tls

log = logging.getLogger(__name__)


async def connect_temporal(settings: Settings, *, lazy: bool = False, runtime: Runtime | None = None) -> Client:
    """A Temporal client; `lazy` connects on first use, so a service starts while Temporal is down."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        tls=temporal_tls(settings.temporal_tls),
        api_key=settings.temporal_tls.api_key or None,
        lazy=lazy,
        runtime=runtime,
    )


async def keep_schedule(temporal: Client, schedule_id: str, schedule: Schedule, retry_every: float = 30.0) -> None:
    """Creates a Temporal Schedule the deployment always has, once (one that exists is left as it is, paused or
    changed by an operator included); while Temporal cannot be reached it tries again, so a service starts anyway."""
    while True:
        try:
            await temporal.create_schedule(schedule_id, schedule)
        except ScheduleAlreadyRunningError:
            return
        except (RPCError, RuntimeError, OSError) as exc:
            log.warning("cannot create a schedule yet", extra={"schedule_id": schedule_id, "error": type(exc).__name__})
            await asyncio.sleep(retry_every)
        else:
            log.info("schedule created", extra={"schedule_id": schedule_id})
            return
