"""A wish claimed together over gRPC, by a team (its volunteers who are not members too) or a paired workplace unit,
staff speaking for the group: each member participant checked as a claimant and counted against the cap, and each
participant has the hours recorded."""

from __future__ import annotations

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
from tests.e2e.helpers.checks import refused
from tests.e2e.helpers.community import make_community, register_at, register_member, team_of
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.wishes import claimed, fulfil, get, published, services_of, staff_of, workflow_ended


async def test_a_team_claims_a_wish_together_and_each_participant_has_the_hours_recorded(
    api: Api, stack: LocalStack
) -> None:
    community = await make_community(api)
    lead, partner, not_on_team = [await register_member(api, community.community_id) for _ in range(3)]
    team = await team_of(api, community, lead, partner)
    resident = (
        await api.registry.AddTeamMember(
            reg.AddTeamMemberRequest(
                request_id=new_request_id(),
                team_id=team.id,
                volunteer=reg.ResidentVolunteer(name="孔桂芬", phone="13500007777"),
            ),
            metadata=api.admin,
        )
    ).team_member
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
    await refused(
        group_claim(request(member_ids=[lead.id], team_member_ids=["999999999"]), metadata=staff),
        grpc.StatusCode.FAILED_PRECONDITION,
        "team_member_ids[0]",
    )
    await refused(
        group_claim(request(member_ids=[], team_member_ids=[resident.id, "5"]), metadata=staff),
        grpc.StatusCode.INVALID_ARGUMENT,
        "member_ids",
    )
    claim = request(member_ids=[lead.id, partner.id], team_member_ids=[resident.id])
    taken = (await group_claim(claim, metadata=staff)).wish
    again = (await group_claim(claim, metadata=staff)).wish
    assert taken.state == wish.WISH_STATE_CLAIMED and taken.claimant_member_id == lead.id
    assert list(taken.participant_member_ids) == [lead.id, partner.id] and taken.group_team_id == team.id
    assert list(taken.participant_team_member_ids) == [resident.id]
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
    stats = await api.registry.GetRegistryStats(
        reg.GetRegistryStatsRequest(org_unit_id=community.community_id), metadata=api.admin
    )
    assert (stats.services, stats.team_volunteer_services, stats.team_volunteer_hours) == (2, 1, 3)
    exported = "".join(
        [
            chunk.csv
            async for chunk in api.wishes.ExportWishes(
                wish.ExportWishesRequest(org_unit_id=community.community_id), metadata=api.admin
            )
        ]
    )
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert rows[target.id]["participant_team_member_ids"] == resident.id


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
    with_volunteers = wish.ClaimWishAsGroupRequest()
    with_volunteers.CopyFrom(request)
    with_volunteers.team_member_ids.append("5")  # team volunteers belong to a team's claim only
    await refused(
        api.wishes.ClaimWishAsGroup(with_volunteers, metadata=api.admin),
        grpc.StatusCode.INVALID_ARGUMENT,
        "team_member_ids",
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
