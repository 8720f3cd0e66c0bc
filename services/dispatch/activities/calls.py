"""What the ActivityService's handlers share: the stores and services they use, finding an activity, checking the
caller's scope over it (the tree as it is now) and moving it.

The handlers themselves: activities, sign-ups and check-in (servicer.py), notices and digests
(notices.py), recurring activities (recurring.py), beside this file.
"""

from __future__ import annotations

import grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc

from services.dispatch.activities import domain
from services.dispatch.activities.domain import Activity
from services.dispatch.activities.metrics import TRANSITIONS
from services.dispatch.activities.recurring import RecurringActivities
from services.dispatch.activities.relay import ActivityRelay
from services.dispatch.activities.store import ActivityStore, WrongState
from services.dispatch.matching.members import MemberDirectory
from services.dispatch.scope import require_unit_in_scope
from services.runtime import validate
from services.runtime.auth import Caller
from services.runtime.errors import FailedPrecondition, NotFound
from services.runtime.org_directory import OrgDirectory


class ActivityCalls:
    """The stores and services every handler of the ActivityService uses."""

    def __init__(
        self,
        store: ActivityStore,
        relay: ActivityRelay,
        org: OrgDirectory,
        registry: registry_pb2_grpc.RegistryServiceStub,
        recurring: RecurringActivities,
        members: MemberDirectory | None = None,
    ) -> None:
        self.store = store
        self.relay = relay
        self.org = org
        self.registry = registry
        self.recurring = recurring
        self.members = members or MemberDirectory(registry)

    async def _activity(self, raw_id: str, field: str = "activity_id") -> Activity:
        activity_id = validate.entity_id(field, raw_id)
        assert activity_id is not None
        activity = await self.store.activity(activity_id)
        if activity is None:
            raise NotFound(f"no activity {activity_id}", field)
        return activity

    async def _require_in_scope(self, caller: Caller, activity: Activity, field: str = "activity_id") -> None:
        """The activity's organising unit, where it is in the tree now, lies in the caller's scope."""
        await require_unit_in_scope(self.org, caller, activity.org_unit_id, field)

    async def _member(self, member_id: int, field: str) -> registry_pb2.Member:
        """The member as the registry has them now, or NotFound naming `field`."""
        try:
            response: registry_pb2.GetMemberResponse = await self.registry.GetMember(
                registry_pb2.GetMemberRequest(member_id=str(member_id))
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"no member {member_id}", field) from exc
            raise
        return response.member

    async def _team_volunteer(self, activity: Activity, signer: domain.Signer) -> domain.Signer:
        """A team volunteer of a team of the organising unit (a community's street's too), as the registry has them
        now; one who is a registered member is signed up as the member. NotFound or FailedPrecondition otherwise."""
        unit = await self.org.unit(str(activity.org_unit_id), "activity_id")
        street_id = unit.parent_id if unit.kind == registry_pb2.ORG_UNIT_KIND_COMMUNITY else ""
        volunteer = await self.members.team_volunteer(
            unit.id, street_id, str(signer.team_id), str(signer.team_member_id), "team_member_id"
        )
        if volunteer.member_id:
            return domain.Signer(member_id=int(volunteer.member_id))
        return signer

    async def _move(
        self,
        caller: Caller,
        request_id: str,
        activity: Activity,
        move: domain.Move,
        note: str = "",
        change: domain.ActivityChange | None = None,
    ) -> Activity:
        try:
            moved, now = await self.store.move(caller, request_id, activity.id, move, note, change)
        except WrongState as exc:
            allowed = " or ".join(sorted(move.from_states))
            raise FailedPrecondition(
                f"activity {activity.id} is {exc.activity.state}; to {move.name} it, it must be {allowed}"
            ) from exc
        if now:
            TRANSITIONS.labels(moved.state).inc()
            self.relay.wake()
        return moved
