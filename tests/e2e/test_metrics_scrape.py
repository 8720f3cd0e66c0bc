"""The four processes' /metrics, scraped from a running platform: every metric an alert or recording rule reads is
exported by one of them, and `promtool check metrics` has nothing to say about any scrape."""

from __future__ import annotations

import asyncio
import subprocess
import uuid

from linli.dispatch.v1 import dispatch_pb2 as dis
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client

from devstack.client import Api
from devstack.stack import REPO, LocalStack
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.helpers.promql import base_metrics, metric_names, promtool, recording_rules, rules
from tests.helpers.scrape import sample_value, scrape

PROCESSES = ("registry", "wishes", "dispatch", "worker")
RULE_FILES = sorted((REPO / "deploy/monitoring/rules").glob("*.yaml"))
# Made by Prometheus itself for every target, not by a process.
SYNTHETIC = {"up"}


def sample_names(body: str) -> set[str]:
    """The names of the samples a scrape holds: a histogram's _bucket, _sum and _count, a counter's _total."""
    return {sample.name for family in text_string_to_metric_families(body) for sample in family.samples}


async def scrapes(stack: LocalStack) -> dict[str, str]:
    bodies = await asyncio.gather(*(asyncio.to_thread(scrape, stack.ports.metrics(p)) for p in PROCESSES))
    return dict(zip(PROCESSES, bodies, strict=True))


async def a_rostered_community_with_tomorrow_half_uncovered(api: Api) -> str:
    """The duty gauges have a series for each rostered community only."""
    community = await make_community(api)
    member = await register_member(api, community.community_id, name="值班")
    morning = dis.DutySlot(member_id=member.id, start_time="00:00", end_time="12:00")
    await api.dispatch.SetWeeklyDutyPattern(
        dis.SetWeeklyDutyPatternRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            slots=[dis.WeeklyDutySlot(weekday=day, slot=morning) for day in range(1, 8)],
        ),
        metadata=api.admin,
    )
    return community.community_id


async def a_workflow_task_failed(temporal: Client, stack: LocalStack) -> None:
    """The worker counts workflow task failures only once one has failed: a workflow type it does not know fails
    its tasks on the worker (the workflow is ended straight after)."""
    handle = await temporal.start_workflow("NoSuchWorkflow", id=f"metrics-scrape-{uuid.uuid4()}", task_queue="linli")
    try:
        await eventually(
            lambda: (
                sample_value(scrape(stack.ports.worker_metrics), "temporal_workflow_task_execution_failed_total") >= 1
            ),
            what="a workflow task failure counted by the worker",
        )
    finally:
        await handle.terminate("made to fail a workflow task")


async def test_every_metric_the_rules_read_is_exported_and_promtool_finds_every_scrape_clean(
    api: Api, stack: LocalStack, temporal: Client
) -> None:
    community_id = await a_rostered_community_with_tomorrow_half_uncovered(api)
    await a_workflow_task_failed(temporal, stack)

    async def duty_counted() -> bool:
        body = await asyncio.to_thread(scrape, stack.ports.dispatch_metrics)
        return sample_value(body, "linli_duty_uncovered_tomorrow", community_id=community_id) == 1

    await eventually(duty_counted, timeout=40, what="tomorrow's uncovered duty counted for the new community")

    bodies = await scrapes(stack)
    exported = set().union(*(sample_names(body) for body in bodies.values()))
    recorded = recording_rules(RULE_FILES)
    read = base_metrics(set().union(*(metric_names(str(rule["expr"])) for rule in rules(RULE_FILES))), recorded)
    assert len(read) >= 18  # every rule file read (a parse that finds nothing would pass the rest)
    assert sorted(read - SYNTHETIC - exported) == [], "metrics the rules read that no process exports"
    for process, body in bodies.items():
        checked = subprocess.run(
            [promtool(), "check", "metrics"], input=body, capture_output=True, text=True, check=False
        )
        assert (checked.returncode, checked.stdout + checked.stderr) == (0, ""), f"{process}'s /metrics"


def test_a_scrape_that_breaks_the_conventions_is_not_clean() -> None:
    """The check above can fail: promtool does complain of a counter without _total."""
    bad = "# HELP linli_things Things.\n# TYPE linli_things counter\nlinli_things 1\n"
    checked = subprocess.run([promtool(), "check", "metrics"], input=bad, capture_output=True, text=True, check=False)
    assert checked.returncode != 0 and "_total" in checked.stdout + checked.stderr
