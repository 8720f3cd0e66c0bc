"""Prometheus metrics every service shares; each service adds its own domain metrics beside its code.

The RPC metric names follow go-grpc-prometheus, so ready-made gRPC dashboards and alerts work unchanged.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

RPC_HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, by method and status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
RPC_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Time to handle an RPC on the server, by method.",
    ["grpc_service", "grpc_method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RPC_IN_FLIGHT = Gauge("grpc_server_in_flight", "RPCs being handled right now.", ["grpc_service"])
SERVICE_READY = Gauge("linli_service_ready", "1 once the database answers and migrations are applied.", ["service"])
# Calling systems: what was refused them, by system and why (method, quota, streams, revoked).
SYSTEM_CALLS_REFUSED = Counter(
    "linli_system_calls_refused_total",
    "Calls of calling systems refused before their handler ran, by system and reason.",
    ["system", "reason"],
)
REVOCATIONS_READ = Gauge(
    "linli_revocations_read_timestamp_seconds", "When this process last read the revoked tokens (Unix time)."
)
REVOKED_TOKENS = Gauge("linli_revoked_tokens", "Revoked tokens not yet expired, as last read.")
REVOCATION_READ_FAILURES = Counter(
    "linli_revocation_read_failures_total", "Reads of the revoked tokens that failed (the last list is kept)."
)


def split_method(full_method: str) -> tuple[str, str]:
    """'/linli.wishes.v1.WishService/ClaimWish' -> ('linli.wishes.v1.WishService', 'ClaimWish')."""
    service, _, method = full_method.lstrip("/").partition("/")
    return service, method


def serve_metrics(host: str, port: int) -> None:
    """Exposes /metrics over HTTP on its own port (a daemon thread)."""
    start_http_server(port, addr=host)
