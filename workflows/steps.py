"""What the steps (the workflows' Temporal activities) share: calling a linli service — one gRPC call, its failure
turned into what Temporal should do about it: retry with back-off, or give up at once when retrying cannot
help — and the counter of Temporal Schedule runs."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import grpc
from temporalio import activity
from temporalio.common import MetricCounter
from temporalio.exceptions import ApplicationError

from workflows.metrics import SCHEDULE_RUNS

T = TypeVar("T")

# A caller's mistake or a missing record will not heal by retrying.
PERMANENT = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.PERMISSION_DENIED,
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.FAILED_PRECONDITION,
    }
)
# Twice the service channel's default: a step keeps no caller waiting, and Temporal bounds and retries it.
TIMEOUT_SECONDS = 10


def step_failure(exc: grpc.aio.AioRpcError) -> ApplicationError:
    """The failure a step raises for a refused call: typed by its status code, retried unless it is permanent."""
    return ApplicationError(
        f"{exc.code().name}: {exc.details()}", type=exc.code().name, non_retryable=exc.code() in PERMANENT
    )


async def call(rpc: Awaitable[T]) -> T:
    try:
        return await rpc
    except grpc.aio.AioRpcError as exc:
        raise step_failure(exc) from None


def schedule_runs() -> MetricCounter:
    """Runs of linli's Temporal Schedules, by schedule kind and outcome (among the SDK's metrics, on the worker)."""
    return activity.metric_meter().create_counter(*SCHEDULE_RUNS)
