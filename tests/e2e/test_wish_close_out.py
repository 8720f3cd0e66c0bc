"""A wish from claim to close-out over gRPC: fulfil, confirm or dispute, release, withdraw, the claim cap, the
lists, the wall and the stats, and the lifecycle closing, lapsing and recording the service in the registry."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from services.wishes.contract import workflow_id
from tests.e2e.conftest import Community, make_community, new_request_id, register_member
from tests.e2e.test_wish_slice import published, submit


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0.2)


async def get(api: Api, wish_id: str) -> wish.Wish:
    return (await api.wishes.GetWish(wish.GetWishRequest(wish_id=wish_id), metadata=api.admin)).wish


async def claimed(api: Api, community: Community, member: reg.Member, **kwargs: int) -> wish.Wish:
    wall_wish = await published(api, community, **kwargs)
    response = await api.wishes.ClaimWish(
        wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wall_wish.id, member_id=member.id),
        metadata=api.admin,
    )
    return response.wish


async def fulfil(api: Api, wish_id: str, member: reg.Member, hours: float = 2.5) -> wish.Wish:
    as_member = api.token(Role.MEMBER, scope=member.community_id, subject=member.id)
    response = await api.wishes.FulfilWish(
        wish.FulfilWishRequest(
            request_id=new_request_id(), wish_id=wish_id, report="借来音响，送到了广场", hours=hours
        ),
        metadata=as_member,
    )
    return response.wish


async def services_of(api: Api, member_id: str) -> reg.GetMemberServiceSummaryResponse:
    return await api.registry.GetMemberServiceSummary(
        reg.GetMemberServiceSummaryRequest(member_id=member_id), metadata=api.admin
    )


async def workflow_ended(stack: LocalStack, wish_id: str) -> str:
    client = await Client.connect(stack.temporal_address)
    handle = client.get_workflow_handle(workflow_id(wish_id))

    async def done() -> bool:
        try:
            return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:  # the relay has not started it yet
                return False
            raise

    await eventually(done, f"workflow of wish {wish_id} completed")
    return await handle.result()


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


async def test_a_released_claim_goes_back_on_the_wall_for_another_member(api: Api) -> None:
    community = await make_community(api)
    first, second = [await register_member(api, community.community_id, name=n) for n in ("甲", "乙")]
    wish_id = (await claimed(api, community, first)).id
    as_second = api.token(Role.MEMBER, scope=community.community_id, subject=second.id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ReleaseClaim(
            wish.ReleaseClaimRequest(request_id=new_request_id(), wish_id=wish_id), metadata=as_second
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    as_first = api.token(Role.MEMBER, scope=community.community_id, subject=first.id)
    released = await api.wishes.ReleaseClaim(
        wish.ReleaseClaimRequest(request_id=new_request_id(), wish_id=wish_id, reason="出差"), metadata=as_first
    )
    assert released.wish.state == wish.WISH_STATE_PUBLISHED and released.wish.claimant_member_id == ""
    reclaimed = await api.wishes.ClaimWish(
        wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wish_id, member_id=second.id), metadata=as_second
    )
    assert reclaimed.wish.claimant_member_id == second.id


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


async def test_a_member_holds_at_most_five_open_claims_even_when_claiming_at_once(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    wishes = await asyncio.gather(*(published(api, community) for _ in range(8)))

    async def claim(wish_id: str) -> grpc.StatusCode:
        try:
            await api.wishes.ClaimWish(
                wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wish_id, member_id=member.id),
                metadata=api.admin,
            )
            return grpc.StatusCode.OK
        except grpc.aio.AioRpcError as exc:
            assert "member_id" in exc.details()
            return exc.code()

    results = await asyncio.gather(*(claim(w.id) for w in wishes))
    assert results.count(grpc.StatusCode.OK) == 5
    assert results.count(grpc.StatusCode.FAILED_PRECONDITION) == 3
    # Fulfilling one frees a place.
    held = [w.id for w, r in zip(wishes, results, strict=True) if r == grpc.StatusCode.OK]
    free = [w.id for w, r in zip(wishes, results, strict=True) if r != grpc.StatusCode.OK]
    await fulfil(api, held[0], member)
    assert await claim(free[0]) == grpc.StatusCode.OK


async def test_lists_filter_by_subtree_state_and_category_and_page(api: Api) -> None:
    community = await make_community(api)
    other = await make_community(api)
    member = await register_member(api, community.community_id)
    on_wall = [await published(api, community, category=wish.WISH_CATEGORY_LEGAL_AID) for _ in range(3)]
    held = await claimed(api, community, member)
    pending = await submit(api, community)
    await submit(api, other)

    async def listed(**filters: object) -> list[str]:
        ids, token = [], ""
        while True:
            page = await api.wishes.ListWishes(
                wish.ListWishesRequest(org_unit_id=community.street_id, page_size=2, page_token=token, **filters),
                metadata=api.admin,
            )
            ids += [w.id for w in page.wishes]
            token = page.next_page_token
            if not token:
                return ids

    everything = await listed()
    assert everything == sorted([*(w.id for w in on_wall), held.id, pending.id], key=int, reverse=True)
    assert await listed(state=wish.WISH_STATE_SUBMITTED) == [pending.id]
    assert await listed(category=wish.WISH_CATEGORY_LEGAL_AID) == [w.id for w in reversed(on_wall)]
    assert await listed(overdue_only=True) == []

    as_resident_app = api.token(Role.MEMBER, scope=other.community_id, subject="999")
    wall = await api.wishes.ListWishWall(
        wish.ListWishWallRequest(community_id=community.community_id), metadata=as_resident_app
    )
    assert [w.id for w in wall.wishes] == [held.id, *(w.id for w in reversed(on_wall))]
    assert {w.resident_name for w in wall.wishes} == {"张*"} and {w.resident_contact for w in wall.wishes} == {
        "138****1111"
    }
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ListWishes(
            wish.ListWishesRequest(org_unit_id=community.community_id),
            metadata=api.token(Role.STAFF, scope=other.community_id),
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_stats_count_a_subtree_over_a_period(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    await submit(api, community)
    held = await claimed(api, community, member)
    await fulfil(api, held.id, member)
    await api.wishes.ConfirmWish(
        wish.ConfirmWishRequest(request_id=new_request_id(), wish_id=held.id, confirm=wish.Confirmation(rating=4)),
        metadata=api.admin,
    )
    end = Timestamp()
    end.FromDatetime(datetime.now(UTC) + timedelta(minutes=1))
    stats = await api.wishes.GetWishStats(
        wish.GetWishStatsRequest(org_unit_id=community.street_id, end_time=end), metadata=api.admin
    )
    assert {c.state: c.count for c in stats.by_state} == {wish.WISH_STATE_SUBMITTED: 1, wish.WISH_STATE_CLOSED: 1}
    assert (stats.submitted, stats.closed, stats.overdue) == (2, 1, 0)
    assert 0 < stats.average_hours_to_close < 0.1 and 0 < stats.average_hours_to_claim < 0.1
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.GetWishStats(
            wish.GetWishStatsRequest(org_unit_id=community.street_id, start_time=end, end_time=end),
            metadata=api.admin,
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and error.value.details().startswith("end_time:")


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


async def test_a_claim_past_its_deadline_is_reminded_then_escalated_and_reopened(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
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
    await api.wishes.ClaimWish(
        wish.ClaimWishRequest(request_id=new_request_id(), wish_id=submitted.id, member_id=member.id),
        metadata=api.admin,
    )

    async def reopened() -> bool:
        return (await get(api, submitted.id)).state == wish.WISH_STATE_PUBLISHED

    await eventually(reopened, "the lapsed claim reopened")
    history = await api.wishes.GetWishHistory(wish.GetWishHistoryRequest(wish_id=submitted.id), metadata=api.admin)
    on_claim = [e for e in history.events if e.state == wish.WISH_STATE_CLAIMED]
    assert [e.kind for e in on_claim] == [
        wish.WISH_EVENT_KIND_TRANSITION,
        wish.WISH_EVENT_KIND_REMINDER,
        wish.WISH_EVENT_KIND_ESCALATION,
    ]
    assert f"member:{member.id}" in on_claim[1].recipients
    assert list(on_claim[2].recipients) == [f"org:{community.street_id}"]
    reopen = next(
        e for e in history.events if e.kind == wish.WISH_EVENT_KIND_TRANSITION and e.sequence > on_claim[2].sequence
    )
    assert reopen.actor == "service:worker" and "lapsed past its deadline" in reopen.note
    assert (await get(api, submitted.id)).overdue
    overdue = await api.wishes.ListWishes(
        wish.ListWishesRequest(org_unit_id=community.community_id, overdue_only=True), metadata=api.admin
    )
    assert [w.id for w in overdue.wishes] == [submitted.id]
    stats = await api.wishes.GetWishStats(
        wish.GetWishStatsRequest(org_unit_id=community.community_id), metadata=api.admin
    )
    assert stats.overdue == 1 and {c.state: c.count for c in stats.by_state} == {wish.WISH_STATE_PUBLISHED: 1}


def metric(text: str, line_start: str) -> float:
    """The value of the first sample whose line starts with `line_start` (0 when there is none)."""
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_transitions_time_in_state_and_breaches(api: Api, stack: LocalStack) -> None:
    url = f"http://127.0.0.1:{stack.ports.wishes_metrics}/metrics"

    async def scrape() -> str:
        return await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read().decode())

    before = await scrape()
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    wish_id = (await claimed(api, community, member, category=wish.WISH_CATEGORY_LEGAL_AID)).id
    await fulfil(api, wish_id, member)
    await api.wishes.ConfirmWish(
        wish.ConfirmWishRequest(request_id=new_request_id(), wish_id=wish_id, confirm=wish.Confirmation(rating=3)),
        metadata=api.admin,
    )
    unclaimed = await published(api, community, category=wish.WISH_CATEGORY_LEGAL_AID)
    closed = 'linli_wish_transitions_total{category="legal_aid",state="closed"}'
    in_fulfilled = 'linli_wish_state_seconds_count{state="fulfilled"}'
    breached = 'linli_wish_sla_breaches_total{category="legal_aid",state="published"}'
    escalated = 'linli_wish_escalations_total{category="legal_aid",level="street",state="published"}'

    async def counted() -> bool:
        after = await scrape()
        return all(metric(after, name) > metric(before, name) for name in (closed, in_fulfilled, breached, escalated))

    await eventually(counted, f"metrics moved for wishes {wish_id} and {unclaimed.id}")


async def test_a_claimant_extends_a_claim_once(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id)
    held = await claimed(api, community, member)
    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    earlier, later = Timestamp(), Timestamp()
    earlier.FromDatetime(datetime.now(UTC) + timedelta(days=1))
    later.FromDatetime(held.deadline.ToDatetime(tzinfo=UTC) + timedelta(days=3))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ExtendClaim(
            wish.ExtendClaimRequest(request_id=new_request_id(), wish_id=held.id, new_deadline=earlier),
            metadata=as_member,
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and error.value.details().startswith("new_deadline:")
    request = wish.ExtendClaimRequest(request_id=new_request_id(), wish_id=held.id, new_deadline=later, reason="等配件")
    extended = (await api.wishes.ExtendClaim(request, metadata=as_member)).wish
    assert extended.claim_extended and extended.deadline == later and extended.state == wish.WISH_STATE_CLAIMED
    assert (await api.wishes.ExtendClaim(request, metadata=as_member)).wish.version == extended.version  # a retry
    again = wish.ExtendClaimRequest(request_id=new_request_id(), wish_id=held.id, new_deadline=later)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ExtendClaim(again, metadata=as_member)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_member_of_a_paired_workplace_may_claim_in_the_paired_community(api: Api) -> None:
    here, elsewhere = await make_community(api), await make_community(api)
    outsider = await register_member(api, elsewhere.community_id)  # workplace 宝鸡市人民医院党委
    wall_wish = await published(api, here)
    claim = wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wall_wish.id, member_id=outsider.id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ClaimWish(claim, metadata=api.admin)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "paired" in error.value.details()
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    await api.registry.CreatePairing(
        reg.CreatePairingRequest(
            request_id=new_request_id(),
            workplace_org=outsider.workplace_org,
            community_id=here.community_id,
            start_date=yesterday,
        ),
        metadata=api.admin,
    )
    claim.request_id = new_request_id()
    claimed_by_pair = (await api.wishes.ClaimWish(claim, metadata=api.admin)).wish
    assert claimed_by_pair.claimant_member_id == outsider.id
