"""Two of every process on one Postgres and one Temporal: a platform of its own — its own databases (two replicas of a
service share that service's), its own Temporal namespace (so its Schedules, whose ids are fixed, are its own) and
task queue — beside the main stack, touching no other test.

Its workers are Kubernetes' (deploy/k8s/base): two of the general queue (LINLI_WORKER_QUEUES=bulk) and one of emergency
dispatch alone. Each process calls the others through a target naming both replicas (`ipv4:127.0.0.1:P1,127.0.0.1:P2`, what DNS gives
for a headless Service), its calls balanced round robin over them; the certificate is checked against `localhost`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from google.protobuf.duration_pb2 import Duration
from linli.dispatch.v1 import dispatch_pb2_grpc
from linli.registry.v1 import care_pb2_grpc, registry_pb2_grpc, systems_pb2_grpc
from linli.wishes.v1 import wishes_pb2_grpc
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client

from devstack.client import Api
from devstack.ports import pick
from devstack.processes import ChildProcess
from devstack.stack import SERVICES, LocalStack
from tests.helpers.databases import create_database, drop_database

TASK_QUEUE = "replicas-e2e"
REPORT_UNIT = "宝鸡市"  # the city make_community puts every community under: both registries keep its Schedules
REPLICAS = ("a", "b")
# As on Kubernetes: two workers of the general queue, and one of the emergency queue alone.
WORKERS = {"a": "bulk", "b": "bulk", "emergency": "emergency"}


@dataclass
class ReplicaPlatform:
    stack: LocalStack
    api: Api  # on the registry, wishes and dispatch replicas "a"
    wishes: dict[str, wishes_pb2_grpc.WishServiceStub]  # each wishes replica by its letter, called directly
    temporal: Client  # in the platform's own namespace
    databases: dict[str, str]
    processes: dict[str, ChildProcess] = field(default_factory=dict)  # "wishes-b", "worker-a", ...
    start: Callable[..., ChildProcess] | None = None  # (process, replica, **env): one started again, on its ports

    def restart(self, process: str, replica: str, **env: str) -> None:
        """Stops one replica (SIGTERM, by its pid) and starts it again on its ports, with `env` over its settings."""
        assert self.start is not None
        self.stack.processes.pop(_name(process, replica)).stop()
        self.processes[f"{process}-{replica}"] = self.start(process, replica, **env)


def _name(process: str, replica: str) -> str:
    return f"{process}-replicas-{replica}"


@asynccontextmanager
async def running_replica_platform(stack: LocalStack, api: Api, postgres_server: str) -> AsyncIterator[ReplicaPlatform]:
    assert stack.temporal_address
    namespace = f"replicas-{uuid.uuid4().hex[:8]}"
    admin = await Client.connect(stack.temporal_address)
    await admin.workflow_service.register_namespace(
        RegisterNamespaceRequest(namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400))
    )
    temporal = await Client.connect(stack.temporal_address, namespace=namespace)
    databases = {service: await create_database(postgres_server) for service in SERVICES}
    # Ports chosen up front: each process is told where both replicas of the others will be.
    ports = {(service, replica): pick(2) for service in SERVICES for replica in REPLICAS}
    workers = {replica: pick(1)[0] for replica in WORKERS}
    both = {
        f"LINLI_{service.upper()}_ADDRESS": "ipv4:" + ",".join(f"127.0.0.1:{ports[service, r][0]}" for r in REPLICAS)
        for service in SERVICES
    }
    shared = {
        **both,
        "TEMPORAL_NAMESPACE": namespace,
        "LINLI_TASK_QUEUE": TASK_QUEUE,
        "LINLI_SEARCH_ATTRIBUTES": "false",  # not registered on this namespace
        "LINLI_TLS_SERVER_NAME": "localhost",  # a list of addresses names no host to check the certificate against
        "LINLI_REPORT_UNITS": REPORT_UNIT,
        "LINLI_WISH_MAX_OPEN_CLAIMS": "100",  # one member may win many of the contested wishes
        "LINLI_OUTBOX_POLL": "300ms",
    }

    def start(process: str, replica: str, **env: str) -> ChildProcess:
        if process == "worker":
            given = {"LINLI_METRICS_PORT": str(workers[replica]), "LINLI_WORKER_QUEUES": WORKERS[replica]}
        else:
            grpc_port, metrics_port = ports[process, replica]
            given = {"LINLI_GRPC_PORT": str(grpc_port), "LINLI_METRICS_PORT": str(metrics_port)}
            given["DATABASE_URL"] = databases[process]
        return stack.start_process(process, _name(process, replica), **{**shared, **given, **env})

    channels = []
    platform: ReplicaPlatform | None = None
    try:
        # Both replicas of a service start at once on its empty database: its migrations are applied once.
        every = [(p, r) for p in SERVICES for r in REPLICAS] + [("worker", r) for r in WORKERS]
        started = await asyncio.gather(*(asyncio.to_thread(start, p, r) for p, r in every))
        processes = dict(zip((f"{p}-{r}" for p, r in every), started, strict=True))
        by_replica = {
            (service, replica): stack.channel(ports[service, replica][0])
            for service in SERVICES
            for replica in REPLICAS
        }
        channels = list(by_replica.values())
        registry, wishes, dispatch = (by_replica[service, "a"] for service in SERVICES)
        own = dataclasses.replace(
            api,
            registry=registry_pb2_grpc.RegistryServiceStub(registry),
            wishes=wishes_pb2_grpc.WishServiceStub(wishes),
            dispatch=dispatch_pb2_grpc.DispatchServiceStub(dispatch),
            systems=systems_pb2_grpc.CallingSystemServiceStub(registry),
            care=care_pb2_grpc.CarePairServiceStub(registry),
        )
        platform = ReplicaPlatform(
            stack,
            own,
            {r: wishes_pb2_grpc.WishServiceStub(by_replica["wishes", r]) for r in REPLICAS},
            temporal,
            databases,
            processes,
            start,
        )
        yield platform
    finally:
        for channel in channels:
            await channel.close(None)
        for process, replica in [("worker", r) for r in WORKERS] + [(p, r) for p in SERVICES for r in REPLICAS]:
            if _name(process, replica) in stack.processes:
                stack.processes.pop(_name(process, replica)).stop()
        for url in databases.values():
            await drop_database(postgres_server, url)
