"""Reminders and escalation (2 s limits here), driven by each wish's workflow: an unclaimed wish reminds the
community's members and climbs the org tree to the district, a wish in a grid starts at the grid, a claim past its
deadline reminds its claimant, escalates and reopens; and a recorded escalation names a level of the tree."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.wishes import get, published, submit


async def test_an_unclaimed_wish_is_reminded_then_escalated_up_to_the_district_by_its_workflow(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id, skills=(reg.SKILL_CULTURE_ARTS,))
    wall_wish = await published(api, community)
    district_id = await parent_of(api, community.street_id)
    reminder, *escalations = await followed_up(api, wall_wish.id, 3)
    assert reminder.kind == wish.WISH_EVENT_KIND_REMINDER
    assert f"member:{member.id}" in reminder.recipients and f"org:{community.community_id}" in reminder.recipients
    # The 2 s claim limit passes again and again: the street, then the district (the top: never the city).
    assert [(e.kind, list(e.recipients)) for e in escalations] == [
        (wish.WISH_EVENT_KIND_ESCALATION, [f"org:{community.street_id}"]),
        (wish.WISH_EVENT_KIND_ESCALATION, [f"org:{district_id}"]),
    ]
    assert all(e.actor == "service:worker" for e in escalations)
    await asyncio.sleep(3)  # past one more limit: nothing climbs past the district
    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=wall_wish.id), metadata=api.admin)
    assert len([e for e in history.events if e.kind == wish.WISH_EVENT_KIND_ESCALATION]) == 2


async def parent_of(api: Api, org_unit_id: str) -> str:
    return (
        await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=org_unit_id), metadata=api.admin)
    ).org_unit.parent_id


async def followed_up(api: Api, wish_id: str, count: int) -> list[wish.WishEvent]:
    """The wish's first `count` reminders and escalations while published, waiting up to 30 s for them."""
    deadline = time.monotonic() + 30
    while True:
        history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=wish_id), metadata=api.admin)
        events = [
            e
            for e in history.events
            if e.state == wish.WISH_STATE_PUBLISHED and e.kind != wish.WISH_EVENT_KIND_TRANSITION
        ]
        if len(events) >= count or time.monotonic() > deadline:
            return events[:count]
        await asyncio.sleep(0.3)


async def test_a_wish_in_a_grid_reminds_the_grid_then_climbs_through_the_community(api: Api) -> None:
    community = await make_community(api)
    wall_wish = await published(api, community, unit_id=community.grid_id)
    assert (await api.wishes.GetWish(wish.GetWishRequest(wish_id=wall_wish.id), metadata=api.admin)).wish.unit_id == (
        community.grid_id
    )
    reminder, *escalations = await followed_up(api, wall_wish.id, 4)
    assert list(reminder.recipients) == [f"org:{community.grid_id}"]
    district_id = await parent_of(api, community.street_id)
    assert [list(e.recipients) for e in escalations] == [
        [f"org:{community.community_id}"],
        [f"org:{community.street_id}"],
        [f"org:{district_id}"],
    ]


async def test_a_claim_past_its_deadline_is_reminded_then_escalated_and_reopened(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    submitted = await submit(api, community)
    deadline = Timestamp()
    deadline.FromDatetime(datetime.now(UTC) + timedelta(seconds=4))
    await api.wishes.ReviewWish(
        wish.ReviewWishRequest(
            request_id=new_request_id(),
            wish_id=submitted.id,
            approve=wish.Approval(
                category=wish.WISH_CATEGORY_ENVIRONMENT, service_standard="清理楼道", deadline=deadline
            ),
        ),
        metadata=api.admin,
    )
    await api.wishes.PublishWish(
        wish.PublishWishRequest(request_id=new_request_id(), wish_id=submitted.id), metadata=api.admin
    )
    await api.wishes.ClaimWish(
        wish.ClaimWishRequest(request_id=new_request_id(), wish_id=submitted.id, member_id=member.id),
        metadata=api.admin,
    )

    async def reopened() -> bool:
        return (await get(api, submitted.id)).state == wish.WISH_STATE_PUBLISHED

    await eventually(reopened, "the lapsed claim reopened")
    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=submitted.id), metadata=api.admin)
    on_claim = [e for e in history.events if e.state == wish.WISH_STATE_CLAIMED]
    assert [e.kind for e in on_claim] == [
        wish.WISH_EVENT_KIND_TRANSITION,
        wish.WISH_EVENT_KIND_REMINDER,
        wish.WISH_EVENT_KIND_ESCALATION,
    ]
    assert f"member:{member.id}" in on_claim[1].recipients
    assert list(on_claim[2].recipients) == [f"org:{community.street_id}"]
    reopen = next(
        e for e in history.events if e.kind == wish.WISH_EVENT_KIND_TRANSITION and e.sequence > on_claim[2].sequence
    )
    assert reopen.actor == "service:worker" and "lapsed past its deadline" in reopen.note
    assert (await get(api, submitted.id)).overdue
    overdue = await api.wishes.ListWishes(
        wish.ListWishesRequest(org_unit_id=community.community_id, overdue_only=True), metadata=api.admin
    )
    assert [w.id for w in overdue.wishes] == [submitted.id]
    stats = await api.wishes.GetWishStats(
        wish.GetWishStatsRequest(org_unit_id=community.community_id), metadata=api.admin
    )
    assert stats.overdue == 1 and {c.state: c.count for c in stats.by_state} == {wish.WISH_STATE_PUBLISHED: 1}


async def test_a_recorded_escalation_names_a_level_of_the_org_tree_or_none(api: Api) -> None:
    community = await make_community(api)
    submitted = await submit(api, community)
    worker = api.token(Role.SERVICE, subject="service:worker")

    def escalation(level: str) -> wish.RecordReminderRequest:
        return wish.RecordReminderRequest(
            request_id=new_request_id(),
            wish_id=submitted.id,
            kind=wish.WISH_EVENT_KIND_ESCALATION,
            state=wish.WISH_STATE_SUBMITTED,
            recipients=[f"org:{community.street_id}"],
            level=level,
        )

    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await api.wishes.RecordReminder(escalation("planet"), metadata=worker)
    assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "level" in failed.value.details()
    for level in ("street", ""):
        assert (await api.wishes.RecordReminder(escalation(level), metadata=worker)).recorded
