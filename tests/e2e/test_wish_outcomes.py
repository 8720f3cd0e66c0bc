"""Closing outcomes that say what happened, staff assignment and reassignment, group claims, duplicate suggestions,
the CSV export and bulk operations, over gRPC with the lifecycle following."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from tests.e2e.conftest import Community, make_community, new_id_number, new_request_id, register_member
from tests.e2e.test_wish_close_out import claimed, fulfil, get, services_of, workflow_ended
from tests.e2e.test_wish_slice import published, submit


async def refused(call: object, code: grpc.StatusCode, field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call  # type: ignore[misc]
    assert error.value.code() == code, error.value.details()
    assert field in (error.value.details() or ""), error.value.details()


def staff_of(api: Api, community: Community) -> object:
    return api.token(Role.STAFF, scope=community.community_id, subject="staff-1")


def close_request(wish_id: str, outcome: int, **kwargs: str) -> wish.CloseWishRequest:
    return wish.CloseWishRequest(
        request_id=kwargs.pop("request_id", new_request_id()),
        wish_id=wish_id,
        outcome=outcome,
        reason=kwargs.pop("reason", "核实后无法办理"),
        **kwargs,
    )


async def test_a_claimed_wish_closed_as_not_feasible_ends_its_lifecycle_and_shows_in_lists_and_stats(
    api: Api, stack: LocalStack
) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    wish_id = (await claimed(api, community, member)).id
    request = close_request(wish_id, wish.WISH_OUTCOME_NOT_FEASIBLE, reason="场地不允许")
    closed = (await api.wishes.CloseWish(request, metadata=staff_of(api, community))).wish
    again = (await api.wishes.CloseWish(request, metadata=staff_of(api, community))).wish  # a retry
    assert closed.state == wish.WISH_STATE_NOT_FEASIBLE and closed.close_note == "场地不允许"
    assert closed.HasField("close_time") and again.version == closed.version
    assert await workflow_ended(stack, wish_id) == "not_feasible"
    assert (await services_of(api, member.id)).count == 0  # nothing was served

    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=wish_id), metadata=api.admin)
    last = history.events[-1]
    assert (last.state, last.actor, last.note) == (wish.WISH_STATE_NOT_FEASIBLE, "staff-1", "not feasible: 场地不允许")
    listed = await api.wishes.ListWishes(
        wish.ListWishesRequest(org_unit_id=community.community_id, state=wish.WISH_STATE_NOT_FEASIBLE),
        metadata=api.admin,
    )
    assert [w.id for w in listed.wishes] == [wish_id]
    stats = await api.wishes.GetWishStats(
        wish.GetWishStatsRequest(org_unit_id=community.community_id), metadata=api.admin
    )
    assert {(c.state, c.count) for c in stats.by_state} == {(wish.WISH_STATE_NOT_FEASIBLE, 1)}
    assert {(c.state, c.count) for c in stats.ended_by_state} == {(wish.WISH_STATE_NOT_FEASIBLE, 1)}
    assert stats.closed == 0


async def test_closing_as_a_duplicate_or_a_referral_names_the_original_or_the_body(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    original, copy, referred = [await submit(api, community) for _ in range(3)]
    staff = staff_of(api, community)
    duplicate = (
        await api.wishes.CloseWish(
            close_request(copy.id, wish.WISH_OUTCOME_DUPLICATE, duplicate_of=original.id, reason="同一位居民"),
            metadata=staff,
        )
    ).wish
    assert duplicate.state == wish.WISH_STATE_DUPLICATE and duplicate.duplicate_of == original.id
    sent_on = (
        await api.wishes.CloseWish(
            close_request(referred.id, wish.WISH_OUTCOME_REFERRED, referred_to="区人社局", reason="就业问题"),
            metadata=staff,
        )
    ).wish
    assert sent_on.state == wish.WISH_STATE_REFERRED and sent_on.referred_to == "区人社局"
    assert await workflow_ended(stack, copy.id) == "duplicate"
    assert await workflow_ended(stack, referred.id) == "referred"
    assert (await get(api, original.id)).state == wish.WISH_STATE_SUBMITTED


async def test_closing_checks_its_input_its_state_and_the_callers_scope(api: Api) -> None:
    community, elsewhere = await make_community(api), await make_community(api)
    target = await submit(api, community)
    foreign = await submit(api, elsewhere)
    close = api.wishes.CloseWish
    staff = staff_of(api, community)
    await refused(close(close_request(target.id, 0), metadata=staff), grpc.StatusCode.INVALID_ARGUMENT, "outcome")
    await refused(
        close(close_request(target.id, wish.WISH_OUTCOME_NOT_FEASIBLE, reason=""), metadata=staff),
        grpc.StatusCode.INVALID_ARGUMENT,
        "reason",
    )
    await refused(
        close(close_request(target.id, wish.WISH_OUTCOME_DUPLICATE), metadata=staff),
        grpc.StatusCode.INVALID_ARGUMENT,
        "duplicate_of",
    )
    await refused(
        close(close_request(target.id, wish.WISH_OUTCOME_DUPLICATE, duplicate_of="999999999"), metadata=staff),
        grpc.StatusCode.NOT_FOUND,
        "duplicate_of",
    )
    await refused(
        close(close_request(target.id, wish.WISH_OUTCOME_DUPLICATE, duplicate_of=target.id), metadata=staff),
        grpc.StatusCode.INVALID_ARGUMENT,
        "duplicate_of",
    )
    await refused(
        close(close_request(target.id, wish.WISH_OUTCOME_DUPLICATE, duplicate_of=foreign.id), metadata=staff),
        grpc.StatusCode.INVALID_ARGUMENT,
        "duplicate_of",
    )
    await refused(
        close(close_request(target.id, wish.WISH_OUTCOME_REFERRED), metadata=staff),
        grpc.StatusCode.INVALID_ARGUMENT,
        "referred_to",
    )
    await refused(
        close(close_request(target.id, wish.WISH_OUTCOME_NOT_FEASIBLE, referred_to="区民政局"), metadata=staff),
        grpc.StatusCode.INVALID_ARGUMENT,
        "referred_to",
    )
    await refused(
        close(close_request("999999999", wish.WISH_OUTCOME_NOT_FEASIBLE), metadata=staff),
        grpc.StatusCode.NOT_FOUND,
        "wish_id",
    )
    await refused(
        close(close_request(foreign.id, wish.WISH_OUTCOME_NOT_FEASIBLE), metadata=staff),
        grpc.StatusCode.PERMISSION_DENIED,
        "outside",
    )
    member = await register_member(api, community.community_id)
    await refused(
        close(
            close_request(target.id, wish.WISH_OUTCOME_NOT_FEASIBLE),
            metadata=api.token(Role.MEMBER, scope=community.community_id, subject=member.id),
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "role",
    )
    await close(close_request(target.id, wish.WISH_OUTCOME_WITHDRAWN), metadata=staff)
    await refused(
        close(close_request(target.id, wish.WISH_OUTCOME_NOT_FEASIBLE), metadata=staff),
        grpc.StatusCode.FAILED_PRECONDITION,
        "withdrawn",
    )


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


async def register_at(api: Api, unit_id: str, workplace_org: str) -> reg.Member:
    response = await api.registry.RegisterMember(
        reg.RegisterMemberRequest(
            request_id=new_request_id(),
            name="赵敏",
            workplace_org=workplace_org,
            residence_unit_id=unit_id,
            management_level=reg.MANAGEMENT_LEVEL_CITY,
            phone="13700001234",
            id_number=new_id_number(),
        ),
        metadata=api.admin,
    )
    return response.member


async def team_of(api: Api, community: Community, *members: reg.Member) -> reg.Team:
    team = (
        await api.registry.CreateTeam(
            reg.CreateTeamRequest(
                request_id=new_request_id(),
                org_unit_id=community.community_id,
                kind=reg.TEAM_KIND_PARTY_MEMBER,
                name="党员志愿服务队",
            ),
            metadata=api.admin,
        )
    ).team
    for member in members:
        await api.registry.AddTeamMember(
            reg.AddTeamMemberRequest(request_id=new_request_id(), team_id=team.id, member_id=member.id),
            metadata=api.admin,
        )
    return team


async def test_a_team_claims_a_wish_together_and_each_participant_has_the_hours_recorded(
    api: Api, stack: LocalStack
) -> None:
    community = await make_community(api)
    lead, partner, not_on_team = [await register_member(api, community.community_id) for _ in range(3)]
    team = await team_of(api, community, lead, partner)
    target = await published(api, community)
    group_claim = api.wishes.ClaimWishAsGroup
    as_lead = api.token(Role.MEMBER, scope=community.community_id, subject=lead.id)
    staff = staff_of(api, community)  # staff speak for the group; a member claims alone

    def request(**kwargs: object) -> wish.ClaimWishAsGroupRequest:
        fields: dict[str, object] = {"request_id": new_request_id(), "wish_id": target.id, "team_id": team.id}
        fields.update(kwargs)
        return wish.ClaimWishAsGroupRequest(**fields)  # type: ignore[arg-type]

    await refused(
        group_claim(request(member_ids=[lead.id]), metadata=staff), grpc.StatusCode.INVALID_ARGUMENT, "member_ids"
    )
    await refused(
        group_claim(
            wish.ClaimWishAsGroupRequest(
                request_id=new_request_id(), wish_id=target.id, member_ids=[lead.id, partner.id]
            ),
            metadata=staff,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "group",
    )
    await refused(
        group_claim(request(member_ids=[lead.id, not_on_team.id]), metadata=staff),
        grpc.StatusCode.FAILED_PRECONDITION,
        "member_ids[1]",
    )
    await refused(
        group_claim(request(team_id="999999999", member_ids=[lead.id, partner.id]), metadata=staff),
        grpc.StatusCode.NOT_FOUND,
        "team_id",
    )
    await refused(
        group_claim(request(member_ids=[lead.id, partner.id]), metadata=as_lead),
        grpc.StatusCode.PERMISSION_DENIED,
        "ClaimWishAsGroup",
    )
    claim = request(member_ids=[lead.id, partner.id])
    taken = (await group_claim(claim, metadata=staff)).wish
    again = (await group_claim(claim, metadata=staff)).wish
    assert taken.state == wish.WISH_STATE_CLAIMED and taken.claimant_member_id == lead.id
    assert list(taken.participant_member_ids) == [lead.id, partner.id] and taken.group_team_id == team.id
    assert again.version == taken.version
    await fulfil(api, target.id, lead, hours=3)
    await api.wishes.ConfirmWish(
        wish.ConfirmWishRequest(request_id=new_request_id(), wish_id=target.id, confirm=wish.Confirmation(rating=5)),
        metadata=api.admin,
    )
    assert await workflow_ended(stack, target.id) == "closed"
    for member in (lead, partner):
        summary = await services_of(api, member.id)
        assert (summary.count, summary.hours) == (1, 3)
    assert (await services_of(api, not_on_team.id)).count == 0


async def test_a_participant_at_the_open_claim_cap_blocks_a_group_claim_until_a_claim_is_released(api: Api) -> None:
    community = await make_community(api)
    lead, partner = [await register_member(api, community.community_id) for _ in range(2)]
    team = await team_of(api, community, lead, partner)
    held = [await claimed(api, community, partner) for _ in range(5)]  # the stack's LINLI_WISH_MAX_OPEN_CLAIMS
    target, other = await published(api, community), await published(api, community)
    as_lead = api.token(Role.MEMBER, scope=community.community_id, subject=lead.id)
    claim = wish.ClaimWishAsGroupRequest(
        request_id=new_request_id(), wish_id=target.id, team_id=team.id, member_ids=[lead.id, partner.id]
    )
    staff = staff_of(api, community)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ClaimWishAsGroup(claim, metadata=staff)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "member_ids" in (details := error.value.details() or "") and f"member {partner.id} " in details, details
    assert (await get(api, target.id)).state == wish.WISH_STATE_PUBLISHED
    await api.wishes.ReleaseClaim(
        wish.ReleaseClaimRequest(request_id=new_request_id(), wish_id=held[0].id), metadata=api.admin
    )
    taken = (await api.wishes.ClaimWishAsGroup(claim, metadata=staff)).wish  # the refused request, now allowed
    assert taken.state == wish.WISH_STATE_CLAIMED and list(taken.participant_member_ids) == [lead.id, partner.id]
    # The partner's four wishes and the group claim make five: a claim of their own is refused too.
    single = wish.ClaimWishRequest(request_id=new_request_id(), wish_id=other.id, member_id=partner.id)
    await refused(api.wishes.ClaimWish(single, metadata=api.admin), grpc.StatusCode.FAILED_PRECONDITION, "member_id")
    await api.wishes.ReleaseClaim(
        wish.ReleaseClaimRequest(request_id=new_request_id(), wish_id=target.id), metadata=as_lead
    )
    assert (await api.wishes.ClaimWish(single, metadata=api.admin)).wish.claimant_member_id == partner.id


async def test_a_paired_workplace_unit_claims_a_wish_together(api: Api) -> None:
    community, home = await make_community(api), await make_community(api)
    unit = f"宝鸡市税务局党委-{new_request_id()[:6]}"
    first, second = [await register_at(api, home.community_id, unit) for _ in range(2)]
    target = await published(api, community)
    request = wish.ClaimWishAsGroupRequest(
        request_id=new_request_id(), wish_id=target.id, workplace_org=unit, member_ids=[first.id, second.id]
    )
    await refused(
        api.wishes.ClaimWishAsGroup(request, metadata=api.admin), grpc.StatusCode.FAILED_PRECONDITION, "workplace_org"
    )
    start = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    await api.registry.CreatePairing(
        reg.CreatePairingRequest(
            request_id=new_request_id(), workplace_org=unit, community_id=community.community_id, start_date=start
        ),
        metadata=api.admin,
    )
    taken = (await api.wishes.ClaimWishAsGroup(request, metadata=api.admin)).wish
    assert taken.group_workplace_org == unit and list(taken.participant_member_ids) == [first.id, second.id]
    stranger = await register_member(api, community.community_id)  # another workplace
    other = await published(api, community)
    await refused(
        api.wishes.ClaimWishAsGroup(
            wish.ClaimWishAsGroupRequest(
                request_id=new_request_id(), wish_id=other.id, workplace_org=unit, member_ids=[first.id, stranger.id]
            ),
            metadata=api.admin,
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "member_ids[1]",
    )


async def export_rows(api: Api, metadata: object, **kwargs: object) -> list[dict[str, str]]:
    text = ""
    async for chunk in api.wishes.ExportWishes(wish.ExportWishesRequest(**kwargs), metadata=metadata):  # type: ignore[arg-type]
        text += chunk.csv
    return list(csv.DictReader(io.StringIO(text)))


async def test_the_csv_export_has_every_wish_of_the_subtree_masked_with_its_times(api: Api) -> None:
    community, elsewhere = await make_community(api), await make_community(api)
    member = await register_member(api, community.community_id)
    first = await claimed(api, community, member)
    second = await submit(api, community, text="我想找对象")
    await submit(api, elsewhere)
    rows = await export_rows(api, api.admin, org_unit_id=community.street_id)
    assert [r["id"] for r in rows] == [first.id, second.id]
    assert rows[0]["state"] == "claimed" and rows[0]["claimant_member_id"] == member.id
    assert rows[0]["hours_to_claim"] != "" and rows[0]["category"] == "culture"
    assert rows[0]["resident_name"] == "张*" and "13800001111" not in str(rows)
    assert rows[1]["text"] == "我想找对象" and rows[1]["claim_time"] == ""
    only = await export_rows(api, api.admin, org_unit_id=community.street_id, state=wish.WISH_STATE_SUBMITTED)
    assert [r["id"] for r in only] == [second.id]
    assert await export_rows(api, api.admin, org_unit_id=community.grid_id) == []

    staff = staff_of(api, elsewhere)
    await refused(
        export_rows(api, staff, org_unit_id=community.community_id), grpc.StatusCode.PERMISSION_DENIED, "outside"
    )
    await refused(export_rows(api, api.admin, org_unit_id="x"), grpc.StatusCode.INVALID_ARGUMENT, "org_unit_id")
    await refused(
        export_rows(api, api.admin, org_unit_id=community.community_id, state=99),
        grpc.StatusCode.INVALID_ARGUMENT,
        "state",
    )


async def test_bulk_close_moves_each_wish_on_its_own_and_a_retry_is_safe(api: Api, stack: LocalStack) -> None:
    community, elsewhere = await make_community(api), await make_community(api)
    open_ones = [await submit(api, community) for _ in range(2)]
    gone = await submit(api, community)
    staff = staff_of(api, community)
    await api.wishes.CloseWish(close_request(gone.id, wish.WISH_OUTCOME_WITHDRAWN), metadata=staff)
    foreign = await submit(api, elsewhere)
    request = wish.BulkCloseWishesRequest(
        request_id=new_request_id(),
        wish_ids=[open_ones[0].id, gone.id, "999999999", foreign.id, open_ones[1].id],
        outcome=wish.WISH_OUTCOME_REFERRED,
        reason="转交",
        referred_to="区民政局",
    )
    # A wish outside the caller's scope refuses the whole request, before anything moves.
    await refused(api.wishes.BulkCloseWishes(request, metadata=staff), grpc.StatusCode.PERMISSION_DENIED, "wish_ids[3]")
    assert (await get(api, open_ones[0].id)).state == wish.WISH_STATE_SUBMITTED
    del request.wish_ids[3]
    first = await api.wishes.BulkCloseWishes(request, metadata=staff)
    codes = [(r.wish_id, r.code) for r in first.results]
    assert codes == [
        (open_ones[0].id, "OK"),
        (gone.id, "FAILED_PRECONDITION"),
        ("999999999", "NOT_FOUND"),
        (open_ones[1].id, "OK"),
    ]
    assert first.results[0].wish.state == wish.WISH_STATE_REFERRED and not first.results[2].HasField("wish")
    retry = await api.wishes.BulkCloseWishes(request, metadata=staff)
    assert [(r.wish_id, r.code) for r in retry.results] == codes
    assert [r.wish.version for r in retry.results if r.code == "OK"] == [
        r.wish.version for r in first.results if r.code == "OK"
    ]
    for w in open_ones:
        assert await workflow_ended(stack, w.id) == "referred"

    bulk = api.wishes.BulkCloseWishes
    await refused(
        bulk(wish.BulkCloseWishesRequest(request_id=new_request_id(), outcome=1, reason="x"), metadata=staff),
        grpc.StatusCode.INVALID_ARGUMENT,
        "wish_ids",
    )
    await refused(
        bulk(
            wish.BulkCloseWishesRequest(
                request_id=new_request_id(), wish_ids=[gone.id, gone.id], outcome=1, reason="x"
            ),
            metadata=staff,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "wish_ids",
    )
    await refused(
        bulk(
            wish.BulkCloseWishesRequest(request_id=new_request_id(), wish_ids=["1", "y"], outcome=1, reason="x"),
            metadata=staff,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "wish_ids[1]",
    )
    await refused(
        bulk(wish.BulkCloseWishesRequest(request_id=new_request_id(), wish_ids=[gone.id], reason="x"), metadata=staff),
        grpc.StatusCode.INVALID_ARGUMENT,
        "outcome",
    )


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
