"""A real Prometheus (Debian's package's server) with linli's rules against a running platform: an emergency alert
nobody answers makes the unacknowledged-alert and escalated-to-the-street alerts fire, and an answer resolves them.

The rules are linli's own files with every `for:` shortened to 1 s (the test cannot wait minutes); the threshold is
the platform's own: the alert platform's 3 s time-outs (tests/e2e/helpers/alerts.py), exported by dispatch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from linli.dispatch.v1 import dispatch_pb2 as dis

from devstack.client import Api
from devstack.monitoring import prometheus as monitoring
from devstack.monitoring.prometheus import JOBS, alerts, rule_files, start_prometheus, write_config
from devstack.ports import on_free_ports
from devstack.processes import ChildProcess
from devstack.stack import LocalStack
from tests.e2e.helpers.alerts import AlertPlatform, as_member, raise_alert, running_alert_platform, scene
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.ids import new_request_id
from tests.helpers.promql import prometheus

UNANSWERED = "LinliEmergencyAlertUnacknowledged"
AT_THE_STREET = "LinliEmergencyAlertEscalatedToStreet"


@dataclass
class Monitored:
    platform: AlertPlatform
    port: int


@pytest.fixture
async def own_alert_platform(stack: LocalStack, postgres_server: str) -> AsyncIterator[AlertPlatform]:
    """A dispatch and worker of this test's own, so no other test's alert is left waiting in its database."""
    async with running_alert_platform(stack, postgres_server, tag="monitored", first_alert_id=60000000) as platform:
        yield platform


@pytest.fixture
def monitored(stack: LocalStack, own_alert_platform: AlertPlatform, tmp_path: Path) -> Iterator[Monitored]:
    targets = {job: [stack.ports.metrics(process)] for process, job in JOBS.items()}
    # Its dispatch, not the main stack's: replicas of one deployment share its time-outs, and the main stack's are
    # the defaults (the limit would be the larger of the two).
    targets["linli-dispatch"] = [own_alert_platform.metrics_port]
    targets["linli-worker"].append(stack.processes["worker-monitored"].ports["metrics"])
    rules = rule_files(tmp_path / "rules", shorten_for="1s")
    config = write_config(tmp_path / "prometheus.yaml", targets, rules, interval="1s")

    def start(ports: list[int]) -> ChildProcess:
        return start_prometheus(prometheus(), tmp_path / "prometheus", ports[0], config)

    server = on_free_ports(1, start)
    try:
        yield Monitored(own_alert_platform, server.ports["web"])
    finally:
        server.stop()  # by its own pid


def firing(port: int) -> dict[str, dict[str, object]]:
    return {a["labels"]["alertname"]: a for a in alerts(port) if a["state"] == "firing"}


async def test_an_emergency_alert_nobody_answers_fires_in_prometheus_and_resolves_once_answered(
    api: Api, monitored: Monitored
) -> None:
    port, platform = monitored.port, monitored.platform

    async def every_target_up() -> bool:
        targets = (await asyncio.to_thread(monitoring.api, port, "targets"))["activeTargets"]
        return len(targets) == 5 and all(t["health"] == "up" for t in targets)

    await eventually(every_target_up, timeout=30, what="Prometheus scraping the five processes")
    assert UNANSWERED not in firing(port) and "LinliProcessDown" not in firing(port)

    s = await scene(api, platform)
    alert = await raise_alert(api, platform, s.building_id)

    async def both_fire() -> bool:
        now = await asyncio.to_thread(firing, port)
        return UNANSWERED in now and AT_THE_STREET in now

    # Five calls of 3 s reach the street; dispatch reads the database every 15 s.
    await eventually(both_fire, timeout=75, what=f"{UNANSWERED} and {AT_THE_STREET} firing")
    fired = firing(port)[UNANSWERED]
    assert fired["labels"]["severity"] == "page"  # type: ignore[index]
    assert fired["annotations"]["runbook_url"] == f"docs/runbooks/{UNANSWERED}.md"  # type: ignore[index]

    await platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id, member_id=s.in_grid),
        metadata=as_member(api, s.in_grid, s.community_id),
    )

    async def both_resolved() -> bool:
        names = {a["labels"]["alertname"] for a in await asyncio.to_thread(alerts, port)}
        return not names & {UNANSWERED, AT_THE_STREET}

    await eventually(both_resolved, timeout=45, what="both alerts resolved once someone answered")
