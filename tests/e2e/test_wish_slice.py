"""A wish from submission to claim across the three services and its workflow, as other systems call it."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish
from temporalio.client import Client

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from services.wishes.contract import workflow_id
from tests.e2e.conftest import Community, make_community, new_request_id, register_member
from workflows.wish_lifecycle import WishLifecycle


def in_days(days: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.now(UTC) + timedelta(days=days))
    return stamp


async def submit(
    api: Api,
    community: Community,
    text: str = "我要一个音响组织大家跳舞",
    request_id: str | None = None,
    unit_id: str = "",
) -> wish.Wish:
    response = await api.wishes.SubmitWish(
        wish.SubmitWishRequest(
            request_id=request_id or new_request_id(),
            community_id=community.community_id,
            text=text,
            source=wish.WISH_SOURCE_HOTLINE,
            resident_name="张三",
            resident_contact="13800001111",
            unit_id=unit_id,
        ),
        metadata=api.admin,
    )
    return response.wish


async def published(
    api: Api, community: Community, category: int = wish.WISH_CATEGORY_CULTURE, unit_id: str = ""
) -> wish.Wish:
    submitted = await submit(api, community, unit_id=unit_id)
    await api.wishes.ReviewWish(
        wish.ReviewWishRequest(
            request_id=new_request_id(),
            wish_id=submitted.id,
            approve=wish.Approval(category=category, service_standard="借到音响并送到广场", deadline=in_days(14)),
        ),
        metadata=api.admin,
    )
    response = await api.wishes.PublishWish(
        wish.PublishWishRequest(request_id=new_request_id(), wish_id=submitted.id), metadata=api.admin
    )
    return response.wish


async def workflow_state(stack: LocalStack, wish_id: str, want_version: int, timeout: float = 20) -> str:
    client = await Client.connect(stack.temporal_address)
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = await client.get_workflow_handle(workflow_id(wish_id)).query(WishLifecycle.status)
            if status.version >= want_version:
                return status.state
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"workflow of wish {wish_id} never reached version {want_version}")
        await asyncio.sleep(0.2)


async def test_a_wish_goes_from_submission_to_claim_and_its_workflow_follows(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    member = await register_member(api, community.grid_id, skills=(reg.SKILL_CULTURE_ARTS,))
    submitted = await submit(api, community)
    assert submitted.state == wish.WISH_STATE_SUBMITTED
    assert submitted.resident_name == "张*" and submitted.resident_contact == "138****1111"
    assert await workflow_state(stack, submitted.id, 1) == "submitted"

    wall_wish = await published(api, community)
    recommended = await api.dispatch.RecommendClaimants(
        dis.RecommendClaimantsRequest(wish_id=wall_wish.id), metadata=api.admin
    )
    assert recommended.recommendations[0].member_id == member.id
    assert recommended.recommendations[0].score > 0

    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    claimed = await api.wishes.ClaimWish(
        wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wall_wish.id, member_id=member.id),
        metadata=as_member,
    )
    assert claimed.wish.state == wish.WISH_STATE_CLAIMED and claimed.wish.claimant_member_id == member.id
    assert await workflow_state(stack, wall_wish.id, 4) == "claimed"

    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=wall_wish.id), metadata=api.admin)
    transitions = [e.state for e in history.events if e.kind == wish.WISH_EVENT_KIND_TRANSITION]
    assert transitions == [
        wish.WISH_STATE_SUBMITTED,
        wish.WISH_STATE_APPROVED,
        wish.WISH_STATE_PUBLISHED,
        wish.WISH_STATE_CLAIMED,
    ]


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


async def test_a_wish_can_lie_only_in_a_grid_or_building_of_its_community(api: Api) -> None:
    community, other = await make_community(api), await make_community(api)
    for unit_id, code in [
        (community.street_id, grpc.StatusCode.INVALID_ARGUMENT),  # above the community
        (community.community_id, grpc.StatusCode.INVALID_ARGUMENT),  # the community itself
        (other.grid_id, grpc.StatusCode.INVALID_ARGUMENT),  # another community's grid
        ("99999999", grpc.StatusCode.NOT_FOUND),
        ("grid-1", grpc.StatusCode.INVALID_ARGUMENT),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await submit(api, community, unit_id=unit_id)
        assert failed.value.code() == code and "unit_id" in failed.value.details(), unit_id
    request_id = new_request_id()
    first = await submit(api, community, request_id=request_id, unit_id=community.grid_id)
    again = await submit(api, community, request_id=request_id, unit_id=community.grid_id)
    assert (first.id, first.unit_id) == (again.id, community.grid_id)
    assert (await submit(api, community)).unit_id == ""


async def test_two_concurrent_claims_on_one_wish_have_exactly_one_winner(api: Api) -> None:
    community = await make_community(api)
    first, second = [await register_member(api, community.community_id, name=n) for n in ("甲", "乙")]
    wall_wish = await published(api, community)
    results = await asyncio.gather(
        *(
            api.wishes.ClaimWish(
                wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wall_wish.id, member_id=m.id),
                metadata=api.admin,
            )
            for m in (first, second)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED)


async def test_two_hundred_concurrent_claims_on_twenty_wishes_give_twenty_winners(api: Api) -> None:
    community = await make_community(api)
    members = await asyncio.gather(*(register_member(api, community.community_id, name=f"党员{i}") for i in range(10)))
    wishes = await asyncio.gather(*(published(api, community) for _ in range(20)))
    claims = [(w.id, members[i % 10].id) for w in wishes for i in range(10)]

    async def claim(wish_id: str, member_id: str) -> tuple[str, str] | grpc.StatusCode:
        try:
            response = await api.wishes.ClaimWish(
                wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wish_id, member_id=member_id),
                metadata=api.admin,
            )
            return response.wish.id, response.wish.claimant_member_id
        except grpc.aio.AioRpcError as exc:
            return exc.code()

    results = await asyncio.gather(*(claim(w, m) for w, m in claims))
    wins = [r for r in results if isinstance(r, tuple)]
    refusals = [r for r in results if not isinstance(r, tuple)]
    assert len(wins) == 20 and len({w for w, _ in wins}) == 20
    assert set(refusals) <= {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED}
    for wish_id, claimant in wins:
        stored = (await api.wishes.GetWish(wish.GetWishRequest(wish_id=wish_id), metadata=api.admin)).wish
        assert stored.claimant_member_id == claimant and stored.state == wish.WISH_STATE_CLAIMED


async def test_retrying_a_submission_with_the_same_request_id_returns_the_first_wish(api: Api) -> None:
    community = await make_community(api)
    request_id = new_request_id()
    results = await asyncio.gather(*(submit(api, community, request_id=request_id) for _ in range(10)))
    assert len({w.id for w in results}) == 1
    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=results[0].id), metadata=api.admin)
    assert [e.kind for e in history.events][:1] == [wish.WISH_EVENT_KIND_TRANSITION]
    assert sum(1 for e in history.events if e.kind == wish.WISH_EVENT_KIND_TRANSITION) == 1


async def test_retrying_a_claim_with_the_same_request_id_succeeds_again(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    wall_wish = await published(api, community)
    request = wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wall_wish.id, member_id=member.id)
    first = await api.wishes.ClaimWish(request, metadata=api.admin)
    again = await api.wishes.ClaimWish(request, metadata=api.admin)
    assert first.wish.version == again.wish.version and again.wish.claimant_member_id == member.id


async def test_a_member_registered_elsewhere_cannot_claim(api: Api) -> None:
    here, elsewhere = await make_community(api), await make_community(api)
    outsider = await register_member(api, elsewhere.community_id)
    wall_wish = await published(api, here)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ClaimWish(
            wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wall_wish.id, member_id=outsider.id),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "member_id" in error.value.details()


async def test_registering_the_same_person_twice_is_refused(api: Api) -> None:
    community = await make_community(api)
    first = await register_member(api, community.community_id)
    revealed = await api.registry.GetMember(
        reg.GetMemberRequest(member_id=first.id, reveal_personal_data=True), metadata=api.admin
    )
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.RegisterMember(
            reg.RegisterMemberRequest(
                request_id=new_request_id(),
                name="王芳",
                workplace_org="x",
                residence_unit_id=community.community_id,
                management_level=reg.MANAGEMENT_LEVEL_OTHER,
                phone="13912345678",
                id_number=revealed.member.id_number,
            ),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.ALREADY_EXISTS and "id_number" in error.value.details()


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
