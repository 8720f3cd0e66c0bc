"""A wish's close-out (办结) over gRPC: fulfilled, then confirmed, disputed, or closed by default when nobody
confirms; withdrawn; or closed with an outcome that says what happened (not feasible, a duplicate, referred
elsewhere), one wish or many at a time; the lifecycle ending and the service recorded in the registry once."""

from __future__ import annotations

import grpc
import pytest
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from tests.e2e.helpers.checks import refused
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.wishes import claimed, close_request, fulfil, get, services_of, staff_of, submit, workflow_ended


async def test_a_confirmed_wish_closes_and_its_service_is_recorded_once(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id, skills=(reg.SKILL_CULTURE_ARTS,))
    wish_id = (await claimed(api, community, member)).id
    fulfilled = await fulfil(api, wish_id, member, hours=2.5)
    assert fulfilled.state == wish.WISH_STATE_FULFILLED and fulfilled.hours == 2.5
    assert fulfilled.fulfilment_report == "借来音响，送到了广场" and fulfilled.HasField("fulfil_time")

    confirm = wish.ConfirmWishRequest(
        request_id=new_request_id(), wish_id=wish_id, confirm=wish.Confirmation(rating=5, comment="谢谢")
    )
    closed = (await api.wishes.ConfirmWish(confirm, metadata=api.admin)).wish
    again = (await api.wishes.ConfirmWish(confirm, metadata=api.admin)).wish  # a retry: the same result
    assert closed.state == wish.WISH_STATE_CLOSED and closed.rating == 5 and closed.resident_comment == "谢谢"
    assert again.version == closed.version
    assert await workflow_ended(stack, wish_id) == "closed"

    summary = await services_of(api, member.id)
    assert (summary.count, summary.hours) == (1, 2.5)
    assert [(t.kind, t.category) for t in summary.totals] == [(reg.SERVICE_KIND_WISH, "culture")]
    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=wish_id), metadata=api.admin)
    assert [e.state for e in history.events if e.kind == wish.WISH_EVENT_KIND_TRANSITION][-3:] == [
        wish.WISH_STATE_CLAIMED,
        wish.WISH_STATE_FULFILLED,
        wish.WISH_STATE_CLOSED,
    ]


async def test_a_disputed_wish_goes_back_to_its_claimant_who_cannot_sign_it_off(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    wish_id = (await claimed(api, community, member)).id
    await fulfil(api, wish_id, member)
    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ConfirmWish(
            wish.ConfirmWishRequest(request_id=new_request_id(), wish_id=wish_id, confirm=wish.Confirmation(rating=5)),
            metadata=as_member,
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    disputed = await api.wishes.ConfirmWish(
        wish.ConfirmWishRequest(
            request_id=new_request_id(), wish_id=wish_id, dispute=wish.Dispute(reason="音响没送到")
        ),
        metadata=api.admin,
    )
    assert disputed.wish.state == wish.WISH_STATE_CLAIMED and disputed.wish.claimant_member_id == member.id
    assert not disputed.wish.HasField("fulfil_time")


async def test_an_unconfirmed_fulfilment_is_closed_by_default_and_recorded(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    wish_id = (await claimed(api, community, member, category=wish.WISH_CATEGORY_ENVIRONMENT)).id
    await fulfil(api, wish_id, member, hours=1.25)  # environment wishes: confirm limit 2 s here
    assert await workflow_ended(stack, wish_id) == "closed"
    closed = await get(api, wish_id)
    assert closed.close_note == "not confirmed within 2s: closed as confirmed by default" and closed.rating == 0
    summary = await services_of(api, member.id)
    assert (summary.count, summary.hours) == (1, 1.25)


async def test_a_withdrawn_wish_ends_its_lifecycle_without_a_service(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    wish_id = (await claimed(api, community, member)).id
    withdrawn = await api.wishes.WithdrawWish(
        wish.WithdrawWishRequest(request_id=new_request_id(), wish_id=wish_id, reason="居民已搬走"), metadata=api.admin
    )
    assert withdrawn.wish.state == wish.WISH_STATE_WITHDRAWN and withdrawn.wish.close_note == "居民已搬走"
    assert await workflow_ended(stack, wish_id) == "withdrawn"
    assert (await services_of(api, member.id)).count == 0
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await fulfil(api, wish_id, member)
    assert error.value.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.PERMISSION_DENIED)


async def test_bad_input_names_the_field(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    wish_id = (await claimed(api, community, member)).id
    cases = [
        (api.wishes.FulfilWish, wish.FulfilWishRequest(request_id="r", wish_id=wish_id, report="x", hours=0), "hours"),
        (api.wishes.FulfilWish, wish.FulfilWishRequest(request_id="r", wish_id=wish_id, hours=1), "report"),
        (
            api.wishes.ConfirmWish,
            wish.ConfirmWishRequest(request_id="r", wish_id=wish_id, confirm=wish.Confirmation(rating=6)),
            "confirm.rating",
        ),
        (api.wishes.ConfirmWish, wish.ConfirmWishRequest(request_id="r", wish_id=wish_id), "outcome"),
        (api.wishes.WithdrawWish, wish.WithdrawWishRequest(request_id="r", wish_id=wish_id), "reason"),
        (api.wishes.ListWishes, wish.ListWishesRequest(org_unit_id="x"), "org_unit_id"),
        (api.wishes.ListWishWall, wish.ListWishWallRequest(community_id=community.grid_id), "community_id"),
    ]
    for rpc, request, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await rpc(request, metadata=api.admin)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert error.value.details().startswith(f"{field}:"), error.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ActOnLimit(
            wish.ActOnLimitRequest(
                request_id="r", wish_id=wish_id, action=wish.LIMIT_ACTION_REOPEN_CLAIM, version=4, note="x"
            ),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (await get(api, wish_id)).state == wish.WISH_STATE_CLAIMED


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
