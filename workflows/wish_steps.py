"""The steps of the wish lifecycle (its Temporal activities): everything it does to the outside world, over the
services' gRPC APIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC

from linli.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2, wishes_pb2_grpc
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.runtime.enums import name_of
from workflows.steps import TIMEOUT_SECONDS, call


@dataclass
class WishRef:
    wish_id: str


@dataclass
class OrgRef:
    org_unit_id: str


@dataclass
class OrgStep:
    """One org unit on the way up: its id and its level ("street", "district", ...)."""

    org_unit_id: str
    kind: str


@dataclass
class OrgPathRequest:
    org_unit_id: str
    # The highest level to climb to (included); "" climbs to the root.
    top_kind: str = ""


@dataclass
class WishSnapshot:
    version: int
    state: str
    claimant_member_id: str
    category: str = ""
    deadline: float = 0.0  # seconds since the epoch; 0 before approval
    # Release 4: the grid or building below the community where the wish lies; "" when none was named.
    unit_id: str = ""


@dataclass
class LimitActionRequest:
    request_id: str
    wish_id: str
    action: str  # "reopen_claim" or "close_unconfirmed"
    version: int
    note: str


@dataclass
class ReminderRequest:
    request_id: str
    wish_id: str
    kind: str  # "reminder" or "escalation"
    state: str
    note: str
    recipients: list[str] = field(default_factory=list)
    # Release 4: an escalation's org level ("street", "district", ...), for the metric.
    level: str = ""


def state_name(number: int) -> str:
    return name_of(wishes_pb2.WishState, number)


def snapshot_of(wish: wishes_pb2.Wish) -> WishSnapshot:
    return WishSnapshot(
        version=wish.version,
        state=state_name(wish.state),
        claimant_member_id=wish.claimant_member_id,
        category=category_name(wish.category),
        deadline=wish.deadline.ToDatetime(tzinfo=UTC).timestamp() if wish.HasField("deadline") else 0.0,
        unit_id=wish.unit_id,
    )


def category_name(number: int) -> str:
    return name_of(wishes_pb2.WishCategory, number)


def org_kind_name(number: int) -> str:
    return name_of(registry_pb2.OrgUnitKind, number)


def org_kind_number(name: str) -> int:
    return registry_pb2.OrgUnitKind.Value(f"ORG_UNIT_KIND_{name.upper()}")


class WishSteps:
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
        response = await call(
            self.wishes.GetWish(wishes_pb2.GetWishRequest(wish_id=ref.wish_id), timeout=TIMEOUT_SECONDS)
        )
        return snapshot_of(response.wish)

    @activity.defn
    async def recommend_claimants(self, ref: WishRef) -> list[str]:
        response = await call(
            self.dispatch.RecommendClaimants(
                dispatch_pb2.RecommendClaimantsRequest(wish_id=ref.wish_id, limit=5), timeout=TIMEOUT_SECONDS
            )
        )
        return [r.member_id for r in response.recommendations]

    @activity.defn
    async def parent_org(self, ref: OrgRef) -> OrgRef:
        response = await call(
            self.registry.GetOrgUnit(
                registry_pb2.GetOrgUnitRequest(org_unit_id=ref.org_unit_id), timeout=TIMEOUT_SECONDS
            )
        )
        return OrgRef(response.org_unit.parent_id)

    @activity.defn
    async def org_path(self, request: OrgPathRequest) -> list[OrgStep]:
        """The unit's ancestors, nearest first, up to the top level (included) or the root.

        GetOrgUnit lists the ancestors' ids but not their levels, so each is read as the climb goes up: a
        handful of calls, once per waiting state, and only as far as the top level."""
        try:
            top = org_kind_number(request.top_kind) if request.top_kind else 0
        except ValueError:
            raise ApplicationError(f"no org level {request.top_kind!r}", non_retryable=True) from None
        unit = (await self._org_unit(request.org_unit_id)).org_unit
        steps: list[OrgStep] = []
        for ancestor_id in reversed(unit.ancestor_ids):
            ancestor = (await self._org_unit(ancestor_id)).org_unit
            steps.append(OrgStep(ancestor.id, org_kind_name(ancestor.kind)))
            # Kinds are numbered from the province down: a smaller number is a higher level.
            if ancestor.kind <= top:
                break
        return steps

    async def _org_unit(self, org_unit_id: str) -> registry_pb2.GetOrgUnitResponse:
        return await call(
            self.registry.GetOrgUnit(registry_pb2.GetOrgUnitRequest(org_unit_id=org_unit_id), timeout=TIMEOUT_SECONDS)
        )

    @activity.defn
    async def record_reminder(self, request: ReminderRequest) -> bool:
        kind = {"reminder": wishes_pb2.WISH_EVENT_KIND_REMINDER, "escalation": wishes_pb2.WISH_EVENT_KIND_ESCALATION}[
            request.kind
        ]
        response: wishes_pb2.RecordReminderResponse = await call(
            self.wishes.RecordReminder(
                wishes_pb2.RecordReminderRequest(
                    request_id=request.request_id,
                    wish_id=request.wish_id,
                    kind=kind,
                    state=f"WISH_STATE_{request.state.upper()}",  # an enum field takes its label
                    note=request.note,
                    recipients=request.recipients,
                    level=request.level,
                ),
                timeout=TIMEOUT_SECONDS,
            )
        )
        activity.logger.info(
            "wish reminder", extra={"wish_id": request.wish_id, "kind": request.kind, "state": request.state}
        )
        return response.recorded

    @activity.defn
    async def act_on_limit(self, request: LimitActionRequest) -> WishSnapshot:
        action = {
            "reopen_claim": wishes_pb2.LIMIT_ACTION_REOPEN_CLAIM,
            "close_unconfirmed": wishes_pb2.LIMIT_ACTION_CLOSE_UNCONFIRMED,
        }[request.action]
        response = await call(
            self.wishes.ActOnLimit(
                wishes_pb2.ActOnLimitRequest(
                    request_id=request.request_id,
                    wish_id=request.wish_id,
                    action=action,
                    version=request.version,
                    note=request.note,
                ),
                timeout=TIMEOUT_SECONDS,
            )
        )
        activity.logger.info(
            "wish limit acted on",
            extra={"wish_id": request.wish_id, "action": request.action, "applied": response.applied},
        )
        return snapshot_of(response.wish)

    @activity.defn
    async def record_service(self, ref: WishRef) -> str:
        """Records the closed wish's service (纪实) to its claimant and, for a group claim, to every participant —
        the team volunteers who are not members too — each with the wish's hours; the registry keeps one per person
        and wish. Returns the claimant's record id."""
        wish = (
            await call(self.wishes.GetWish(wishes_pb2.GetWishRequest(wish_id=ref.wish_id), timeout=TIMEOUT_SECONDS))
        ).wish
        if wish.state != wishes_pb2.WISH_STATE_CLOSED or not wish.claimant_member_id:
            raise ApplicationError(f"wish {ref.wish_id} is not closed with a claimant", non_retryable=True)
        members = [wish.claimant_member_id] + [m for m in wish.participant_member_ids if m != wish.claimant_member_id]
        people = [(m, "") for m in members] + [("", v) for v in wish.participant_team_member_ids]
        record_id = ""
        for member_id, team_member_id in people:
            if team_member_id:
                suffix = f"-volunteer-{team_member_id}"
            else:
                suffix = "" if member_id == wish.claimant_member_id else f"-{member_id}"
            request = registry_pb2.RecordServiceRequest(
                request_id=f"wish-{wish.id}-service{suffix}",
                member_id=member_id,
                team_member_id=team_member_id,
                kind=registry_pb2.SERVICE_KIND_WISH,
                source_id=wish.id,
                category=category_name(wish.category),
                hours=wish.hours,
                note=wish.fulfilment_report[:1000],
            )
            if wish.HasField("fulfil_time"):
                request.served_at.CopyFrom(wish.fulfil_time)
            response = await call(self.registry.RecordService(request, timeout=TIMEOUT_SECONDS))
            activity.logger.info(
                "wish service recorded",
                extra={"wish_id": wish.id, "record_id": response.record.id, "created": response.created},
            )
            record_id = record_id or response.record.id
        return record_id
