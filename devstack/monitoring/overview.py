"""The overview dashboard: each service's calls — rate, errors, latency by method — and whether its replicas are
ready."""

from __future__ import annotations

from devstack.monitoring import metrics as m
from devstack.monitoring.grafana import Dashboard, Panel, Query, Row, Variable, per_second, quantile, selector

_JOB = 'job=~"$job"'
_CALLS = (_JOB, 'grpc_service=~"$service"')
_SERVER_ERRORS = f'grpc_code=~"{"|".join(m.SERVER_ERROR_CODES)}"'
_WINDOW = "$__rate_interval"


def _error_ratio(by: tuple[str, ...]) -> str:
    return f"{per_second(m.GRPC_HANDLED, by, *_CALLS, _SERVER_ERRORS)} / {per_second(m.GRPC_HANDLED, by, *_CALLS)}"


def _latency(q: float, by: tuple[str, ...]) -> str:
    return quantile(q, m.GRPC_SECONDS, _WINDOW, by, *_CALLS, 'grpc_type="unary"')


CALLS = Row(
    "Calls by service",
    (
        Panel(
            "Requests per second",
            "Calls completed per second, by gRPC service.",
            "reqps",
            (Query(per_second(m.GRPC_HANDLED, ("grpc_service",), *_CALLS), "{{grpc_service}}"),),
            width=8,
        ),
        Panel(
            "Error ratio",
            f"Share of calls that failed on the server ({', '.join(m.SERVER_ERROR_CODES)}), by gRPC service. "
            "A caller's mistake (INVALID_ARGUMENT, NOT_FOUND, …) is an answer, not an error: see the panel by code.",
            "percentunit",
            (Query(_error_ratio(("grpc_service",)), "{{grpc_service}}"),),
            width=8,
        ),
        Panel(
            "Calls in flight",
            "Calls started and not yet completed, by gRPC service.",
            "short",
            (
                Query(
                    f"sum by (grpc_service) ({selector(m.GRPC_STARTED, *_CALLS)})"
                    f" - sum by (grpc_service) ({selector(m.GRPC_HANDLED, *_CALLS)})",
                    "{{grpc_service}}",
                ),
            ),
            width=8,
        ),
        Panel(
            "Latency p50 and p99",
            "Time to handle a unary call, by gRPC service.",
            "s",
            (
                Query(_latency(0.5, ("grpc_service",)), "p50 {{grpc_service}}"),
                Query(_latency(0.99, ("grpc_service",)), "p99 {{grpc_service}}"),
            ),
        ),
        Panel(
            "Answers other than OK, by code",
            "Calls per second that ended in a status other than OK, by code: callers' mistakes and refusals as well "
            "as the server's failures.",
            "reqps",
            (Query(per_second(m.GRPC_HANDLED, ("grpc_code",), *_CALLS, 'grpc_code!="OK"'), "{{grpc_code}}"),),
            stacked=True,
        ),
    ),
)

METHODS = Row(
    "By method",
    (
        Panel(
            "Requests per second by method",
            "Calls completed per second, by service and method.",
            "reqps",
            (Query(per_second(m.GRPC_HANDLED, ("grpc_service", "grpc_method"), *_CALLS), "{{grpc_method}}"),),
        ),
        Panel(
            "Error ratio by method",
            "Share of each method's calls that failed on the server.",
            "percentunit",
            (Query(_error_ratio(("grpc_service", "grpc_method")), "{{grpc_method}}"),),
        ),
        Panel(
            "Latency p50 by method",
            "Median time to handle a unary call, by service and method.",
            "s",
            (Query(_latency(0.5, ("grpc_service", "grpc_method")), "{{grpc_method}}"),),
        ),
        Panel(
            "Latency p99 by method",
            "99th percentile of the time to handle a unary call, by service and method.",
            "s",
            (Query(_latency(0.99, ("grpc_service", "grpc_method")), "{{grpc_method}}"),),
        ),
    ),
)

REPLICAS = Row(
    "Replicas",
    (
        Panel(
            "Ready replicas",
            "Replicas whose database answers and whose migrations are applied (health SERVING), by service.",
            "short",
            (Query(f"sum by (service) ({selector(m.SERVICE_READY, _JOB)})", "{{service}}"),),
            width=8,
        ),
        Panel(
            "Scrape targets up",
            "Processes Prometheus reached on their last scrape, by job.",
            "short",
            (Query(f"sum by (job) ({selector('up', _JOB)})", "{{job}}"),),
            width=8,
        ),
        Panel(
            "Age of the revoked-token list",
            "Time since each job's oldest replica last read the revoked tokens; a growing age means revocations "
            "are not reaching it.",
            "s",
            (Query(f"max by (job) (time() - {selector(m.REVOCATIONS_READ, _JOB)})", "{{job}}"),),
            width=8,
        ),
        Panel(
            "Calling systems' calls refused",
            "Calls of calling systems refused before their handler ran, per second, by system and reason.",
            "reqps",
            (Query(per_second(m.SYSTEM_CALLS_REFUSED, ("system", "reason"), _JOB), "{{system}} {{reason}}"),),
            width=24,
        ),
    ),
)

DASHBOARD = Dashboard(
    name="overview",
    title="linli — overview",
    description="Each service's calls (rate, errors, latency by method, from go-grpc-prometheus' metrics) and its "
    "replicas.",
    rows=(CALLS, METHODS, REPLICAS),
    namespace_metric=m.GRPC_HANDLED,
    variables=(
        Variable("job", "job", m.GRPC_HANDLED, "Job"),
        Variable("service", "grpc_service", m.GRPC_HANDLED, "gRPC service"),
    ),
    tags=("grpc",),
)
