"""The four processes' /metrics, scraped from a running platform: every metric an alert or recording rule reads, and
every metric a dashboard's query reads, is exported by one of them, every query parses, and `promtool check
metrics` has nothing to say about any scrape."""

from __future__ import annotations

import asyncio
import subprocess
import uuid

import pytest
from linli.dispatch.v1 import dispatch_pb2 as dis
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client, WorkflowFailureError

from devstack.client import Api
from devstack.monitoring.dashboards import all_queries
from devstack.stack import REPO, LocalStack
from services.dispatch.duty import contract as duty
from services.wishes.contract import TRANSITION_SIGNAL, WORKFLOW, WishLifecycleInput, WishLimits, WishTransition
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.helpers.promql import base_metrics, check_expressions_parse, metric_names, promtool, recording_rules, rules
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


def declared_names(body: str) -> set[str]:
    """The sample names of every family a scrape declares (# TYPE), samples or not yet: a labelled counter that has
    counted nothing is exported all the same, and a dashboard panel shows it as 0."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
    return {
        family.name + suffix
        for family in text_string_to_metric_families(body)
        for suffix in suffixes.get(family.type, ("",))
    }


async def the_worker_completed_and_failed_a_workflow(temporal: Client, stack: LocalStack) -> None:
    """The SDK's workflow and step metrics appear at their first event: one run completed (the evening duty
    notice, which finds nothing to tell here or something), and one failed on a step (the lifecycle of a wish that
    does not exist: its re-read is refused for good)."""
    await temporal.execute_workflow(
        duty.WORKFLOW, duty.DutyGapNoticeInput(), id=f"metrics-duty-{uuid.uuid4()}", task_queue="linli"
    )
    limits = WishLimits(review_seconds=0.5, publish_seconds=0.5, claim_seconds=0.5)
    lost = await temporal.start_workflow(
        WORKFLOW,
        WishLifecycleInput(wish_id="987654321", community_id="1", limits=limits),
        id=f"metrics-lost-wish-{uuid.uuid4()}",
        task_queue="linli",
        start_signal=TRANSITION_SIGNAL,
        start_signal_args=[WishTransition(1, "submitted")],
    )
    with pytest.raises(WorkflowFailureError):
        await lost.result()
    await a_workflow_task_failed(temporal, stack)


async def test_every_dashboard_query_parses_and_reads_only_metrics_the_platform_exports(
    stack: LocalStack, temporal: Client
) -> None:
    await the_worker_completed_and_failed_a_workflow(temporal, stack)
    queries = all_queries()
    check_expressions_parse(queries)
    bodies = await scrapes(stack)
    exported = set().union(*(sample_names(body) | declared_names(body) for body in bodies.values()))
    read = set().union(*(metric_names(query) for query in queries))
    assert len(read) >= 40  # every dashboard read
    missing = sorted(read - SYNTHETIC - exported)
    assert missing == [], f"metrics the dashboards read that no process exports: {missing}"


def test_a_scrape_that_breaks_the_conventions_is_not_clean() -> None:
    """The check above can fail: promtool does complain of a counter without _total."""
    bad = "# HELP linli_things Things.\n# TYPE linli_things counter\nlinli_things 1\n"
    checked = subprocess.run([promtool(), "check", "metrics"], input=bad, capture_output=True, text=True, check=False)
    assert checked.returncode != 0 and "_total" in checked.stdout + checked.stderr
