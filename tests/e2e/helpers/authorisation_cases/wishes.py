"""The authorisation matrix's requests for the wishes service's methods (see __init__.py).

Each builder makes, with the admin token, a wish in the place in the state its method needs, and returns a request
only authorisation can refuse. Where members may act (the claimant of a wish), the wish is the caller's own in our
place and another member's in theirs; members otherwise take part through fresh members, so the matrix never runs
the caller into the open-claim cap. Each builder first withdraws the wishes still open in the matrix's communities, so
none is left waiting for its lifecycle's 2 s limits to remind and escalate while later tests count what the stack
writes (the last method's builder makes none).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime.auth import Role
from tests.e2e.helpers.authorisation_cases import Place, World, case, request_id
from tests.e2e.helpers.community import register_member

_SERVICE = "linli.wishes.v1.WishService"
# Open wishes (the claimed ones hold a member's open claims; the others wait on 2 s limits here).
_OPEN = frozenset({pb.WISH_STATE_SUBMITTED, pb.WISH_STATE_APPROVED, pb.WISH_STATE_PUBLISHED, pb.WISH_STATE_CLAIMED})


def wish_case(
    method: str, *, members_anywhere: bool = False
) -> Callable[[Callable[[World, Place, Role], Awaitable[Message]]], Callable[[World, Place, Role], Awaitable[Message]]]:
    """A case of this service's `method` whose builder first withdraws what the builders before it left open."""

    def register(
        build: Callable[[World, Place, Role], Awaitable[Message]],
    ) -> Callable[[World, Place, Role], Awaitable[Message]]:
        async def settled(world: World, place: Place, role: Role) -> Message:
            await _withdraw_made(world)
            return await build(world, place, role)

        case(f"{_SERVICE}/{method}", members_anywhere=members_anywhere)(settled)
        return build

    return register


async def _withdraw_made(world: World) -> None:
    """Withdraws every wish of the matrix's two communities still open (a builder's, or one a caller submitted)."""
    for place in (world.ours, world.theirs):
        token = ""
        while True:
            listing = pb.ListWishesRequest(org_unit_id=place.community_id, page_size=200, page_token=token)
            page = await world.api.wishes.ListWishes(listing, metadata=world.api.admin)
            for wish in page.wishes:
                if wish.state in _OPEN:
                    await _withdraw(world, wish.id)
            token = page.next_page_token
            if not token:
                break


async def _withdraw(world: World, wish_id: str) -> None:
    withdraw = pb.CloseWishRequest(
        request_id=request_id(), wish_id=wish_id, outcome=pb.WISH_OUTCOME_WITHDRAWN, reason="矩阵用后撤回"
    )
    try:
        await world.api.wishes.CloseWish(withdraw, metadata=world.api.admin)
    except grpc.aio.AioRpcError as exc:
        if exc.code() not in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED):
            raise  # moved on meanwhile (by its lifecycle): nothing to withdraw


def _in_days(days: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.now(UTC) + timedelta(days=days))
    return stamp


def _submission(place: Place) -> pb.SubmitWishRequest:
    return pb.SubmitWishRequest(
        request_id=request_id(),
        community_id=place.community_id,
        text="我要一个音响组织大家跳舞",
        source=pb.WISH_SOURCE_HOTLINE,
        resident_name="张三",
        resident_contact="13800001111",
    )


async def _submitted(world: World, place: Place) -> pb.Wish:
    return (await world.api.wishes.SubmitWish(_submission(place), metadata=world.api.admin)).wish


async def _approved(world: World, place: Place) -> pb.Wish:
    wish = await _submitted(world, place)
    approval = pb.Approval(category=pb.WISH_CATEGORY_CULTURE, service_standard="借到音响", deadline=_in_days(14))
    review = pb.ReviewWishRequest(request_id=request_id(), wish_id=wish.id, approve=approval)
    return (await world.api.wishes.ReviewWish(review, metadata=world.api.admin)).wish


async def _published(world: World, place: Place) -> pb.Wish:
    wish = await _approved(world, place)
    publish = pb.PublishWishRequest(request_id=request_id(), wish_id=wish.id)
    return (await world.api.wishes.PublishWish(publish, metadata=world.api.admin)).wish


async def _fresh_member(world: World, place: Place) -> str:
    return (await register_member(world.api, place.grid_id, name="矩阵")).id


async def _claimant(world: World, place: Place, role: Role) -> str:
    """The member a claim in the place is held by: for a member caller the place's own member (in our place, the
    caller), else a fresh one."""
    return place.member_id if role == Role.MEMBER else await _fresh_member(world, place)


async def _claimed(world: World, place: Place, member_id: str) -> pb.Wish:
    wish = await _published(world, place)
    claim = pb.ClaimWishRequest(request_id=request_id(), wish_id=wish.id, member_id=member_id)
    return (await world.api.wishes.ClaimWish(claim, metadata=world.api.admin)).wish


async def _fulfilled(world: World, place: Place) -> pb.Wish:
    member_id = await _fresh_member(world, place)
    wish = await _claimed(world, place, member_id)
    as_claimant = world.api.token(Role.MEMBER, scope=place.community_id, subject=member_id)
    fulfil = pb.FulfilWishRequest(request_id=request_id(), wish_id=wish.id, report="送到了", hours=1)
    return (await world.api.wishes.FulfilWish(fulfil, metadata=as_claimant)).wish


async def _team(world: World, place: Place) -> str:
    key = f"wishes:team:{place.community_id}"
    if key not in world.store:
        create = reg.CreateTeamRequest(
            request_id=request_id(), org_unit_id=place.community_id, kind=reg.TEAM_KIND_PARTY_MEMBER, name="矩阵服务队"
        )
        world.store[key] = (await world.api.registry.CreateTeam(create, metadata=world.api.admin)).team.id
    return str(world.store[key])


@wish_case("SubmitWish")
async def submit_wish(world: World, place: Place, role: Role) -> pb.SubmitWishRequest:
    return _submission(place)


@wish_case("GetWish", members_anywhere=True)  # the wish wall of any community
async def get_wish(world: World, place: Place, role: Role) -> pb.GetWishRequest:
    return pb.GetWishRequest(wish_id=(await _published(world, place)).id)


@wish_case("ReviewWish")
async def review_wish(world: World, place: Place, role: Role) -> pb.ReviewWishRequest:
    wish = await _submitted(world, place)
    return pb.ReviewWishRequest(request_id=request_id(), wish_id=wish.id, reject=pb.Rejection(reason="不在辖区"))


@wish_case("PublishWish")
async def publish_wish(world: World, place: Place, role: Role) -> pb.PublishWishRequest:
    return pb.PublishWishRequest(request_id=request_id(), wish_id=(await _approved(world, place)).id)


# A member claims for themselves where their registration (or their workplace's pairing) allows: not by scope.
@wish_case("ClaimWish", members_anywhere=True)
async def claim_wish(world: World, place: Place, role: Role) -> pb.ClaimWishRequest:
    wish = await _published(world, place)
    member_id = world.ours.member_id if role == Role.MEMBER else await _fresh_member(world, place)
    return pb.ClaimWishRequest(request_id=request_id(), wish_id=wish.id, member_id=member_id)


@wish_case("ReleaseClaim")
async def release_claim(world: World, place: Place, role: Role) -> pb.ReleaseClaimRequest:
    wish = await _claimed(world, place, await _claimant(world, place, role))
    return pb.ReleaseClaimRequest(request_id=request_id(), wish_id=wish.id, reason="临时出差")


@wish_case("ExtendClaim")
async def extend_claim(world: World, place: Place, role: Role) -> pb.ExtendClaimRequest:
    wish = await _claimed(world, place, await _claimant(world, place, role))
    later = Timestamp()
    later.FromDatetime(wish.deadline.ToDatetime(tzinfo=UTC) + timedelta(days=1))
    return pb.ExtendClaimRequest(request_id=request_id(), wish_id=wish.id, new_deadline=later)


@wish_case("FulfilWish")
async def fulfil_wish(world: World, place: Place, role: Role) -> pb.FulfilWishRequest:
    wish = await _claimed(world, place, await _claimant(world, place, role))
    return pb.FulfilWishRequest(request_id=request_id(), wish_id=wish.id, report="借来音响，送到了广场", hours=2)


@wish_case("ConfirmWish")
async def confirm_wish(world: World, place: Place, role: Role) -> pb.ConfirmWishRequest:
    wish = await _fulfilled(world, place)
    return pb.ConfirmWishRequest(request_id=request_id(), wish_id=wish.id, confirm=pb.Confirmation(rating=5))


@wish_case("WithdrawWish")
async def withdraw_wish(world: World, place: Place, role: Role) -> pb.WithdrawWishRequest:
    wish = await _submitted(world, place)
    return pb.WithdrawWishRequest(request_id=request_id(), wish_id=wish.id, reason="居民已自行解决")


@wish_case("ListWishes")
async def list_wishes(world: World, place: Place, role: Role) -> pb.ListWishesRequest:
    return pb.ListWishesRequest(org_unit_id=place.street_id)


@wish_case("ListOfficeQueue")
async def list_office_queue(world: World, place: Place, role: Role) -> pb.ListOfficeQueueRequest:
    return pb.ListOfficeQueueRequest(org_unit_id=place.street_id)


@wish_case("ListWishWall")
async def list_wish_wall(world: World, place: Place, role: Role) -> pb.ListWishWallRequest:
    return pb.ListWishWallRequest(community_id=place.community_id)


@wish_case("GetWishStats")
async def get_wish_stats(world: World, place: Place, role: Role) -> pb.GetWishStatsRequest:
    return pb.GetWishStatsRequest(org_unit_id=place.street_id)


@wish_case("GetWishHistory")
async def get_wish_history(world: World, place: Place, role: Role) -> pb.GetWishHistoryRequest:
    wish = await _claimed(world, place, await _claimant(world, place, role))
    return pb.GetWishHistoryRequest(wish_id=wish.id)


@wish_case("RecordReminder")
async def record_reminder(world: World, place: Place, role: Role) -> pb.RecordReminderRequest:
    wish = await _submitted(world, place)
    return pb.RecordReminderRequest(
        request_id=request_id(),
        wish_id=wish.id,
        kind=pb.WISH_EVENT_KIND_REMINDER,
        state=pb.WISH_STATE_SUBMITTED,
        note="not reviewed for 2s: reminded the community",
        recipients=[f"org:{place.community_id}"],
    )


@wish_case("ActOnLimit")
async def act_on_limit(world: World, place: Place, role: Role) -> pb.ActOnLimitRequest:
    wish = await _claimed(world, place, await _fresh_member(world, place))
    return pb.ActOnLimitRequest(
        request_id=request_id(),
        wish_id=wish.id,
        action=pb.LIMIT_ACTION_REOPEN_CLAIM,
        version=wish.version,
        note="claim lapsed past its deadline: reopened for claiming",
    )


@wish_case("CloseWish")
async def close_wish(world: World, place: Place, role: Role) -> pb.CloseWishRequest:
    wish = await _submitted(world, place)
    return pb.CloseWishRequest(
        request_id=request_id(), wish_id=wish.id, outcome=pb.WISH_OUTCOME_NOT_FEASIBLE, reason="场地不允许"
    )


@wish_case("AssignWish")
async def assign_wish(world: World, place: Place, role: Role) -> pb.AssignWishRequest:
    wish = await _published(world, place)
    return pb.AssignWishRequest(request_id=request_id(), wish_id=wish.id, member_id=await _fresh_member(world, place))


@wish_case("ClaimWishAsGroup")
async def claim_wish_as_group(world: World, place: Place, role: Role) -> pb.ClaimWishAsGroupRequest:
    wish = await _published(world, place)
    team_id = await _team(world, place)
    member_ids = [await _fresh_member(world, place) for _ in range(2)]
    for member_id in member_ids:
        add = reg.AddTeamMemberRequest(request_id=request_id(), team_id=team_id, member_id=member_id)
        await world.api.registry.AddTeamMember(add, metadata=world.api.admin)
    request = pb.ClaimWishAsGroupRequest(
        request_id=request_id(), wish_id=wish.id, team_id=team_id, member_ids=member_ids
    )
    if role == Role.STAFF:  # with a team volunteer who is not a member taking part
        volunteer = reg.ResidentVolunteer(name="矩阵志愿者", phone=f"135{uuid.uuid4().int % 10**8:08d}")
        added = await world.api.registry.AddTeamMember(
            reg.AddTeamMemberRequest(request_id=request_id(), team_id=team_id, volunteer=volunteer),
            metadata=world.api.admin,
        )
        request.team_member_ids.append(added.team_member.id)
    return request


@wish_case("ExportWishes")
async def export_wishes(world: World, place: Place, role: Role) -> pb.ExportWishesRequest:
    return pb.ExportWishesRequest(org_unit_id=place.street_id)


@wish_case("BulkCloseWishes")
async def bulk_close_wishes(world: World, place: Place, role: Role) -> pb.BulkCloseWishesRequest:
    wishes = [await _submitted(world, place) for _ in range(2)]
    return pb.BulkCloseWishesRequest(
        request_id=request_id(),
        wish_ids=[w.id for w in wishes],
        outcome=pb.WISH_OUTCOME_REFERRED,
        reason="转交",
        referred_to="区民政局",
    )


@wish_case("BulkAssignWishes")
async def bulk_assign_wishes(world: World, place: Place, role: Role) -> pb.BulkAssignWishesRequest:
    wishes = [await _published(world, place) for _ in range(2)]
    return pb.BulkAssignWishesRequest(
        request_id=request_id(), wish_ids=[w.id for w in wishes], member_id=await _fresh_member(world, place)
    )


@wish_case("RevealWishResident")
async def reveal_wish_resident(world: World, place: Place, role: Role) -> pb.RevealWishResidentRequest:
    wish = await _submitted(world, place)
    return pb.RevealWishResidentRequest(wish_id=wish.id, reason="联系居民约定送达时间")


@wish_case("RotatePersonalDataKeys")
async def rotate_personal_data_keys(world: World, place: Place, role: Role) -> pb.RotatePersonalDataKeysRequest:
    return pb.RotatePersonalDataKeysRequest(batch_size=10)
