"""The org tree over gRPC: rename and move with history, close, children and subtree pages."""

from __future__ import annotations

import grpc
import pytest
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_id_number, new_request_id


async def create(api: Api, parent_id: str, kind: int, name: str) -> reg.OrgUnit:
    response = await api.registry.CreateOrgUnit(
        reg.CreateOrgUnitRequest(request_id=new_request_id(), parent_id=parent_id, kind=kind, name=name),
        metadata=api.admin,
    )
    return response.org_unit


async def test_a_grid_moved_to_another_community_takes_its_members_and_keeps_its_history(api: Api) -> None:
    first, second = await make_community(api), await make_community(api)
    building = await create(api, first.grid_id, reg.ORG_UNIT_KIND_BUILDING, "1号楼")
    member = await register_member(api, building.id)

    renamed = await api.registry.RenameOrgUnit(
        reg.RenameOrgUnitRequest(request_id=new_request_id(), org_unit_id=first.grid_id, name="银泉名座网格"),
        metadata=api.admin,
    )
    assert renamed.org_unit.name == "银泉名座网格"
    moved = (
        await api.registry.MoveOrgUnit(
            reg.MoveOrgUnitRequest(
                request_id=new_request_id(), org_unit_id=first.grid_id, new_parent_id=second.community_id
            ),
            metadata=api.admin,
        )
    ).org_unit
    assert moved.parent_id == second.community_id and moved.ancestor_ids[-1] == second.community_id
    building_now = (
        await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=building.id), metadata=api.admin)
    ).org_unit
    assert list(building_now.ancestor_ids) == [*moved.ancestor_ids, moved.id]
    member_now = (await api.registry.GetMember(reg.GetMemberRequest(member_id=member.id), metadata=api.admin)).member
    assert member_now.community_id == second.community_id
    in_second = await api.registry.SearchMembers(
        reg.SearchMembersRequest(org_unit_id=second.street_id), metadata=api.admin
    )
    assert member.id in [m.id for m in in_second.members]
    in_first = await api.registry.SearchMembers(
        reg.SearchMembersRequest(org_unit_id=first.street_id), metadata=api.admin
    )
    assert member.id not in [m.id for m in in_first.members]

    history = (
        await api.registry.ListOrgUnitHistory(
            reg.ListOrgUnitHistoryRequest(org_unit_id=first.grid_id), metadata=api.admin
        )
    ).events
    assert [e.kind for e in history] == [
        reg.ORG_UNIT_EVENT_KIND_CREATED,
        reg.ORG_UNIT_EVENT_KIND_RENAMED,
        reg.ORG_UNIT_EVENT_KIND_MOVED,
    ]
    assert (history[1].old_name, history[1].new_name) == ("第1网格", "银泉名座网格")
    assert (history[2].old_parent_id, history[2].new_parent_id) == (first.community_id, second.community_id)


async def test_moves_that_break_the_tree_are_refused(api: Api) -> None:
    community = await make_community(api)
    other = await make_community(api)
    cases = [
        (community.street_id, community.grid_id, grpc.StatusCode.INVALID_ARGUMENT),  # under its own grid
        (community.grid_id, other.street_id, grpc.StatusCode.INVALID_ARGUMENT),  # a grid under a street
        (community.community_id, community.street_id, grpc.StatusCode.INVALID_ARGUMENT),  # its parent already
    ]
    for unit_id, new_parent_id, code in cases:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await api.registry.MoveOrgUnit(
                reg.MoveOrgUnitRequest(request_id=new_request_id(), org_unit_id=unit_id, new_parent_id=new_parent_id),
                metadata=api.admin,
            )
        assert error.value.code() == code
        assert error.value.details().startswith("new_parent_id:")


async def test_a_unit_closes_only_when_empty_and_then_takes_no_new_members(api: Api) -> None:
    community = await make_community(api)
    registration = reg.RegisterMemberRequest(
        request_id=new_request_id(),
        name="陈静",
        workplace_org="宝鸡市中医院党委",
        residence_unit_id=community.grid_id,
        management_level=reg.MANAGEMENT_LEVEL_OTHER,
        phone="13912340002",
        id_number=new_id_number(),
    )
    member = (await api.registry.RegisterMember(registration, metadata=api.admin)).member
    close = reg.CloseOrgUnitRequest(request_id=new_request_id(), org_unit_id=community.grid_id, reason="网格合并")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.CloseOrgUnit(close, metadata=api.admin)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    await api.registry.TransferMember(
        reg.TransferMemberRequest(
            request_id=new_request_id(),
            member_id=member.id,
            residence_unit_id=community.community_id,
            reason="网格合并",
        ),
        metadata=api.admin,
    )
    closed = (await api.registry.CloseOrgUnit(close, metadata=api.admin)).org_unit
    assert closed.HasField("close_time")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await register_member(api, community.grid_id)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    # A retry of the registration made before the grid closed still gets its first answer.
    retried = (await api.registry.RegisterMember(registration, metadata=api.admin)).member
    assert retried.id == member.id
    children = await api.registry.ListOrgUnitChildren(
        reg.ListOrgUnitChildrenRequest(org_unit_id=community.community_id), metadata=api.admin
    )
    assert children.org_units == []
    with_closed = await api.registry.ListOrgUnitChildren(
        reg.ListOrgUnitChildrenRequest(org_unit_id=community.community_id, include_closed=True), metadata=api.admin
    )
    assert [u.id for u in with_closed.org_units] == [community.grid_id]


async def test_children_and_subtree_page_through_every_unit_once(api: Api) -> None:
    community = await make_community(api)
    grids = [await create(api, community.community_id, reg.ORG_UNIT_KIND_GRID, f"第{n}网格") for n in range(2, 7)]
    buildings = [await create(api, grids[0].id, reg.ORG_UNIT_KIND_BUILDING, f"{n}号楼") for n in range(1, 4)]

    names: list[str] = []
    token = ""
    while True:
        page = await api.registry.ListOrgUnitChildren(
            reg.ListOrgUnitChildrenRequest(org_unit_id=community.community_id, page_size=2, page_token=token),
            metadata=api.admin,
        )
        names += [u.name for u in page.org_units]
        token = page.next_page_token
        if not token:
            break
    assert names == sorted(["第1网格", *(g.name for g in grids)])

    ids: list[str] = []
    while True:
        page = await api.registry.ListOrgUnitSubtree(
            reg.ListOrgUnitSubtreeRequest(org_unit_id=community.street_id, page_size=3, page_token=token),
            metadata=api.admin,
        )
        ids += [u.id for u in page.org_units]
        token = page.next_page_token
        if not token:
            break
    expected = {community.community_id, community.grid_id, *(g.id for g in grids), *(b.id for b in buildings)}
    assert len(ids) == len(expected) and set(ids) == expected
    # Tree order: each unit comes after its parent.
    assert ids.index(grids[0].id) < min(ids.index(b.id) for b in buildings)
    only_buildings = await api.registry.ListOrgUnitSubtree(
        reg.ListOrgUnitSubtreeRequest(org_unit_id=community.street_id, kind=reg.ORG_UNIT_KIND_BUILDING),
        metadata=api.admin,
    )
    assert {u.id for u in only_buildings.org_units} == {b.id for b in buildings}


async def test_party_organisations_hang_on_the_right_level_and_temporary_ones_dissolve(api: Api) -> None:
    community = await make_community(api)

    async def attach(unit_id: str, kind: int, name: str, focus: str = "") -> reg.PartyOrganisation:
        response = await api.registry.CreatePartyOrganisation(
            reg.CreatePartyOrganisationRequest(
                request_id=new_request_id(), org_unit_id=unit_id, kind=kind, name=name, focus=focus
            ),
            metadata=api.admin,
        )
        return response.party_organisation

    await attach(community.street_id, reg.PARTY_ORGANISATION_KIND_STREET_WORKING_COMMITTEE, "街道大工委")
    await attach(community.community_id, reg.PARTY_ORGANISATION_KIND_COMMUNITY_PARTY_COMMITTEE, "社区大党委")
    await attach(community.grid_id, reg.PARTY_ORGANISATION_KIND_GRID_BRANCH, "第9网格党支部")
    elder = await attach(
        community.community_id, reg.PARTY_ORGANISATION_KIND_SPECIAL_BRANCH, "孝老爱心党支部", focus="孝老爱心"
    )
    festival = await attach(
        community.community_id, reg.PARTY_ORGANISATION_KIND_TEMPORARY_BRANCH, "邻里节临时党支部", focus="端午邻里节"
    )
    refused = [
        (community.community_id, reg.PARTY_ORGANISATION_KIND_GRID_BRANCH, "x", "", grpc.StatusCode.INVALID_ARGUMENT),
        (community.grid_id, reg.PARTY_ORGANISATION_KIND_SPECIAL_BRANCH, "y", "", grpc.StatusCode.INVALID_ARGUMENT),
        (community.grid_id, reg.PARTY_ORGANISATION_KIND_GRID_BRANCH, "另一个", "", grpc.StatusCode.ALREADY_EXISTS),
    ]
    for unit_id, kind, name, focus, code in refused:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await attach(unit_id, kind, name, focus)
        assert error.value.code() == code

    listed = await api.registry.ListPartyOrganisations(
        reg.ListPartyOrganisationsRequest(org_unit_id=community.street_id, page_size=2), metadata=api.admin
    )
    assert len(listed.party_organisations) == 2 and listed.next_page_token
    branches = await api.registry.ListPartyOrganisations(
        reg.ListPartyOrganisationsRequest(
            org_unit_id=community.street_id, kind=reg.PARTY_ORGANISATION_KIND_SPECIAL_BRANCH
        ),
        metadata=api.admin,
    )
    assert [(p.id, p.focus) for p in branches.party_organisations] == [(elder.id, "孝老爱心")]

    dissolved = await api.registry.DissolvePartyOrganisation(
        reg.DissolvePartyOrganisationRequest(
            request_id=new_request_id(), party_organisation_id=festival.id, reason="邻里节结束"
        ),
        metadata=api.admin,
    )
    assert dissolved.party_organisation.HasField("dissolve_time")
    standing = await api.registry.ListPartyOrganisations(
        reg.ListPartyOrganisationsRequest(org_unit_id=community.community_id), metadata=api.admin
    )
    assert festival.id not in [p.id for p in standing.party_organisations]
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.CloseOrgUnit(
            reg.CloseOrgUnitRequest(request_id=new_request_id(), org_unit_id=community.grid_id, reason="合并"),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
