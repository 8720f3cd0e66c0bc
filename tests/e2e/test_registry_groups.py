"""Service posts, volunteer teams and unit pairings over gRPC."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id


async def test_the_last_place_on_a_post_goes_to_exactly_one_of_many_concurrent_claims(api: Api) -> None:
    community = await make_community(api)
    post = (
        await api.registry.CreateServicePost(
            reg.CreateServicePostRequest(
                request_id=new_request_id(), community_id=community.community_id, name="扶贫帮困", capacity=3
            ),
            metadata=api.admin,
        )
    ).post
    members = [await register_member(api, community.grid_id, name=f"党员{n}") for n in range(8)]

    async def claim(member: reg.Member) -> grpc.StatusCode:
        as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
        try:
            await api.registry.ClaimServicePost(
                reg.ClaimServicePostRequest(request_id=new_request_id(), post_id=post.id, member_id=member.id),
                metadata=as_member,
            )
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    codes = await asyncio.gather(*(claim(m) for m in members))
    assert codes.count(grpc.StatusCode.OK) == 3
    assert codes.count(grpc.StatusCode.FAILED_PRECONDITION) == 5
    listed = (
        await api.registry.ListServicePosts(
            reg.ListServicePostsRequest(community_id=community.community_id), metadata=api.admin
        )
    ).posts
    assert [(p.name, p.claimed, p.capacity) for p in listed] == [("扶贫帮困", 3, 3)]

    holder = members[codes.index(grpc.StatusCode.OK)]
    released = await api.registry.ReleaseServicePost(
        reg.ReleaseServicePostRequest(request_id=new_request_id(), post_id=post.id, member_id=holder.id),
        metadata=api.admin,
    )
    assert released.post.claimed == 2
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.ReleaseServicePost(
            reg.ReleaseServicePostRequest(request_id=new_request_id(), post_id=post.id, member_id=holder.id),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    other = await make_community(api)
    stranger = await register_member(api, other.grid_id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.ClaimServicePost(
            reg.ClaimServicePostRequest(request_id=new_request_id(), post_id=post.id, member_id=stranger.id),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    # A member acts only for themselves.
    as_holder = api.token(Role.MEMBER, scope=community.community_id, subject=holder.id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.ClaimServicePost(
            reg.ClaimServicePostRequest(request_id=new_request_id(), post_id=post.id, member_id=members[-1].id),
            metadata=as_holder,
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_teams_hold_members_and_resident_volunteers_with_their_personal_data_masked(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.grid_id, name="赵敏")
    rescue = (
        await api.registry.CreateTeam(
            reg.CreateTeamRequest(
                request_id=new_request_id(),
                org_unit_id=community.community_id,
                kind=reg.TEAM_KIND_RED_CROSS_RESCUE,
                name="红十字救援队",
            ),
            metadata=api.admin,
        )
    ).team
    custom = (
        await api.registry.CreateTeam(
            reg.CreateTeamRequest(
                request_id=new_request_id(),
                org_unit_id=community.street_id,
                kind=reg.TEAM_KIND_CUSTOM,
                custom_kind="广场舞",
                name="幸福里舞蹈队",
            ),
            metadata=api.admin,
        )
    ).team
    assert custom.custom_kind == "广场舞"
    await api.registry.AddTeamMember(
        reg.AddTeamMemberRequest(request_id=new_request_id(), team_id=rescue.id, member_id=member.id),
        metadata=api.admin,
    )
    add_volunteer = reg.AddTeamMemberRequest(
        request_id=new_request_id(),
        team_id=rescue.id,
        volunteer=reg.ResidentVolunteer(name="刘秀英", phone="13800001111"),
    )
    volunteer = (await api.registry.AddTeamMember(add_volunteer, metadata=api.admin)).team_member
    assert (volunteer.name, volunteer.phone, volunteer.member_id) == ("刘**", "138****1111", "")
    add_volunteer.request_id = new_request_id()
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.AddTeamMember(add_volunteer, metadata=api.admin)
    assert error.value.code() == grpc.StatusCode.ALREADY_EXISTS

    people = (
        await api.registry.ListTeamMembers(reg.ListTeamMembersRequest(team_id=rescue.id), metadata=api.admin)
    ).team_members
    assert [(p.member_id, p.name) for p in people] == [(member.id, "赵*"), ("", "刘**")]
    teams = (
        await api.registry.ListTeams(reg.ListTeamsRequest(org_unit_id=community.street_id), metadata=api.admin)
    ).teams
    assert {(t.name, t.size) for t in teams} == {("红十字救援队", 2), ("幸福里舞蹈队", 0)}
    smaller = await api.registry.RemoveTeamMember(
        reg.RemoveTeamMemberRequest(request_id=new_request_id(), team_id=rescue.id, team_member_id=volunteer.id),
        metadata=api.admin,
    )
    assert smaller.team.size == 1

    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.CreateTeam(
            reg.CreateTeamRequest(
                request_id=new_request_id(), org_unit_id=community.grid_id, kind=reg.TEAM_KIND_CUSTOM, name="x"
            ),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and error.value.details().startswith("custom_kind:")
    outsider = api.token(Role.STAFF, scope=(await make_community(api)).community_id, subject="outsider")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.ListTeamMembers(reg.ListTeamMembersRequest(team_id=rescue.id), metadata=outsider)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_pairings_run_from_a_start_day_until_they_end(api: Api) -> None:
    community = await make_community(api)
    pairing = (
        await api.registry.CreatePairing(
            reg.CreatePairingRequest(
                request_id=new_request_id(),
                workplace_org="宝鸡市税务局党委",
                community_id=community.community_id,
                start_date="2026-01-01",
            ),
            metadata=api.admin,
        )
    ).pairing
    in_force = await api.registry.ListPairings(
        reg.ListPairingsRequest(org_unit_id=community.street_id, active_on="2026-06-01"), metadata=api.admin
    )
    assert [p.id for p in in_force.pairings] == [pairing.id]
    ended = await api.registry.EndPairing(
        reg.EndPairingRequest(request_id=new_request_id(), pairing_id=pairing.id, end_date="2026-03-31"),
        metadata=api.admin,
    )
    assert ended.pairing.end_date == "2026-03-31"
    later = await api.registry.ListPairings(
        reg.ListPairingsRequest(org_unit_id=community.street_id, active_on="2026-06-01"), metadata=api.admin
    )
    assert later.pairings == []
    for request, field in [
        (
            reg.CreatePairingRequest(workplace_org="x", community_id=community.community_id, start_date="2026-13-01"),
            "start_date",
        ),
        (
            reg.CreatePairingRequest(
                workplace_org="x", community_id=community.community_id, start_date="2026-02-01", end_date="2026-01-01"
            ),
            "end_date",
        ),
        (
            reg.CreatePairingRequest(workplace_org="x", community_id=community.street_id, start_date="2026-02-01"),
            "community_id",
        ),
    ]:
        request.request_id = new_request_id()
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await api.registry.CreatePairing(request, metadata=api.admin)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.value.details().startswith(f"{field}:")
