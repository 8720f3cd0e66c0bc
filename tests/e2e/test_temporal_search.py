"""Ops staff find a wish's workflow in the Temporal UI by its community, state and category: the outbox sets linli's
search attributes when it starts the workflow, and the workflow keeps its state and category current (ids and state
names only, never personal data: search attributes are not encrypted)."""

from __future__ import annotations

from linli.wishes.v1 import wishes_pb2 as wish
from temporalio.client import Client

from devstack.client import Api
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import make_community
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import in_days
from tests.e2e.helpers.wishes import submit


async def _found(temporal: Client, query: str) -> list[str]:
    return [w.id async for w in temporal.list_workflows(query)]


async def test_a_wish_is_found_by_its_community_then_by_each_state_it_reaches_and_its_category(
    api: Api, temporal: Client
) -> None:
    community = await make_community(api)
    submitted = await submit(api, community)
    workflow_id = f"wish-{submitted.id}"
    here = f'LinliCommunity = "{community.community_id}"'
    await eventually(
        lambda: _found(temporal, f'{here} AND LinliState = "submitted"'), "found while submitted", timeout=20
    )
    assert await _found(temporal, here) == [workflow_id]

    await api.wishes.ReviewWish(
        wish.ReviewWishRequest(
            request_id=new_request_id(),
            wish_id=submitted.id,
            approve=wish.Approval(
                category=wish.WISH_CATEGORY_CULTURE, service_standard="借到音响", deadline=in_days(14)
            ),
        ),
        metadata=api.admin,
    )
    await api.wishes.PublishWish(
        wish.PublishWishRequest(request_id=new_request_id(), wish_id=submitted.id), metadata=api.admin
    )

    async def published() -> bool:
        query = f'{here} AND LinliState = "published" AND LinliCategory = "culture"'
        return await _found(temporal, query) == [workflow_id]

    await eventually(published, "found as a published culture wish", timeout=20)
    assert await _found(temporal, f'{here} AND LinliState = "submitted"') == []
    # Nothing else of linli's is searchable about it: the three ids and names.
    attributes = (await temporal.get_workflow_handle(workflow_id).describe()).typed_search_attributes
    assert {p.key.name: p.value for p in attributes if p.key.name.startswith("Linli")} == {
        "LinliCommunity": community.community_id,
        "LinliState": "published",
        "LinliCategory": "culture",
    }
