"""ActivityService over gRPC: checks the request and the caller's scope (the authorisation table, access.py,
decides the roles), commits, then wakes the relay. Notices are in notices.py, recurring activities in
recurring.py, beside this file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
from linli.dispatch.v1 import activities_pb2 as pb
from linli.dispatch.v1 import activities_pb2_grpc
from linli.registry.v1 import registry_pb2

from services.dispatch.activities import domain
from services.dispatch.activities.domain import Activity, SignUp
from services.dispatch.activities.messages import (
    activity_message,
    event_message,
    read_roles,
    required_time,
    sign_up_message,
)
from services.dispatch.activities.metrics import CHECK_INS, CHECK_OUTS, SIGN_UPS, TRANSITIONS
from services.dispatch.activities.notices import NoticeServicer
from services.dispatch.activities.store import NewActivity, SignUpRefused, WrongState
from services.runtime import access, validate
from services.runtime.auth import Caller, Role, current_caller
from services.runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.runtime.org_directory import OrgUnitInfo
from services.runtime.paging import decode_page_token, encode_page_token

# States before publication (or never published): not for members' eyes.
_UNPUBLISHED = frozenset({"proposed", "approved", "rejected", "expired"})
_ORGANISING_KINDS = (registry_pb2.ORG_UNIT_KIND_COMMUNITY, registry_pb2.ORG_UNIT_KIND_STREET)
_ABOVE_STREETS = (
    registry_pb2.ORG_UNIT_KIND_PROVINCE,
    registry_pb2.ORG_UNIT_KIND_CITY,
    registry_pb2.ORG_UNIT_KIND_DISTRICT,
)


class ActivityServicer(NoticeServicer, activities_pb2_grpc.ActivityServiceServicer):
    """The whole service: activities, sign-ups and check-in here, notices and recurring activities delegated."""

    async def _require_may_read(self, caller: Caller, activity: Activity) -> None:
        if caller.role == Role.MEMBER:
            # A published activity is on the notice board: any member may read it, as any may sign up to it.
            if activity.state in _UNPUBLISHED:
                raise PermissionDenied("members may read only published activities", "activity_id")
            access.checked_otherwise()
            return
        await self._require_in_scope(caller, activity)

    # Proposing and deciding

    async def ProposeActivity(
        self, request: pb.ProposeActivityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ProposeActivityResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        recurring_id = validate.entity_id("recurring_activity_id", request.recurring_activity_id, required=False)
        if recurring_id is not None and caller.role != Role.SERVICE:
            raise PermissionDenied("only a recurring activity's schedule sets it", "recurring_activity_id")
        if recurring_id is not None:
            # A run started just before its recurring activity was deleted proposes nothing.
            recurring = await self.recurring.store.get(recurring_id)
            if recurring is None or recurring.deleted_at is not None:
                raise FailedPrecondition(
                    f"recurring activity {recurring_id} was deleted or never was", "recurring_activity_id"
                )
        new = await self.new_activity(caller, request, recurring_id)
        # A retry is this caller's own (the key is theirs), and its answer is checked as a fresh call would be.
        earlier = await self.store.activity_by_request(caller, request_id)
        if earlier is not None:
            if earlier.org_unit_id != new.org_unit_id:
                await self._require_in_scope(caller, earlier, "request_id")
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
        access.require_scope(caller, unit.id, unit.ancestor_ids)
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
        self, request: pb.GetActivityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetActivityResponse:
        activity = await self._activity(request.activity_id)
        await self._require_may_read(current_caller(), activity)
        return pb.GetActivityResponse(activity=activity_message(activity))

    async def ReviewActivity(
        self, request: pb.ReviewActivityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ReviewActivityResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        decision = request.WhichOneof("decision")
        if decision is None:
            raise InvalidArgument("is required: approve or reject", "decision")
        if decision == "approve":
            note = validate.text("approve.note", request.approve.note, max_length=domain.MAX_NOTE, required=False)
        else:
            reason = validate.text("reject.reason", request.reject.reason, max_length=domain.MAX_REASON)
        activity = await self._activity(request.activity_id)
        # The parent org decides (上级审批): staff of the organising unit itself may not approve their own. Above it
        # as the tree is now.
        unit = await self.org.unit(str(activity.org_unit_id), "activity_id")
        if not unit.parent_id or not access.covers(caller, unit.parent_id, unit.ancestor_ids[:-1]):
            raise PermissionDenied(f"only staff of an org above {activity.org_unit_id} may review its activities")
        if decision == "approve":
            moved = await self._move(caller, request_id, activity, domain.APPROVE, note)
        else:
            moved = await self._move(caller, request_id, activity, domain.REJECT, reason, domain.Rejection(reason))
        return pb.ReviewActivityResponse(activity=activity_message(moved))

    async def CancelActivity(
        self, request: pb.CancelActivityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CancelActivityResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)
        activity = await self._activity(request.activity_id)
        await self._require_in_scope(caller, activity)
        moved = await self._move(caller, request_id, activity, domain.CANCEL, reason, domain.Cancellation(reason))
        return pb.CancelActivityResponse(activity=activity_message(moved))

    # Sign-ups and check-in

    async def SignUp(self, request: pb.SignUpRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.SignUpResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        who = request.WhichOneof("who")
        if who is None:
            raise InvalidArgument("is required: member_id, resident_ref or team_member_id", "who")
        role = validate.text("role", request.role, max_length=domain.MAX_ROLE_NAME, required=False)
        if who == "member_id":
            signer = domain.Signer(member_id=validate.entity_id("member_id", request.member_id))
        elif who == "team_member_id":
            team_member_id = validate.entity_id("team_member_id", request.team_member_id)
            team_id = validate.entity_id("team_id", request.team_id)
            if not role:
                raise InvalidArgument("a team volunteer signs up for a volunteer role; give role", "role")
            signer = domain.Signer(team_id=team_id, team_member_id=team_member_id)
        else:
            signer = domain.Signer(
                resident_ref=validate.text("resident_ref", request.resident_ref, max_length=domain.MAX_RESIDENT_REF)
            )
            if role:
                raise InvalidArgument("volunteer roles are for members and team volunteers", "role")
        if who != "team_member_id" and request.team_id.strip():
            raise InvalidArgument("only with team_member_id", "team_id")
        activity = await self._activity(request.activity_id)
        if caller.role == Role.MEMBER:
            access.require_self(caller, signer.member_id or "", "member_id", "sign up only themselves")
        else:  # staff, or another system (a front end) signing residents up on their behalf
            await self._require_in_scope(caller, activity)
        if activity.state not in domain.SIGN_UP_STATES:
            raise FailedPrecondition(
                f"activity {activity.id} is {activity.state}; sign-ups are open only while published"
            )
        if signer.team_member_id is not None:
            signer = await self._team_volunteer(activity, signer)
        if signer.member_id is not None:
            await self._require_active_member(signer.member_id)
        try:
            sign_up, created = await self.store.sign_up(caller, request_id, activity.id, signer, role)
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
        member = await self._member(member_id, "member_id")
        if member.status != registry_pb2.MEMBER_STATUS_ACTIVE:
            raise FailedPrecondition(f"member {member_id} is not an active member", "member_id")

    async def _sign_up_of(self, activity: Activity, raw_id: str) -> domain.SignUp:
        sign_up_id = validate.entity_id("sign_up_id", raw_id)
        assert sign_up_id is not None
        sign_up = await self.store.sign_up_of(activity.id, sign_up_id)
        if sign_up is None:
            raise NotFound(f"activity {activity.id} has no sign-up {sign_up_id}", "sign_up_id")
        return sign_up

    async def CancelSignUp(
        self, request: pb.CancelSignUpRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CancelSignUpResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        activity = await self._activity(request.activity_id)
        sign_up = await self._sign_up_of(activity, request.sign_up_id)
        if caller.role == Role.MEMBER:
            access.require_self(caller, sign_up.member_id or "", "sign_up_id", "withdraw only their own sign-up")
        else:
            await self._require_in_scope(caller, activity)
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

    async def CheckIn(
        self, request: pb.CheckInRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CheckInResponse:
        caller = current_caller()
        validate.request_id(request.request_id)  # checking in twice keeps the first time: the retry is safe
        activity = await self._activity(request.activity_id)
        await self._require_in_scope(caller, activity)
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

    async def CheckOut(
        self, request: pb.CheckOutRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CheckOutResponse:
        caller = current_caller()
        validate.request_id(request.request_id)  # checking out twice keeps the first time: the retry is safe
        activity = await self._activity(request.activity_id)
        await self._require_in_scope(caller, activity)
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
        self, request: pb.ListSignUpsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListSignUpsResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        activity = await self._activity(request.activity_id)
        await self._require_in_scope(current_caller(), activity)
        query = {"activity_sign_ups": activity.id}
        last_key = decode_page_token(request.page_token, query)
        after = last_key[0] if last_key and isinstance(last_key[0], int) else None
        rows = await self.store.sign_ups(activity.id, after, page_size + 1)
        token = encode_page_token(query, [rows[page_size - 1].id]) if len(rows) > page_size else ""
        return pb.ListSignUpsResponse(sign_ups=[sign_up_message(s) for s in rows[:page_size]], next_page_token=token)

    async def GetActivityHistory(
        self, request: pb.GetActivityHistoryRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetActivityHistoryResponse:
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        activity = await self._activity(request.activity_id)
        await self._require_in_scope(current_caller(), activity)
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
        self, request: pb.AdvanceActivityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.AdvanceActivityResponse:
        caller = current_caller()
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

    async def GetActivityStats(
        self, request: pb.GetActivityStatsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetActivityStatsResponse:
        caller = current_caller()
        validate.entity_id("org_unit_id", request.org_unit_id)
        start = required_time("start_time", request.start_time)
        end = required_time("end_time", request.end_time)
        if end <= start:
            raise InvalidArgument("must be after start_time", "end_time")
        unit = await self.org.unit(request.org_unit_id.strip(), "org_unit_id")
        access.require_scope(caller, unit.id, unit.ancestor_ids)
        stats = await self.store.stats(await self._organisers_under(unit), start, end)
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

    async def _organisers_under(self, unit: OrgUnitInfo) -> list[int]:
        """The communities and streets (those that organise activities) under the unit as the tree is now."""
        organisers = list(await self.org.communities_under(unit.id, "org_unit_id"))
        if unit.kind == registry_pb2.ORG_UNIT_KIND_STREET:
            organisers.append(int(unit.id))
        elif unit.kind in _ABOVE_STREETS:
            token = ""
            while True:
                page = await self.registry.ListOrgUnitSubtree(
                    registry_pb2.ListOrgUnitSubtreeRequest(
                        org_unit_id=unit.id,
                        kind=registry_pb2.ORG_UNIT_KIND_STREET,
                        include_closed=True,
                        page_size=1000,
                        page_token=token,
                    )
                )
                organisers.extend(int(u.id) for u in page.org_units)
                token = page.next_page_token
                if not token:
                    break
        return organisers

    # Recurring activities (Temporal Schedules)

    async def CreateRecurringActivity(
        self, request: pb.CreateRecurringActivityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateRecurringActivityResponse:
        return await self.recurring.create(current_caller(), request, self.new_activity)

    async def GetRecurringActivity(
        self, request: pb.GetRecurringActivityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetRecurringActivityResponse:
        return await self.recurring.get(current_caller(), request)

    async def SetRecurringActivityPaused(
        self, request: pb.SetRecurringActivityPausedRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.SetRecurringActivityPausedResponse:
        return await self.recurring.set_paused(current_caller(), request)

    async def ListRecurringActivities(
        self, request: pb.ListRecurringActivitiesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListRecurringActivitiesResponse:
        return await self.recurring.list_page(current_caller(), request, self._organisers_under)

    async def UpdateRecurringActivity(
        self, request: pb.UpdateRecurringActivityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.UpdateRecurringActivityResponse:
        return await self.recurring.update(current_caller(), request, self.new_activity)

    async def DeleteRecurringActivity(
        self, request: pb.DeleteRecurringActivityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.DeleteRecurringActivityResponse:
        return await self.recurring.delete(current_caller(), request)
