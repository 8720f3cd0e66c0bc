"""An office's queue (ListOfficeQueue): what waits for a unit — wishes escalated to it, claims past their deadline,
wishes not yet reviewed or published in its subtree — oldest first, paged, each with why; staff see only the units
in their scope (2 s limits here, so a wish left unreviewed climbs to the street within seconds)."""

from __future__ import annotations

import grpc
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.checks import eventually, refused
from tests.e2e.helpers.community import make_community
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import in_days
from tests.e2e.helpers.wishes import staff_of, submit


async def queue_of(api: Api, unit_id: str, metadata: object, page_size: int = 200) -> list[wish.OfficeQueueItem]:
    items: list[wish.OfficeQueueItem] = []
    token = ""
    while True:
        page = await api.wishes.ListOfficeQueue(
            wish.ListOfficeQueueRequest(org_unit_id=unit_id, page_size=page_size, page_token=token), metadata=metadata
        )
        items += page.items
        token = page.next_page_token
        if not token:
            return items


async def test_an_unreviewed_wish_waits_for_its_community_and_once_escalated_for_its_street(api: Api) -> None:
    community = await make_community(api)
    street_staff = api.token(Role.STAFF, scope=community.street_id, subject="street-staff")
    unreviewed = await submit(api, community)
    approved = await submit(api, community, text="我希望就近打工")
    await api.wishes.ReviewWish(
        wish.ReviewWishRequest(
            request_id=new_request_id(),
            wish_id=approved.id,
            approve=wish.Approval(
                category=wish.WISH_CATEGORY_POVERTY_RELIEF, service_standard="介绍工作", deadline=in_days(7)
            ),
        ),
        metadata=api.admin,
    )

    async def escalated_to_the_street() -> bool:
        items = await queue_of(api, community.street_id, street_staff)
        escalated = {i.wish.id for i in items if i.reason == wish.QUEUE_REASON_ESCALATED}
        return {unreviewed.id, approved.id} <= escalated

    # Once both are escalated to the street, neither moves in its queue again: the pages below see one order.
    await eventually(escalated_to_the_street, "both wishes escalated to the street's queue")
    ours = {i.wish.id: i for i in await queue_of(api, community.community_id, staff_of(api, community))}
    assert ours[unreviewed.id].reason == wish.QUEUE_REASON_UNREVIEWED
    assert ours[unreviewed.id].wish.resident_name == "张*"  # masked, as in every list
    assert ours[approved.id].reason == wish.QUEUE_REASON_UNPUBLISHED  # reminded there, escalated above it
    street = await queue_of(api, community.street_id, street_staff, page_size=1)  # one a page: the tokens hold
    ids = [i.wish.id for i in street]
    assert sorted(ids) == sorted({unreviewed.id, approved.id})
    since = [i.waiting_since.ToDatetime() for i in street]
    assert since == sorted(since)  # oldest first


async def test_staff_see_only_the_queues_of_their_scope(api: Api) -> None:
    community = await make_community(api)
    other = await make_community(api)
    await submit(api, community)
    await refused(
        api.wishes.ListOfficeQueue(
            wish.ListOfficeQueueRequest(org_unit_id=community.street_id), metadata=staff_of(api, community)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "outside the caller's scope",
    )
    await refused(
        api.wishes.ListOfficeQueue(
            wish.ListOfficeQueueRequest(org_unit_id=community.community_id), metadata=staff_of(api, other)
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "outside the caller's scope",
    )
    await refused(
        api.wishes.ListOfficeQueue(wish.ListOfficeQueueRequest(org_unit_id="x"), metadata=api.admin),
        grpc.StatusCode.INVALID_ARGUMENT,
        "org_unit_id",
    )
    await refused(
        api.wishes.ListOfficeQueue(
            wish.ListOfficeQueueRequest(org_unit_id=community.community_id, page_token="forged"), metadata=api.admin
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "page_token",
    )


async def test_a_grid_sees_the_wishes_located_in_it(api: Api) -> None:
    community = await make_community(api)
    grid_staff = api.token(Role.STAFF, scope=community.grid_id, subject="grid-staff")
    in_grid = await submit(api, community, unit_id=community.grid_id)
    elsewhere = await submit(api, community, text="我希望就近打工")
    grid = {i.wish.id: i.reason for i in await queue_of(api, community.grid_id, grid_staff)}
    assert grid == {in_grid.id: wish.QUEUE_REASON_UNREVIEWED}
    assert elsewhere.id not in grid
