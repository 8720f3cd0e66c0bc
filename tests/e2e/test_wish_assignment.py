"""Staff assigning a wish to a member over gRPC, and reassigning it, one or many at a time, with the checks of a
claim, and racing members' own claims without overwriting them."""

from __future__ import annotations

import asyncio

import grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from tests.e2e.helpers.checks import refused
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.wishes import claimed, fulfil, get, published, staff_of, submit


async def test_staff_assign_a_published_wish_and_reassign_it_with_the_checks_of_a_claim(
    api: Api, stack: LocalStack
) -> None:
    community, elsewhere = await make_community(api), await make_community(api)
    first = await register_member(api, community.community_id)
    second = await register_member(api, community.grid_id, name="李强")
    outsider = await register_member(api, elsewhere.community_id)
    target = await published(api, community)
    staff = staff_of(api, community)
    request = wish.AssignWishRequest(request_id=new_request_id(), wish_id=target.id, member_id=first.id)
    assigned = (await api.wishes.AssignWish(request, metadata=staff)).wish
    again = (await api.wishes.AssignWish(request, metadata=staff)).wish
    assert assigned.state == wish.WISH_STATE_CLAIMED and assigned.claimant_member_id == first.id
    assert again.version == assigned.version

    assign = api.wishes.AssignWish
    await refused(
        assign(
            wish.AssignWishRequest(request_id=new_request_id(), wish_id=target.id, member_id=first.id), metadata=staff
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "member_id",
    )
    await refused(
        assign(
            wish.AssignWishRequest(request_id=new_request_id(), wish_id=target.id, member_id=outsider.id),
            metadata=staff,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "member_id",
    )
    await refused(
        assign(
            wish.AssignWishRequest(request_id=new_request_id(), wish_id=target.id, member_id="999999999"),
            metadata=staff,
        ),
        grpc.StatusCode.NOT_FOUND,
        "member_id",
    )
    await refused(
        assign(wish.AssignWishRequest(request_id=new_request_id(), wish_id=target.id, member_id="x"), metadata=staff),
        grpc.StatusCode.INVALID_ARGUMENT,
        "member_id",
    )
    await refused(
        assign(
            wish.AssignWishRequest(request_id=new_request_id(), wish_id=target.id, member_id=second.id),
            metadata=staff_of(api, elsewhere),
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "outside",
    )
    await refused(
        assign(
            wish.AssignWishRequest(request_id=new_request_id(), wish_id=target.id, member_id=second.id),
            metadata=api.token(Role.MEMBER, scope=community.community_id, subject=second.id),
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "role",
    )

    reassigned = (
        await assign(
            wish.AssignWishRequest(request_id=new_request_id(), wish_id=target.id, member_id=second.id, reason="换人"),
            metadata=staff,
        )
    ).wish
    assert reassigned.claimant_member_id == second.id and reassigned.version == assigned.version + 1
    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=target.id), metadata=api.admin)
    assert history.events[-1].note == f"assigned to member {second.id} instead of member {first.id}: 换人"
    await fulfil(api, target.id, second)
    await refused(
        assign(
            wish.AssignWishRequest(request_id=new_request_id(), wish_id=target.id, member_id=first.id), metadata=staff
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "fulfilled",
    )


async def test_concurrent_assignments_and_claims_of_one_wish_never_overwrite_each_other(api: Api) -> None:
    community = await make_community(api)
    members = [await register_member(api, community.community_id) for _ in range(6)]
    target = await published(api, community)
    staff = staff_of(api, community)

    async def attempt(i: int, member: reg.Member) -> str:
        try:
            if i % 2:
                call = api.wishes.AssignWish(
                    wish.AssignWishRequest(request_id=new_request_id(), wish_id=target.id, member_id=member.id),
                    metadata=staff,
                )
            else:
                call = api.wishes.ClaimWish(
                    wish.ClaimWishRequest(request_id=new_request_id(), wish_id=target.id, member_id=member.id),
                    metadata=api.token(Role.MEMBER, scope=community.community_id, subject=member.id),
                )
            return (await call).wish.claimant_member_id
        except grpc.aio.AioRpcError as exc:
            assert exc.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED), exc.details()
            return ""

    results = await asyncio.gather(*(attempt(i, m) for i, m in enumerate(members)))
    winners = [w for w in results if w]
    final = await get(api, target.id)
    # Each success is a transition of its own (a claim, or a reassignment at the version it read): none is
    # silently overwritten by another.
    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=target.id), metadata=api.admin)
    moves = [e for e in history.events if e.state == wish.WISH_STATE_CLAIMED]
    assert len(moves) == len(winners) >= 1 and final.claimant_member_id in winners
    assert sum(1 for i, w in enumerate(results) if w and i % 2 == 0) <= 1  # at most one self-claim can win


async def test_bulk_reassign_gives_many_wishes_to_one_member(api: Api) -> None:
    community = await make_community(api)
    before, after = [await register_member(api, community.community_id) for _ in range(2)]
    held = [await claimed(api, community, before) for _ in range(2)]
    waiting = await published(api, community)
    unpublished = await submit(api, community)
    staff = staff_of(api, community)
    request = wish.BulkAssignWishesRequest(
        request_id=new_request_id(),
        wish_ids=[held[0].id, held[1].id, waiting.id, unpublished.id],
        member_id=after.id,
        reason="原认领人调离",
    )
    response = await api.wishes.BulkAssignWishes(request, metadata=staff)
    assert [r.code for r in response.results] == ["OK", "OK", "OK", "FAILED_PRECONDITION"]
    assert {r.wish.claimant_member_id for r in response.results[:3]} == {after.id}
    retry = await api.wishes.BulkAssignWishes(request, metadata=staff)
    assert [r.code for r in retry.results] == ["OK", "OK", "OK", "FAILED_PRECONDITION"]
    await refused(
        api.wishes.BulkAssignWishes(
            wish.BulkAssignWishesRequest(request_id=new_request_id(), wish_ids=[waiting.id], member_id="999999999"),
            metadata=staff,
        ),
        grpc.StatusCode.NOT_FOUND,
        "member_id",
    )
    await refused(
        api.wishes.BulkAssignWishes(
            wish.BulkAssignWishesRequest(request_id=new_request_id(), wish_ids=[waiting.id], member_id=after.id),
            metadata=api.token(Role.SYSTEM, scope=community.community_id),
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "role",
    )
