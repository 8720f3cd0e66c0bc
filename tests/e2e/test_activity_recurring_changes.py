"""Recurring activities listed, changed and deleted over gRPC, their Temporal Schedules following; and one created,
changed or deleted while Temporal could not be reached gets its Schedule (or loses it) once Temporal is back."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import grpc
import pytest
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, ScheduleActionStartWorkflow
from temporalio.service import RPCError

from devstack.client import Api
from devstack.stack import LocalStack
from services.dispatch.__main__ import MIGRATIONS
from services.runtime.auth import Role
from tests.e2e.helpers.activities import proposal
from tests.e2e.helpers.checks import eventually, refused
from tests.e2e.helpers.community import Community, make_community
from tests.e2e.helpers.ids import new_request_id
from tests.helpers.databases import create_database, drop_database, migrate_with_ids_from


def rhythm(community: Community, title: str, every_days: int = 3) -> act.RecurringActivity:
    template = proposal(community, kind=act.ACTIVITY_KIND_SMALL, title=title, capacity=30)
    for name in ("request_id", "start_time", "end_time", "signup_deadline"):
        template.ClearField(name)
    return act.RecurringActivity(template=template, every_days=every_days, lead_hours=48, duration_minutes=90)


async def create(
    activities: activities_pb2_grpc.ActivityServiceStub, api: Api, community: Community, title: str
) -> act.RecurringActivity:
    request = act.CreateRecurringActivityRequest(
        request_id=new_request_id(), recurring_activity=rhythm(community, title)
    )
    return (await activities.CreateRecurringActivity(request, metadata=api.admin)).recurring_activity


async def schedule_exists(temporal: Client, schedule_id: str) -> bool:
    try:
        await temporal.get_schedule_handle(schedule_id).describe()
    except RPCError:
        return False
    return True


async def test_recurring_activities_are_listed_changed_and_deleted_and_their_schedules_follow(
    api: Api, activities: activities_pb2_grpc.ActivityServiceStub, temporal: Client
) -> None:
    community = await make_community(api)
    made = [await create(activities, api, community, f"小型邻里活动{i}") for i in range(3)]

    # Listed by the street above them, paged, oldest first.
    listed, token = [], ""
    while True:
        page = await activities.ListRecurringActivities(
            act.ListRecurringActivitiesRequest(org_unit_id=community.street_id, page_size=2, page_token=token),
            metadata=api.admin,
        )
        listed += [r.id for r in page.recurring_activities]
        token = page.next_page_token
        if not token:
            break
    assert listed == [r.id for r in made]

    # A new rhythm and title: the Schedule runs every five days and proposes the new title.
    changed = rhythm(community, "大型邻里活动", every_days=5)
    changed.id = made[0].id
    update = act.UpdateRecurringActivityRequest(
        request_id=new_request_id(), recurring_activity=changed, expected_version=1
    )
    updated = (await activities.UpdateRecurringActivity(update, metadata=api.admin)).recurring_activity
    assert (updated.version, updated.every_days, updated.template.title, updated.schedule_pending) == (
        2,
        5,
        "大型邻里活动",
        False,
    )
    described = await temporal.get_schedule_handle(made[0].schedule_id).describe()
    assert described.schedule.spec.intervals[0].every == timedelta(days=5)
    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow) and isinstance(action.args[0], Payload)
    assert json.loads(action.args[0].data)["template"]["title"] == "大型邻里活动"
    # The same request again is its first answer; a change from a stale read is ABORTED.
    again = (await activities.UpdateRecurringActivity(update, metadata=api.admin)).recurring_activity
    assert again == updated
    stale = act.UpdateRecurringActivityRequest(
        request_id=new_request_id(), recurring_activity=changed, expected_version=1
    )
    await refused(
        activities.UpdateRecurringActivity(stale, metadata=api.admin), grpc.StatusCode.ABORTED, "expected_version"
    )

    # Deleted: its Schedule goes, the record stays, marked, and is listed only when asked for.
    delete = act.DeleteRecurringActivityRequest(
        request_id=new_request_id(), recurring_activity_id=made[1].id, note="场地改建"
    )
    deleted = (await activities.DeleteRecurringActivity(delete, metadata=api.admin)).recurring_activity
    assert deleted.HasField("delete_time") and not deleted.schedule_pending
    assert not await schedule_exists(temporal, made[1].schedule_id)
    assert (await activities.DeleteRecurringActivity(delete, metadata=api.admin)).recurring_activity == deleted
    live = await activities.ListRecurringActivities(
        act.ListRecurringActivitiesRequest(org_unit_id=community.community_id), metadata=api.admin
    )
    assert [r.id for r in live.recurring_activities] == [made[0].id, made[2].id]
    every = await activities.ListRecurringActivities(
        act.ListRecurringActivitiesRequest(org_unit_id=community.community_id, include_deleted=True), metadata=api.admin
    )
    assert len(every.recurring_activities) == 3
    changed.id = made[1].id
    await refused(
        activities.UpdateRecurringActivity(
            act.UpdateRecurringActivityRequest(request_id=new_request_id(), recurring_activity=changed),
            metadata=api.admin,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "recurring_activity.id",
    )
    # A run that started just before the deletion proposes nothing (for good: the step does not retry it).
    run = proposal(community, recurring_activity_id=made[1].id)
    await refused(
        activities.ProposeActivity(run, metadata=api.token(Role.SERVICE, subject="service:worker")),
        grpc.StatusCode.FAILED_PRECONDITION,
        "recurring_activity_id",
    )
    for r in (made[0], made[2]):
        await temporal.get_schedule_handle(r.schedule_id).delete()


@pytest.fixture
async def own_dispatch_database(postgres_server: str) -> AsyncIterator[str]:
    """A dispatch schema of its own, its recurring activities' ids far above the main stack's (whose Schedules share
    the one Temporal namespace)."""
    url = await create_database(postgres_server)
    first = random.randint(10**9, 10**12)
    await migrate_with_ids_from(url, "dispatch", MIGRATIONS, "activities", first)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("select setval(pg_get_serial_sequence('dispatch.recurring_activities', 'id'), $1)", first)
    finally:
        await conn.close()
    try:
        yield url
    finally:
        await drop_database(postgres_server, url)


async def test_a_recurring_activity_made_while_temporal_is_down_gets_its_schedule_when_it_is_back(
    api: Api, stack: LocalStack, temporal: Client, own_dispatch_database: str, refused_address: str
) -> None:
    community = await make_community(api)
    env = {"DATABASE_URL": own_dispatch_database, "LINLI_OUTBOX_POLL": "300ms"}
    cut_off = stack.start_process("dispatch", "dispatch-no-temporal", TEMPORAL_ADDRESS=refused_address, **env)
    try:
        async with stack.channel(cut_off.ports["grpc"]) as channel:
            alone = activities_pb2_grpc.ActivityServiceStub(channel)
            kept = await create(alone, api, community, "三会一课")
            gone = await create(alone, api, community, "临时活动")
            assert kept.schedule_pending and gone.schedule_pending  # committed, told so; not refused
            deleted = await alone.DeleteRecurringActivity(
                act.DeleteRecurringActivityRequest(request_id=new_request_id(), recurring_activity_id=gone.id),
                metadata=api.admin,
            )
            assert deleted.recurring_activity.schedule_pending
            read = await alone.GetRecurringActivity(
                act.GetRecurringActivityRequest(recurring_activity_id=kept.id), metadata=api.admin
            )
            assert read.recurring_activity.schedule_pending and not read.next_run_times
        cut_off.stop()
        assert not await schedule_exists(temporal, kept.schedule_id)

        back = stack.start_process(
            "dispatch", "dispatch-temporal-back", TEMPORAL_ADDRESS=stack.temporal_address or "", **env
        )
        await eventually(lambda: schedule_exists(temporal, kept.schedule_id), "the schedule made once Temporal is back")
        async with stack.channel(back.ports["grpc"]) as channel:
            again = activities_pb2_grpc.ActivityServiceStub(channel)

            async def in_step() -> bool:
                listed = await again.ListRecurringActivities(
                    act.ListRecurringActivitiesRequest(org_unit_id=community.community_id, include_deleted=True),
                    metadata=api.admin,
                )
                return not any(r.schedule_pending for r in listed.recurring_activities)

            await eventually(in_step, "every recurring activity's schedule in step")
            read = await again.GetRecurringActivity(
                act.GetRecurringActivityRequest(recurring_activity_id=kept.id), metadata=api.admin
            )
            assert read.next_run_times and not read.recurring_activity.schedule_pending
        assert not await schedule_exists(temporal, gone.schedule_id)  # deleted before it was ever made
        await temporal.get_schedule_handle(kept.schedule_id).delete()
    finally:
        for name in ("dispatch-no-temporal", "dispatch-temporal-back"):
            if name in stack.processes:
                stack.processes.pop(name).stop()
