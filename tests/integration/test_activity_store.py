"""Sign-ups on dispatch's real store and Postgres: the last places under concurrency, the waiting list in
order, and a retried sign-up or withdrawal giving its first answer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.dispatch.__main__ import MIGRATIONS
from services.dispatch.activities import domain
from services.dispatch.activities.store import ActivityStore, NewActivity, SignUpRefused
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role
from services.runtime.db import create_pool, migrate

STAFF = Caller("staff", Role.STAFF, WHOLE_DEPLOYMENT)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[ActivityStore]:
    async with create_pool(database_url, "dispatch", 25) as pool:
        await migrate(pool, "dispatch", MIGRATIONS)
        yield ActivityStore(pool)


async def published(store: ActivityStore, capacity: int) -> int:
    start = datetime.now(UTC) + timedelta(days=3)
    activity, _ = await store.propose(
        STAFF,
        uuid.uuid4().hex,
        NewActivity(
            4,
            ("1", "4"),
            "邻里节",
            "holiday",
            "幸福里",
            start,
            start + timedelta(hours=2),
            start - timedelta(days=1),
            capacity,
            (domain.Role("steward", 1, ()),),
        ),
    )
    for move in (domain.APPROVE, domain.PUBLISH):
        await store.move(STAFF, uuid.uuid4().hex, activity.id, move)
    return activity.id


async def test_twenty_residents_racing_for_five_places_get_five_places_and_a_waiting_list_in_order(
    store: ActivityStore,
) -> None:
    activity_id = await published(store, capacity=5)
    results = await asyncio.gather(
        *(store.sign_up(STAFF, f"r{i}", activity_id, domain.Signer(None, f"resident-{i}"), "") for i in range(20))
    )
    statuses = [s.status for s, _ in results]
    assert statuses.count("confirmed") == 5 and statuses.count("waitlisted") == 15
    assert sorted(s.waitlist_position for s, _ in results if s.status == "waitlisted") == list(range(1, 16))
    activity = await store.activity(activity_id)
    assert activity is not None and (activity.participants, activity.waitlisted) == (5, 15)


async def test_the_last_volunteer_place_in_a_role_goes_to_exactly_one(store: ActivityStore) -> None:
    activity_id = await published(store, capacity=5)
    results = await asyncio.gather(
        *(store.sign_up(STAFF, f"v{i}", activity_id, domain.Signer(100 + i, None), "steward") for i in range(8)),
        return_exceptions=True,
    )
    taken = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, SignUpRefused)]
    assert len(taken) == 1 and len(refused) == 7
    assert all("already has its 1 volunteers" in r.reason for r in refused)


async def test_a_team_volunteer_takes_a_role_once_and_never_a_participants_place(store: ActivityStore) -> None:
    activity_id = await published(store, capacity=5)
    volunteer = domain.Signer(team_id=7, team_member_id=70)
    racing = await asyncio.gather(
        *(store.sign_up(STAFF, f"t{i}", activity_id, volunteer, "steward") for i in range(3)), return_exceptions=True
    )
    taken = [r for r in racing if not isinstance(r, BaseException)]
    assert len(taken) == 1 and taken[0][0].recipient == "volunteer:70"
    assert all(isinstance(r, SignUpRefused) for r in racing if r not in taken)
    with pytest.raises(asyncpg.CheckViolationError):  # the table holds it too: a team volunteer only in a role
        await store.sign_up(STAFF, "t-participant", activity_id, domain.Signer(team_id=7, team_member_id=71), "")


async def test_a_withdrawal_promotes_the_first_waiting_and_its_retry_answers_the_same(store: ActivityStore) -> None:
    activity_id = await published(store, capacity=1)
    first, _ = await store.sign_up(STAFF, "a", activity_id, domain.Signer(None, "a"), "")
    second, _ = await store.sign_up(STAFF, "b", activity_id, domain.Signer(None, "b"), "")
    third, _ = await store.sign_up(STAFF, "c", activity_id, domain.Signer(None, "c"), "")
    again, created = await store.sign_up(STAFF, "c", activity_id, domain.Signer(None, "c"), "")
    assert (again.id, created) == (third.id, False)
    withdrawn, promoted, now = await store.cancel_sign_up(STAFF, "w", activity_id, first.id)
    retried = await store.cancel_sign_up(STAFF, "w", activity_id, first.id)
    assert (withdrawn.status, now) == ("cancelled", True)
    assert promoted is not None and promoted.id == second.id and promoted.status == "confirmed"
    assert retried[1] is not None and retried[1].id == second.id and retried[2] is False
    waiting = await store.sign_up_of(activity_id, third.id)
    assert waiting is not None and waiting.waitlist_position == 1
    with pytest.raises(SignUpRefused) as error:
        await store.sign_up(STAFF, "b-again", activity_id, domain.Signer(None, "b"), "")
    assert error.value.duplicate


async def test_close_out_fixes_each_volunteers_hours_from_check_in_and_check_out_per_role(
    store: ActivityStore,
) -> None:
    # Under way: started an hour ago, ends in two.
    now = datetime.now(UTC)
    activity, _ = await store.propose(
        STAFF,
        uuid.uuid4().hex,
        NewActivity(
            4,
            ("1", "4"),
            "邻里节",
            "holiday",
            "幸福里",
            now - timedelta(hours=1),
            now + timedelta(hours=2),
            now - timedelta(days=1),
            10,
            (domain.Role("steward", 2, ()), domain.Role("first aid", 1, ())),
        ),
    )
    for move in (domain.APPROVE, domain.PUBLISH):
        await store.move(STAFF, uuid.uuid4().hex, activity.id, move)
    leaves, stays = [
        (await store.sign_up(STAFF, f"s{m}", activity.id, domain.Signer(m, None), "steward"))[0] for m in (1, 2)
    ]
    absent, _ = await store.sign_up(STAFF, "fa", activity.id, domain.Signer(3, None), "first aid")
    resident, _ = await store.sign_up(STAFF, "r", activity.id, domain.Signer(None, "resident-1"), "")
    await store.move(STAFF, uuid.uuid4().hex, activity.id, domain.START)

    for came in (leaves, stays, resident):
        await store.check_in(activity.id, came.id)
    # Checking out needs a check-in; a second check-out keeps the first time.
    assert (await store.check_out(activity.id, absent.id, now))[1] is False
    left, first = await store.check_out(activity.id, leaves.id, now + timedelta(minutes=30))
    _, again = await store.check_out(activity.id, leaves.id, now + timedelta(hours=1))
    assert first and not again and left.checked_out_at == now + timedelta(minutes=30)

    closed, _ = await store.move(STAFF, uuid.uuid4().hex, activity.id, domain.CLOSE_OUT)
    hours = {v.member_id: v.service_hours for v in await store.checked_in_volunteers(activity.id)}
    assert hours == {1: 0.5, 2: 2.0}  # checked in now: to the check-out, or to the end without one
    assert [(r.name, r.filled, r.came, r.service_hours) for r in closed.roles] == [
        ("first aid", 1, 0, 0.0),
        ("steward", 2, 2, 2.5),
    ]
    assert closed.summary.endswith(
        "1 of 1 signed-up participants came (100%); 2 of 3 volunteers came, 2.5 h recorded "
        "(first aid 0 of 1, 0 h, steward 2 of 2, 2.5 h)"
    )
    stats = await store.stats([4], now - timedelta(hours=1), now + timedelta(hours=1))  # organised by unit 4
    assert stats.held == 1 and stats.volunteer_hours >= 2.5
