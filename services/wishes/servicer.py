"""WishService over gRPC: checks the request, the caller's role and scope, commits, then wakes the relay."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2 as pb
from linli.wishes.v1 import wishes_pb2_grpc

from services.runtime import validate
from services.runtime.auth import Caller, Role, current_caller
from services.runtime.cache import ShortLived
from services.runtime.convert import to_timestamp
from services.runtime.errors import (
    Aborted,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from services.runtime.org_directory import OrgDirectory
from services.runtime.paging import decode_page_token, encode_page_token
from services.runtime.pii import PersonalDataCipher, mask_name, mask_phone
from services.wishes import domain
from services.wishes.domain import Transition, Wish, WishEvent
from services.wishes.metrics import ESCALATIONS, REMINDERS, SLA_BREACHES, TRANSITIONS, observe_transition
from services.wishes.outbox import TransitionRelay
from services.wishes.store import (
    BatchedReads,
    ClaimCap,
    ClaimCapReached,
    Moved,
    NewWish,
    WishFilter,
    WishStore,
    WrongState,
)

_STAFF = (Role.ADMIN, Role.STAFF)
_MEMBER_CACHE_SECONDS = 5.0
_MEMBER_CACHE_ENTRIES = 10_000
# A claim given back or lapsed is no longer a group's.
_NO_GROUP: dict[str, object] = {"participant_member_ids": [], "group_team_id": None, "group_workplace_org": None}
_EXPORT_BATCH = 500
_EXPORT_COLUMNS = (
    "id",
    "community_id",
    "state",
    "category",
    "source",
    "text",
    "resident_name",
    "resident_contact",
    "submit_time",
    "publish_time",
    "deadline",
    "claim_time",
    "claimant_member_id",
    "participant_member_ids",
    "group_team_id",
    "group_workplace_org",
    "fulfil_time",
    "hours",
    "rating",
    "close_time",
    "close_note",
    "duplicate_of",
    "referred_to",
    "hours_to_claim",
    "hours_to_close",
    "overdue",
)


_ORG_LEVELS = frozenset(
    registry_pb2.OrgUnitKind.Name(n).removeprefix("ORG_UNIT_KIND_").lower()
    for n in registry_pb2.OrgUnitKind.values()
    if n != registry_pb2.ORG_UNIT_KIND_UNSPECIFIED
)


def wish_message(wish: Wish, now: datetime | None = None) -> pb.Wish:
    return pb.Wish(
        id=str(wish.id),
        community_id=str(wish.community_id),
        text=wish.text,
        source=domain.SOURCE_NUMBERS[wish.source],
        state=domain.STATE_NUMBERS[wish.state],
        category=domain.CATEGORY_NUMBERS[wish.category] if wish.category else 0,
        service_standard=wish.service_standard or "",
        deadline=to_timestamp(wish.deadline),
        reject_reason=wish.reject_reason or "",
        claimant_member_id=str(wish.claimant_member_id) if wish.claimant_member_id else "",
        resident_name=wish.resident_name_masked,
        resident_contact=wish.resident_contact_masked,
        submit_time=to_timestamp(wish.submitted_at),
        update_time=to_timestamp(wish.updated_at),
        version=wish.version,
        fulfilment_report=wish.fulfilment_report or "",
        hours=wish.hours or 0.0,
        rating=wish.rating or 0,
        resident_comment=wish.resident_comment or "",
        close_note=wish.close_note or "",
        claim_time=to_timestamp(wish.claimed_at),
        fulfil_time=to_timestamp(wish.fulfilled_at),
        close_time=to_timestamp(wish.closed_at),
        overdue=wish.overdue(now or datetime.now(UTC)),
        publish_time=to_timestamp(wish.published_at),
        claim_extended=wish.claim_extended,
        duplicate_of=str(wish.duplicate_of) if wish.duplicate_of else "",
        referred_to=wish.referred_to or "",
        participant_member_ids=[str(m) for m in wish.participant_member_ids],
        unit_id=str(wish.unit_id) if wish.unit_id else "",
        group_team_id=str(wish.group_team_id) if wish.group_team_id else "",
        group_workplace_org=wish.group_workplace_org or "",
    )


def event_message(event: WishEvent) -> pb.WishEvent:
    return pb.WishEvent(
        sequence=event.id,
        kind=domain.EVENT_KIND_NUMBERS[event.kind],
        state=domain.STATE_NUMBERS[event.state],
        actor=event.actor,
        note=event.note,
        time=to_timestamp(event.at),
        recipients=list(event.recipients),
    )


class WishServicer(wishes_pb2_grpc.WishServiceServicer):
    def __init__(
        self,
        store: WishStore,
        relay: TransitionRelay,
        org: OrgDirectory,
        registry: registry_pb2_grpc.RegistryServiceStub,
        cipher: PersonalDataCipher,
        max_open_claims: int = 5,
        local_zone: tzinfo = UTC,
    ) -> None:
        self.max_open_claims = max_open_claims
        self.local_zone = local_zone  # whose calendar days pairings are dated in
        self._members: ShortLived[int, registry_pb2.Member] = ShortLived(_MEMBER_CACHE_SECONDS, _MEMBER_CACHE_ENTRIES)
        self.store = store
        self.reads = BatchedReads(store)
        self.relay = relay
        self.org = org
        self.registry = registry
        self.cipher = cipher

    async def _wish(self, raw_id: str, field: str = "wish_id") -> Wish:
        wish_id = validate.entity_id(field, raw_id)
        wish = await self.reads.wish(wish_id)
        if wish is None:
            raise NotFound(f"no wish {wish_id}", field)
        return wish

    @staticmethod
    def _require_may_read(caller: Caller, wish: Wish) -> None:
        if caller.role == Role.SERVICE:
            return
        if caller.role == Role.MEMBER:
            # Members see the wish wall, and the wishes they hold or take part in.
            if (
                wish.state in domain.WALL_STATES
                or str(wish.claimant_member_id) == caller.subject
                or caller.subject in {str(m) for m in wish.participant_member_ids}
            ):
                return
            raise PermissionDenied("members may read only wishes on the wish wall")
        caller.require_scope(str(wish.community_id), wish.community_path[:-1])

    @staticmethod
    def _require_staff_in_scope(caller: Caller, wish: Wish) -> None:
        caller.require_role(*_STAFF)
        caller.require_scope(str(wish.community_id), wish.community_path[:-1])

    async def _move(
        self,
        caller: Caller,
        request_id: str,
        wish: Wish,
        move: Transition,
        note: str = "",
        *,
        cap: ClaimCap | None = None,
        expected_version: int | None = None,
        **changes: object,
    ) -> tuple[Wish, bool]:
        """Commits the move; True when it was made now (False: this request id made it before)."""
        return await self._committed(
            wish,
            move,
            self.store.transition(
                caller, request_id, wish.id, move, note, cap=cap, expected_version=expected_version, **changes
            ),
        )

    async def _committed(
        self, wish: Wish, move: Transition, commit: Awaitable[tuple[Wish, Moved | None]]
    ) -> tuple[Wish, bool]:
        """Awaits the store's commit of a move, turning its refusals into statuses; wakes the relay."""
        try:
            moved, now = await commit
        except WrongState as exc:
            allowed = " or ".join(sorted(move.from_states))
            if exc.wish.state in move.from_states:  # only the version differed
                raise Aborted(f"wish {wish.id} changed (version {exc.wish.version}); read it again") from exc
            raise FailedPrecondition(
                f"wish {wish.id} is {exc.wish.state}; to {move.name} it, it must be {allowed}"
            ) from exc
        except ClaimCapReached as exc:
            raise FailedPrecondition(
                f"member {exc.member_id} already has {exc.open_claims} open claims (wishes held and group claims "
                f"taken part in), the most allowed is {self.max_open_claims}",
                "member_ids" if exc.group else "member_id",
            ) from exc
        if now is not None:
            observe_transition(now.from_state, moved, now.entered_at)
            self.relay.wake()
        return moved, now is not None

    async def _moved(
        self, caller: Caller, request_id: str, wish: Wish, move: Transition, note: str = "", **changes: object
    ) -> Wish:
        return (await self._move(caller, request_id, wish, move, note, **changes))[0]

    async def SubmitWish(
        self, request: pb.SubmitWishRequest, context: grpc.aio.ServicerContext
    ) -> pb.SubmitWishResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        validate.entity_id("community_id", request.community_id)
        text = validate.text("text", request.text, max_length=domain.MAX_TEXT)
        source = domain.SOURCES[validate.enum("source", request.source, pb.WishSource)]
        resident_name = validate.text("resident_name", request.resident_name, max_length=domain.MAX_RESIDENT_NAME)
        contact = domain.normalise_contact(
            "resident_contact",
            validate.text("resident_contact", request.resident_contact, max_length=40, required=False),
        )

        earlier = await self.store.wish_by_request(caller, request_id)
        if earlier is not None:
            return pb.SubmitWishResponse(wish=wish_message(earlier), possible_duplicates=await self._similar(earlier))

        community = await self.org.unit(request.community_id.strip(), "community_id")
        if community.kind != registry_pb2.ORG_UNIT_KIND_COMMUNITY:
            raise InvalidArgument(f"org unit {community.id} is not a community", "community_id")
        caller.require_scope(community.id, community.ancestor_ids)
        unit_id = await self._unit_below(community.id, request.unit_id)
        new = NewWish(
            community_id=int(community.id),
            community_path=community.path,
            text=text,
            source=source,
            resident_name_sealed=self.cipher.seal(resident_name, "wish.resident_name"),
            resident_name_masked=mask_name(resident_name),
            resident_contact_sealed=self.cipher.seal(contact, "wish.resident_contact") if contact else None,
            resident_contact_masked=mask_phone(contact) if contact else "",
            unit_id=unit_id,
        )
        wish, created = await self.store.submit(caller, request_id, new)
        if created:
            TRANSITIONS.labels("submitted", "").inc()
            self.relay.wake()
        return pb.SubmitWishResponse(wish=wish_message(wish), possible_duplicates=await self._similar(wish))

    async def _unit_below(self, community_id: str, unit_id: str) -> int | None:
        """The optional grid or building a wish lies in: it must be one, below the wish's community."""
        if validate.entity_id("unit_id", unit_id, required=False) is None:
            return None
        unit = await self.org.unit(unit_id.strip(), "unit_id")
        if unit.kind not in (registry_pb2.ORG_UNIT_KIND_GRID, registry_pb2.ORG_UNIT_KIND_BUILDING):
            raise InvalidArgument(f"org unit {unit.id} is not a grid or building", "unit_id")
        if community_id not in unit.ancestor_ids:
            raise InvalidArgument(f"org unit {unit.id} does not lie in community {community_id}", "unit_id")
        return int(unit.id)

    async def _similar(self, wish: Wish) -> list[pb.PossibleDuplicate]:
        """Open wishes of the same community whose text is close to this one's: suggested, never refused."""
        scored = [
            (domain.text_similarity(wish.text, other.text), other)
            for other in await self.store.open_wishes_of(wish.community_id, wish.id)
        ]
        scored = sorted((pair for pair in scored if pair[0] >= domain.DUPLICATE_SIMILARITY), key=lambda p: -p[0])
        return [
            pb.PossibleDuplicate(
                wish_id=str(other.id),
                state=domain.STATE_NUMBERS[other.state],
                text=other.text,
                similarity=round(score, 3),
            )
            for score, other in scored[: domain.MAX_DUPLICATE_SUGGESTIONS]
        ]

    async def GetWish(self, request: pb.GetWishRequest, context: grpc.aio.ServicerContext) -> pb.GetWishResponse:
        wish = await self._wish(request.wish_id)
        self._require_may_read(current_caller(), wish)
        return pb.GetWishResponse(wish=wish_message(wish))

    async def ReviewWish(
        self, request: pb.ReviewWishRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReviewWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        decision = request.WhichOneof("decision")
        if decision is None:
            raise InvalidArgument("is required: approve or reject", "decision")
        if decision == "approve":
            category = domain.CATEGORIES[validate.enum("approve.category", request.approve.category, pb.WishCategory)]
            standard = validate.text(
                "approve.service_standard", request.approve.service_standard, max_length=domain.MAX_STANDARD
            )
            deadline = validate.future_time("approve.deadline", request.approve.deadline)
        else:
            reason = validate.text("reject.reason", request.reject.reason, max_length=domain.MAX_REASON)
        wish = await self._wish(request.wish_id)
        self._require_staff_in_scope(caller, wish)
        if decision == "approve":
            moved = await self._moved(
                caller,
                request_id,
                wish,
                domain.APPROVE,
                category=category,
                service_standard=standard,
                deadline=deadline,
            )
        else:
            moved = await self._moved(
                caller, request_id, wish, domain.REJECT, reason, reject_reason=reason, closed_at=datetime.now(UTC)
            )
        return pb.ReviewWishResponse(wish=wish_message(moved))

    async def PublishWish(
        self, request: pb.PublishWishRequest, context: grpc.aio.ServicerContext
    ) -> pb.PublishWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        wish = await self._wish(request.wish_id)
        self._require_staff_in_scope(caller, wish)
        moved = await self._moved(caller, request_id, wish, domain.PUBLISH, published_at=datetime.now(UTC))
        return pb.PublishWishResponse(wish=wish_message(moved))

    async def ClaimWish(self, request: pb.ClaimWishRequest, context: grpc.aio.ServicerContext) -> pb.ClaimWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        member_id = validate.entity_id("member_id", request.member_id)
        wish = await self._wish(request.wish_id)
        if caller.role == Role.MEMBER:
            if caller.subject != str(member_id):
                raise PermissionDenied("a member may claim only for themselves", "member_id")
        else:
            self._require_staff_in_scope(caller, wish)  # staff assigning a wish to a member
        if wish.state != "published" and wish.claimant_member_id != member_id:
            # Fail fast, without asking the registry; the conditional update below decides races.
            raise FailedPrecondition(f"wish {wish.id} is {wish.state}; to claim it, it must be published")
        await self._require_registered_in(member_id, wish)
        cap = ClaimCap((member_id,), self.max_open_claims)
        moved, _ = await self._committed(
            wish,
            domain.CLAIM,
            self.store.claim(caller, request_id, wish.id, f"claimed by member {member_id}", cap),
        )
        return pb.ClaimWishResponse(wish=wish_message(moved))

    def _require_claimant_or_staff(self, caller: Caller, wish: Wish) -> None:
        if caller.role == Role.MEMBER:
            if str(wish.claimant_member_id) != caller.subject:
                raise PermissionDenied("only the wish's claimant or staff in scope may do this")
            return
        self._require_staff_in_scope(caller, wish)

    async def ReleaseClaim(
        self, request: pb.ReleaseClaimRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReleaseClaimResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON, required=False)
        wish = await self._wish(request.wish_id)
        self._require_claimant_or_staff(caller, wish)
        note = f"released by member {wish.claimant_member_id}" + (f": {reason}" if reason else "")
        moved = await self._moved(
            caller, request_id, wish, domain.RELEASE, note, claimant_member_id=None, claimed_at=None, **_NO_GROUP
        )
        return pb.ReleaseClaimResponse(wish=wish_message(moved))

    async def ExtendClaim(
        self, request: pb.ExtendClaimRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExtendClaimResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        new_deadline = validate.future_time("new_deadline", request.new_deadline)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON, required=False)
        wish = await self._wish(request.wish_id)
        self._require_claimant_or_staff(caller, wish)
        if await self.store.moved_by(wish.id, request_id):
            return pb.ExtendClaimResponse(wish=wish_message(await self._wish(request.wish_id)))
        if wish.state == "claimed":
            if wish.claim_extended:
                raise FailedPrecondition(f"the claim on wish {wish.id} was extended once already")
            if wish.deadline is not None and new_deadline <= wish.deadline:
                raise InvalidArgument("must lie after the current deadline", "new_deadline")
        note = f"deadline extended to {new_deadline.isoformat(timespec='minutes')}" + (f": {reason}" if reason else "")
        # At the version read: of two concurrent extensions one wins, so a claim is extended at most once.
        moved, _ = await self._move(
            caller,
            request_id,
            wish,
            domain.EXTEND,
            note,
            expected_version=wish.version,
            deadline=new_deadline,
            claim_extended=True,
        )
        return pb.ExtendClaimResponse(wish=wish_message(moved))

    async def FulfilWish(
        self, request: pb.FulfilWishRequest, context: grpc.aio.ServicerContext
    ) -> pb.FulfilWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        report = validate.text("report", request.report, max_length=domain.MAX_REPORT)
        hours = domain.fulfilment_hours("hours", request.hours)
        wish = await self._wish(request.wish_id)
        self._require_claimant_or_staff(caller, wish)
        moved = await self._moved(
            caller,
            request_id,
            wish,
            domain.FULFIL,
            f"{hours:g}h: {report}"[: domain.MAX_NOTE],
            fulfilment_report=report,
            hours=hours,
            fulfilled_at=datetime.now(UTC),
        )
        return pb.FulfilWishResponse(wish=wish_message(moved))

    async def ConfirmWish(
        self, request: pb.ConfirmWishRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConfirmWishResponse:
        caller = current_caller()
        # The resident signs off through staff or a front end; the claimant never signs off their own work.
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        outcome = request.WhichOneof("outcome")
        if outcome is None:
            raise InvalidArgument("is required: confirm or dispute", "outcome")
        if outcome == "confirm":
            rating = domain.rating("confirm.rating", request.confirm.rating)
            comment = validate.text(
                "confirm.comment", request.confirm.comment, max_length=domain.MAX_REASON, required=False
            )
        else:
            reason = validate.text("dispute.reason", request.dispute.reason, max_length=domain.MAX_REASON)
        wish = await self._wish(request.wish_id)
        caller.require_scope(str(wish.community_id), wish.community_path[:-1])
        if outcome == "confirm":
            moved = await self._moved(
                caller,
                request_id,
                wish,
                domain.CONFIRM,
                f"confirmed, rated {rating}" + (f": {comment}" if comment else ""),
                rating=rating,
                resident_comment=comment,
                close_note="confirmed by the resident",
                closed_at=datetime.now(UTC),
            )
        else:
            moved = await self._moved(
                caller, request_id, wish, domain.DISPUTE, f"disputed: {reason}", fulfilled_at=None
            )
        return pb.ConfirmWishResponse(wish=wish_message(moved))

    async def WithdrawWish(
        self, request: pb.WithdrawWishRequest, context: grpc.aio.ServicerContext
    ) -> pb.WithdrawWishResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)
        wish = await self._wish(request.wish_id)
        caller.require_scope(str(wish.community_id), wish.community_path[:-1])
        moved = await self._moved(
            caller, request_id, wish, domain.WITHDRAW, reason, close_note=reason, closed_at=datetime.now(UTC)
        )
        return pb.WithdrawWishResponse(wish=wish_message(moved))

    async def ActOnLimit(
        self, request: pb.ActOnLimitRequest, context: grpc.aio.ServicerContext
    ) -> pb.ActOnLimitResponse:
        caller = current_caller()
        caller.require_role(Role.SERVICE)
        request_id = validate.request_id(request.request_id)
        action = validate.enum("action", request.action, pb.LimitAction)
        if request.version <= 0:
            raise InvalidArgument("must be the version of the wish that was read", "version")
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        wish = await self._wish(request.wish_id)
        try:
            if action == pb.LIMIT_ACTION_REOPEN_CLAIM:
                moved, _ = await self._move(
                    caller,
                    request_id,
                    wish,
                    domain.REOPEN,
                    note,
                    expected_version=request.version,
                    claimant_member_id=None,
                    claimed_at=None,
                    **_NO_GROUP,
                )
            else:
                moved, _ = await self._move(
                    caller,
                    request_id,
                    wish,
                    domain.CLOSE_BY_DEFAULT,
                    note,
                    expected_version=request.version,
                    close_note=note,
                    closed_at=datetime.now(UTC),
                )
        except (FailedPrecondition, Aborted):
            # The wish moved on since the workflow read it: the limit no longer applies.
            current = await self._wish(request.wish_id)
            return pb.ActOnLimitResponse(applied=False, wish=wish_message(current))
        return pb.ActOnLimitResponse(applied=True, wish=wish_message(moved))

    async def ListWishes(
        self, request: pb.ListWishesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListWishesResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM, Role.SERVICE)
        validate.entity_id("org_unit_id", request.org_unit_id)
        state = validate.enum("state", request.state, pb.WishState, required=False)
        category = validate.enum("category", request.category, pb.WishCategory, required=False)
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        unit = await self.org.unit(request.org_unit_id.strip(), "org_unit_id")
        caller.require_scope(unit.id, unit.ancestor_ids)
        where = WishFilter(
            org_unit_id=unit.id,
            state=domain.STATES[state] if state else None,
            category=domain.CATEGORIES[category] if category else None,
            overdue_only=request.overdue_only,
        )
        wishes, token = await self._page(where, request.page_token, page_size)
        return pb.ListWishesResponse(wishes=wishes, next_page_token=token)

    async def ListWishWall(
        self, request: pb.ListWishWallRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListWishWallResponse:
        # The wall is public: any authenticated caller may read it; personal data is masked as everywhere.
        validate.entity_id("community_id", request.community_id)
        category = validate.enum("category", request.category, pb.WishCategory, required=False)
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        community = await self.org.unit(request.community_id.strip(), "community_id")
        if community.kind != registry_pb2.ORG_UNIT_KIND_COMMUNITY:
            raise InvalidArgument(f"org unit {community.id} is not a community", "community_id")
        where = WishFilter(
            org_unit_id=community.id, category=domain.CATEGORIES[category] if category else None, wall_only=True
        )
        wishes, token = await self._page(where, request.page_token, page_size)
        return pb.ListWishWallResponse(wishes=wishes, next_page_token=token)

    async def _page(self, where: WishFilter, page_token: str, page_size: int) -> tuple[list[pb.Wish], str]:
        query = {"list": where.__dict__}
        last_key = decode_page_token(page_token, query)
        before = last_key[0] if last_key and isinstance(last_key[0], int) else None
        found = await self.store.list_wishes(where, before, page_size + 1)
        token = encode_page_token(query, [found[page_size - 1].id]) if len(found) > page_size else ""
        now = datetime.now(UTC)
        return [wish_message(w, now) for w in found[:page_size]], token

    async def GetWishStats(
        self, request: pb.GetWishStatsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWishStatsResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM, Role.SERVICE)
        validate.entity_id("org_unit_id", request.org_unit_id)
        end = _optional_time("end_time", request.end_time) or datetime.now(UTC)
        start = _optional_time("start_time", request.start_time) or end - timedelta(days=7)
        if start >= end:
            raise InvalidArgument("must lie after start_time", "end_time")
        unit = await self.org.unit(request.org_unit_id.strip(), "org_unit_id")
        caller.require_scope(unit.id, unit.ancestor_ids)
        stats = await self.store.stats(unit.id, start, end)
        return pb.GetWishStatsResponse(
            by_state=[
                pb.WishStateCount(state=domain.STATE_NUMBERS[state], count=n)
                for state, n in sorted(stats.by_state.items(), key=lambda item: domain.STATE_NUMBERS[item[0]])
            ],
            submitted=stats.submitted,
            closed=stats.closed,
            overdue=stats.overdue,
            average_hours_to_claim=stats.average_hours_to_claim,
            average_hours_to_close=stats.average_hours_to_close,
            ended_by_state=[
                pb.WishStateCount(state=domain.STATE_NUMBERS[state], count=n)
                for state, n in sorted(stats.ended_by_state.items(), key=lambda item: domain.STATE_NUMBERS[item[0]])
            ],
        )

    async def _member(self, member_id: int, field: str = "member_id") -> registry_pb2.Member:
        """The member as the registry has it; answers are reused for a few seconds, because in a claim storm the
        same members claim many wishes at once and a registration changes rarely."""
        cached = self._members.get(member_id)
        if cached is not None:
            return cached
        try:
            response = await self.registry.GetMember(registry_pb2.GetMemberRequest(member_id=str(member_id)))
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"no member {member_id}", field) from exc
            raise
        self._members.put(member_id, response.member)
        return response.member

    async def _require_registered_in(self, member_id: int, wish: Wish, field: str = "member_id") -> None:
        member = await self._member(member_id, field)
        if member.status != registry_pb2.MEMBER_STATUS_ACTIVE:
            raise FailedPrecondition(f"member {member_id} is not an active member", field)
        if member.community_id != str(wish.community_id) and not await self._paired(member.workplace_org, wish):
            raise FailedPrecondition(
                f"member {member_id} is registered in community {member.community_id}, not in the wish's community "
                f"{wish.community_id}, and their workplace organisation is not paired with it",
                field,
            )

    async def _paired(self, workplace_org: str, wish: Wish) -> bool:
        """True when the workplace organisation is paired with the wish's community today (结对共建)."""
        today = datetime.now(self.local_zone).date().isoformat()
        token = ""
        for _ in range(20):  # 20 pages of 500: far more pairings than one community has
            response = await self.registry.ListPairings(
                registry_pb2.ListPairingsRequest(
                    org_unit_id=str(wish.community_id), active_on=today, page_size=500, page_token=token
                ),
            )
            if any(
                p.community_id == str(wish.community_id) and p.workplace_org == workplace_org for p in response.pairings
            ):
                return True
            token = response.next_page_token
            if not token:
                return False
        return False

    async def GetWishHistory(
        self, request: pb.GetWishHistoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetWishHistoryResponse:
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        wish = await self._wish(request.wish_id)
        self._require_may_read(current_caller(), wish)
        query = {"wish": wish.id}
        last_key = decode_page_token(request.page_token, query)
        after = last_key[0] if last_key and isinstance(last_key[0], int) else None
        events = await self.store.history(wish.id, after, page_size + 1)
        token = encode_page_token(query, [events[page_size - 1].id]) if len(events) > page_size else ""
        return pb.GetWishHistoryResponse(events=[event_message(e) for e in events[:page_size]], next_page_token=token)

    async def RecordReminder(
        self, request: pb.RecordReminderRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordReminderResponse:
        caller = current_caller()
        caller.require_role(Role.SERVICE)
        request_id = validate.request_id(request.request_id)
        kind_number = validate.enum("kind", request.kind, pb.WishEventKind)
        if kind_number == pb.WISH_EVENT_KIND_TRANSITION:
            raise InvalidArgument("must be a reminder or an escalation", "kind")
        state = domain.STATES[validate.enum("state", request.state, pb.WishState)]
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        recipients = [validate.text(f"recipients[{i}]", r, max_length=100) for i, r in enumerate(request.recipients)]
        if len(recipients) > 100:
            raise InvalidArgument("at most 100 recipients", "recipients")
        # A metric label: only the org tree's level names, so the series stay few.
        if request.level and request.level not in _ORG_LEVELS:
            raise InvalidArgument(f"must be one of {', '.join(sorted(_ORG_LEVELS))}", "level")
        wish = await self._wish(request.wish_id)
        kind = domain.EVENT_KINDS[kind_number]
        recorded = await self.store.record_reminder(caller, request_id, wish.id, kind, state, note, recipients)
        if recorded:
            REMINDERS.labels(kind, state).inc()
            if kind == "escalation":
                ESCALATIONS.labels(state, wish.category or "", request.level or "parent").inc()
            else:
                SLA_BREACHES.labels(state, wish.category or "").inc()
        return pb.RecordReminderResponse(recorded=recorded)

    # ---- closing outcomes, assignment, group claims, export, bulk operations ----------------------------------

    async def _closing(self, outcome: int, reason: str, duplicate_of: str, referred_to: str) -> _Closing:
        """A closing outcome and its fields, checked; the same for one wish and for many."""
        outcome = validate.enum("outcome", outcome, pb.WishOutcome)
        reason = validate.text("reason", reason, max_length=domain.MAX_REASON)
        original = None
        if outcome == pb.WISH_OUTCOME_DUPLICATE:
            original = await self._wish(duplicate_of, "duplicate_of")
        elif duplicate_of.strip():
            raise InvalidArgument("is only for WISH_OUTCOME_DUPLICATE", "duplicate_of")
        referred = ""
        if outcome == pb.WISH_OUTCOME_REFERRED:
            referred = validate.text("referred_to", referred_to, max_length=domain.MAX_REFERRED_TO)
        elif referred_to.strip():
            raise InvalidArgument("is only for WISH_OUTCOME_REFERRED", "referred_to")
        return _Closing(domain.OUTCOMES[outcome], reason, original, referred)

    async def _close(self, caller: Caller, request_id: str, wish: Wish, closing: _Closing) -> Wish:
        self._require_staff_in_scope(caller, wish)
        changes: dict[str, object] = {"close_note": closing.reason, "closed_at": datetime.now(UTC)}
        note = closing.reason
        if closing.duplicate_of is not None:
            original = closing.duplicate_of
            if original.id == wish.id:
                raise InvalidArgument("a wish cannot duplicate itself", "duplicate_of")
            if original.community_id != wish.community_id:
                raise InvalidArgument(
                    f"wish {original.id} is in community {original.community_id}, not in wish {wish.id}'s "
                    f"community {wish.community_id}",
                    "duplicate_of",
                )
            changes["duplicate_of"] = original.id
            note = f"duplicate of wish {original.id}: {closing.reason}"
        elif closing.referred_to:
            changes["referred_to"] = closing.referred_to
            note = f"referred to {closing.referred_to}: {closing.reason}"
        elif closing.move is domain.CLOSE_NOT_FEASIBLE:
            note = f"not feasible: {closing.reason}"
        return await self._moved(caller, request_id, wish, closing.move, note, **changes)

    async def CloseWish(self, request: pb.CloseWishRequest, context: grpc.aio.ServicerContext) -> pb.CloseWishResponse:
        caller = current_caller()
        caller.require_role(*_STAFF)
        request_id = validate.request_id(request.request_id)
        closing = await self._closing(request.outcome, request.reason, request.duplicate_of, request.referred_to)
        wish = await self._wish(request.wish_id)
        return pb.CloseWishResponse(wish=wish_message(await self._close(caller, request_id, wish, closing)))

    async def _assign(self, caller: Caller, request_id: str, wish: Wish, member_id: int, reason: str) -> Wish:
        """Gives the wish to the member: a published one, or a claimed one to a new claimant (reassignment)."""
        self._require_staff_in_scope(caller, wish)
        if await self.store.moved_by(wish.id, request_id):
            return await self._wish(str(wish.id))  # a retry: this request assigned it already
        if wish.state not in domain.ASSIGN.from_states:
            raise FailedPrecondition(f"wish {wish.id} is {wish.state}; to assign it, it must be published or claimed")
        if wish.claimant_member_id == member_id and not wish.participant_member_ids:
            raise FailedPrecondition(f"wish {wish.id} is claimed by member {member_id} already", "member_id")
        await self._require_registered_in(member_id, wish)
        note = f"assigned to member {member_id}"
        if wish.state == "claimed":
            note += f" instead of member {wish.claimant_member_id}"
        # At the version read: a claim, a fulfilment or another assignment in between makes this one ABORTED
        # instead of overwriting it.
        moved, _ = await self._move(
            caller,
            request_id,
            wish,
            domain.ASSIGN,
            note + (f": {reason}" if reason else ""),
            cap=ClaimCap((member_id,), self.max_open_claims),
            expected_version=wish.version,
            claimant_member_id=member_id,
            claimed_at=datetime.now(UTC),
            claim_extended=False,
            **_NO_GROUP,
        )
        return moved

    async def AssignWish(
        self, request: pb.AssignWishRequest, context: grpc.aio.ServicerContext
    ) -> pb.AssignWishResponse:
        caller = current_caller()
        caller.require_role(*_STAFF)
        request_id = validate.request_id(request.request_id)
        member_id = validate.entity_id("member_id", request.member_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON, required=False)
        wish = await self._wish(request.wish_id)
        return pb.AssignWishResponse(wish=wish_message(await self._assign(caller, request_id, wish, member_id, reason)))

    async def ClaimWishAsGroup(
        self, request: pb.ClaimWishAsGroupRequest, context: grpc.aio.ServicerContext
    ) -> pb.ClaimWishAsGroupResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        group = request.WhichOneof("group")
        if group is None:
            raise InvalidArgument("is required: team_id or workplace_org", "group")
        team_id = validate.entity_id("team_id", request.team_id) if group == "team_id" else None
        workplace_org = (
            validate.text("workplace_org", request.workplace_org, max_length=200) if group == "workplace_org" else ""
        )
        if not 2 <= len(request.member_ids) <= domain.MAX_GROUP:
            raise InvalidArgument(f"must name 2 to {domain.MAX_GROUP} members", "member_ids")
        member_ids = [validate.entity_id(f"member_ids[{i}]", m) for i, m in enumerate(request.member_ids)]
        if len(set(member_ids)) != len(member_ids):
            raise InvalidArgument("names a member more than once", "member_ids")
        wish = await self._wish(request.wish_id)
        if caller.role == Role.MEMBER:
            if caller.subject not in {str(m) for m in member_ids}:
                raise PermissionDenied("a member may claim only for a group they take part in", "member_ids")
        else:
            self._require_staff_in_scope(caller, wish)
        if await self.store.moved_by(wish.id, request_id):
            return pb.ClaimWishAsGroupResponse(wish=wish_message(await self._wish(request.wish_id)))
        if wish.state != "published":
            raise FailedPrecondition(f"wish {wish.id} is {wish.state}; to claim it, it must be published")
        fields = [f"member_ids[{i}]" for i in range(len(member_ids))]
        members = [await self._member(m, field) for m, field in zip(member_ids, fields, strict=True)]
        if team_id is not None:
            on_team = await self._team_member_ids(team_id)
            for member, field in zip(members, fields, strict=True):
                if int(member.id) not in on_team:
                    raise FailedPrecondition(f"member {member.id} is not on team {team_id}", field)
            group_note = f"team {team_id}"
        else:
            if not await self._paired(workplace_org, wish):
                raise FailedPrecondition(
                    f"{workplace_org} is not paired with community {wish.community_id} today", "workplace_org"
                )
            for member, field in zip(members, fields, strict=True):
                if member.workplace_org != workplace_org:
                    raise FailedPrecondition(f"member {member.id} does not belong to {workplace_org}", field)
            group_note = f"paired unit {workplace_org}"
        for member_id, field in zip(member_ids, fields, strict=True):
            await self._require_registered_in(member_id, wish, field)
        moved, _ = await self._move(
            caller,
            request_id,
            wish,
            domain.CLAIM,
            f"claimed by {group_note}: members {', '.join(map(str, member_ids))}",
            cap=ClaimCap(tuple(member_ids), self.max_open_claims),  # every participant's open claims
            claimant_member_id=member_ids[0],
            claimed_at=datetime.now(UTC),
            claim_extended=False,
            participant_member_ids=member_ids,
            group_team_id=team_id,
            group_workplace_org=workplace_org or None,
        )
        return pb.ClaimWishAsGroupResponse(wish=wish_message(moved))

    async def _team_member_ids(self, team_id: int) -> set[int]:
        """The registered members on a volunteer team (resident volunteers have no member id)."""
        found: set[int] = set()
        token = ""
        for _ in range(20):  # 20 pages of 500: far more than one team has
            try:
                response = await self.registry.ListTeamMembers(
                    registry_pb2.ListTeamMembersRequest(team_id=str(team_id), page_size=500, page_token=token),
                )
            except grpc.aio.AioRpcError as exc:
                if exc.code() == grpc.StatusCode.NOT_FOUND:
                    raise NotFound(f"no team {team_id}", "team_id") from exc
                raise
            found.update(int(p.member_id) for p in response.team_members if p.member_id)
            token = response.next_page_token
            if not token:
                break
        return found

    async def ExportWishes(
        self, request: pb.ExportWishesRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ExportWishesResponse]:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM, Role.SERVICE)
        validate.entity_id("org_unit_id", request.org_unit_id)
        state = validate.enum("state", request.state, pb.WishState, required=False)
        start = _optional_time("start_time", request.start_time)
        end = _optional_time("end_time", request.end_time)
        if start and end and start >= end:
            raise InvalidArgument("must lie after start_time", "end_time")
        unit = await self.org.unit(request.org_unit_id.strip(), "org_unit_id")
        caller.require_scope(unit.id, unit.ancestor_ids)
        after_id, sent, header = 0, 0, True
        now = datetime.now(UTC)
        while True:
            wishes = await self.store.export_page(
                unit.id, domain.STATES[state] if state else None, start, end, after_id, _EXPORT_BATCH
            )
            if not wishes:
                break
            yield pb.ExportWishesResponse(csv=_csv_rows(wishes, now, header), rows=len(wishes))
            header = False
            sent += len(wishes)
            after_id = wishes[-1].id
        if header:  # nothing matched: the header alone
            yield pb.ExportWishesResponse(csv=_csv_rows([], now, True), rows=0)
        await self.store.audit(caller, "export_wishes", "org_unit", unit.id, wishes=sent)

    def _bulk_ids(self, raw_ids: Sequence[str]) -> list[int]:
        if not 1 <= len(raw_ids) <= domain.MAX_BULK:
            raise InvalidArgument(f"must name 1 to {domain.MAX_BULK} wishes", "wish_ids")
        ids = [validate.entity_id(f"wish_ids[{i}]", raw) for i, raw in enumerate(raw_ids)]
        if len(set(ids)) != len(ids):
            raise InvalidArgument("names a wish more than once", "wish_ids")
        return ids

    async def _bulk(
        self, caller: Caller, action: str, ids: list[int], one: Callable[[Wish], Awaitable[Wish]], **detail: object
    ) -> list[pb.BulkResult]:
        """Applies `one` to each wish in turn, each its own transaction, and reports each; then audits the whole."""
        results = []
        for index, wish_id in enumerate(ids):
            wish = await self.store.wish(wish_id)
            try:
                if wish is None:
                    raise NotFound(f"no wish {wish_id}", f"wish_ids[{index}]")
                moved = await one(wish)
                results.append(pb.BulkResult(wish_id=str(wish_id), code="OK", wish=wish_message(moved)))
            except ServiceError as exc:
                result = pb.BulkResult(wish_id=str(wish_id), code=exc.code.name, message=exc.details)
                if wish is not None and not isinstance(exc, PermissionDenied):
                    result.wish.CopyFrom(wish_message(await self.store.wish(wish_id) or wish))
                results.append(result)
        await self.store.audit(
            caller,
            action,
            "wishes",
            ",".join(map(str, ids))[:1000],
            results={r.wish_id: r.code for r in results},
            **detail,
        )
        return results

    async def BulkCloseWishes(
        self, request: pb.BulkCloseWishesRequest, context: grpc.aio.ServicerContext
    ) -> pb.BulkCloseWishesResponse:
        caller = current_caller()
        caller.require_role(*_STAFF)
        request_id = validate.request_id(request.request_id)
        ids = self._bulk_ids(request.wish_ids)
        closing = await self._closing(request.outcome, request.reason, request.duplicate_of, request.referred_to)
        results = await self._bulk(
            caller,
            "bulk_close_wishes",
            ids,
            lambda wish: self._close(caller, request_id, wish, closing),
            request_id=request_id,
            outcome=closing.move.to_state,
        )
        return pb.BulkCloseWishesResponse(results=results)

    async def BulkAssignWishes(
        self, request: pb.BulkAssignWishesRequest, context: grpc.aio.ServicerContext
    ) -> pb.BulkAssignWishesResponse:
        caller = current_caller()
        caller.require_role(*_STAFF)
        request_id = validate.request_id(request.request_id)
        ids = self._bulk_ids(request.wish_ids)
        member_id = validate.entity_id("member_id", request.member_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON, required=False)
        await self._member(member_id)  # an unknown member fails the whole request, not each wish
        results = await self._bulk(
            caller,
            "bulk_assign_wishes",
            ids,
            lambda wish: self._assign(caller, request_id, wish, member_id, reason),
            request_id=request_id,
            member_id=member_id,
        )
        return pb.BulkAssignWishesResponse(results=results)


def _optional_time(field: str, value: Timestamp) -> datetime | None:
    if value.seconds == 0 and value.nanos == 0:
        return None
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument("is not a valid time", field) from exc


@dataclass(frozen=True)
class _Closing:
    """How CloseWish (or BulkCloseWishes) ends a wish, checked once."""

    move: Transition
    reason: str
    duplicate_of: Wish | None
    referred_to: str


def _hours_between(start: datetime | None, end: datetime | None) -> str:
    return f"{(end - start).total_seconds() / 3600:.2f}" if start and end else ""


def _csv_rows(wishes: list[Wish], now: datetime, header: bool) -> str:
    """CSV rows of wishes, personal data masked as everywhere; times in UTC, ISO 8601."""

    def when(moment: datetime | None) -> str:
        return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(_EXPORT_COLUMNS)
    for w in wishes:
        writer.writerow(
            [
                w.id,
                w.community_id,
                w.state,
                w.category or "",
                w.source,
                w.text,
                w.resident_name_masked,
                w.resident_contact_masked,
                when(w.submitted_at),
                when(w.published_at),
                when(w.deadline),
                when(w.claimed_at),
                w.claimant_member_id or "",
                ";".join(map(str, w.participant_member_ids)),
                w.group_team_id or "",
                w.group_workplace_org or "",
                when(w.fulfilled_at),
                f"{w.hours:g}" if w.hours is not None else "",
                w.rating or "",
                when(w.closed_at),
                w.close_note or "",
                w.duplicate_of or "",
                w.referred_to or "",
                _hours_between(w.published_at, w.claimed_at),
                _hours_between(w.submitted_at, w.closed_at) if w.state == "closed" else "",
                "yes" if w.overdue(now) else "",
            ]
        )
    return out.getvalue()
