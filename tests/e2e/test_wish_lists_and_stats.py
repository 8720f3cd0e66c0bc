"""What staff and ops read of wishes: lists filtered by subtree, state and category, in pages; the wish wall; the
stats of a subtree over a period; and the metrics of transitions, time in state and breaches."""

from __future__ import annotations

import asyncio
import urllib.request
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.wishes import claimed, fulfil, published, submit


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
