"""The one way a linli process reaches Temporal: its address and namespace, over TLS with an API key as configured
(TEMPORAL_* in docs/configuration.md)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.runtime import Runtime

from services.runtime.config import Settings
from services.runtime.tls import temporal_tls


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
