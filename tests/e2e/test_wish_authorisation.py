"""Who may do what to a wish, end to end: retry keys belong to one caller, the lifecycle's moves cannot be taken by a
claimant, scope follows the org tree as it is now, group claims are made by staff, whoever recorded a fulfilment
never confirms it, and a member reads the wall but not others' histories."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from services.runtime.auth import Role
from services.wishes.contract import workflow_id
from tests.e2e.helpers.checks import eventually, refused
from tests.e2e.helpers.community import Community, make_community, register_member, team_of
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import in_days
from tests.e2e.helpers.wishes import claimed, export_rows, get, published, submit


def submission(community: Community, request_id: str, text: str = "我想找对象") -> wish.SubmitWishRequest:
    return wish.SubmitWishRequest(
        request_id=request_id,
        community_id=community.community_id,
        text=text,
        source=wish.WISH_SOURCE_HOTLINE,
        resident_name="杨小伟",
        resident_contact="13800002222",
    )


async def test_a_request_id_another_caller_used_returns_nothing_of_theirs(api: Api) -> None:
    chencang, sandi = await make_community(api, "陈仓园社区"), await make_community(api, "三迪社区")
    hotline_at_chencang = api.token(Role.SYSTEM, scope=chencang.community_id, subject="12345-hotline")
    hotline_at_sandi = api.token(Role.SYSTEM, scope=sandi.community_id, subject="12345-hotline")
    request_id = new_request_id()
    theirs = (await api.wishes.SubmitWish(submission(chencang, request_id), metadata=hotline_at_chencang)).wish

    # The same system with a token scoped elsewhere: the id is not the other token's, so this is a new wish.
    ours = (await api.wishes.SubmitWish(submission(sandi, request_id), metadata=hotline_at_sandi)).wish
    assert ours.id != theirs.id and ours.community_id == sandi.community_id
    # Aimed at the other's community, it is refused for scope, not answered with the other's wish.
    await refused(
        api.wishes.SubmitWish(submission(chencang, request_id), metadata=hotline_at_sandi),
        grpc.StatusCode.PERMISSION_DENIED,
        "outside",
    )
    # Each caller's own retry still returns its own first wish.
    again = await api.wishes.SubmitWish(submission(chencang, request_id), metadata=hotline_at_chencang)
    assert again.wish.id == theirs.id


async def test_a_claimant_cannot_silence_the_reopen_of_an_overdue_claim(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    submitted = await submit(api, community)
    deadline = Timestamp()
    deadline.FromDatetime(datetime.now(UTC) + timedelta(seconds=4))
    await api.wishes.ReviewWish(
        wish.ReviewWishRequest(
            request_id=new_request_id(),
            wish_id=submitted.id,
            approve=wish.Approval(
                category=wish.WISH_CATEGORY_ENVIRONMENT, service_standard="清理楼道", deadline=deadline
            ),
        ),
        metadata=api.admin,
    )
    await api.wishes.PublishWish(
        wish.PublishWishRequest(request_id=new_request_id(), wish_id=submitted.id), metadata=api.admin
    )
    held = await api.wishes.ClaimWish(
        wish.ClaimWishRequest(request_id=new_request_id(), wish_id=submitted.id, member_id=member.id),
        metadata=as_member,
    )
    # The lifecycle's own request id for reopening this claim once it lapses, at the version the extension makes.
    lifecycles_id = f"{workflow_id(submitted.id)}/v{held.wish.version + 1}/reopen"
    later = Timestamp()
    later.FromDatetime(deadline.ToDatetime(tzinfo=UTC) + timedelta(seconds=2))
    await api.wishes.ExtendClaim(
        wish.ExtendClaimRequest(request_id=lifecycles_id, wish_id=submitted.id, new_deadline=later),
        metadata=as_member,
    )

    async def reopened() -> bool:
        return (await get(api, submitted.id)).state == wish.WISH_STATE_PUBLISHED

    await eventually(reopened, "the lapsed claim reopened though its claimant sent the lifecycle's request id")
    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=submitted.id), metadata=api.admin)
    reopen = history.events[-1]
    assert (reopen.state, reopen.actor) == (wish.WISH_STATE_PUBLISHED, "service:worker")


async def test_scope_follows_a_community_moved_to_another_street(api: Api) -> None:
    old, new = await make_community(api), await make_community(api)  # streets A and B
    old_staff = api.token(Role.STAFF, scope=old.street_id, subject="staff-a")
    new_staff = api.token(Role.STAFF, scope=new.street_id, subject="staff-b")
    hotline = api.token(Role.SYSTEM, scope=old.street_id, subject="hotline-a")
    request_id = new_request_id()
    moving = (await api.wishes.SubmitWish(submission(old, request_id), metadata=hotline)).wish
    assert (await api.wishes.GetWish(wish.GetWishRequest(wish_id=moving.id), metadata=old_staff)).wish.id == moving.id
    await api.registry.MoveOrgUnit(
        reg.MoveOrgUnitRequest(request_id=new_request_id(), org_unit_id=old.community_id, new_parent_id=new.street_id),
        metadata=api.admin,
    )

    async def denied(call: Awaitable[object]) -> bool:
        try:
            await call
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.PERMISSION_DENIED:
                return True
            raise
        return False

    async def listed(metadata: object, street_id: str) -> set[str]:
        page = await api.wishes.ListWishes(wish.ListWishesRequest(org_unit_id=street_id), metadata=metadata)
        return {w.id for w in page.wishes}

    async def exported(metadata: object, street_id: str) -> set[str]:
        return {row["id"] for row in await export_rows(api, metadata, org_unit_id=street_id)}

    approve = wish.Approval(category=wish.WISH_CATEGORY_CULTURE, service_standard="介绍对象", deadline=in_days(7))

    def review() -> wish.ReviewWishRequest:
        return wish.ReviewWishRequest(request_id=new_request_id(), wish_id=moving.id, approve=approve)

    checks: dict[str, Callable[[], Awaitable[bool]]] = {
        "the old street's staff cannot read it": lambda: denied(
            api.wishes.GetWish(wish.GetWishRequest(wish_id=moving.id), metadata=old_staff)
        ),
        "nor list it": lambda: _absent(listed(old_staff, old.street_id), moving.id),
        "nor export it": lambda: _absent(exported(old_staff, old.street_id), moving.id),
        "the old street's system gets no answer to its retry": lambda: denied(
            api.wishes.SubmitWish(submission(old, request_id), metadata=hotline)
        ),
        "the new street's staff list it": lambda: _present(listed(new_staff, new.street_id), moving.id),
        "and export it": lambda: _present(exported(new_staff, new.street_id), moving.id),
    }
    deadline = time.monotonic() + 20  # the org directory keeps the tree 5 s
    waiting = dict(checks)
    while waiting:
        waiting = {what: check for what, check in waiting.items() if not await check()}
        assert time.monotonic() < deadline, f"never after the move: {', '.join(waiting)}"
        if waiting:
            await asyncio.sleep(0.2)  # polling within a calling system's quota
    # A move (not a read) is tried only once the old street's reads are refused: within the directory's 5 s it would
    # still have been allowed, as every check of the tree as it is now is, for that long.
    assert await denied(api.wishes.ReviewWish(review(), metadata=old_staff)), "the old street's staff reviewed it"
    read = await api.wishes.GetWish(wish.GetWishRequest(wish_id=moving.id), metadata=new_staff)
    assert read.wish.id == moving.id
    reviewed = (await api.wishes.ReviewWish(review(), metadata=new_staff)).wish
    assert reviewed.state == wish.WISH_STATE_APPROVED
    stats = await api.wishes.GetWishStats(wish.GetWishStatsRequest(org_unit_id=new.street_id), metadata=new_staff)
    assert {c.state: c.count for c in stats.by_state}.get(wish.WISH_STATE_APPROVED) == 1


async def _absent(found: Awaitable[set[str]], wish_id: str) -> bool:
    return wish_id not in await found


async def _present(found: Awaitable[set[str]], wish_id: str) -> bool:
    return wish_id in await found


async def test_a_member_cannot_claim_as_a_group_in_another_members_name(api: Api) -> None:
    community = await make_community(api)
    caller, teammate = [await register_member(api, community.community_id) for _ in range(2)]
    team = await team_of(api, community, caller, teammate)
    target = await published(api, community)
    request = wish.ClaimWishAsGroupRequest(
        request_id=new_request_id(), wish_id=target.id, team_id=team.id, member_ids=[teammate.id, caller.id]
    )
    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=caller.id)
    await refused(api.wishes.ClaimWishAsGroup(request, metadata=as_member), grpc.StatusCode.PERMISSION_DENIED, "member")
    assert (await get(api, target.id)).state == wish.WISH_STATE_PUBLISHED
    staff = api.token(Role.STAFF, scope=community.community_id, subject="staff-group")
    taken = (await api.wishes.ClaimWishAsGroup(request, metadata=staff)).wish
    assert taken.claimant_member_id == teammate.id and list(taken.participant_member_ids) == [teammate.id, caller.id]


async def test_whoever_recorded_the_fulfilment_cannot_confirm_it_in_any_role_or_scope(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    held = await claimed(api, community, member)
    zhang = api.token(Role.STAFF, scope=community.street_id, subject="staff-zhang")
    zhang_at_the_community = api.token(Role.STAFF, scope=community.community_id, subject="staff-zhang")
    await api.wishes.FulfilWish(
        wish.FulfilWishRequest(request_id=new_request_id(), wish_id=held.id, report="代为登记：已送到", hours=1),
        metadata=zhang,
    )

    def confirm() -> wish.ConfirmWishRequest:
        return wish.ConfirmWishRequest(
            request_id=new_request_id(), wish_id=held.id, confirm=wish.Confirmation(rating=5)
        )

    for same_person in (zhang, zhang_at_the_community):
        await refused(
            api.wishes.ConfirmWish(confirm(), metadata=same_person), grpc.StatusCode.PERMISSION_DENIED, "staff-zhang"
        )
    assert (await get(api, held.id)).state == wish.WISH_STATE_FULFILLED
    li = api.token(Role.STAFF, scope=community.street_id, subject="staff-li")
    assert (await api.wishes.ConfirmWish(confirm(), metadata=li)).wish.state == wish.WISH_STATE_CLOSED


async def test_a_member_reads_the_wall_but_not_who_did_what_on_others_wishes(api: Api) -> None:
    community = await make_community(api)
    holder, other = [await register_member(api, community.community_id) for _ in range(2)]
    held = await claimed(api, community, holder)
    as_other = api.token(Role.MEMBER, scope=community.community_id, subject=other.id)
    as_holder = api.token(Role.MEMBER, scope=community.community_id, subject=holder.id)
    assert (await api.wishes.GetWish(wish.GetWishRequest(wish_id=held.id), metadata=as_other)).wish.id == held.id
    history = wish.GetWishHistoryRequest(wish_id=held.id)
    await refused(api.wishes.GetWishHistory(history, metadata=as_other), grpc.StatusCode.PERMISSION_DENIED, "history")
    assert (await api.wishes.GetWishHistory(history, metadata=as_holder)).events
