"""Matching people to work over gRPC: skill fit, interests, nearness, open load and recent hours, each explained."""

from __future__ import annotations

import time

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.community import make_community, register_at, register_member
from tests.e2e.helpers.ids import new_id_number, new_request_id
from tests.e2e.helpers.wishes import published

ARTS = (reg.SKILL_CULTURE_ARTS,)


async def test_claimants_are_ranked_by_skill_then_load_and_recent_hours_and_each_score_is_explained(api: Api) -> None:
    community = await make_community(api)
    busy = (await register_member(api, community.community_id, name="钱忙", skills=ARTS)).id
    fresh = (await register_member(api, community.grid_id, name="孙新", skills=ARTS)).id
    veteran = (await register_member(api, community.community_id, name="李老", skills=ARTS)).id
    stranger = (await register_member(api, community.community_id, name="周外", skills=(reg.SKILL_IT,))).id

    claimed = await published(api, community)
    await api.wishes.ClaimWish(
        wish.ClaimWishRequest(request_id=new_request_id(), wish_id=claimed.id, member_id=busy),
        metadata=api.token(Role.MEMBER, scope=community.community_id, subject=busy),
    )
    await api.registry.RecordService(
        reg.RecordServiceRequest(
            request_id=new_request_id(),
            member_id=veteran,
            kind=reg.SERVICE_KIND_OTHER,
            source_id="drill-1",
            category="fire drill",
            hours=20,
        ),
        metadata=api.admin,
    )

    open_wish = await published(api, community)
    request = dis.RecommendClaimantsRequest(wish_id=open_wish.id)
    ranked = await api.dispatch.RecommendClaimants(request, metadata=api.admin)
    assert [r.member_id for r in ranked.recommendations] == [fresh, busy, veteran, stranger]
    assert [r.score for r in ranked.recommendations] == [2.5, 1.5, 0.5, 0.5]
    assert list(ranked.recommendations[0].reasons) == [
        "skill culture_arts fits culture (+2)",
        "no interests given (+0)",
        "lives in the community (+0.5)",
        "no open work (-0)",
        "0 hour(s) served in the last 30 days (-0)",
    ]
    assert "1 open piece(s) of work (-1)" in ranked.recommendations[1].reasons
    assert "20 hour(s) served in the last 30 days (-2)" in ranked.recommendations[2].reasons
    assert (await api.dispatch.RecommendClaimants(request, metadata=api.admin)) == ranked  # deterministic

    volunteers = await api.dispatch.RecommendVolunteers(
        dis.RecommendVolunteersRequest(
            org_unit_id=community.community_id, skills=[reg.SKILL_CULTURE_ARTS], limit=2, exclude_member_ids=[fresh]
        ),
        metadata=api.admin,
    )
    assert [r.member_id for r in volunteers.recommendations] == [busy, veteran]
    assert volunteers.recommendations[0].reasons[0] == "has skill culture_arts (+2)"

    street_wide = await api.dispatch.RecommendVolunteers(
        dis.RecommendVolunteersRequest(org_unit_id=community.street_id, skills=[reg.SKILL_IT]),
        metadata=api.admin,
    )
    assert street_wide.recommendations[0].member_id == stranger
    assert "lives in the area (+0)" in street_wide.recommendations[0].reasons


async def test_claimants_of_a_wish_in_a_building_are_told_apart_by_nearness_and_interests(api: Api) -> None:
    community = await make_community(api)

    async def unit(parent: str, kind: int, name: str) -> str:
        request = reg.CreateOrgUnitRequest(request_id=new_request_id(), parent_id=parent, kind=kind, name=name)
        return (await api.registry.CreateOrgUnit(request, metadata=api.admin)).org_unit.id

    building = await unit(community.grid_id, reg.ORG_UNIT_KIND_BUILDING, "3号楼")
    next_door = await unit(community.grid_id, reg.ORG_UNIT_KIND_BUILDING, "4号楼")
    elsewhere = await unit(community.street_id, reg.ORG_UNIT_KIND_COMMUNITY, "卧龙社区")
    far = (await register_member(api, elsewhere, name="冯远", skills=ARTS)).id
    in_community = (await register_member(api, community.community_id, name="陈社", skills=ARTS)).id
    in_grid = (await register_member(api, next_door, name="褚格", skills=ARTS)).id
    in_building = (await register_member(api, building, name="卫楼", skills=ARTS)).id
    paired = (await register_at(api, elsewhere, "宝鸡供电公司党委")).id
    await api.registry.CreatePairing(
        reg.CreatePairingRequest(
            request_id=new_request_id(),
            workplace_org="宝鸡供电公司党委",
            community_id=community.community_id,
            start_date=time.strftime("%Y-%m-%d", time.gmtime(time.time() - 2 * 86_400)),
        ),
        metadata=api.admin,
    )
    dancer = (
        await api.registry.RegisterMember(
            reg.RegisterMemberRequest(
                request_id=new_request_id(),
                name="蒋舞",
                workplace_org="金台区文化馆党支部",
                residence_unit_id=community.community_id,
                tags=["跳舞", "象棋"],
                management_level=reg.MANAGEMENT_LEVEL_OTHER,
                phone="13600001111",
                id_number=new_id_number(),
            ),
            metadata=api.admin,
        )
    ).member.id

    wall_wish = await published(api, community, unit_id=building)  # 我要一个音响组织大家跳舞
    ranked = await api.dispatch.RecommendClaimants(
        dis.RecommendClaimantsRequest(wish_id=wall_wish.id), metadata=api.admin
    )
    order = [r.member_id for r in ranked.recommendations]
    assert order == [in_building, in_grid, in_community, dancer, paired], ranked
    assert far not in order  # neither registered in the community nor paired with it: may not claim
    reasons = {r.member_id: list(r.reasons) for r in ranked.recommendations}
    assert reasons[in_building][2] == "lives in the same building (+1.5)"
    assert reasons[in_grid][2] == "lives in the same grid (+1)"
    assert reasons[dancer][1] == "interest 跳舞 matches culture (+0.5)"
    assert reasons[paired][2] == "works in a unit paired with the community (+0.25)"


async def test_bad_matching_requests_are_refused_with_the_field_named(api: Api) -> None:
    community = await make_community(api)
    cases = [
        (
            dis.RecommendVolunteersRequest(org_unit_id=community.grid_id),
            grpc.StatusCode.INVALID_ARGUMENT,
            "org_unit_id",
        ),
        (
            dis.RecommendVolunteersRequest(org_unit_id=community.community_id, skills=[999]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "skills[0]",
        ),
        (
            dis.RecommendVolunteersRequest(org_unit_id=community.community_id, limit=1000),
            grpc.StatusCode.INVALID_ARGUMENT,
            "limit",
        ),
        (dis.RecommendVolunteersRequest(org_unit_id="99999999"), grpc.StatusCode.NOT_FOUND, "org_unit_id"),
    ]
    for request, code, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await api.dispatch.RecommendVolunteers(request, metadata=api.admin)
        assert error.value.code() == code, error.value.details()
        assert (error.value.details() or "").startswith(f"{field}:"), error.value.details()


async def test_a_member_away_now_is_not_recommended_until_the_absence_is_withdrawn(api: Api) -> None:
    community = await make_community(api)
    staying = (await register_member(api, community.community_id, name="留守")).id
    leaving = (await register_member(api, community.community_id, name="出差")).id

    async def recommended() -> list[str]:
        response = await api.dispatch.RecommendVolunteers(
            dis.RecommendVolunteersRequest(org_unit_id=community.community_id, skills=[reg.SKILL_MEDICAL]),
            metadata=api.admin,
        )
        return [r.member_id for r in response.recommendations]

    assert sorted(await recommended()) == sorted([staying, leaving])
    later = Timestamp()
    later.FromSeconds(int(time.time()) + 86_400)
    declared = await api.dispatch.DeclareUnavailability(
        dis.DeclareUnavailabilityRequest(
            request_id=new_request_id(), community_id=community.community_id, member_id=leaving, end_time=later
        ),
        metadata=api.admin,
    )
    assert await recommended() == [staying]
    await api.dispatch.WithdrawUnavailability(
        dis.WithdrawUnavailabilityRequest(request_id=new_request_id(), unavailability_id=declared.unavailability.id),
        metadata=api.admin,
    )
    assert sorted(await recommended()) == sorted([staying, leaving])
