"""Emergencies first: alerts have a task queue of their own, and a worker serves the general queue, the emergency
queue or both — the general one still running EmergencyDispatch for alerts begun there before the split."""

from __future__ import annotations

import pytest

from devstack.stack import Secrets
from services.runtime.config import load_settings
from services.runtime.env import ConfigError
from workflows.emergency_dispatch import EmergencyDispatch
from workflows.worker import EMERGENCY_WORKFLOWS, WORKFLOWS, queues_served

SECRETS = Secrets()


def worker_env(**env: str) -> dict[str, str]:
    return {**SECRETS.as_environment("worker"), **env}


def test_the_emergency_queue_is_the_general_one_followed_by_emergency_unless_named() -> None:
    assert load_settings("worker", worker_env()).emergency_task_queue == "linli-emergency"
    assert load_settings("worker", worker_env(LINLI_TASK_QUEUE="alerts-e2e")).emergency_task_queue == (
        "alerts-e2e-emergency"
    )
    named = load_settings("worker", worker_env(LINLI_EMERGENCY_TASK_QUEUE="sos"))
    assert (named.task_queue, named.emergency_task_queue) == ("linli", "sos")


def test_an_emergency_queue_shared_with_the_bulk_is_refused() -> None:
    with pytest.raises(ConfigError, match="LINLI_EMERGENCY_TASK_QUEUE"):
        load_settings("worker", worker_env(LINLI_EMERGENCY_TASK_QUEUE="linli"))


@pytest.mark.parametrize(
    ("serves", "queues"),
    [
        ("", [("linli", False), ("linli-emergency", True)]),
        ("all", [("linli", False), ("linli-emergency", True)]),
        ("emergency", [("linli-emergency", True)]),
        ("bulk", [("linli", False)]),
    ],
)
def test_a_worker_polls_the_queues_it_is_told_to(serves: str, queues: list[tuple[str, bool]]) -> None:
    assert queues_served(load_settings("worker", worker_env(LINLI_WORKER_QUEUES=serves))) == queues


def test_an_unknown_choice_of_queues_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="LINLI_WORKER_QUEUES: 'urgent'"):
        load_settings("worker", worker_env(LINLI_WORKER_QUEUES="urgent"))


def test_the_general_queue_keeps_emergency_dispatch_for_alerts_begun_there() -> None:
    assert EMERGENCY_WORKFLOWS == [EmergencyDispatch]
    assert EmergencyDispatch in WORKFLOWS


def test_a_service_ends_connections_after_five_minutes_unless_told_otherwise() -> None:
    assert load_settings("worker", worker_env()).grpc_max_connection_age.total_seconds() == 300
    assert (
        load_settings("worker", worker_env(LINLI_GRPC_MAX_CONNECTION_AGE="0s")).grpc_max_connection_age.total_seconds()
        == 0
    )
