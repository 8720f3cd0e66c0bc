"""The one way a linli service is hosted: a grpc.aio server with health checking, reflection and the call
interceptor; a Prometheus endpoint; the database pool and migrations; background tasks; graceful shutdown.

Start-up: the port opens at once with health NOT_SERVING; once the database answers and the migrations are
applied, background tasks start and health turns SERVING. SIGTERM: health turns NOT_SERVING, new calls are
refused, calls in flight get the grace period to finish, then background tasks stop and the pool closes.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import asyncpg
import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc

from services.runtime import access, auth, paging, revocations
from services.runtime.audit import RefusalAudit
from services.runtime.config import Settings
from services.runtime.db import create_pool, migrate, wait_for_database
from services.runtime.interceptors import CallInterceptor
from services.runtime.logs import configure_logging
from services.runtime.metrics import SERVICE_READY, initialise_rpc_metrics, serve_metrics
from services.runtime.quotas import Quotas
from services.runtime.tls import server_credentials

log = logging.getLogger("linli.server")

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
BackgroundTask = Callable[[], Awaitable[None]]
REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"
REFLECTION_V1ALPHA = reflection.SERVICE_NAME
_REFLECTION_V1_FILE = "grpc/reflection/v1/reflection.proto"


def _register_reflection_v1_descriptor() -> None:
    """Puts grpc.reflection.v1 in the default pool, so reflection can describe itself under the new name.

    grpcio-reflection 1.85 ships only v1alpha; v1 is the same file under a new package (same messages, same field
    numbers), so its descriptor is v1alpha's with the package renamed.
    """
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(_REFLECTION_V1_FILE)
        return
    except KeyError:
        pass
    old, new = ".grpc.reflection.v1alpha.", ".grpc.reflection.v1."
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    proto.name, proto.package = _REFLECTION_V1_FILE, "grpc.reflection.v1"
    proto.options.Clear()  # drops v1alpha's `deprecated` and its Go/Java package names
    for message in proto.message_type:
        for field in message.field:
            if field.type_name:  # assigning even "" would mark a scalar field as typed
                field.type_name = field.type_name.replace(old, new)
    for method in proto.service[0].method:
        method.input_type = method.input_type.replace(old, new)
        method.output_type = method.output_type.replace(old, new)
    pool.Add(proto)


def add_reflection(server: grpc.aio.Server, service_names: Sequence[str]) -> None:
    """Serves reflection under both grpc.reflection.v1 and v1alpha with one handler: newer clients ask v1 only,
    older ones (grpcurl 1.8.6) v1alpha only. The v1alpha message classes serve v1 too: the wire format is the same."""
    _register_reflection_v1_descriptor()
    # grpc-stubs (1.53) know neither reflection's aio servicer nor a server's add_registered_method_handlers.
    served = [*service_names, REFLECTION_V1, REFLECTION_V1ALPHA]
    servicer = reflection.aio.ReflectionServicer(served)  # type: ignore[attr-defined]
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    handlers = {
        "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
            servicer.ServerReflectionInfo,
            request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
            response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
        )
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(REFLECTION_V1, handlers),))
    server.add_registered_method_handlers(REFLECTION_V1, handlers)  # type: ignore[attr-defined]


def _connection_age(seconds: float) -> list[tuple[str, int]]:
    """A connection's end after `seconds` (GOAWAY: calls in flight finish, streams included, as no grace is set), so
    a client balancing over a headless Service resolves it again and finds replicas added since it connected."""
    return [("grpc.max_connection_age_ms", int(seconds * 1000))] if seconds > 0 else []


class ServiceHost:
    def __init__(
        self,
        settings: Settings,
        *,
        schema: str,
        migrations: Path | None,
        rules: Mapping[str, access.Rule],
    ) -> None:
        """`rules`: the authorisation table's rules for every method this process serves."""
        if not settings.database_url:
            raise SystemExit("DATABASE_URL is required")
        if settings.lookup_key:  # every replica signs page tokens alike, so any of them takes another's
            paging.use_signing_key(settings.lookup_key)
        self.settings = settings
        self.schema = schema
        self.migrations = migrations
        self.pool: asyncpg.Pool = create_pool(settings.database_url, schema, settings.db_pool_max)
        self.health = HealthServicer()
        self.tokens = auth.TokenVerifier(settings.token_keys, settings.token_policy)
        interceptor = CallInterceptor(
            self.tokens,
            self.is_ready,
            rules=rules,
            quotas=Quotas(settings.system_quota),
            on_refused=RefusalAudit(self.pool).refused,
        )
        self.server = grpc.aio.server(
            interceptors=[interceptor],
            options=[
                ("grpc.so_reuseport", 0),
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                *_connection_age(settings.grpc_max_connection_age.total_seconds()),
            ],
        )
        self._health_server: grpc.aio.Server | None = None
        self._ready = False
        self._background: list[BackgroundTask] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    def is_ready(self) -> bool:
        return self._ready

    def read_revocations_from(self, source: revocations.RevokedTokens) -> None:
        """Where this service reads the revoked tokens from, every LINLI_REVOCATION_REFRESH."""
        every = self.settings.revocation_refresh
        self.add_background(lambda: revocations.keep_fresh(self.tokens.revocations, source, every))

    def add_background(self, task: BackgroundTask) -> None:
        """A long-running coroutine started once the service is ready and cancelled at shutdown."""
        self._background.append(task)

    async def run(self, service_names: Sequence[str]) -> None:
        """Serves until SIGTERM or SIGINT."""
        configure_logging(self.settings.service, self.settings.log_level)
        initialise_rpc_metrics(service_names)
        SERVICE_READY.labels(self.settings.service).set(0)  # a series from the start: "not ready" is visible
        serve_metrics(self.settings.metrics_host, self.settings.metrics_port)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        health_name = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
        add_reflection(self.server, [*service_names, health_name])
        for name in ("", *service_names):
            await self.health.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)

        address = f"{self.settings.grpc_host}:{self.settings.grpc_port}"
        tls = self.settings.tls
        if tls.cert_chain:
            port = self.server.add_secure_port(address, server_credentials(tls))
        else:
            port = self.server.add_insecure_port(address)
        await self.server.start()
        if self.settings.health_port:
            await self._serve_health_in_plaintext()
        log.info(
            "listening",
            extra={
                "address": address,
                "port": port,
                "metrics_port": self.settings.metrics_port,
                "tls": "mutual" if tls.client_ca else "on" if tls.cert_chain else "off",
            },
        )

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stopping.set)

        starting = asyncio.create_task(self._become_ready(service_names))
        await self._stopping.wait()
        starting.cancel()
        await self._drain()

    async def _serve_health_in_plaintext(self) -> None:
        """The health check alone on a plaintext port of its own: Kubernetes' gRPC probes speak no TLS. It tells only
        SERVING or NOT_SERVING; every other call needs the main port."""
        self._health_server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._health_server)
        address = f"{self.settings.grpc_host}:{self.settings.health_port}"
        self._health_server.add_insecure_port(address)
        await self._health_server.start()
        log.info("health check listening", extra={"address": address})

    async def _become_ready(self, service_names: Sequence[str]) -> None:
        await self.pool
        await wait_for_database(self.pool)
        applied = await migrate(self.pool, self.schema, self.migrations)
        log.info("database ready", extra={"schema": self.schema, "migrations_applied": applied})
        self._tasks = [asyncio.create_task(self._keep_running(task)) for task in self._background]
        self._ready = True
        SERVICE_READY.labels(self.settings.service).set(1)
        for name in ("", *service_names):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("serving")

    async def _keep_running(self, task: BackgroundTask) -> None:
        """Restarts a background task that fails, so one bad moment does not stop it for good."""
        while True:
            try:
                await task()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(
                    "background task failed; restarting in 1s",
                    extra={"task": getattr(task, "__qualname__", repr(task))},
                )
                await asyncio.sleep(1)

    async def _drain(self) -> None:
        grace = self.settings.shutdown_grace.total_seconds()
        log.info("draining", extra={"grace_s": grace})
        await self.health.enter_graceful_shutdown()
        SERVICE_READY.labels(self.settings.service).set(0)
        await self.server.stop(grace)
        if self._health_server is not None:
            await self._health_server.stop(None)
        self._ready = False
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.pool.close()
        log.info("stopped")
