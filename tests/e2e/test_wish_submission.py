"""A wish submitted over gRPC: from submission to claim across the three services with its workflow following, where
in its community it may lie, a retried submission answered with the first wish, and a wish like an open one
suggested as its duplicate."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.wishes import published, submit, workflow_state


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


async def test_retrying_a_submission_with_the_same_request_id_returns_the_first_wish(api: Api) -> None:
    community = await make_community(api)
    request_id = new_request_id()
    results = await asyncio.gather(*(submit(api, community, request_id=request_id) for _ in range(10)))
    assert len({w.id for w in results}) == 1
    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=results[0].id), metadata=api.admin)
    assert [e.kind for e in history.events][:1] == [wish.WISH_EVENT_KIND_TRANSITION]
    assert sum(1 for e in history.events if e.kind == wish.WISH_EVENT_KIND_TRANSITION) == 1


async def test_a_new_wish_like_an_open_one_of_its_community_is_suggested_as_a_duplicate_not_refused(
    api: Api,
) -> None:
    community, elsewhere = await make_community(api), await make_community(api)
    first = await submit(api, community, text="我要一个音响组织大家跳舞")
    await submit(api, elsewhere, text="我要一个音响组织大家跳舞")
    request = wish.SubmitWishRequest(
        request_id=new_request_id(),
        community_id=community.community_id,
        text="我想要一个音响，组织大家跳广场舞！",
        source=wish.WISH_SOURCE_VISIT,
        resident_name="李四",
    )
    response = await api.wishes.SubmitWish(request, metadata=api.admin)
    assert response.wish.state == wish.WISH_STATE_SUBMITTED  # accepted all the same
    assert [(d.wish_id, d.state) for d in response.possible_duplicates] == [(first.id, wish.WISH_STATE_SUBMITTED)]
    assert 0.5 <= response.possible_duplicates[0].similarity <= 1
    retried = await api.wishes.SubmitWish(request, metadata=api.admin)
    assert retried.wish.id == response.wish.id and len(retried.possible_duplicates) == 1
    unlike = await api.wishes.SubmitWish(
        wish.SubmitWishRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            text="我希望就近打工",
            source=wish.WISH_SOURCE_VISIT,
            resident_name="王五",
        ),
        metadata=api.admin,
    )
    assert list(unlike.possible_duplicates) == []
