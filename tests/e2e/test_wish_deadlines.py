"""Deadlines by category (服务时限) and wishes by state as they stood, over gRPC: an approval without a deadline gets
its category's standard, as the deployment set it (the e2e stack: legal aid 5 days) or by default; GetWishStats with
as_of_time counts each wish in the state it was in then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from tests.e2e.helpers.community import make_community
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import in_days, stamp
from tests.e2e.helpers.wishes import submit


async def approve(
    api: Api, wish_id: str, category: wish.WishCategory.ValueType, deadline: Timestamp | None = None
) -> wish.Wish:
    approval = wish.Approval(category=category, service_standard="按标准办理")
    if deadline is not None:
        approval.deadline.CopyFrom(deadline)
    response = await api.wishes.ReviewWish(
        wish.ReviewWishRequest(request_id=new_request_id(), wish_id=wish_id, approve=approval), metadata=api.admin
    )
    return response.wish


async def test_an_approval_without_a_deadline_gets_its_categorys_standard(api: Api) -> None:
    community = await make_community(api)
    before = datetime.now(UTC)
    legal = await approve(
        api, (await submit(api, community, "邻居占了楼道，想咨询怎么办")).id, wish.WISH_CATEGORY_LEGAL_AID
    )
    medical = await approve(
        api, (await submit(api, community, "独居老人想每周量一次血压")).id, wish.WISH_CATEGORY_MEDICAL_CARE
    )
    after = datetime.now(UTC)
    for approved, standard in ((legal, timedelta(days=5)), (medical, timedelta(days=3))):
        deadline = approved.deadline.ToDatetime(UTC)
        assert before + standard <= deadline <= after + standard + timedelta(seconds=1)
    # A deadline given is kept as given.
    given = in_days(30)
    kept = await approve(api, (await submit(api, community, "想要一个音响")).id, wish.WISH_CATEGORY_CULTURE, given)
    assert kept.deadline.seconds == given.seconds


async def test_wishes_by_state_as_they_stood_at_a_time_before_they_moved(api: Api) -> None:
    community = await make_community(api)
    first = await submit(api, community, "想学用智能手机")
    second = await submit(api, community, "想找人一起下象棋")
    await approve(api, first.id, wish.WISH_CATEGORY_CULTURE)
    then = datetime.now(UTC)
    await api.wishes.PublishWish(
        wish.PublishWishRequest(request_id=new_request_id(), wish_id=first.id), metadata=api.admin
    )
    await approve(api, second.id, wish.WISH_CATEGORY_CULTURE)
    await submit(api, community, "楼下路灯坏了")  # submitted after `then`: not counted then

    async def by_state(as_of: datetime | None) -> dict[int, int]:
        request = wish.GetWishStatsRequest(org_unit_id=community.community_id)
        if as_of is not None:
            request.as_of_time.CopyFrom(stamp(as_of))
        stats = await api.wishes.GetWishStats(request, metadata=api.admin)
        return {c.state: c.count for c in stats.by_state if c.count}

    assert await by_state(then) == {wish.WISH_STATE_APPROVED: 1, wish.WISH_STATE_SUBMITTED: 1}
    now = {wish.WISH_STATE_PUBLISHED: 1, wish.WISH_STATE_APPROVED: 1, wish.WISH_STATE_SUBMITTED: 1}
    assert await by_state(None) == now
    assert await by_state(datetime.now(UTC) + timedelta(days=1)) == now
