"""Replicas everywhere: two registries, two wishes services, two dispatch services, two workers of the general queue
and one of the emergency queue on one Postgres and one Temporal (tests/e2e/helpers/replicas.py), under load. Claims
stay exactly once across replicas, every committed transition reaches its workflow, each Schedule is one however many
replicas keep it and runs once per trigger, a replica SIGKILLed mid-load loses nothing, and alerts run on their own
queue — those begun on the general one before the split finishing there."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.dispatch.v1 import dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from devstack.client import Api
from devstack.stack import LocalStack
from services.dispatch.alerts import contract as alerts
from services.dispatch.duty import contract as duty
from services.registry import retention_contract as retention
from services.registry.commitments import contract as commitments
from services.registry.reports import contract as reports
from services.runtime.auth import Role
from services.wishes.contract import TRANSITION_SIGNAL, workflow_id
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import Community, make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.replicas import TASK_QUEUE, ReplicaPlatform, running_replica_platform
from tests.e2e.helpers.times import in_days
from workflows.wish_lifecycle import WishLifecycle

CONTESTED = 12  # wishes every member tries to claim at once
CLAIMANTS = 6
SUBMITTED = 30  # wishes submitted while a wishes replica and a worker are killed
LOST = {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED}


@pytest.fixture(scope="module")
async def platform(stack: LocalStack, api: Api, postgres_server: str) -> AsyncIterator[ReplicaPlatform]:
    async with running_replica_platform(stack, api, postgres_server) as running:
        yield running


@pytest.fixture(scope="module")
async def community(platform: ReplicaPlatform) -> Community:
    return await make_community(platform.api)


async def _published(platform: ReplicaPlatform, community: Community, replica: str) -> str:
    wishes, admin = platform.wishes[replica], platform.api.admin
    submitted = await wishes.SubmitWish(
        wish.SubmitWishRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            text="我要一个音响组织大家跳舞",
            source=wish.WISH_SOURCE_HOTLINE,
            resident_name="张三",
            resident_contact="13800001111",
        ),
        metadata=admin,
    )
    wish_id = submitted.wish.id
    approval = wish.Approval(category=wish.WISH_CATEGORY_CULTURE, service_standard="借到音响", deadline=in_days(14))
    await wishes.ReviewWish(
        wish.ReviewWishRequest(request_id=new_request_id(), wish_id=wish_id, approve=approval), metadata=admin
    )
    await wishes.PublishWish(wish.PublishWishRequest(request_id=new_request_id(), wish_id=wish_id), metadata=admin)
    return str(wish_id)


async def _claim(platform: ReplicaPlatform, replica: str, wish_id: str, member_id: str) -> grpc.StatusCode:
    try:
        await platform.wishes[replica].ClaimWish(
            wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wish_id, member_id=member_id),
            metadata=platform.api.admin,
        )
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def _transitions(url: str) -> dict[str, list[tuple[int, str, bool]]]:
    """Every committed transition of every wish, as the wishes' outbox holds it: (version, state, delivered)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "select wish_id, version, state, delivered_at is not null as delivered from wishes.wish_events"
            " where kind = 'transition' order by wish_id, version"
        )
    finally:
        await conn.close()
    found: dict[str, list[tuple[int, str, bool]]] = {}
    for row in rows:
        found.setdefault(str(row["wish_id"]), []).append((row["version"], row["state"], row["delivered"]))
    return found


async def _signalled_versions(temporal: Client, wish_id: str) -> list[int]:
    """The versions the wish's workflow was told of, in its history's order (a repeat is allowed: at least once)."""
    versions = []
    async for event in temporal.get_workflow_handle(workflow_id(wish_id)).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            attributes = event.workflow_execution_signaled_event_attributes
            if attributes.signal_name == TRANSITION_SIGNAL:
                versions.append(json.loads(attributes.input.payloads[0].data)["version"])
    return versions


async def _all_delivered(platform: ReplicaPlatform, wish_ids: set[str]) -> dict[str, list[tuple[int, str, bool]]]:
    committed: dict[str, list[tuple[int, str, bool]]] = {}

    async def delivered() -> bool:
        nonlocal committed
        committed = {k: v for k, v in (await _transitions(platform.databases["wishes"])).items() if k in wish_ids}
        return set(committed) == wish_ids and all(done for rows in committed.values() for *_, done in rows)

    await eventually(delivered, "every committed transition delivered")
    return committed


async def _each_reached_its_workflow(
    platform: ReplicaPlatform, committed: dict[str, list[tuple[int, str, bool]]]
) -> None:
    """Each committed version told to its workflow, none it never committed, and the workflow at the last one."""
    for wish_id, rows in committed.items():
        signalled = await _signalled_versions(platform.temporal, wish_id)
        assert set(signalled) == {version for version, *_ in rows}, wish_id
        status = await platform.temporal.get_workflow_handle(workflow_id(wish_id)).query(WishLifecycle.status)
        assert (status.version, status.state) == rows[-1][:2], wish_id


async def test_members_claiming_the_same_wishes_through_both_replicas_get_one_winner_each(
    platform: ReplicaPlatform, community: Community
) -> None:
    members = [
        (await register_member(platform.api, community.community_id, name=f"党员{n}")).id for n in range(CLAIMANTS)
    ]
    wish_ids = await asyncio.gather(*(_published(platform, community, "ab"[n % 2]) for n in range(CONTESTED)))
    attempts = [
        (wish_id, member, "ab"[(n + m) % 2]) for n, wish_id in enumerate(wish_ids) for m, member in enumerate(members)
    ]
    random.shuffle(attempts)
    codes = await asyncio.gather(*(_claim(platform, replica, w, m) for w, m, replica in attempts))
    by_wish: dict[str, Counter[grpc.StatusCode]] = {wish_id: Counter() for wish_id in wish_ids}
    for (wish_id, _, _), code in zip(attempts, codes, strict=True):
        by_wish[wish_id][code] += 1
    for wish_id, outcome in by_wish.items():
        assert outcome[grpc.StatusCode.OK] == 1, (wish_id, outcome)
        assert set(outcome) - {grpc.StatusCode.OK} <= LOST, (wish_id, outcome)
    # Both replicas took claims, and some of each lost: the race really crossed them.
    winners = {
        wish_id: (
            await platform.api.wishes.GetWish(wish.GetWishRequest(wish_id=wish_id), metadata=platform.api.admin)
        ).wish
        for wish_id in wish_ids
    }
    assert all(w.state == wish.WISH_STATE_CLAIMED and w.claimant_member_id in members for w in winners.values())

    committed = await _all_delivered(platform, set(wish_ids))
    # submitted, approved, published, claimed: four transitions a wish, each told to its workflow.
    assert all(
        [state for _, state, _ in rows] == ["submitted", "approved", "published", "claimed"]
        for rows in committed.values()
    )
    await _each_reached_its_workflow(platform, committed)


async def _submit_until_taken(
    platform: ReplicaPlatform, community: Community, first: str, request_id: str, refused: list[str]
) -> str:
    """A submission as a calling system makes it: retried with its request id through the other replica when the
    one it called is gone (each refusal noted in `refused`)."""
    replicas = [first, "b" if first == "a" else "a"]
    for attempt in range(20):
        replica = replicas[attempt % 2]
        try:
            response = await platform.wishes[replica].SubmitWish(
                wish.SubmitWishRequest(
                    request_id=request_id,
                    community_id=community.community_id,
                    text="我希望就近打工",
                    source=wish.WISH_SOURCE_HOTLINE,
                    resident_name="李四",
                    resident_contact="13800002222",
                ),
                metadata=platform.api.admin,
                timeout=5,
            )
            return str(response.wish.id)
        except grpc.aio.AioRpcError as error:
            if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise
            refused.append(replica)
            await asyncio.sleep(0.1)
    raise AssertionError(f"{request_id} never taken")


async def test_a_wishes_replica_and_a_worker_killed_mid_load_lose_nothing(
    platform: ReplicaPlatform, community: Community
) -> None:
    request_ids = [new_request_id() for _ in range(SUBMITTED)]
    done: list[str] = []
    refused: list[str] = []
    gate = asyncio.Semaphore(4)
    third, killed = asyncio.Event(), asyncio.Event()

    async def submit(n: int) -> str:
        if n >= 2 * SUBMITTED // 3:
            await killed.wait()  # the last third surely after the kill; the middle one races it
        async with gate:
            wish_id = await _submit_until_taken(platform, community, "ab"[n % 2], request_ids[n], refused)
            done.append(wish_id)
            if len(done) == SUBMITTED // 3:
                third.set()
            return wish_id

    async def kill() -> None:
        await third.wait()
        for name in ("wishes-b", "worker-b"):
            await asyncio.to_thread(platform.processes[name].kill)
        killed.set()

    wish_ids, _ = await asyncio.gather(asyncio.gather(*(submit(n) for n in range(SUBMITTED))), kill())
    # The kill happened mid-load: calls that went to the killed replica were refused and taken by the other.
    assert not platform.processes["wishes-b"].alive() and refused and set(refused) == {"b"}

    # Count in = count out: one wish a request id, every one in the service and told to its workflow.
    assert len(set(wish_ids)) == SUBMITTED
    listed: set[str] = set()
    page = ""
    while True:
        response = await platform.api.wishes.ListWishes(
            wish.ListWishesRequest(
                org_unit_id=community.community_id, state=wish.WISH_STATE_SUBMITTED, page_size=200, page_token=page
            ),
            metadata=platform.api.admin,
        )
        listed |= {w.id for w in response.wishes}
        if not (page := response.next_page_token):
            break
    assert listed == set(wish_ids)
    committed = await _all_delivered(platform, set(wish_ids))
    assert all([state for _, state, _ in rows] == ["submitted"] for rows in committed.values())
    await _each_reached_its_workflow(platform, committed)


async def _runs(temporal: Client, workflow_type: str) -> list[WorkflowExecutionStatus | None]:
    return [w.status async for w in temporal.list_workflows(f'WorkflowType="{workflow_type}"')]


async def test_schedules_kept_by_two_replicas_are_one_and_run_once_per_trigger(
    platform: ReplicaPlatform, community: Community
) -> None:
    street = await platform.api.registry.GetOrgUnit(
        reg.GetOrgUnitRequest(org_unit_id=community.street_id), metadata=platform.api.admin
    )
    city_id = street.org_unit.ancestor_ids[0]  # the root of the tree: 宝鸡市, LINLI_REPORT_UNITS of both registries
    # Every Schedule a deployment always has (dispatch's and the registry's), and the city's reports.
    kept = {duty.SCHEDULE_ID, commitments.SCHEDULE_ID, retention.SCHEDULE_ID}
    expected = kept | {schedule_id for schedule_id, _ in reports.report_schedules(city_id, "UTC", "-")}

    async def schedule_ids() -> list[str]:
        return [s.id async for s in await platform.temporal.list_schedules()]

    async def all_made() -> bool:
        return expected <= set(await schedule_ids())

    # Two dispatch replicas keep the duty-gap Schedule, two registries theirs and the city's reports: one of each.
    await eventually(all_made, f"the schedules {expected}")
    assert Counter(await schedule_ids()) == Counter(expected)

    handle = platform.temporal.get_schedule_handle(duty.SCHEDULE_ID)
    for triggered in (1, 2):
        await handle.trigger()

        async def completed(count: int = triggered) -> bool:
            runs = await _runs(platform.temporal, duty.WORKFLOW)
            return runs.count(WorkflowExecutionStatus.COMPLETED) == count

        await eventually(completed, f"{triggered} duty-gap runs completed")
    await asyncio.sleep(1)
    assert await _runs(platform.temporal, duty.WORKFLOW) == [WorkflowExecutionStatus.COMPLETED] * 2


async def _on_duty(platform: ReplicaPlatform, community: Community) -> str:
    """A volunteer on duty in the community every day of the week."""
    volunteer = (await register_member(platform.api, community.community_id, name="值班员")).id
    await platform.api.dispatch.SetWeeklyDutyPattern(
        dis.SetWeeklyDutyPatternRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            slots=[dis.WeeklyDutySlot(weekday=day, slot=dis.DutySlot(member_id=volunteer)) for day in range(1, 8)],
        ),
        metadata=platform.api.admin,
    )
    return volunteer


async def _raised_and_called(
    platform: ReplicaPlatform, dispatch: dispatch_pb2_grpc.DispatchServiceStub, community: Community, volunteer: str
) -> str:
    raised = await dispatch.RaiseAlert(
        dis.RaiseAlertRequest(
            request_id=new_request_id(),
            kind=dis.ALERT_KIND_FALL,
            unit_id=community.community_id,
            address="2单元301",
            device_id="nanny-0042",
        ),
        metadata=platform.api.token(Role.SYSTEM, subject="elder-care-monitoring"),
    )
    alert_id = raised.alert.id

    async def volunteer_called() -> bool:
        got = await dispatch.GetAlert(dis.GetAlertRequest(alert_id=alert_id), metadata=platform.api.admin)
        return f"member:{volunteer}" in [e.recipient for e in got.timeline if e.kind == dis.ALERT_EVENT_KIND_CALLED]

    await eventually(volunteer_called, "the volunteer on duty called")
    return str(alert_id)


async def test_an_alert_runs_on_the_emergency_queue_beside_the_bulk(
    platform: ReplicaPlatform, community: Community
) -> None:
    volunteer = await _on_duty(platform, community)
    # Called at all: the general queue's workers do not poll the emergency queue, so the emergency worker ran it.
    alert_id = await _raised_and_called(platform, platform.api.dispatch, community, volunteer)
    described = await platform.temporal.get_workflow_handle(alerts.workflow_id(alert_id)).describe()
    assert described.task_queue == f"{TASK_QUEUE}-emergency"


async def test_an_alert_begun_on_the_general_queue_before_the_upgrade_finishes_there(
    platform: ReplicaPlatform, community: Community
) -> None:
    """A rolling upgrade: dispatch as it was before alerts had a queue of their own (it started them on the general
    one) raises an alert; the upgraded dispatch takes its answers, and the general queue's workers (LINLI_WORKER_QUEUES
    bulk) see it through."""
    volunteer = await _on_duty(platform, community)
    before_the_split = {"LINLI_TASK_QUEUE": f"{TASK_QUEUE}-before", "LINLI_EMERGENCY_TASK_QUEUE": TASK_QUEUE}
    await asyncio.to_thread(platform.processes["dispatch-b"].stop)  # so the old one alone relays the alert's start
    await asyncio.to_thread(platform.restart, "dispatch", "a", **before_the_split)
    port = platform.processes["dispatch-a"].ports["grpc"]
    async with platform.stack.channel(port) as old:
        alert_id = await _raised_and_called(platform, dispatch_pb2_grpc.DispatchServiceStub(old), community, volunteer)
    handle = platform.temporal.get_workflow_handle(alerts.workflow_id(alert_id))
    assert (await handle.describe()).task_queue == TASK_QUEUE

    await asyncio.to_thread(platform.restart, "dispatch", "a")  # the upgrade
    me = platform.api.token(Role.MEMBER, scope=community.community_id, subject=volunteer)
    async with platform.stack.channel(port) as new:
        upgraded = dispatch_pb2_grpc.DispatchServiceStub(new)
        await upgraded.AcknowledgeAlert(
            dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert_id, member_id=volunteer),
            metadata=me,
        )
        await upgraded.ResolveAlert(
            dis.ResolveAlertRequest(
                request_id=new_request_id(), alert_id=alert_id, outcome=dis.ALERT_OUTCOME_HELPED_ON_SITE, note="扶起"
            ),
            metadata=me,
        )

    async def finished() -> bool:
        return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED

    await eventually(finished, "the alert's workflow finished on the general queue")
    assert (await handle.describe()).task_queue == TASK_QUEUE
