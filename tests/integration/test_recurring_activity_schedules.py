"""Recurring activities on dispatch's real store, Postgres and the Temporal dev server: one request retried at once is
one change; of racing changes made from the same read one wins; and however many replicas bring the Schedule up to
date at once, it ends at the row's last version, never an older one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from linli.dispatch.v1 import activities_pb2 as pb
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from services.dispatch.__main__ import MIGRATIONS
from services.dispatch.activities.recurring import RecurringActivities
from services.dispatch.activities.recurring_store import Recurring, Stored
from services.dispatch.activities.store import NewActivity
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role
from services.runtime.db import create_pool, migrate
from services.runtime.errors import Aborted

STAFF = Caller("staff", Role.STAFF, WHOLE_DEPLOYMENT)


async def as_proposed(caller: Caller, request: pb.ProposeActivityRequest) -> NewActivity:
    """The servicer's check of a proposal, without the org tree: every template is community 4's."""
    start, end, deadline = (getattr(request, n).ToDatetime() for n in ("start_time", "end_time", "signup_deadline"))
    return NewActivity(4, ("1", "4"), request.title, "small", request.place, start, end, deadline, request.capacity, ())


def rhythm(every_days: int, recurring_id: str = "") -> pb.RecurringActivity:
    template = pb.ProposeActivityRequest(
        org_unit_id="4", title=f"每{every_days}天一次", kind=pb.ACTIVITY_KIND_SMALL, place="幸福里", capacity=30
    )
    return pb.RecurringActivity(
        id=recurring_id, template=template, every_days=every_days, lead_hours=48, duration_minutes=60
    )


@pytest.fixture
async def recurring(database_url: str, temporal_dev_server: str) -> AsyncIterator[RecurringActivities]:
    async with create_pool(database_url, "dispatch", 25) as pool:
        await migrate(pool, "dispatch", MIGRATIONS)
        temporal = await Client.connect(temporal_dev_server)
        # The org tree is not asked: a whole-deployment caller is in scope of every unit.
        yield RecurringActivities(pool, temporal, "no-worker", org=None)  # type: ignore[arg-type]


async def made(recurring: RecurringActivities) -> pb.RecurringActivity:
    request = pb.CreateRecurringActivityRequest(request_id=uuid.uuid4().hex, recurring_activity=rhythm(3))
    return (await recurring.create(STAFF, request, as_proposed)).recurring_activity


async def test_one_update_retried_at_once_is_one_change_and_racing_updates_from_one_read_have_one_winner(
    recurring: RecurringActivities,
) -> None:
    created = await made(recurring)
    same = pb.UpdateRecurringActivityRequest(request_id="once", recurring_activity=rhythm(5, created.id))
    answers = await asyncio.gather(*(recurring.update(STAFF, same, as_proposed) for _ in range(10)))
    assert {a.recurring_activity.version for a in answers} == {2}
    changes = await recurring.pool.fetchval(
        "select count(*) from recurring_activity_changes where recurring_activity_id = $1", int(created.id)
    )
    assert changes == 1

    async def from_version_two(every_days: int) -> Recurring | Stored | Aborted:
        try:
            return await recurring.store.change(
                STAFF, uuid.uuid4().hex, int(created.id), "updated", {"every_days": every_days}, expected_version=2
            )
        except Aborted as exc:
            return exc

    results = await asyncio.gather(*(from_version_two(d) for d in range(6, 16)))
    assert sum(isinstance(r, Recurring) for r in results) == 1
    assert sum(isinstance(r, Aborted) for r in results) == 9
    await recurring.temporal.get_schedule_handle(created.schedule_id).delete()


async def test_replicas_bringing_one_schedule_up_to_date_at_once_leave_it_at_the_last_version(
    recurring: RecurringActivities,
) -> None:
    created = await made(recurring)
    for every_days in range(4, 9):
        # Committed without its Schedule (as when Temporal was away), then brought by many replicas at once.
        await recurring.store.change(STAFF, uuid.uuid4().hex, int(created.id), "updated", {"every_days": every_days})
        await asyncio.gather(*(recurring.bring_schedule(int(created.id), wait=w) for w in (True, False) * 5))
    row = await recurring.store.get(int(created.id))
    assert row is not None and row.version == 6 and not row.schedule_behind
    described = await recurring.temporal.get_schedule_handle(created.schedule_id).describe()
    assert described.schedule.spec.intervals[0].every == timedelta(days=8)

    await recurring.store.change(STAFF, uuid.uuid4().hex, int(created.id), "deleted", {"deleted_at": row.created_at})
    assert await recurring.store.behind(10) == [int(created.id)]
    await recurring.bring_schedule(int(created.id), wait=True)
    assert await recurring.store.behind(10) == []
    with pytest.raises(RPCError) as gone:
        await recurring.temporal.get_schedule_handle(created.schedule_id).describe()
    assert gone.value.status == RPCStatusCode.NOT_FOUND
