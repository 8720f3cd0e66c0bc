"""A claim is extended once, before it lapses, by a bounded amount (LINLI_WISH_MAX_EXTENSION, 7 days here)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.checks import refused
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import stamp
from tests.e2e.helpers.wishes import claimed, submit


async def test_a_claimant_extends_a_claim_once(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    held = await claimed(api, community, member)
    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    earlier, later = Timestamp(), Timestamp()
    earlier.FromDatetime(datetime.now(UTC) + timedelta(days=1))
    later.FromDatetime(held.deadline.ToDatetime(tzinfo=UTC) + timedelta(days=3))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ExtendClaim(
            wish.ExtendClaimRequest(request_id=new_request_id(), wish_id=held.id, new_deadline=earlier),
            metadata=as_member,
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and error.value.details().startswith("new_deadline:")
    request = wish.ExtendClaimRequest(request_id=new_request_id(), wish_id=held.id, new_deadline=later, reason="等配件")
    extended = (await api.wishes.ExtendClaim(request, metadata=as_member)).wish
    assert extended.claim_extended and extended.deadline == later and extended.state == wish.WISH_STATE_CLAIMED
    assert (await api.wishes.ExtendClaim(request, metadata=as_member)).wish.version == extended.version  # a retry
    again = wish.ExtendClaimRequest(request_id=new_request_id(), wish_id=held.id, new_deadline=later)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ExtendClaim(again, metadata=as_member)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_claim_is_extended_by_at_most_the_extension_limit(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    held = await claimed(api, community, member)
    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    deadline = held.deadline.ToDatetime(tzinfo=UTC)

    def extend(new_deadline: datetime) -> wish.ExtendClaimRequest:
        return wish.ExtendClaimRequest(request_id=new_request_id(), wish_id=held.id, new_deadline=stamp(new_deadline))

    ten_years = deadline + timedelta(days=3650)
    await refused(
        api.wishes.ExtendClaim(extend(ten_years), metadata=as_member), grpc.StatusCode.INVALID_ARGUMENT, "new_deadline"
    )
    await refused(
        api.wishes.ExtendClaim(extend(deadline + timedelta(days=7, minutes=1)), metadata=as_member),
        grpc.StatusCode.INVALID_ARGUMENT,
        "at most 7d",
    )
    extended = (await api.wishes.ExtendClaim(extend(deadline + timedelta(days=7)), metadata=as_member)).wish
    assert extended.claim_extended and extended.deadline.ToDatetime(tzinfo=UTC) == deadline + timedelta(days=7)


async def test_a_lapsed_claim_cannot_be_extended(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    submitted = await submit(api, community)
    deadline = datetime.now(UTC) + timedelta(seconds=2)
    await api.wishes.ReviewWish(
        wish.ReviewWishRequest(
            request_id=new_request_id(),
            wish_id=submitted.id,
            # Culture wishes lapse with the default 48 h grace here: the claim stays claimed past its deadline.
            approve=wish.Approval(
                category=wish.WISH_CATEGORY_CULTURE, service_standard="送到", deadline=stamp(deadline)
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
    await asyncio.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 0.2)  # until it lapses
    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    await refused(
        api.wishes.ExtendClaim(
            wish.ExtendClaimRequest(
                request_id=new_request_id(), wish_id=submitted.id, new_deadline=stamp(deadline + timedelta(days=1))
            ),
            metadata=as_member,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "lapsed",
    )
