"""WishService over gRPC: checks the request and the caller against its objects, commits, then wakes the relay.

Its parts, by sub-domain: collection, review, lists and the lifecycle's calls here; claims (services/wishes/claims.py),
close-out (close_out.py), exports (exports.py) and the residents' personal data (personal_data.py). Who may call each
method is the authorisation table's (services/wishes/access.py), decided before a handler runs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from linli.registry.v1 import registry_pb2
from linli.wishes.v1 import wishes_pb2 as pb
from linli.wishes.v1 import wishes_pb2_grpc

from services.runtime import access, validate
from services.runtime.auth import Role, current_caller
from services.runtime.convert import to_timestamp
from services.runtime.enums import names_of
from services.runtime.errors import Aborted, FailedPrecondition, InvalidArgument, PermissionDenied
from services.runtime.org_directory import OrgUnitInfo
from services.runtime.paging import decode_page_token, encode_page_token
from services.runtime.pii import mask_name, mask_phone
from services.wishes import domain
from services.wishes.claims import Claims
from services.wishes.close_out import CloseOut
from services.wishes.domain import Approval, Closing, Publication, Rejection, Unclaimed, Wish
from services.wishes.exports import Exports
from services.wishes.handling import takes_part
from services.wishes.messages import event_message, wish_message
from services.wishes.metrics import DUPLICATES_SCORED, ESCALATIONS, REMINDERS, SLA_BREACHES, TRANSITIONS
from services.wishes.personal_data import PersonalData
from services.wishes.store import NewWish
from services.wishes.store_lists import WishFilter

_ORG_LEVELS = frozenset(names_of(registry_pb2.OrgUnitKind).names.values())


_BELOW_COMMUNITIES = frozenset({registry_pb2.ORG_UNIT_KIND_GRID, registry_pb2.ORG_UNIT_KIND_BUILDING})


def _queue_key(last_key: list[Any] | None) -> tuple[datetime, int] | None:
    """The office queue's keyset position from a page token's last key (signed by us: its shape is ours)."""
    if not last_key or len(last_key) != 2 or not isinstance(last_key[1], int):
        return None
    return datetime.fromisoformat(str(last_key[0])), last_key[1]


class WishServicer(Claims, CloseOut, Exports, PersonalData, wishes_pb2_grpc.WishServiceServicer):
    async def SubmitWish(
        self, request: pb.SubmitWishRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.SubmitWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        validate.entity_id("community_id", request.community_id)
        text = validate.text("text", request.text, max_length=domain.MAX_TEXT)
        source = domain.SOURCES[validate.enum("source", request.source, pb.WishSource)]
        resident_name = validate.text("resident_name", request.resident_name, max_length=domain.MAX_RESIDENT_NAME)
        contact = domain.normalise_contact(
            "resident_contact",
            validate.text("resident_contact", request.resident_contact, max_length=40, required=False),
        )
        community = await self.org.unit(request.community_id.strip(), "community_id")
        if community.kind != registry_pb2.ORG_UNIT_KIND_COMMUNITY:
            raise InvalidArgument(f"org unit {community.id} is not a community", "community_id")
        access.require_scope(caller, community.id, community.ancestor_ids, "community")

        # A retry is this caller's own (the request id is keyed by who sent it), and its wish is checked against the
        # caller's scope as the tree is now, like a fresh one.
        earlier = await self.store.wish_by_request(caller, request_id)
        if earlier is not None:
            await self._require_in_scope(caller, earlier, "request_id")
            return await self._answer_retry(earlier)

        unit_id = await self._unit_below(community.id, request.unit_id)
        candidates = await self.store.duplicate_candidates(
            int(community.id), domain.shortest_possible_duplicate(text), domain.DUPLICATE_CANDIDATES
        )
        check = domain.possible_duplicates(text, candidates)
        DUPLICATES_SCORED.observe(check.scored)
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
            possible_duplicates=tuple((other.id, round(score, 3)) for score, other in check.suggestions),
        )
        wish, created = await self.store.submit(caller, request_id, new)
        if not created:  # a concurrent retry of this request committed first
            return await self._answer_retry(wish)
        TRANSITIONS.labels(wish.state, "").inc()
        self.relay.wake()
        return pb.SubmitWishResponse(
            wish=wish_message(wish),
            possible_duplicates=[_possible_duplicate(other, score) for score, other in check.suggestions],
        )

    async def _answer_retry(self, wish: Wish) -> pb.SubmitWishResponse:
        """The first answer again: the duplicates found then, as they are now, without scoring anything again."""
        suggested = await self.store.submitted_duplicates(wish.id)
        found = await self.store.wishes([other for other, _ in suggested])
        return pb.SubmitWishResponse(
            wish=wish_message(wish),
            possible_duplicates=[
                _possible_duplicate(found[other], score) for other, score in suggested if other in found
            ],
        )

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

    async def GetWish(
        self, request: pb.GetWishRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetWishResponse:
        wish = await self._wish(request.wish_id)
        await self._require_may_read(current_caller(), wish)
        return pb.GetWishResponse(wish=wish_message(wish))

    async def ReviewWish(
        self, request: pb.ReviewWishRequest, context: grpc.aio.ServicerContext[Any, Any]
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
            # Without a deadline the category's standard time limit (服务时限) applies, counted from the approval.
            deadline = (
                validate.future_time("approve.deadline", request.approve.deadline)
                if request.approve.HasField("deadline")
                else datetime.now(UTC) + self.limits.deadlines[category]
            )
        else:
            reason = validate.text("reject.reason", request.reject.reason, max_length=domain.MAX_REASON)
        wish = await self._wish(request.wish_id)
        await self._require_in_scope(caller, wish)
        if decision == "approve":
            moved = await self._moved(
                caller,
                request_id,
                wish,
                domain.APPROVE,
                change=Approval(category, standard, deadline),
            )
        else:
            moved = await self._moved(
                caller,
                request_id,
                wish,
                domain.REJECT,
                reason,
                Rejection(reason),
            )
        return pb.ReviewWishResponse(wish=wish_message(moved))

    async def PublishWish(
        self, request: pb.PublishWishRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.PublishWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        wish = await self._wish(request.wish_id)
        await self._require_in_scope(caller, wish)
        moved = await self._moved(caller, request_id, wish, domain.PUBLISH, change=Publication())
        return pb.PublishWishResponse(wish=wish_message(moved))

    async def ListWishes(
        self, request: pb.ListWishesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListWishesResponse:
        caller = current_caller()
        validate.entity_id("org_unit_id", request.org_unit_id)
        state = validate.enum("state", request.state, pb.WishState, required=False)
        category = validate.enum("category", request.category, pb.WishCategory, required=False)
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        unit = await self.org.require_in_scope(caller, request.org_unit_id.strip(), "org_unit_id")
        where = WishFilter(
            org_unit_id=unit.id,
            state=domain.STATES[state] if state else None,
            category=domain.CATEGORIES[category] if category else None,
            overdue_only=request.overdue_only,
        )
        wishes, token = await self._page(where, request.page_token, page_size)
        return pb.ListWishesResponse(wishes=wishes, next_page_token=token)

    async def ListOfficeQueue(
        self, request: pb.ListOfficeQueueRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListOfficeQueueResponse:
        caller = current_caller()
        validate.entity_id("org_unit_id", request.org_unit_id)
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        unit = await self.org.require_in_scope(caller, request.org_unit_id.strip(), "org_unit_id")
        query = {"office_queue": unit.id}
        last_key = decode_page_token(request.page_token, query)
        after = _queue_key(last_key)
        communities = await self.org.communities_under(unit.id, "org_unit_id")
        located_in: int | None = None
        if not communities and unit.kind in _BELOW_COMMUNITIES:
            # A grid or building: the wishes located in it, in the community above it.
            communities = (await self._community_above(unit),)
            located_in = int(unit.id)
        found = await self.store.office_queue(unit.id, communities, after, page_size + 1, located_in)
        token = ""
        if len(found) > page_size:
            last = found[page_size - 1]
            token = encode_page_token(query, [last.waiting_since.isoformat(), last.wish.id])
        now = datetime.now(UTC)
        items = [
            pb.OfficeQueueItem(
                wish=wish_message(e.wish, now),
                reason=f"QUEUE_REASON_{e.reason.upper()}",  # an enum field takes its label
                waiting_since=to_timestamp(e.waiting_since),
            )
            for e in found[:page_size]
        ]
        return pb.ListOfficeQueueResponse(items=items, next_page_token=token)

    async def _community_above(self, unit: OrgUnitInfo) -> int:
        for ancestor_id in reversed(unit.ancestor_ids):
            ancestor = await self.org.unit(ancestor_id, "org_unit_id")
            if ancestor.kind == registry_pb2.ORG_UNIT_KIND_COMMUNITY:
                return int(ancestor.id)
        raise InvalidArgument("lies under no community", "org_unit_id")

    async def ListWishWall(
        self, request: pb.ListWishWallRequest, context: grpc.aio.ServicerContext[Any, Any]
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
        """One page of the wishes of the communities under where.org_unit_id as the tree is now (a page token is
        bound to the unit and filters, so a move between pages does not void it)."""
        query = {"list": where.__dict__}
        last_key = decode_page_token(page_token, query)
        before = last_key[0] if last_key and isinstance(last_key[0], int) else None
        communities = await self.org.communities_under(where.org_unit_id, "org_unit_id")
        found = await self.store.list_wishes(communities, where, before, page_size + 1)
        token = encode_page_token(query, [found[page_size - 1].id]) if len(found) > page_size else ""
        now = datetime.now(UTC)
        return [wish_message(w, now) for w in found[:page_size]], token

    async def GetWishStats(
        self, request: pb.GetWishStatsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetWishStatsResponse:
        caller = current_caller()
        validate.entity_id("org_unit_id", request.org_unit_id)
        end = validate.optional_time("end_time", request.end_time) or datetime.now(UTC)
        start = validate.optional_time("start_time", request.start_time) or end - timedelta(days=7)
        if start >= end:
            raise InvalidArgument("must lie after start_time", "end_time")
        as_of = validate.optional_time("as_of_time", request.as_of_time)
        if as_of is not None and as_of >= datetime.now(UTC):
            as_of = None  # the future's states are not known yet: as they are now
        unit = await self.org.require_in_scope(caller, request.org_unit_id.strip(), "org_unit_id")
        stats = await self.store.stats(await self.org.communities_under(unit.id, "org_unit_id"), start, end, as_of)
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

    async def GetWishHistory(
        self, request: pb.GetWishHistoryRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetWishHistoryResponse:
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        wish = await self._wish(request.wish_id)
        if caller.role == Role.MEMBER:
            # Who did what, and why, is not the wall's: a member reads the history of the wishes they take part in.
            access.checked_otherwise()
            if not takes_part(caller, wish):
                raise PermissionDenied("members may read the history only of the wishes they hold or take part in")
        else:
            await self._require_in_scope(caller, wish)
        query = {"wish": wish.id}
        last_key = decode_page_token(request.page_token, query)
        after = last_key[0] if last_key and isinstance(last_key[0], int) else None
        events = await self.store.history(wish.id, after, page_size + 1)
        token = encode_page_token(query, [events[page_size - 1].id]) if len(events) > page_size else ""
        return pb.GetWishHistoryResponse(events=[event_message(e) for e in events[:page_size]], next_page_token=token)

    # ---- the lifecycle's calls (linli's worker only) ------------------------------------------------------------

    async def RecordReminder(
        self, request: pb.RecordReminderRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RecordReminderResponse:
        caller = current_caller()
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
        await self._require_in_scope(caller, wish)
        kind = domain.EVENT_KINDS[kind_number]
        recorded = await self.store.record_reminder(caller, request_id, wish.id, kind, state, note, recipients)
        if recorded:
            REMINDERS.labels(kind, state).inc()
            if kind == "escalation":
                ESCALATIONS.labels(state, wish.category or "", request.level or "parent").inc()
            else:
                SLA_BREACHES.labels(state, wish.category or "").inc()
        return pb.RecordReminderResponse(recorded=recorded)

    async def ActOnLimit(
        self, request: pb.ActOnLimitRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ActOnLimitResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        action = validate.enum("action", request.action, pb.LimitAction)
        if request.version <= 0:
            raise InvalidArgument("must be the version of the wish that was read", "version")
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        wish = await self._wish(request.wish_id)
        await self._require_in_scope(caller, wish)
        try:
            if action == pb.LIMIT_ACTION_REOPEN_CLAIM:
                moved = await self._moved(
                    caller,
                    request_id,
                    wish,
                    domain.REOPEN,
                    note,
                    Unclaimed(),
                    expected_version=request.version,
                )
            else:
                moved = await self._moved(
                    caller,
                    request_id,
                    wish,
                    domain.CLOSE_BY_DEFAULT,
                    note,
                    Closing(note),
                    expected_version=request.version,
                )
        except (FailedPrecondition, Aborted):
            # The wish moved on since the workflow read it: the limit no longer applies.
            current = await self._wish(request.wish_id)
            return pb.ActOnLimitResponse(applied=False, wish=wish_message(current))
        return pb.ActOnLimitResponse(applied=True, wish=wish_message(moved))


def _possible_duplicate(other: Wish, score: float) -> pb.PossibleDuplicate:
    return pb.PossibleDuplicate(
        wish_id=str(other.id), state=domain.STATE_NUMBERS[other.state], text=other.text, similarity=round(score, 3)
    )
