"""Members over gRPC: update, transfer with history, deregistration, search filters and pages, scope, audit."""

from __future__ import annotations

import asyncio

import asyncpg
import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_id_number, new_request_id


async def audit_actions(stack: LocalStack, subject_kind: str, subject_id: str) -> list[str]:
    conn = await asyncpg.connect(stack.database_url)
    try:
        rows = await conn.fetch(
            "select action from registry.audit_log where subject_kind = $1 and subject_id = $2 order by id",
            subject_kind,
            subject_id,
        )
    finally:
        await conn.close()
    return [r["action"] for r in rows]


async def test_update_changes_only_the_masked_fields_and_a_retry_returns_the_first_result(
    api: Api, stack: LocalStack
) -> None:
    community = await make_community(api)
    member = await register_member(api, community.grid_id)
    request = reg.UpdateMemberRequest(
        request_id=new_request_id(),
        member_id=member.id,
        member=reg.Member(name="王芳芳", phone="13700001111", skills=[reg.SKILL_LEGAL, reg.SKILL_LEGAL], tags=["舞蹈"]),
        update_mask=FieldMask(paths=["phone", "skills", "tags"]),
    )
    updated = (await api.registry.UpdateMember(request, metadata=api.admin)).member
    assert updated.name == "王芳" and updated.phone == "137****1111"
    assert list(updated.skills) == [reg.SKILL_LEGAL] and list(updated.tags) == ["舞蹈"]
    again = (await api.registry.UpdateMember(request, metadata=api.admin)).member
    assert again == updated
    revealed = await api.registry.GetMember(
        reg.GetMemberRequest(member_id=member.id, reveal_personal_data=True), metadata=api.admin
    )
    assert revealed.member.phone == "13700001111"
    assert await audit_actions(stack, "member", member.id) == ["register_member", "update_member", "read_personal_data"]

    for mask, field in [(["id_number"], "update_mask"), ([], "update_mask"), (["phone"], "member.phone")]:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await api.registry.UpdateMember(
                reg.UpdateMemberRequest(
                    request_id=new_request_id(),
                    member_id=member.id,
                    member=reg.Member(phone="12345"),
                    update_mask=FieldMask(paths=mask),
                ),
                metadata=api.admin,
            )
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.value.details().startswith(f"{field}:")


async def test_a_transfer_keeps_the_old_residence_in_history(api: Api) -> None:
    first, second = await make_community(api), await make_community(api)
    member = await register_member(api, first.grid_id)
    moved = (
        await api.registry.TransferMember(
            reg.TransferMemberRequest(
                request_id=new_request_id(), member_id=member.id, residence_unit_id=second.grid_id, reason="搬家"
            ),
            metadata=api.admin,
        )
    ).member
    assert (moved.community_id, moved.residence_unit_id) == (second.community_id, second.grid_id)
    history = (
        await api.registry.ListMemberResidences(
            reg.ListMemberResidencesRequest(member_id=member.id), metadata=api.admin
        )
    ).residences
    assert [(r.residence_unit_id, r.reason) for r in history] == [
        (first.grid_id, "registered"),
        (second.grid_id, "搬家"),
    ]
    assert history[0].end_time == history[1].start_time and not history[1].HasField("end_time")

    old_staff = api.token(Role.STAFF, scope=first.community_id, subject="staff-first")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.GetMember(reg.GetMemberRequest(member_id=member.id), metadata=old_staff)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.TransferMember(
            reg.TransferMemberRequest(
                request_id=new_request_id(), member_id=member.id, residence_unit_id=second.street_id, reason="x"
            ),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith("residence_unit_id:")


async def test_staff_cannot_change_or_move_members_outside_their_scope(api: Api) -> None:
    mine, theirs = await make_community(api), await make_community(api)
    member_mine = await register_member(api, mine.grid_id)
    member_theirs = await register_member(api, theirs.grid_id)
    staff = api.token(Role.STAFF, scope=mine.community_id, subject="staff-mine")
    calls = [
        api.registry.UpdateMember(
            reg.UpdateMemberRequest(
                request_id=new_request_id(),
                member_id=member_theirs.id,
                member=reg.Member(name="x"),
                update_mask=FieldMask(paths=["name"]),
            ),
            metadata=staff,
        ),
        api.registry.DeregisterMember(
            reg.DeregisterMemberRequest(request_id=new_request_id(), member_id=member_theirs.id, reason="x"),
            metadata=staff,
        ),
        # Out of scope at the destination, though the member is in scope.
        api.registry.TransferMember(
            reg.TransferMemberRequest(
                request_id=new_request_id(), member_id=member_mine.id, residence_unit_id=theirs.grid_id, reason="x"
            ),
            metadata=staff,
        ),
        api.registry.SearchMembers(reg.SearchMembersRequest(org_unit_id=theirs.community_id), metadata=staff),
        api.registry.ListMemberResidences(reg.ListMemberResidencesRequest(member_id=member_theirs.id), metadata=staff),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    district_staff = api.token(Role.STAFF, scope=(await district_of(api, theirs.community_id)), subject="district")
    found = await api.registry.SearchMembers(
        reg.SearchMembersRequest(org_unit_id=theirs.community_id), metadata=district_staff
    )
    assert [m.id for m in found.members] == [member_theirs.id]


async def district_of(api: Api, unit_id: str) -> str:
    unit = (await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=unit_id), metadata=api.admin)).org_unit
    return unit.ancestor_ids[1]


async def test_deregistration_is_soft_with_a_reason_and_hides_the_member_from_active_searches(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.grid_id)
    request = reg.DeregisterMemberRequest(request_id=new_request_id(), member_id=member.id, reason="组织关系转出")
    gone = (await api.registry.DeregisterMember(request, metadata=api.admin)).member
    assert gone.status == reg.MEMBER_STATUS_DEREGISTERED and gone.deregister_reason == "组织关系转出"
    assert (await api.registry.DeregisterMember(request, metadata=api.admin)).member == gone
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.DeregisterMember(
            reg.DeregisterMemberRequest(request_id=new_request_id(), member_id=member.id, reason="again"),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    active = await api.registry.SearchMembers(
        reg.SearchMembersRequest(org_unit_id=community.street_id), metadata=api.admin
    )
    assert member.id not in [m.id for m in active.members]
    deregistered = await api.registry.SearchMembers(
        reg.SearchMembersRequest(org_unit_id=community.street_id, status=reg.MEMBER_STATUS_DEREGISTERED),
        metadata=api.admin,
    )
    assert [m.id for m in deregistered.members] == [member.id]
    still_there = await api.registry.GetMember(reg.GetMemberRequest(member_id=member.id), metadata=api.admin)
    assert still_there.member.status == reg.MEMBER_STATUS_DEREGISTERED


async def test_search_filters_by_skill_and_name_prefix_and_pages_keep_a_stable_order(api: Api) -> None:
    community = await make_community(api)
    names = ["张伟", "张敏", "李娜", "张静", "王强", "张磊", "张洋"]
    members = []
    for index, name in enumerate(names):
        skills = (reg.SKILL_LEGAL,) if index % 2 else (reg.SKILL_MEDICAL,)
        members.append(await register_member(api, community.grid_id, name=name, skills=skills))
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = await api.registry.SearchMembers(
            reg.SearchMembersRequest(
                org_unit_id=community.community_id, name_prefix="张", page_size=2, page_token=token
            ),
            metadata=api.admin,
        )
        seen += [m.id for m in page.members]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    # By name (as UTF-8 bytes), then id.
    expected = sorted((m.name.encode(), int(m.id)) for m in members if m.name.startswith("张"))
    assert seen == [str(member_id) for _, member_id in expected] and pages == 3
    legal = await api.registry.SearchMembers(
        reg.SearchMembersRequest(org_unit_id=community.street_id, skill=reg.SKILL_LEGAL, name_prefix="张"),
        metadata=api.admin,
    )
    assert sorted(m.name for m in legal.members) == sorted(["张敏", "张静", "张磊"])
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.SearchMembers(
            reg.SearchMembersRequest(org_unit_id=community.street_id, name_prefix="李", page_token=token or "x"),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_concurrent_retries_of_one_update_apply_it_once(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    member = await register_member(api, community.grid_id)
    request = reg.UpdateMemberRequest(
        request_id=new_request_id(),
        member_id=member.id,
        member=reg.Member(workplace_org="唐山市路北区人民法院党组"),
        update_mask=FieldMask(paths=["workplace_org"]),
    )
    results = await asyncio.gather(*(api.registry.UpdateMember(request, metadata=api.admin) for _ in range(5)))
    assert len({r.SerializeToString() for r in results}) == 1
    assert (await audit_actions(stack, "member", member.id)).count("update_member") == 1


async def test_lookup_by_id_number_or_phone_finds_members_in_scope_only(api: Api) -> None:
    mine, theirs = await make_community(api), await make_community(api)
    id_number = new_id_number()
    registered = (
        await api.registry.RegisterMember(
            reg.RegisterMemberRequest(
                request_id=new_request_id(),
                name="韩梅",
                workplace_org="宝鸡市统计局党组",
                residence_unit_id=mine.grid_id,
                management_level=reg.MANAGEMENT_LEVEL_CITY,
                phone="13712349876",
                id_number=id_number,
            ),
            metadata=api.admin,
        )
    ).member
    by_id = await api.registry.LookupMember(reg.LookupMemberRequest(id_number=id_number.lower()), metadata=api.admin)
    assert [m.id for m in by_id.members] == [registered.id] and "*" in by_id.members[0].id_number
    by_phone = await api.registry.LookupMember(reg.LookupMemberRequest(phone="137-1234-9876"), metadata=api.admin)
    assert [m.id for m in by_phone.members] == [registered.id]
    outsider = api.token(Role.STAFF, scope=theirs.community_id, subject="staff-theirs")
    hidden = await api.registry.LookupMember(reg.LookupMemberRequest(id_number=id_number), metadata=outsider)
    assert hidden.members == []
    for request in (reg.LookupMemberRequest(), reg.LookupMemberRequest(id_number=id_number, phone="13712349876")):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await api.registry.LookupMember(request, metadata=api.admin)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT


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
