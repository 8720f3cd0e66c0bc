"""Close-out (办理, 办结): fulfilment, the resident's confirmation or dispute, withdrawal, and closing outcomes that say
what happened, one wish at a time or many."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime import validate
from services.runtime.auth import Caller, current_caller
from services.runtime.errors import InvalidArgument, PermissionDenied
from services.wishes import domain
from services.wishes.domain import Closing, Confirmation, Dispute, Fulfilment, Transition, Wish
from services.wishes.handling import WishHandling
from services.wishes.messages import wish_message


@dataclass(frozen=True)
class _Closing:
    """How CloseWish (or BulkCloseWishes) ends a wish, checked once."""

    move: Transition
    reason: str
    duplicate_of: Wish | None
    referred_to: str


class CloseOut(WishHandling):
    async def FulfilWish(
        self, request: pb.FulfilWishRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.FulfilWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        report = validate.text("report", request.report, max_length=domain.MAX_REPORT)
        hours = domain.fulfilment_hours("hours", request.hours)
        wish = await self._wish(request.wish_id)
        await self._require_claimant_or_staff(caller, wish)
        moved = await self._moved(
            caller,
            request_id,
            wish,
            domain.FULFIL,
            f"{hours:g}h: {report}"[: domain.MAX_NOTE],
            Fulfilment(report, hours),
        )
        return pb.FulfilWishResponse(wish=wish_message(moved))

    async def ConfirmWish(
        self, request: pb.ConfirmWishRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ConfirmWishResponse:
        """The resident signs off through staff or a front end; the claimant never signs off their own work (members
        may not call this), and whoever recorded the fulfilment — the same subject, in any role or scope — may not
        confirm it: someone else must."""
        caller = current_caller()
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
        await self._require_in_scope(caller, wish)
        if outcome == "dispute":
            moved = await self._moved(caller, request_id, wish, domain.DISPUTE, f"disputed: {reason}", Dispute())
            return pb.ConfirmWishResponse(wish=wish_message(moved))
        if wish.state in domain.CONFIRM.from_states and await self.store.fulfilled_by(wish.id) == caller.subject:
            raise PermissionDenied(
                f"{caller.subject} recorded the fulfilment of wish {wish.id}, so may not confirm it; someone else "
                "must sign it off"
            )
        # At the version read, so the fulfilment checked above is the one confirmed.
        moved = await self._moved(
            caller,
            request_id,
            wish,
            domain.CONFIRM,
            f"confirmed, rated {rating}" + (f": {comment}" if comment else ""),
            Confirmation(rating, comment),
            expected_version=wish.version,
        )
        return pb.ConfirmWishResponse(wish=wish_message(moved))

    async def WithdrawWish(
        self, request: pb.WithdrawWishRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.WithdrawWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)
        wish = await self._wish(request.wish_id)
        await self._require_in_scope(caller, wish)
        moved = await self._moved(
            caller,
            request_id,
            wish,
            domain.WITHDRAW,
            reason,
            Closing(reason),
        )
        return pb.WithdrawWishResponse(wish=wish_message(moved))

    async def CloseWish(
        self, request: pb.CloseWishRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CloseWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        closing = await self._closing(request.outcome, request.reason, request.duplicate_of, request.referred_to)
        wish = await self._wish(request.wish_id)
        return pb.CloseWishResponse(wish=wish_message(await self._close(caller, request_id, wish, closing)))

    async def BulkCloseWishes(
        self, request: pb.BulkCloseWishesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.BulkCloseWishesResponse:
        caller = current_caller()
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
        await self._require_in_scope(caller, wish)
        change = Closing(closing.reason)
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
            change = Closing(closing.reason, duplicate_of=original.id)
            note = f"duplicate of wish {original.id}: {closing.reason}"
        elif closing.referred_to:
            change = Closing(closing.reason, referred_to=closing.referred_to)
            note = f"referred to {closing.referred_to}: {closing.reason}"
        elif closing.move is domain.CLOSE_NOT_FEASIBLE:
            note = f"not feasible: {closing.reason}"
        return await self._moved(caller, request_id, wish, closing.move, note, change)
