"""A member's claim of a wish (认领) over gRPC: exactly one winner however many claim at once, a retry that succeeds
again, who may claim (a member of the community, or of a workplace paired with it), a claim released back to the
wall, and the cap on a member's open claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.wishes import claimed, fulfil, published


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


async def test_a_member_of_a_paired_workplace_may_claim_in_the_paired_community(api: Api) -> None:
    here, elsewhere = await make_community(api), await make_community(api)
    outsider = await register_member(api, elsewhere.community_id)  # workplace 宝鸡市人民医院党委
    wall_wish = await published(api, here)
    claim = wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wall_wish.id, member_id=outsider.id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ClaimWish(claim, metadata=api.admin)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "paired" in error.value.details()
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    await api.registry.CreatePairing(
        reg.CreatePairingRequest(
            request_id=new_request_id(),
            workplace_org=outsider.workplace_org,
            community_id=here.community_id,
            start_date=yesterday,
        ),
        metadata=api.admin,
    )
    claim.request_id = new_request_id()
    claimed_by_pair = (await api.wishes.ClaimWish(claim, metadata=api.admin)).wish
    assert claimed_by_pair.claimant_member_id == outsider.id


async def test_a_released_claim_goes_back_on_the_wall_for_another_member(api: Api) -> None:
    community = await make_community(api)
    first, second = [await register_member(api, community.community_id, name=n) for n in ("甲", "乙")]
    wish_id = (await claimed(api, community, first)).id
    as_second = api.token(Role.MEMBER, scope=community.community_id, subject=second.id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ReleaseClaim(
            wish.ReleaseClaimRequest(request_id=new_request_id(), wish_id=wish_id), metadata=as_second
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    as_first = api.token(Role.MEMBER, scope=community.community_id, subject=first.id)
    released = await api.wishes.ReleaseClaim(
        wish.ReleaseClaimRequest(request_id=new_request_id(), wish_id=wish_id, reason="出差"), metadata=as_first
    )
    assert released.wish.state == wish.WISH_STATE_PUBLISHED and released.wish.claimant_member_id == ""
    reclaimed = await api.wishes.ClaimWish(
        wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wish_id, member_id=second.id), metadata=as_second
    )
    assert reclaimed.wish.claimant_member_id == second.id


async def test_a_member_holds_at_most_five_open_claims_even_when_claiming_at_once(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    wishes = await asyncio.gather(*(published(api, community) for _ in range(8)))

    async def claim(wish_id: str) -> grpc.StatusCode:
        try:
            await api.wishes.ClaimWish(
                wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wish_id, member_id=member.id),
                metadata=api.admin,
            )
            return grpc.StatusCode.OK
        except grpc.aio.AioRpcError as exc:
            assert "member_id" in exc.details()
            return exc.code()

    results = await asyncio.gather(*(claim(w.id) for w in wishes))
    assert results.count(grpc.StatusCode.OK) == 5
    assert results.count(grpc.StatusCode.FAILED_PRECONDITION) == 3
    # Fulfilling one frees a place.
    held = [w.id for w, r in zip(wishes, results, strict=True) if r == grpc.StatusCode.OK]
    free = [w.id for w, r in zip(wishes, results, strict=True) if r != grpc.StatusCode.OK]
    await fulfil(api, held[0], member)
    assert await claim(free[0]) == grpc.StatusCode.OK
