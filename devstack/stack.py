"""The whole platform as local processes: Postgres, Temporal, the three services and the worker.

`./linli up` runs it on the fixed ports below; the end-to-end tests run it on free ports in a temporary
folder. Processes are started with their own log files and stopped by their own pids.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from devstack.certificates import LocalCertificates
from devstack.files import write_private
from devstack.ports import ATTEMPTS, on_free_ports, pick
from devstack.postgres import EmbeddedPostgres
from devstack.postgres_front import start_front
from devstack.processes import ChildProcess
from devstack.temporal import start_dev_server
from services.runtime.token_keys import KeySet, SigningKey, parse_signing_key

REPO = Path(__file__).resolve().parent.parent
SERVICES = ("registry", "wishes", "dispatch")


@dataclass(frozen=True)
class Ports:
    postgres: int = 55432
    temporal: int = 7233
    temporal_ui: int = 8233
    registry: int = 50051
    wishes: int = 50052
    dispatch: int = 50053
    registry_metrics: int = 9101
    wishes_metrics: int = 9102
    dispatch_metrics: int = 9103
    worker_metrics: int = 9104
    prometheus: int = 9090  # with ./linli up --monitoring

    @classmethod
    def pick(cls) -> Ports:
        """Ports free right now (devstack/ports.py), for a run beside others: the tests, the benchmarks."""
        return cls(*pick(len(cls.__dataclass_fields__)))

    def grpc(self, service: str) -> int:
        port: int = getattr(self, service)
        return port

    def metrics(self, process: str) -> int:
        port: int = getattr(self, f"{process}_metrics")
        return port


def _private_jwk(kid: str, roles: tuple[str, ...]) -> str:
    return json.dumps(SigningKey.generate(f"{kid}-{secrets.token_hex(4)}", roles).as_jwk())


# Who signs what in the local run: the operator's key (./linli token) and the registry, which issues calling
# systems' credentials, sign for people and systems; wishes, dispatch and the worker each hold a key of their own that
# signs only service tokens.
ISSUER_ROLES = ("admin", "staff", "member", "system")
SERVICE_SIGNERS = ("wishes", "dispatch", "worker")


@dataclass(frozen=True)
class Secrets:
    issuer_key: str = field(default_factory=lambda: _private_jwk("local-issuer", ISSUER_ROLES))
    service_keys: dict[str, str] = field(
        default_factory=lambda: {name: _private_jwk(f"local-{name}", ("service",)) for name in SERVICE_SIGNERS}
    )
    data_keys: str = field(default_factory=lambda: f"k1:{base64.b64encode(os.urandom(32)).decode()}")
    lookup_key: str = field(default_factory=lambda: base64.b64encode(os.urandom(32)).decode())
    postgres_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @classmethod
    def generate(cls) -> Secrets:
        return cls()

    @property
    def issuer(self) -> SigningKey:
        """The key that signs tokens for people and calling systems."""
        return parse_signing_key(self.issuer_key)

    def signing_key(self, process: str) -> SigningKey:
        """The private key one process signs its tokens with."""
        return parse_signing_key(self.service_keys.get(process, self.issuer_key))

    def key_set(self) -> KeySet:
        """The public keys every process verifies tokens with."""
        signers = [self.issuer, *(parse_signing_key(key) for key in self.service_keys.values())]
        return KeySet.of(signer.public for signer in signers)

    def as_environment(self, process: str) -> dict[str, str]:
        """The variables that hand these secrets to one linli process: every public key, its own private one."""
        return {
            "LINLI_TOKEN_KEYS": json.dumps(self.key_set().as_jwks()),
            "LINLI_SIGNING_KEY": json.dumps(self.signing_key(process).as_jwk()),
            "LINLI_DATA_KEYS": self.data_keys,
            "LINLI_LOOKUP_KEY": self.lookup_key,
        }

    @classmethod
    def load_or_create(cls, path: Path) -> Secrets:
        """Kept in a file (mode 0600) so a restart can still decrypt what the last run stored; a secret the file
        lacks (one added since it was written) is generated and added."""
        known = json.loads(path.read_text()) if path.exists() else {}
        loaded = cls(**{name: value for name, value in known.items() if name in cls.__dataclass_fields__})
        if known != asdict(loaded):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_private(path, json.dumps(asdict(loaded)))
        return loaded


@dataclass
class LocalStack:
    home: Path
    ports: Ports
    secrets: Secrets
    database_url: str | None = None  # an external Postgres; the embedded one when None
    temporal_address: str | None = None  # an external Temporal; the dev server when None
    durable: bool = True
    temporal_ui: bool = False
    # The local run's fixed ports are used as they are; otherwise a port taken first is replaced by a new one.
    fixed_ports: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    # Every gRPC port, every service-to-service channel and the embedded Postgres take TLS, with certificates of a
    # local CA kept in home/tls (or the ones given).
    tls: bool = True
    certificates: LocalCertificates | None = None
    postgres: EmbeddedPostgres | None = None
    postgres_front: ChildProcess | None = None
    temporal: ChildProcess | None = None
    processes: dict[str, ChildProcess] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.tls and self.certificates is None:
            self.certificates = LocalCertificates.load_or_create(self.home / "tls")

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def ca_file(self) -> Path | None:
        """The CA the stack's certificates come from; None when it runs in plaintext."""
        return self.certificates.ca_file if self.tls and self.certificates else None

    def channel(self, port: int) -> grpc.aio.Channel:
        """A channel to one of the stack's gRPC ports on loopback, over TLS when the stack takes TLS (presenting the
        stack's certificate to a service that asks for a client certificate)."""
        if self.tls and self.certificates:
            return grpc.aio.secure_channel(f"127.0.0.1:{port}", self.certificates.credentials())
        return grpc.aio.insecure_channel(f"127.0.0.1:{port}")

    def start_postgres(self) -> None:
        if self.database_url:
            return
        public_port = self.ports.postgres if self.fixed_ports else None
        self.postgres = EmbeddedPostgres(
            self.home / "postgres",
            self.secrets.postgres_password,
            None if self.tls else public_port,  # behind the TLS front, Postgres itself listens where it may
            durable=self.durable,
        )
        self.postgres.start()
        assert self.postgres.port is not None  # start() set it
        self.postgres.create_database("linli")
        self.database_url = self.postgres.url("linli")
        if self.tls and self.certificates:
            self.postgres_front = start_front(
                self.postgres.port, self.certificates, self.logs / "postgres-tls.log", public_port
            )
            self.database_url = verify_full(
                self.database_url, self.postgres_front.ports["postgres"], self.certificates.ca_file
            )
        self.ports = replace(self.ports, postgres=urlsplit(self.database_url).port or 0)

    def start_temporal(self) -> None:
        if self.temporal_address:
            return
        self.temporal = start_dev_server(
            self.logs / "temporal.log",
            port=self.ports.temporal if self.fixed_ports else None,
            ui=self.temporal_ui,
            ui_port=self.ports.temporal_ui if self.fixed_ports else None,
            db_file=self.home / "temporal.db" if self.durable else None,
        )
        self.ports = replace(
            self.ports, temporal=self.temporal.ports["grpc"], temporal_ui=self.temporal.ports.get("ui", 0)
        )
        self.temporal_address = f"127.0.0.1:{self.ports.temporal}"

    def env(self, process: str, **overrides: str) -> dict[str, str]:
        """The environment of one linli process (docs/configuration.md lists every variable)."""
        assert self.database_url and self.temporal_address, "start Postgres and Temporal first"
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'protos'}",
            "DATABASE_URL": self.database_url,
            "TEMPORAL_ADDRESS": self.temporal_address,
            "LINLI_GRPC_PORT": str(self.ports.grpc(process)) if process in SERVICES else "0",
            "LINLI_METRICS_PORT": str(self.ports.metrics(process)),
            # As on Kubernetes, targets a resolver gives addresses for (localhost: the certificate's name), their
            # calls balanced round robin over them.
            "LINLI_REGISTRY_ADDRESS": f"dns:///localhost:{self.ports.registry}",
            "LINLI_WISHES_ADDRESS": f"dns:///localhost:{self.ports.wishes}",
            "LINLI_DISPATCH_ADDRESS": f"dns:///localhost:{self.ports.dispatch}",
            # The stack's own dev server registers them (devstack/temporal.py).
            "LINLI_SEARCH_ATTRIBUTES": "true",
            **self.secrets.as_environment(process),
            **(self.certificates.environment() if self.tls and self.certificates else {}),
            **self.extra_env,
            **overrides,
        }
        return env

    def start_process(self, process: str, name: str | None = None, **env_overrides: str) -> ChildProcess:
        """Starts a service ('registry', 'wishes', 'dispatch') or the 'worker' and waits until it listens (and a
        service is SERVING). Its `ports` say where: `grpc` (a service's) and `metrics`.

        It is kept under `name` (the process kind by default), so a test can run a second one beside the first; a
        second one gets ports of its own unless LINLI_GRPC_PORT / LINLI_METRICS_PORT are given.
        """
        name = name or process
        kinds = ("grpc", "metrics") if process in SERVICES else ("metrics",)
        variables = {"grpc": "LINLI_GRPC_PORT", "metrics": "LINLI_METRICS_PORT"}
        given = [int(env_overrides.pop(variables[kind])) for kind in kinds if variables[kind] in env_overrides]
        if given and len(given) != len(kinds):
            raise ValueError(f"give all of {[variables[k] for k in kinds]} or none")
        if given:
            planned: list[int] | None = given
        elif name == process:
            planned = [self.ports.grpc(process)] if process in SERVICES else []
            planned.append(self.ports.metrics(process))
        else:
            planned = None  # a second one: ports of its own

        def start(picked: list[int]) -> ChildProcess:
            ports = dict(zip(kinds, picked, strict=True))
            env = self.env(process, LINLI_METRICS_PORT=str(ports["metrics"]), **env_overrides)
            if "grpc" in ports:
                env["LINLI_GRPC_PORT"] = str(ports["grpc"])
            module = "workflows.worker" if process == "worker" else f"services.{process}"
            child = ChildProcess(name, [sys.executable, "-m", module], self.logs / f"{name}.log", env, REPO).start()
            try:
                child.wait_listening(ports)
                if "grpc" in ports:
                    # Over TLS unless this one was told to serve plaintext (its certificate variable set empty).
                    serves_tls = self.tls and bool(env.get("LINLI_TLS_CERT_FILE"))
                    wait_until_serving(ports["grpc"], child, certificates=self.certificates if serves_tls else None)
            except BaseException:
                child.stop()
                raise
            return child

        attempts = 1 if self.fixed_ports or given else ATTEMPTS
        child = on_free_ports(len(kinds), start, planned, attempts)
        if name == process:
            moved = {f"{process}_metrics": child.ports["metrics"]}
            if "grpc" in child.ports:
                moved[process] = child.ports["grpc"]
            self.ports = replace(self.ports, **moved)
        self.processes[name] = child
        return child

    def start(self) -> None:
        self.start_postgres()
        self.start_temporal()
        for process in (*SERVICES, "worker"):
            self.start_process(process)

    def stop(self) -> None:
        """Stops everything this stack started, the worker and services first, by their own pids."""
        for name in sorted(self.processes, key=lambda n: n in SERVICES):  # workers and extras first
            self.processes[name].stop()
        self.processes.clear()
        if self.temporal is not None:
            self.temporal.stop()
            self.temporal = None
        if self.postgres_front is not None:
            self.postgres_front.stop()
            self.postgres_front = None
        if self.postgres is not None:
            self.postgres.stop()


def verify_full(url: str, port: int, ca_file: Path) -> str:
    """The database URL on another port, its server checked against the CA and the host name (sslmode=verify-full)."""
    parts = urlsplit(url)
    netloc = f"{parts.netloc.rpartition(':')[0]}:{port}"
    query = urlencode({"sslmode": "verify-full", "sslrootcert": str(ca_file)}, safe="/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def open_channel(address: str, ca_file: Path | None) -> grpc.aio.Channel:
    """A channel as another system opens one: over TLS, trusting `ca_file`, when one is given; else plaintext."""
    if ca_file is None:
        return grpc.aio.insecure_channel(address)
    return grpc.aio.secure_channel(address, grpc.ssl_channel_credentials(ca_file.read_bytes()))


def wait_until_serving(
    port: int,
    child: ChildProcess | None = None,
    timeout: float = 60.0,
    *,
    certificates: LocalCertificates | None = None,
) -> None:
    """Polls the standard health check until the server reports SERVING (over TLS when given the certificates)."""
    deadline = time.monotonic() + timeout
    address = f"127.0.0.1:{port}"
    opened = (
        grpc.secure_channel(address, certificates.credentials())
        if certificates is not None
        else grpc.insecure_channel(address)
    )
    with opened as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if child is not None and not child.alive():
                raise RuntimeError(f"{child.name} exited before serving:\n{child.log_tail()}")
            try:
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
    tail = child.log_tail() if child else ""
    raise TimeoutError(f"nothing SERVING on 127.0.0.1:{port} after {timeout}s\n{tail}")
