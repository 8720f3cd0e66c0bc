"""ActivityService over gRPC: checks the request, the caller's role and scope, commits, then wakes the relay."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import activities_pb2 as pb
from linli.dispatch.v1 import activities_pb2_grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc

from services.dispatch import activities_domain as domain
from services.dispatch.activities_domain import Activity, Event, SignUp
from services.dispatch.activities_metrics import CHECK_INS, CHECK_OUTS, NOTICE_DELIVERIES, SIGN_UPS, TRANSITIONS
from services.dispatch.activities_outbox import ActivityRelay
from services.dispatch.activities_recurring import RecurringActivities
from services.dispatch.activities_store import ActivityStore, NewActivity, SignUpRefused, WrongState
from services.runtime import validate
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role, current_caller
from services.runtime.convert import to_timestamp
from services.runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.runtime.org_directory import OrgDirectory
from services.runtime.paging import decode_page_token, encode_page_token

_STAFF = (Role.ADMIN, Role.STAFF)
_ORGANISING_KINDS = (registry_pb2.ORG_UNIT_KIND_COMMUNITY, registry_pb2.ORG_UNIT_KIND_STREET)


def activity_message(activity: Activity) -> pb.Activity:
    return pb.Activity(
        id=str(activity.id),
        org_unit_id=str(activity.org_unit_id),
        title=activity.title,
        kind=domain.KIND_NUMBERS[activity.kind],
        place=activity.place,
        start_time=to_timestamp(activity.start_time),
        end_time=to_timestamp(activity.end_time),
        signup_deadline=to_timestamp(activity.signup_deadline),
        capacity=activity.capacity,
        roles=[
            pb.ActivityRole(
                name=r.name,
                count=r.needed,
                skills=list(r.skills),
                filled=r.filled,
                came=r.came,
                service_hours=r.service_hours,
            )
            for r in activity.roles
        ],
        state=domain.STATE_NUMBERS[activity.state],
        participants=activity.participants,
        waitlisted=activity.waitlisted,
        checked_in=activity.checked_in,
        reject_reason=activity.reject_reason,
        cancel_reason=activity.cancel_reason,
        summary=activity.summary,
        recurring_activity_id=str(activity.recurring_activity_id or ""),
        create_time=to_timestamp(activity.created_at),
        update_time=to_timestamp(activity.updated_at),
        version=activity.version,
    )


def sign_up_message(sign_up: SignUp) -> pb.ActivitySignUp:
    return pb.ActivitySignUp(
        id=str(sign_up.id),
        activity_id=str(sign_up.activity_id),
        member_id=str(sign_up.member_id) if sign_up.member_id is not None else "",
        resident_ref=sign_up.resident_ref or "",
        role=sign_up.role,
        status=domain.SIGN_UP_STATUS_NUMBERS[sign_up.status],
        waitlist_position=sign_up.waitlist_position,
        sign_up_time=to_timestamp(sign_up.signed_up_at),
        check_in_time=to_timestamp(sign_up.checked_in_at),
        check_out_time=to_timestamp(sign_up.checked_out_at),
        service_hours=sign_up.service_hours or 0.0,
    )


def event_message(event: Event) -> pb.ActivityEvent:
    transition = event.kind == "transition"
    return pb.ActivityEvent(
        sequence=event.id,
        kind=pb.ACTIVITY_EVENT_KIND_TRANSITION if transition else pb.ACTIVITY_EVENT_KIND_NOTICE,
        state=domain.STATE_NUMBERS[event.state],
        notice_kind=0 if transition else domain.NOTICE_KIND_NUMBERS[event.notice_kind],
        actor=event.actor,
        note=event.note,
        recipients=list(event.recipients),
        time=to_timestamp(event.at),
        sent_time=to_timestamp(event.sent_at),
        delivered=event.delivered,
        failed=event.failed,
    )


def required_time(field: str, value: Timestamp) -> datetime:
    if value.seconds == 0 and value.nanos == 0:
        raise InvalidArgument("is required", field)
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument("is not a valid time", field) from exc


def read_roles(roles: list[pb.ActivityRole], prefix: str = "roles") -> tuple[domain.Role, ...]:
    if len(roles) > domain.MAX_ROLES:
        raise InvalidArgument(f"at most {domain.MAX_ROLES} roles", prefix)
    checked: list[domain.Role] = []
    for i, role in enumerate(roles):
        name = validate.text(f"{prefix}[{i}].name", role.name, max_length=domain.MAX_ROLE_NAME)
        if any(r.name == name for r in checked):
            raise InvalidArgument(f"role '{name}' is given twice", f"{prefix}[{i}].name")
        if not 1 <= role.count <= domain.MAX_ROLE_COUNT:
            raise InvalidArgument(f"must be between 1 and {domain.MAX_ROLE_COUNT}", f"{prefix}[{i}].count")
        skills = tuple(
            validate.enum(f"{prefix}[{i}].skills[{j}]", s, registry_pb2.Skill) for j, s in enumerate(role.skills)
        )
        checked.append(domain.Role(name, role.count, skills))
    return tuple(checked)


class ActivityServicer(activities_pb2_grpc.ActivityServiceServicer):
    def __init__(
        self,
        store: ActivityStore,
        relay: ActivityRelay,
        org: OrgDirectory,
        registry: registry_pb2_grpc.RegistryServiceStub,
        recurring: RecurringActivities,
    ) -> None:
        self.store = store
        self.relay = relay
        self.org = org
        self.registry = registry
        self.recurring = recurring

    # Helpers

    async def _activity(self, raw_id: str, field: str = "activity_id") -> Activity:
        activity_id = validate.entity_id(field, raw_id)
        assert activity_id is not None
        activity = await self.store.activity(activity_id)
        if activity is None:
            raise NotFound(f"no activity {activity_id}", field)
        return activity

    @staticmethod
    def _require_staff_in_scope(caller: Caller, activity: Activity) -> None:
        if caller.role == Role.SERVICE:
            return
        caller.require_role(*_STAFF)
        caller.require_scope(str(activity.org_unit_id), activity.org_path[:-1])

    @staticmethod
    def _require_signer_in_scope(caller: Caller, activity: Activity) -> None:
        """Staff, admins and other systems (front ends acting for residents) sign up and withdraw in their scope."""
        if caller.role == Role.SERVICE:
            return
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        caller.require_scope(str(activity.org_unit_id), activity.org_path[:-1])

    @staticmethod
    def _require_may_read(caller: Caller, activity: Activity) -> None:
        if caller.role in (Role.SERVICE, Role.SYSTEM):
            return
        if caller.role == Role.MEMBER:
            if activity.state in ("proposed", "approved", "rejected", "expired"):
                raise PermissionDenied("members may read only published activities")
            return
        caller.require_scope(str(activity.org_unit_id), activity.org_path[:-1])

    async def _move(
        self, caller: Caller, request_id: str, activity: Activity, move: domain.Move, note: str = "", **changes: object
    ) -> Activity:
        try:
            moved, now = await self.store.move(caller, request_id, activity.id, move, note, **changes)
        except WrongState as exc:
            allowed = " or ".join(sorted(move.from_states))
            raise FailedPrecondition(
                f"activity {activity.id} is {exc.activity.state}; to {move.name} it, it must be {allowed}"
            ) from exc
        if now:
            TRANSITIONS.labels(moved.state).inc()
            self.relay.wake()
        return moved

    # Proposing and deciding

    async def ProposeActivity(
        self, request: pb.ProposeActivityRequest, context: grpc.aio.ServicerContext
    ) -> pb.ProposeActivityResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SERVICE)
        request_id = validate.request_id(request.request_id)
        recurring_id = validate.entity_id("recurring_activity_id", request.recurring_activity_id, required=False)
        if recurring_id is not None and caller.role != Role.SERVICE:
            raise PermissionDenied("only a recurring activity's schedule sets it", "recurring_activity_id")
        new = await self.new_activity(caller, request, recurring_id)
        earlier = await self.store.activity_by_request(caller, request_id)
        if earlier is not None:
            return pb.ProposeActivityResponse(activity=activity_message(earlier))
        activity, created = await self.store.propose(caller, request_id, new)
        if created:
            TRANSITIONS.labels("proposed").inc()
            self.relay.wake()
        return pb.ProposeActivityResponse(activity=activity_message(activity))

    async def new_activity(
        self, caller: Caller, request: pb.ProposeActivityRequest, recurring_activity_id: int | None = None
    ) -> NewActivity:
        """Checks a proposal (or a recurring activity's template) field by field."""
        validate.entity_id("org_unit_id", request.org_unit_id)
        title = validate.text("title", request.title, max_length=domain.MAX_TITLE)
        kind = domain.KINDS[validate.enum("kind", request.kind, pb.ActivityKind)]
        place = validate.text("place", request.place, max_length=domain.MAX_PLACE)
        start = validate.future_time("start_time", request.start_time)
        end = required_time("end_time", request.end_time)
        deadline = validate.future_time("signup_deadline", request.signup_deadline)
        wrong = domain.check_times(start, end, deadline)
        if wrong:
            raise InvalidArgument(wrong[1], wrong[0])
        if not 1 <= request.capacity <= domain.MAX_CAPACITY:
            raise InvalidArgument(f"must be between 1 and {domain.MAX_CAPACITY}", "capacity")
        roles = read_roles(list(request.roles))
        unit = await self.org.unit(request.org_unit_id.strip(), "org_unit_id")
        if unit.kind not in _ORGANISING_KINDS:
            raise InvalidArgument(f"org unit {unit.id} is not a community or a street", "org_unit_id")
        caller.require_scope(unit.id, unit.ancestor_ids)
        return NewActivity(
            org_unit_id=int(unit.id),
            org_path=unit.path,
            title=title,
            kind=kind,
            place=place,
            start_time=start,
            end_time=end,
            signup_deadline=deadline,
            capacity=request.capacity,
            roles=roles,
            recurring_activity_id=recurring_activity_id,
        )

    async def GetActivity(
        self, request: pb.GetActivityRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetActivityResponse:
        activity = await self._activity(request.activity_id)
        self._require_may_read(current_caller(), activity)
        return pb.GetActivityResponse(activity=activity_message(activity))

    async def ReviewActivity(
        self, request: pb.ReviewActivityRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReviewActivityResponse:
        caller = current_caller()
        caller.require_role(*_STAFF)
        request_id = validate.request_id(request.request_id)
        decision = request.WhichOneof("decision")
        if decision is None:
            raise InvalidArgument("is required: approve or reject", "decision")
        if decision == "approve":
            note = validate.text("approve.note", request.approve.note, max_length=domain.MAX_NOTE, required=False)
        else:
            reason = validate.text("reject.reason", request.reject.reason, max_length=domain.MAX_REASON)
        activity = await self._activity(request.activity_id)
        # The parent org decides (上级审批): staff of the organising unit itself may not approve their own.
        if caller.scope != WHOLE_DEPLOYMENT and caller.scope not in activity.org_path[:-1]:
            raise PermissionDenied(f"only staff of an org above {activity.org_unit_id} may review its activities")
        if decision == "approve":
            moved = await self._move(caller, request_id, activity, domain.APPROVE, note)
        else:
            moved = await self._move(caller, request_id, activity, domain.REJECT, reason, reject_reason=reason)
        return pb.ReviewActivityResponse(activity=activity_message(moved))

    async def CancelActivity(
        self, request: pb.CancelActivityRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelActivityResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)
        activity = await self._activity(request.activity_id)
        self._require_staff_in_scope(caller, activity)
        moved = await self._move(
            caller, request_id, activity, domain.CANCEL, reason, cancel_reason=reason, cancelled_at=datetime.now(UTC)
        )
        return pb.CancelActivityResponse(activity=activity_message(moved))

    # Sign-ups and check-in

    async def SignUp(self, request: pb.SignUpRequest, context: grpc.aio.ServicerContext) -> pb.SignUpResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        who = request.WhichOneof("who")
        if who is None:
            raise InvalidArgument("is required: member_id or resident_ref", "who")
        member_id: int | None = None
        resident_ref: str | None = None
        if who == "member_id":
            member_id = validate.entity_id("member_id", request.member_id)
        else:
            resident_ref = validate.text("resident_ref", request.resident_ref, max_length=domain.MAX_RESIDENT_REF)
        role = validate.text("role", request.role, max_length=domain.MAX_ROLE_NAME, required=False)
        if role and member_id is None:
            raise InvalidArgument("volunteer roles are for registered members; give member_id", "role")
        activity = await self._activity(request.activity_id)
        if caller.role == Role.MEMBER:
            if member_id is None or caller.subject != str(member_id):
                raise PermissionDenied("a member may sign up only themselves", "member_id")
        else:  # staff, or another system (a front end) signing residents up on their behalf
            self._require_signer_in_scope(caller, activity)
        if activity.state not in domain.SIGN_UP_STATES:
            raise FailedPrecondition(
                f"activity {activity.id} is {activity.state}; sign-ups are open only while published"
            )
        if member_id is not None:
            await self._require_active_member(member_id)
        try:
            sign_up, created = await self.store.sign_up(caller, request_id, activity.id, member_id, resident_ref, role)
        except SignUpRefused as exc:
            if exc.duplicate:
                raise AlreadyExists(exc.reason, exc.field) from exc
            if exc.field == "role" and "has no role" in exc.reason:
                raise InvalidArgument(exc.reason, exc.field) from exc
            raise FailedPrecondition(exc.reason, exc.field) from exc
        if created:
            SIGN_UPS.labels(sign_up.status, "volunteer" if role else "participant").inc()
        return pb.SignUpResponse(sign_up=sign_up_message(sign_up))

    async def _require_active_member(self, member_id: int) -> None:
        try:
            response = await self.registry.GetMember(registry_pb2.GetMemberRequest(member_id=str(member_id)))
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"no member {member_id}", "member_id") from exc
            raise
        if response.member.status != registry_pb2.MEMBER_STATUS_ACTIVE:
            raise FailedPrecondition(f"member {member_id} is not an active member", "member_id")

    async def _sign_up_of(self, activity: Activity, raw_id: str) -> SignUp:
        sign_up_id = validate.entity_id("sign_up_id", raw_id)
        assert sign_up_id is not None
        sign_up = await self.store.sign_up_of(activity.id, sign_up_id)
        if sign_up is None:
            raise NotFound(f"activity {activity.id} has no sign-up {sign_up_id}", "sign_up_id")
        return sign_up

    async def CancelSignUp(
        self, request: pb.CancelSignUpRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelSignUpResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        activity = await self._activity(request.activity_id)
        sign_up = await self._sign_up_of(activity, request.sign_up_id)
        if caller.role == Role.MEMBER:
            if caller.subject != str(sign_up.member_id):
                raise PermissionDenied("a member may withdraw only their own sign-up", "sign_up_id")
        else:
            self._require_signer_in_scope(caller, activity)
        try:
            withdrawn, promoted, now = await self.store.cancel_sign_up(caller, request_id, activity.id, sign_up.id)
        except WrongState as exc:
            raise FailedPrecondition(
                f"activity {activity.id} is {exc.activity.state}; sign-ups may be withdrawn only before it starts"
            ) from exc
        if now:
            SIGN_UPS.labels("cancelled", "volunteer" if sign_up.role else "participant").inc()
            if promoted:
                SIGN_UPS.labels("promoted", "participant").inc()
        return pb.CancelSignUpResponse(
            sign_up=sign_up_message(withdrawn), promoted=sign_up_message(promoted) if promoted else None
        )

    async def CheckIn(self, request: pb.CheckInRequest, context: grpc.aio.ServicerContext) -> pb.CheckInResponse:
        caller = current_caller()
        validate.request_id(request.request_id)  # checking in twice keeps the first time: the retry is safe
        activity = await self._activity(request.activity_id)
        self._require_staff_in_scope(caller, activity)
        sign_up = await self._sign_up_of(activity, request.sign_up_id)
        if activity.state not in domain.CHECK_IN_STATES:
            raise FailedPrecondition(f"activity {activity.id} is {activity.state}; check-in is closed")
        if datetime.now(UTC) < activity.start_time - domain.CHECK_IN_OPENS_BEFORE:
            raise FailedPrecondition(
                f"check-in opens an hour before the start, {activity.start_time:%Y-%m-%d %H:%M} UTC"
            )
        if sign_up.status != "confirmed":
            raise FailedPrecondition(
                f"sign-up {sign_up.id} is {sign_up.status}; only confirmed sign-ups check in", "sign_up_id"
            )
        checked, now = await self.store.check_in(activity.id, sign_up.id)
        if now:
            CHECK_INS.labels("volunteer" if checked.role else "participant").inc()
        return pb.CheckInResponse(sign_up=sign_up_message(checked))

    async def CheckOut(self, request: pb.CheckOutRequest, context: grpc.aio.ServicerContext) -> pb.CheckOutResponse:
        caller = current_caller()
        validate.request_id(request.request_id)  # checking out twice keeps the first time: the retry is safe
        activity = await self._activity(request.activity_id)
        self._require_staff_in_scope(caller, activity)
        sign_up = await self._sign_up_of(activity, request.sign_up_id)
        if activity.state not in domain.CHECK_IN_STATES:
            raise FailedPrecondition(f"activity {activity.id} is {activity.state}; check-out is closed")
        if sign_up.checked_in_at is None:
            raise FailedPrecondition(f"sign-up {sign_up.id} has not checked in", "sign_up_id")
        checked, now = await self.store.check_out(activity.id, sign_up.id, datetime.now(UTC))
        if now:
            CHECK_OUTS.labels("volunteer" if checked.role else "participant").inc()
        return pb.CheckOutResponse(sign_up=sign_up_message(checked))

    async def ListSignUps(
        self, request: pb.ListSignUpsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSignUpsResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        activity = await self._activity(request.activity_id)
        self._require_staff_in_scope(current_caller(), activity)
        query = {"activity_sign_ups": activity.id}
        last_key = decode_page_token(request.page_token, query)
        after = last_key[0] if last_key and isinstance(last_key[0], int) else None
        rows = await self.store.sign_ups(activity.id, after, page_size + 1)
        token = encode_page_token(query, [rows[page_size - 1].id]) if len(rows) > page_size else ""
        return pb.ListSignUpsResponse(sign_ups=[sign_up_message(s) for s in rows[:page_size]], next_page_token=token)

    async def GetActivityHistory(
        self, request: pb.GetActivityHistoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetActivityHistoryResponse:
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        activity = await self._activity(request.activity_id)
        self._require_staff_in_scope(current_caller(), activity)
        query = {"activity_history": activity.id}
        last_key = decode_page_token(request.page_token, query)
        after = last_key[0] if last_key and isinstance(last_key[0], int) else None
        events = await self.store.history(activity.id, after, page_size + 1)
        token = encode_page_token(query, [events[page_size - 1].id]) if len(events) > page_size else ""
        return pb.GetActivityHistoryResponse(
            events=[event_message(e) for e in events[:page_size]], next_page_token=token
        )

    # The workflow's steps

    async def AdvanceActivity(
        self, request: pb.AdvanceActivityRequest, context: grpc.aio.ServicerContext
    ) -> pb.AdvanceActivityResponse:
        caller = current_caller()
        caller.require_role(Role.SERVICE)
        request_id = validate.request_id(request.request_id)
        move = domain.STEPS[validate.enum("step", request.step, pb.ActivityStep)]
        activity = await self._activity(request.activity_id)
        moved = await self._move(caller, request_id, activity, move)
        volunteers: list[SignUp] = []
        if move is domain.CLOSE_OUT:
            volunteers = await self.store.checked_in_volunteers(activity.id)
        return pb.AdvanceActivityResponse(
            activity=activity_message(moved), checked_in_volunteers=[sign_up_message(v) for v in volunteers]
        )

    async def NotifyParticipants(
        self, request: pb.NotifyParticipantsRequest, context: grpc.aio.ServicerContext
    ) -> pb.NotifyParticipantsResponse:
        caller = current_caller()
        caller.require_role(Role.SERVICE)
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
        self, request: pb.GetNoticeDeliveryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetNoticeDeliveryResponse:
        current_caller().require_role(Role.SERVICE)
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        activity, notice = await self._notice(request)
        pending = await self.store.pending_deliveries(notice.id, page_size)
        return pb.GetNoticeDeliveryResponse(
            notice=event_message(notice),
            activity=activity_message(activity),
            pending=[pb.NoticeRecipient(delivery_id=p.delivery_id, recipient=p.recipient) for p in pending],
        )

    async def RecordNoticeDelivery(
        self, request: pb.RecordNoticeDeliveryRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordNoticeDeliveryResponse:
        current_caller().require_role(Role.SERVICE)
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
        self, request: pb.SetNoticePreferenceRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetNoticePreferenceResponse:
        caller = current_caller()
        validate.request_id(request.request_id)  # setting a preference twice is the same: the retry is safe
        recipient = domain.check_recipient(request.recipient)
        if recipient is None:
            raise InvalidArgument("must be member:<id>, resident:<ref> or org:<id>", "recipient")
        if caller.role == Role.MEMBER:
            if recipient != f"member:{caller.subject}":
                raise PermissionDenied("a member may set only their own notices' preference", "recipient")
        else:
            caller.require_role(Role.ADMIN, Role.SYSTEM, Role.SERVICE)
        await self.store.set_notice_preference(caller, recipient, request.daily_digest)
        if request.daily_digest:
            await self.relay.ensure_digest_schedule()
        return pb.SetNoticePreferenceResponse(recipient=recipient, daily_digest=request.daily_digest)

    async def GetNoticeDigests(
        self, request: pb.GetNoticeDigestsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetNoticeDigestsResponse:
        current_caller().require_role(Role.SERVICE)
        before = required_time("before", request.before)
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        held = await self.store.held_for_digest(before, page_size)
        return pb.GetNoticeDigestsResponse(
            digests=[
                pb.NoticeDigest(
                    recipient=recipient,
                    items=[
                        pb.DigestItem(
                            delivery_id=i.delivery_id,
                            activity_id=str(i.activity_id),
                            org_unit_id=str(i.org_unit_id),
                            title=i.title,
                            place=i.place,
                            start_time=to_timestamp(i.start_time),
                            notice_kind=domain.NOTICE_KIND_NUMBERS[i.notice_kind],
                            note=i.note,
                        )
                        for i in items
                    ],
                )
                for recipient, items in held.items()
            ]
        )

    async def RecordDigestDelivery(
        self, request: pb.RecordDigestDeliveryRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordDigestDeliveryResponse:
        current_caller().require_role(Role.SERVICE)
        failed = [
            (f.delivery_id, validate.text(f"failed[{i}].reason", f.reason, max_length=domain.MAX_REASON))
            for i, f in enumerate(request.failed)
        ]
        await self.store.record_digest(list(request.delivered), failed)
        return pb.RecordDigestDeliveryResponse()

    async def GetActivityStats(
        self, request: pb.GetActivityStatsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetActivityStatsResponse:
        caller = current_caller()
        validate.entity_id("org_unit_id", request.org_unit_id)
        start = required_time("start_time", request.start_time)
        end = required_time("end_time", request.end_time)
        if end <= start:
            raise InvalidArgument("must be after start_time", "end_time")
        unit = await self.org.unit(request.org_unit_id.strip(), "org_unit_id")
        if caller.role != Role.SERVICE:
            caller.require_role(*_STAFF)
            caller.require_scope(unit.id, unit.ancestor_ids)
        stats = await self.store.stats(unit.id, start, end)
        return pb.GetActivityStatsResponse(
            by_state=[
                pb.ActivityStateCount(state=domain.STATE_NUMBERS[state], count=n)
                for state, n in sorted(stats.by_state.items(), key=lambda item: domain.STATE_NUMBERS[item[0]])
            ],
            proposed=stats.proposed,
            held=stats.held,
            signed_up=stats.signed_up,
            checked_in=stats.checked_in,
            cancelled=stats.cancelled,
            volunteer_hours=stats.volunteer_hours,
        )

    # Recurring activities (Temporal Schedules)

    async def CreateRecurringActivity(
        self, request: pb.CreateRecurringActivityRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateRecurringActivityResponse:
        return await self.recurring.create(current_caller(), request, self)

    async def GetRecurringActivity(
        self, request: pb.GetRecurringActivityRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetRecurringActivityResponse:
        return await self.recurring.get(current_caller(), request)

    async def SetRecurringActivityPaused(
        self, request: pb.SetRecurringActivityPausedRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetRecurringActivityPausedResponse:
        return await self.recurring.set_paused(current_caller(), request)
