"""Activities of the wish lifecycle: everything it does to the outside world, over the services' gRPC APIs."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

import grpc
from linli.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2, wishes_pb2_grpc
from temporalio import activity
from temporalio.exceptions import ApplicationError

T = TypeVar("T")

# A caller's mistake or a missing record will not heal by retrying.
_PERMANENT = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.FAILED_PRECONDITION,
}
_TIMEOUT_SECONDS = 10


async def _call(rpc: Awaitable[T]) -> T:
    try:
        return await rpc
    except grpc.aio.AioRpcError as exc:
        raise ApplicationError(
            f"{exc.code().name}: {exc.details()}", type=exc.code().name, non_retryable=exc.code() in _PERMANENT
        ) from None


@dataclass
class WishRef:
    wish_id: str


@dataclass
class OrgRef:
    org_unit_id: str


@dataclass
class WishSnapshot:
    version: int
    state: str
    claimant_member_id: str


@dataclass
class ReminderRequest:
    request_id: str
    wish_id: str
    kind: str  # "reminder" or "escalation"
    state: str
    note: str
    recipients: list[str] = field(default_factory=list)


def state_name(number: int) -> str:
    return wishes_pb2.WishState.Name(number).removeprefix("WISH_STATE_").lower()


class WishActivities:
    def __init__(
        self,
        wishes: wishes_pb2_grpc.WishServiceStub,
        dispatch: dispatch_pb2_grpc.DispatchServiceStub,
        registry: registry_pb2_grpc.RegistryServiceStub,
    ) -> None:
        self.wishes = wishes
        self.dispatch = dispatch
        self.registry = registry

    @activity.defn
    async def read_wish(self, ref: WishRef) -> WishSnapshot:
        response = await _call(
            self.wishes.GetWish(wishes_pb2.GetWishRequest(wish_id=ref.wish_id), timeout=_TIMEOUT_SECONDS)
        )
        wish = response.wish
        return WishSnapshot(
            version=wish.version, state=state_name(wish.state), claimant_member_id=wish.claimant_member_id
        )

    @activity.defn
    async def recommend_claimants(self, ref: WishRef) -> list[str]:
        response = await _call(
            self.dispatch.RecommendClaimants(
                dispatch_pb2.RecommendClaimantsRequest(wish_id=ref.wish_id, limit=5), timeout=_TIMEOUT_SECONDS
            )
        )
        return [r.member_id for r in response.recommendations]

    @activity.defn
    async def parent_org(self, ref: OrgRef) -> OrgRef:
        response = await _call(
            self.registry.GetOrgUnit(
                registry_pb2.GetOrgUnitRequest(org_unit_id=ref.org_unit_id), timeout=_TIMEOUT_SECONDS
            )
        )
        return OrgRef(response.org_unit.parent_id)

    @activity.defn
    async def record_reminder(self, request: ReminderRequest) -> bool:
        kind = {"reminder": wishes_pb2.WISH_EVENT_KIND_REMINDER, "escalation": wishes_pb2.WISH_EVENT_KIND_ESCALATION}[
            request.kind
        ]
        response = await _call(
            self.wishes.RecordReminder(
                wishes_pb2.RecordReminderRequest(
                    request_id=request.request_id,
                    wish_id=request.wish_id,
                    kind=kind,
                    state=wishes_pb2.WishState.Value(f"WISH_STATE_{request.state.upper()}"),
                    note=request.note,
                    recipients=request.recipients,
                ),
                timeout=_TIMEOUT_SECONDS,
            )
        )
        activity.logger.info(
            "wish reminder", extra={"wish_id": request.wish_id, "kind": request.kind, "state": request.state}
        )
        return response.recorded
