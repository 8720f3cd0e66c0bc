"""Authorisation in the registry, end to end: a request id is its caller's own and a retry is checked like a fresh
call; what was open is now in scope (the tree's history, teams, posts, pairings) and what is public stays so (the
tree's names); and scope follows the org tree as it is now, after a community moves to another street."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_id_number, new_request_id


def registration(residence_unit_id: str, request_id: str) -> reg.RegisterMemberRequest:
    return reg.RegisterMemberRequest(
        request_id=request_id,
        name="韩梅",
        workplace_org="宝鸡市统计局党组",
        residence_unit_id=residence_unit_id,
        management_level=reg.MANAGEMENT_LEVEL_CITY,
        phone="13512340001",
        id_number=new_id_number(),
    )


async def team_in(api: Api, unit_id: str, name: str = "红十字救援队") -> reg.Team:
    created = await api.registry.CreateTeam(
        reg.CreateTeamRequest(
            request_id=new_request_id(), org_unit_id=unit_id, kind=reg.TEAM_KIND_RED_CROSS_RESCUE, name=name
        ),
        metadata=api.admin,
    )
    return created.team


async def denied(call: object) -> grpc.StatusCode:
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


# ---- request ids belong to their caller ------------------------------------------------------------------------


async def test_a_caller_scoped_to_one_community_gets_nothing_of_anothers_answer_to_the_same_request_id(
    api: Api,
) -> None:
    chencangyuan, sandi = await make_community(api), await make_community(api)
    # The same system by name, with a token for each community: two callers, whose request ids never meet.
    hotline_chencangyuan = api.token(Role.SYSTEM, scope=chencangyuan.community_id, subject="hotline-12345")
    hotline_sandi = api.token(Role.SYSTEM, scope=sandi.community_id, subject="hotline-12345")
    request_id = new_request_id()

    first = await api.registry.RegisterMember(
        registration(chencangyuan.grid_id, request_id), metadata=hotline_chencangyuan
    )
    other = await api.registry.RegisterMember(registration(sandi.grid_id, request_id), metadata=hotline_sandi)
    assert other.member.id != first.member.id and other.member.community_id == sandi.community_id

    pairing = reg.CreatePairingRequest(
        request_id=new_request_id(), workplace_org="宝鸡市税务局党委", start_date="2026-01-01"
    )
    pairing.community_id = chencangyuan.community_id
    theirs = await api.registry.CreatePairing(pairing, metadata=hotline_chencangyuan)
    pairing.community_id = sandi.community_id
    ours = await api.registry.CreatePairing(pairing, metadata=hotline_sandi)
    assert ours.pairing.id != theirs.pairing.id and ours.pairing.community_id == sandi.community_id


async def test_a_retry_is_refused_once_the_object_has_left_the_callers_scope(api: Api) -> None:
    old_street, new_street = await make_community(api), await make_community(api)
    street_staff = api.token(Role.STAFF, scope=old_street.street_id, subject="staff-zhongshan")
    pairing = (
        await api.registry.CreatePairing(
            reg.CreatePairingRequest(
                request_id=new_request_id(),
                workplace_org="宝鸡市税务局党委",
                community_id=old_street.community_id,
                start_date="2026-01-01",
            ),
            metadata=street_staff,
        )
    ).pairing
    end = reg.EndPairingRequest(request_id=new_request_id(), pairing_id=pairing.id, end_date="2026-12-31")
    await api.registry.EndPairing(end, metadata=street_staff)
    await api.registry.MoveOrgUnit(
        reg.MoveOrgUnitRequest(
            request_id=new_request_id(), org_unit_id=old_street.community_id, new_parent_id=new_street.street_id
        ),
        metadata=api.admin,
    )
    assert await denied(api.registry.EndPairing(end, metadata=street_staff)) == grpc.StatusCode.PERMISSION_DENIED


async def test_a_request_id_sent_again_for_another_member_is_refused_not_answered(api: Api) -> None:
    community = await make_community(api)
    first, second = await register_member(api, community.grid_id), await register_member(api, community.grid_id)
    update = reg.UpdateMemberRequest(
        request_id=new_request_id(),
        member_id=first.id,
        member=reg.Member(workplace_org="唐山市路北区人民法院党组"),
        update_mask=FieldMask(paths=["workplace_org"]),
    )
    await api.registry.UpdateMember(update, metadata=api.admin)
    update.member_id = second.id
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.UpdateMember(update, metadata=api.admin)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith("request_id:")


# ---- what was open is now in scope, and what stays public ------------------------------------------------------


async def test_the_org_trees_history_is_for_staff_in_scope_only(api: Api) -> None:
    ours, theirs = await make_community(api), await make_community(api)
    member = await register_member(api, ours.grid_id)
    history = reg.ListOrgUnitHistoryRequest(org_unit_id=ours.grid_id)
    refused = [
        api.token(Role.STAFF, scope=theirs.street_id, subject="staff-elsewhere"),
        api.token(Role.MEMBER, scope=ours.community_id, subject=member.id),
        api.token(Role.SYSTEM, scope=ours.street_id, subject="hotline-12345"),
    ]
    for metadata in refused:
        assert await denied(api.registry.ListOrgUnitHistory(history, metadata=metadata)) == (
            grpc.StatusCode.PERMISSION_DENIED
        )
    street_staff = api.token(Role.STAFF, scope=ours.street_id, subject="staff-zhongshan")
    events = (await api.registry.ListOrgUnitHistory(history, metadata=street_staff)).events
    assert [e.kind for e in events] == [reg.ORG_UNIT_EVENT_KIND_CREATED]


async def test_teams_posts_and_pairings_are_read_in_scope_and_by_members_in_their_own_community(api: Api) -> None:
    ours, theirs = await make_community(api), await make_community(api)
    await team_in(api, ours.community_id)
    member = await register_member(api, ours.grid_id)
    reads = [
        lambda metadata: api.registry.ListTeams(reg.ListTeamsRequest(org_unit_id=ours.community_id), metadata=metadata),
        lambda metadata: api.registry.ListServicePosts(
            reg.ListServicePostsRequest(community_id=ours.community_id), metadata=metadata
        ),
        lambda metadata: api.registry.ListPairings(
            reg.ListPairingsRequest(org_unit_id=ours.community_id), metadata=metadata
        ),
    ]
    outsiders = [
        api.token(Role.STAFF, scope=theirs.community_id, subject="staff-elsewhere"),
        api.token(Role.SYSTEM, scope=theirs.street_id, subject="hotline-12345"),
        api.token(Role.MEMBER, scope=theirs.community_id, subject=member.id),
    ]
    insiders = [
        api.token(Role.STAFF, scope=ours.street_id, subject="staff-zhongshan"),
        api.token(Role.MEMBER, scope=ours.community_id, subject=member.id),
    ]
    for read in reads:
        for metadata in outsiders:
            assert await denied(read(metadata)) == grpc.StatusCode.PERMISSION_DENIED
        for metadata in insiders:
            assert await denied(read(metadata)) == grpc.StatusCode.OK


async def test_the_org_trees_names_and_party_organisations_stay_public(api: Api) -> None:
    ours, theirs = await make_community(api), await make_community(api)
    member = await register_member(api, theirs.grid_id)
    as_member_elsewhere = api.token(Role.MEMBER, scope=theirs.community_id, subject=member.id)
    unit = await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=ours.grid_id), metadata=as_member_elsewhere)
    assert unit.org_unit.name == "第1网格"
    children = await api.registry.ListOrgUnitChildren(
        reg.ListOrgUnitChildrenRequest(org_unit_id=ours.community_id), metadata=as_member_elsewhere
    )
    assert [u.id for u in children.org_units] == [ours.grid_id]
    subtree = await api.registry.ListOrgUnitSubtree(
        reg.ListOrgUnitSubtreeRequest(org_unit_id=ours.street_id), metadata=as_member_elsewhere
    )
    assert {u.id for u in subtree.org_units} == {ours.community_id, ours.grid_id}
    await api.registry.ListPartyOrganisations(
        reg.ListPartyOrganisationsRequest(org_unit_id=ours.street_id), metadata=as_member_elsewhere
    )


# ---- scope follows the tree as it is now -----------------------------------------------------------------------


async def test_after_a_community_moves_the_old_streets_staff_are_refused_and_the_new_streets_served(api: Api) -> None:
    street_a, street_b = await make_community(api), await make_community(api)
    member = await register_member(api, street_a.grid_id)
    team = await team_in(api, street_a.community_id, "幸福里舞蹈队")
    await api.registry.AddTeamMember(
        reg.AddTeamMemberRequest(request_id=new_request_id(), team_id=team.id, member_id=member.id),
        metadata=api.admin,
    )
    await api.registry.MoveOrgUnit(
        reg.MoveOrgUnitRequest(
            request_id=new_request_id(), org_unit_id=street_a.community_id, new_parent_id=street_b.street_id
        ),
        metadata=api.admin,
    )
    staff_a = api.token(Role.STAFF, scope=street_a.street_id, subject="staff-street-a")
    staff_b = api.token(Role.STAFF, scope=street_b.street_id, subject="staff-street-b")

    def calls(metadata: tuple[tuple[str, str], ...]) -> list[object]:
        return [
            api.registry.GetMember(reg.GetMemberRequest(member_id=member.id), metadata=metadata),
            api.registry.UpdateMember(
                reg.UpdateMemberRequest(
                    request_id=new_request_id(),
                    member_id=member.id,
                    member=reg.Member(tags=["舞蹈"]),
                    update_mask=FieldMask(paths=["tags"]),
                ),
                metadata=metadata,
            ),
            api.registry.SearchMembers(reg.SearchMembersRequest(org_unit_id=street_a.community_id), metadata=metadata),
            api.registry.ListTeams(reg.ListTeamsRequest(org_unit_id=street_a.community_id), metadata=metadata),
            api.registry.ListTeamMembers(reg.ListTeamMembersRequest(team_id=team.id), metadata=metadata),
        ]

    assert [await denied(call) for call in calls(staff_a)] == [grpc.StatusCode.PERMISSION_DENIED] * 5
    assert [await denied(call) for call in calls(staff_b)] == [grpc.StatusCode.OK] * 5
    in_b = await api.registry.SearchMembers(reg.SearchMembersRequest(org_unit_id=street_b.street_id), metadata=staff_b)
    assert member.id in [m.id for m in in_b.members]
    teams_in_b = await api.registry.ListTeams(reg.ListTeamsRequest(org_unit_id=street_b.street_id), metadata=staff_b)
    assert team.id in [t.id for t in teams_in_b.teams]
