"""Prometheus metrics every service shares; each service adds its own domain metrics beside its code.

The RPC metrics are go-grpc-prometheus's, names, labels and code spellings alike, so ready-made gRPC dashboards and
alerts work unchanged. Every method's series exist from the start at 0 (as its `InitializeMetrics` does), so a rate
or an error ratio has a series to read before the first call. docs/metrics.md lists every metric linli exports.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from google.protobuf import descriptor_pool
from prometheus_client import Counter, Gauge, Histogram, start_http_server

_METHOD = ["grpc_type", "grpc_service", "grpc_method"]
RPC_STARTED = Counter("grpc_server_started_total", "Total number of RPCs started on the server.", _METHOD)
RPC_HANDLED = Counter(
    "grpc_server_handled_total",
    "Total number of RPCs completed on the server, regardless of success or failure.",
    [*_METHOD, "grpc_code"],
)
RPC_MSG_RECEIVED = Counter(
    "grpc_server_msg_received_total", "Total number of RPC stream messages received on the server.", _METHOD
)
RPC_MSG_SENT = Counter(
    "grpc_server_msg_sent_total", "Total number of gRPC stream messages sent by the server.", _METHOD
)
RPC_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
    _METHOD,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
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


# Go's spelling of each status code (codes.Code.String()), which go-grpc-prometheus writes in `grpc_code`.
_GO_SPELLING = {grpc.StatusCode.OK: "OK", grpc.StatusCode.CANCELLED: "Canceled"}
GO_CODE_NAMES = {
    code: _GO_SPELLING.get(code) or "".join(word.capitalize() for word in code.name.split("_"))
    for code in grpc.StatusCode
}


def grpc_type(client_streaming: bool, server_streaming: bool) -> str:
    """go-grpc-prometheus's `grpc_type` of a method."""
    if client_streaming:
        return "bidi_stream" if server_streaming else "client_stream"
    return "server_stream" if server_streaming else "unary"


def initialise_rpc_metrics(service_names: Iterable[str]) -> None:
    """Every method's series at 0 (every code of handled_total), as go-grpc-prometheus's InitializeMetrics."""
    pool = descriptor_pool.Default()
    for service_name in service_names:
        for method in pool.FindServiceByName(service_name).methods:
            labels = (grpc_type(method.client_streaming, method.server_streaming), service_name, method.name)
            RPC_STARTED.labels(*labels)
            RPC_MSG_RECEIVED.labels(*labels)
            RPC_MSG_SENT.labels(*labels)
            RPC_SECONDS.labels(*labels)
            for code in GO_CODE_NAMES.values():
                RPC_HANDLED.labels(*labels, code)


def split_method(full_method: str) -> tuple[str, str]:
    """'/linli.wishes.v1.WishService/ClaimWish' -> ('linli.wishes.v1.WishService', 'ClaimWish')."""
    service, _, method = full_method.lstrip("/").partition("/")
    return service, method


def serve_metrics(host: str, port: int) -> None:
    """Exposes /metrics over HTTP on its own port (a daemon thread)."""
    start_http_server(port, addr=host)
