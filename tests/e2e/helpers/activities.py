"""An activity proposed over gRPC, and waited for as its workflow moves it on."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from tests.e2e.helpers.community import Community
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import from_now


def proposal(community: Community, **overrides: object) -> act.ProposeActivityRequest:
    """The Dragon Boat festival of the community in ten days, one place and one steward: valid as it stands."""
    fields: dict[str, object] = {
        "request_id": new_request_id(),
        "org_unit_id": community.community_id,
        "title": "端午粽飘香·社区邻里节",
        "kind": act.ACTIVITY_KIND_HOLIDAY,
        "place": "幸福里活动中心",
        "start_time": from_now(timedelta(days=10)),
        "end_time": from_now(timedelta(days=10, hours=3)),
        "signup_deadline": from_now(timedelta(days=8)),
        "capacity": 1,
        "roles": [act.ActivityRole(name="steward", count=1, skills=[reg.SKILL_FIRST_AID])],
    }
    fields.update(overrides)
    return act.ProposeActivityRequest(**fields)  # type: ignore[arg-type]


async def until_state(
    activities: activities_pb2_grpc.ActivityServiceStub, api: Api, activity_id: str, state: int
) -> act.Activity:
    deadline = time.monotonic() + 30
    while True:
        found = (
            await activities.GetActivity(act.GetActivityRequest(activity_id=activity_id), metadata=api.admin)
        ).activity
        if found.state == state:
            return found
        assert time.monotonic() < deadline, f"activity {activity_id} stayed {act.ActivityState.Name(found.state)}"
        await asyncio.sleep(0.2)
