"""ActivityService's notices: recorded by the worker with their recipients, delivered one by one or held for a
recipient's daily digest (每日汇总), and each recipient's preference for it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import grpc
from linli.dispatch.v1 import activities_pb2 as pb

from services.dispatch.activities import domain
from services.dispatch.activities.calls import ActivityCalls
from services.dispatch.activities.domain import Activity, Event
from services.dispatch.activities.messages import (
    activity_message,
    digest_message,
    event_message,
    required_time,
    routes_message,
)
from services.dispatch.activities.metrics import NOTICE_DELIVERIES
from services.dispatch.scope import require_unit_in_scope
from services.runtime import access, validate
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role, current_caller
from services.runtime.errors import InvalidArgument, NotFound, PermissionDenied

# The organising units of a resident's sign-ups looked at, at most: a resident signs up in a few places.
_RESIDENT_UNITS = 50


class NoticeServicer(ActivityCalls):
    async def NotifyParticipants(
        self, request: pb.NotifyParticipantsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.NotifyParticipantsResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        kind = domain.NOTICE_KINDS[validate.enum("kind", request.kind, pb.ActivityNoticeKind)]
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        if len(request.recipients) > domain.MAX_RECIPIENTS:
            raise InvalidArgument(f"at most {domain.MAX_RECIPIENTS} recipients", "recipients")
        recipients = [validate.text(f"recipients[{i}]", r, max_length=100) for i, r in enumerate(request.recipients)]
        activity = await self._activity(request.activity_id)
        notice, recorded = await self.store.notify(
            caller, request_id, activity.id, kind, note, recipients, request.include_signed_up
        )
        return pb.NotifyParticipantsResponse(notice=event_message(notice), recorded=recorded)

    async def _notice(
        self, request: pb.GetNoticeDeliveryRequest | pb.RecordNoticeDeliveryRequest
    ) -> tuple[Activity, Event]:
        activity = await self._activity(request.activity_id)
        if request.sequence <= 0:
            raise InvalidArgument("is required", "sequence")
        notice = await self.store.notice(activity.id, request.sequence)
        if notice is None:
            raise NotFound(f"activity {activity.id} has no notice {request.sequence}", "sequence")
        return activity, notice

    async def GetNoticeDelivery(
        self, request: pb.GetNoticeDeliveryRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetNoticeDeliveryResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        activity, notice = await self._notice(request)
        pending = await self.store.pending_deliveries(notice.id, page_size)
        return pb.GetNoticeDeliveryResponse(
            notice=event_message(notice),
            activity=activity_message(activity),
            pending=[pb.NoticeRecipient(delivery_id=p.delivery_id, recipient=p.recipient) for p in pending],
        )

    async def RecordNoticeDelivery(
        self, request: pb.RecordNoticeDeliveryRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RecordNoticeDeliveryResponse:
        failed = [
            (f.delivery_id, validate.text(f"failed[{i}].reason", f.reason, max_length=domain.MAX_REASON))
            for i, f in enumerate(request.failed)
        ]
        _, notice = await self._notice(request)
        delivered, refused, pending, notice = await self.store.record_deliveries(
            notice.id, list(request.delivered), failed
        )
        NOTICE_DELIVERIES.labels(notice.notice_kind, "delivered").inc(delivered)
        # Given up: the worker's retries ran out with the gateway unreachable; refused: the gateway said no.
        NOTICE_DELIVERIES.labels(notice.notice_kind, "given_up" if request.given_up else "refused").inc(refused)
        return pb.RecordNoticeDeliveryResponse(pending=pending, notice=event_message(notice))

    async def SetNoticePreference(
        self, request: pb.SetNoticePreferenceRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.SetNoticePreferenceResponse:
        caller = current_caller()
        validate.request_id(request.request_id)  # setting a preference twice is the same: the retry is safe
        recipient = domain.check_recipient(request.recipient)
        if recipient is None:
            raise InvalidArgument("must be member:<id>, resident:<ref> or org:<id>", "recipient")
        await self._require_recipient_in_scope(caller, recipient)
        await self.store.set_notice_preference(caller, recipient, request.daily_digest)
        if request.daily_digest:
            await self.relay.ensure_digest_schedule()
        return pb.SetNoticePreferenceResponse(recipient=recipient, daily_digest=request.daily_digest)

    async def _require_recipient_in_scope(self, caller: Caller, recipient: str) -> None:
        """A preference belongs to its recipient: a member sets only their own; others, a recipient in their scope —
        a member by the community they are registered in now, an org unit by itself, a resident (known only by the
        sign-ups front ends made for them) by an activity they signed up to."""
        kind, _, ref = recipient.partition(":")
        if caller.role == Role.MEMBER:
            access.require_self(caller, ref if kind == "member" else "", "recipient", "set only their own preference")
        elif kind == "member":
            member = await self._member(int(ref), "recipient")
            await require_unit_in_scope(self.org, caller, member.community_id, "recipient")
        elif kind == "org":
            await require_unit_in_scope(self.org, caller, ref, "recipient")
        elif caller.scope == WHOLE_DEPLOYMENT:
            access.checked_otherwise()  # every resident's activities lie in a deployment-wide scope
        else:
            for unit_id in await self.store.resident_organisers(ref, _RESIDENT_UNITS):
                unit = await self.org.unit(str(unit_id), "recipient")
                if access.covers(caller, unit.id, unit.ancestor_ids):
                    return
            raise PermissionDenied(f"resident {ref} has signed up to no activity in the caller's scope", "recipient")

    async def GetNoticeDigests(
        self, request: pb.GetNoticeDigestsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetNoticeDigestsResponse:
        before = required_time("before", request.before)
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        held = await self.store.held_for_digest(before, page_size)
        return pb.GetNoticeDigestsResponse(digests=[digest_message(r, digest) for r, digest in held.items()])

    async def RecordDigestDelivery(
        self, request: pb.RecordDigestDeliveryRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RecordDigestDeliveryResponse:
        failed = [
            (f.delivery_id, validate.text(f"failed[{i}].reason", f.reason, max_length=domain.MAX_REASON))
            for i, f in enumerate(request.failed)
        ]
        held_failed = [
            (f.delivery_id, validate.text(f"held_failed[{i}].reason", f.reason, max_length=domain.MAX_REASON))
            for i, f in enumerate(request.held_failed)
        ]
        await self.store.record_digest(list(request.delivered), failed, list(request.held_delivered), held_failed)
        return pb.RecordDigestDeliveryResponse()

    async def RouteNotice(
        self, request: pb.RouteNoticeRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RouteNoticeResponse:
        caller = current_caller()
        key = caller.retry_key(validate.request_id(request.request_id))
        purpose = validate.text("purpose", request.purpose, max_length=64)
        text = validate.text("text", request.text, max_length=domain.MAX_NOTE)
        if not 0 < len(request.recipients) <= domain.MAX_ROUTED_RECIPIENTS:
            raise InvalidArgument(f"1 to {domain.MAX_ROUTED_RECIPIENTS} recipients", "recipients")
        recipients = []
        for i, raw in enumerate(request.recipients):
            recipient = domain.check_recipient(raw)
            if recipient is None:
                raise InvalidArgument("must be member:<id>, resident:<ref> or org:<id>", f"recipients[{i}]")
            recipients.append(recipient)
        if request.daily_cap < 0:
            raise InvalidArgument("must be 0 (no cap) or more", "daily_cap")
        day = datetime.now(ZoneInfo(self.relay.timezone)).date()
        routes = await self.store.route_notice(
            key,
            purpose,
            text,
            list(dict.fromkeys(recipients)),
            may_hold=request.may_hold,
            daily_cap=request.daily_cap,
            day=day,
        )
        return routes_message(routes)
