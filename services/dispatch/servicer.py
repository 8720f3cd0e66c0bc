"""DispatchService over gRPC: matching, duty rosters and emergency alerts.

Handlers check the request, the caller's role and scope, then commit; an alert's state change also wakes
the relay that tells the alert's EmergencyDispatch workflow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2 as pb
from linli.dispatch.v1 import dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2, wishes_pb2_grpc

from services.dispatch import domain
from services.dispatch.domain import Candidate, CandidatePool, Place, Ranked, Slot, Volunteer
from services.dispatch.members import MemberDirectory
from services.dispatch.metrics import (
    ALERTS_ACKNOWLEDGED,
    ALERTS_CANCELLED,
    ALERTS_ESCALATED,
    ALERTS_RAISED,
    ALERTS_RESOLVED,
    SECONDS_TO_ACKNOWLEDGE,
)
from services.dispatch.outbox import AlertRelay
from services.dispatch.store import (
    Absence,
    Alert,
    AlertEventRow,
    DispatchStore,
    NewAlert,
    NotOnDuty,
    SealedAlertData,
    WrongAlertState,
)
from services.runtime import validate
from services.runtime.auth import Caller, Role, current_caller
from services.runtime.convert import to_timestamp
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.runtime.org_directory import OrgDirectory, OrgUnitInfo
from services.runtime.paging import decode_page_token, encode_page_token
from services.runtime.pii import PersonalDataCipher

_STAFF = (Role.ADMIN, Role.STAFF)
# Who may read an alert's address and device id in the clear (always audited); GetAlert's own checks keep staff to
# their scope and members to the alerts they were called to.
_MAY_REVEAL = (Role.ADMIN, Role.STAFF, Role.MEMBER, Role.SERVICE)
_READERS = (Role.ADMIN, Role.STAFF, Role.SERVICE, Role.SYSTEM, Role.MEMBER)
_ALERT_UNITS = (
    registry_pb2.ORG_UNIT_KIND_COMMUNITY,
    registry_pb2.ORG_UNIT_KIND_GRID,
    registry_pb2.ORG_UNIT_KIND_BUILDING,
)
_NEARNESS_NUMBERS = {
    domain.NEAR_BUILDING: pb.NEARNESS_BUILDING,
    domain.NEAR_GRID: pb.NEARNESS_GRID,
    domain.NEAR_COMMUNITY: pb.NEARNESS_COMMUNITY,
    domain.NEAR_SUBTREE: pb.NEARNESS_COMMUNITY,
}
_NEARNESS_OF_WORD = {"building": domain.NEAR_BUILDING, "grid": domain.NEAR_GRID, "community": domain.NEAR_COMMUNITY}
_ROSTER_SOURCES = {
    "none": pb.ROSTER_SOURCE_NONE,
    "weekly_pattern": pb.ROSTER_SOURCE_WEEKLY_PATTERN,
    "day": pb.ROSTER_SOURCE_DAY,
}


def alert_message(alert: Alert, revealed: tuple[str, str] | None = None) -> pb.Alert:
    """The alert with its address and device id masked, or in the clear when `revealed` gives them."""
    address, device_id = revealed or (alert.address_masked, alert.device_id_masked)
    return pb.Alert(
        id=str(alert.id),
        kind=domain.ALERT_KIND_NUMBERS[alert.kind],
        state=domain.ALERT_STATE_NUMBERS[alert.state],
        unit_id=str(alert.unit_id),
        community_id=str(alert.community_id),
        address=address,
        device_id=device_id,
        personal_data_revealed=revealed is not None,
        note=alert.note,
        responder=alert.responder or "",
        outcome=domain.OUTCOME_NUMBERS[alert.outcome] if alert.outcome else 0,
        outcome_note=alert.outcome_note,
        escalation=domain.ESCALATION_NUMBERS[alert.escalation],
        raise_time=to_timestamp(alert.raised_at),
        acknowledge_time=to_timestamp(alert.acknowledged_at),
        arrive_time=to_timestamp(alert.arrived_at),
        close_time=to_timestamp(alert.closed_at),
        version=alert.version,
    )


def event_message(event: AlertEventRow) -> pb.AlertEvent:
    return pb.AlertEvent(
        sequence=event.id,
        kind=domain.EVENT_KIND_NUMBERS[event.kind],
        recipient=event.recipient,
        actor=event.actor,
        note=event.note,
        time=to_timestamp(event.at),
    )


def _volunteer(side: str, member_id: str, team_id: str, team_member_id: str) -> Volunteer:
    """A volunteer named by `{side}_member_id`, or by `{side}_team_id` with `{side}_team_member_id`."""
    team_given = bool(team_id.strip() or team_member_id.strip())
    if team_given and member_id.strip():
        raise InvalidArgument("give a member_id or a team volunteer, not both", f"{side}_member_id")
    member = validate.entity_id(f"{side}_member_id", member_id, required=not team_given)
    team = validate.entity_id(f"{side}_team_id", team_id, required=team_given)
    volunteer = validate.entity_id(f"{side}_team_member_id", team_member_id, required=team_given)
    return Volunteer(member or 0, team or 0, volunteer or 0)


def _optional_time(field: str, value: Timestamp) -> datetime | None:
    if value.seconds == 0 and value.nanos == 0:
        return None
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument("is not a valid time", field) from exc


class DispatchServicer(dispatch_pb2_grpc.DispatchServiceServicer):
    def __init__(
        self,
        wishes: wishes_pb2_grpc.WishServiceStub,
        registry: registry_pb2_grpc.RegistryServiceStub,
        store: DispatchStore,
        relay: AlertRelay,
        org: OrgDirectory,
        members: MemberDirectory,
        zone: ZoneInfo,
        cipher: PersonalDataCipher,
    ) -> None:
        self.wishes = wishes
        self.registry = registry
        self.store = store
        self.relay = relay
        self.org = org
        self.members = members
        self.zone = zone
        self.cipher = cipher

    # -- matching ---------------------------------------------------------------------------------------------

    async def RecommendClaimants(
        self, request: pb.RecommendClaimantsRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecommendClaimantsResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SERVICE)
        wish_id = str(validate.entity_id("wish_id", request.wish_id))
        limit = validate.page_size("limit", request.limit, default=10, maximum=100)
        try:
            wish = (await self.wishes.GetWish(wishes_pb2.GetWishRequest(wish_id=wish_id))).wish
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"no wish {wish_id}", "wish_id") from exc
            raise
        community = await self.org.unit(wish.community_id, "wish_id")
        caller.require_scope(community.id, community.ancestor_ids)
        candidates = await self.members.pool_in(community.id)
        ranked = await self._rank(
            candidates,
            lambda skills: domain.skill_points(wish.category, skills),
            lambda c: domain.skill_fit(wish.category, c),
            Place(community_id=community.id),
            community.id,
            limit,
            exclude=set(),
        )
        return pb.RecommendClaimantsResponse(recommendations=[_recommendation(r) for r in ranked])

    async def RecommendVolunteers(
        self, request: pb.RecommendVolunteersRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecommendVolunteersResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SERVICE)
        validate.entity_id("org_unit_id", request.org_unit_id)
        limit = validate.page_size("limit", request.limit, default=10, maximum=100)
        skills = [validate.enum(f"skills[{i}]", s, registry_pb2.Skill) for i, s in enumerate(request.skills)]
        if len(request.exclude_member_ids) > 1000:
            raise InvalidArgument("at most 1000 members", "exclude_member_ids")
        exclude = {
            str(validate.entity_id(f"exclude_member_ids[{i}]", m)) for i, m in enumerate(request.exclude_member_ids)
        }
        unit = await self.org.unit(request.org_unit_id.strip(), "org_unit_id")
        if unit.kind not in (registry_pb2.ORG_UNIT_KIND_COMMUNITY, registry_pb2.ORG_UNIT_KIND_STREET):
            raise InvalidArgument(f"org unit {unit.id} is not a community or a street", "org_unit_id")
        caller.require_scope(unit.id, unit.ancestor_ids)
        candidates = await self.members.pool_in(unit.id)
        place = Place(community_id=unit.id) if unit.kind == registry_pb2.ORG_UNIT_KIND_COMMUNITY else Place()
        ranked = await self._rank(
            candidates,
            lambda have: domain.skills_points(skills, have),
            lambda c: domain.skills_fit(skills, c),
            place,
            unit.id,
            limit,
            exclude=exclude,
        )
        return pb.RecommendVolunteersResponse(recommendations=[_recommendation(r) for r in ranked])

    async def _rank(
        self,
        candidates: CandidatePool,
        points: Callable[[tuple[int, ...]], float],
        fit: Callable[[Candidate], Ranked],
        place: Place,
        load_unit_id: str,
        limit: int,
        exclude: set[str],
    ) -> list[Ranked]:
        """Skill fit, nearness and open load for everyone (numbers only); then, for a shortlist of the best, the
        explanations and recent hours (one registry call each, cached), and the final order."""
        load, away = await asyncio.gather(self._open_load(load_unit_id), self.store.away_members(datetime.now(UTC)))
        # Those away (请假) now are not asked: they could not take the work.
        best = domain.shortlist_pool(candidates, points, place, load, exclude | away, domain.shortlist_size(limit))
        shortlist = [domain.add_load(domain.add_nearness(fit(c), place, c), load.get(c.member_id, 0)) for c in best]
        hours = await asyncio.gather(*(self.members.recent_hours(r.member_id, domain.RECENT_DAYS) for r in shortlist))
        final = [
            domain.add_recent_hours(r, h)
            if h is not None
            else Ranked(r.member_id, r.name, r.score, (*r.reasons, "recent hours unknown (-0)"))
            for r, h in zip(shortlist, hours, strict=True)
        ]
        return domain.order(final)[:limit]

    async def _open_load(self, org_unit_id: str) -> dict[str, int]:
        """Claimed wishes held in the subtree and alerts being handled, by member id."""
        claimed, handling = await asyncio.gather(
            self._claimed_wishes(org_unit_id), self.store.open_alerts_by_responder()
        )
        for responder, n in handling.items():
            if responder.startswith("member:"):
                member_id = responder.removeprefix("member:")
                claimed[member_id] = claimed.get(member_id, 0) + n
        return claimed

    async def _claimed_wishes(self, org_unit_id: str) -> dict[str, int]:
        load: dict[str, int] = {}
        token = ""
        for _ in range(20):  # at most 4,000 claimed wishes: beyond that the load is a floor, not exact
            page = await self.wishes.ListWishes(
                wishes_pb2.ListWishesRequest(
                    org_unit_id=org_unit_id, state=wishes_pb2.WISH_STATE_CLAIMED, page_size=200, page_token=token
                ),
            )
            for w in page.wishes:
                if w.claimant_member_id:
                    load[w.claimant_member_id] = load.get(w.claimant_member_id, 0) + 1
            token = page.next_page_token
            if not token:
                break
        return load

    # -- duty rosters -----------------------------------------------------------------------------------------

    async def _community(self, caller: Caller, raw_id: str, field: str = "community_id") -> OrgUnitInfo:
        validate.entity_id(field, raw_id)
        unit = await self.org.unit(raw_id.strip(), field)
        if unit.kind != registry_pb2.ORG_UNIT_KIND_COMMUNITY:
            raise InvalidArgument(f"org unit {unit.id} is not a community", field)
        caller.require_scope(unit.id, unit.ancestor_ids)
        return unit

    async def _require_members_of(self, community_id: str, member_ids: dict[int, str]) -> None:
        """Each member (by id, with the field it came from) is active and registered in the community."""

        async def check(member_id: int, field: str) -> None:
            member = await self.members.member(str(member_id), field)
            if member.status != registry_pb2.MEMBER_STATUS_ACTIVE:
                raise FailedPrecondition(f"member {member_id} is not an active member", field)
            if member.community_id != community_id:
                raise FailedPrecondition(
                    f"member {member_id} is registered in community {member.community_id}, not {community_id}", field
                )

        await asyncio.gather(*(check(m, f) for m, f in member_ids.items()))

    async def _slot_messages(self, slots: Iterable[Slot], away: Iterable[str] = ()) -> list[pb.DutySlot]:
        slots = list(slots)
        away = set(away)

        async def name(slot: Slot) -> str:
            try:
                if slot.team_member_id:
                    return await self.members.team_volunteer_name(str(slot.team_id), str(slot.team_member_id))
                return (await self.members.member(str(slot.member_id), "member_id")).name
            except NotFound:
                return ""  # gone from the registry since the roster was made

        names = await asyncio.gather(*(name(s) for s in slots))
        return [
            pb.DutySlot(
                member_id=str(s.member_id) if s.member_id else "",
                team_id=str(s.team_id) if s.team_id else "",
                team_member_id=str(s.team_member_id) if s.team_member_id else "",
                start_time=domain.clock(s.start_minute),
                end_time=domain.clock(s.end_minute),
                member_name=n,
                away=s.volunteer in away,
            )
            for s, n in zip(slots, names, strict=True)
        ]

    def _local_day(self, day: date) -> tuple[datetime, datetime]:
        return domain.local_day(day, self.zone)

    async def _roster(self, community_id: str, day: date) -> pb.DutyRoster:
        source, slots = await self.store.day(int(community_id), day)
        away = await self.store.away(int(community_id), *self._local_day(day))
        return pb.DutyRoster(
            community_id=community_id,
            date=day.isoformat(),
            slots=await self._slot_messages(slots, away),
            source=_ROSTER_SOURCES[source],
        )

    def _slots(self, field_of: str, slots: Iterable[pb.DutySlot]) -> tuple[list[Slot], dict[int, str]]:
        """Parses slots; field_of names slot i, e.g. "slots[{i}]". Returns them with the field each member came
        from (team volunteers are checked by _require_volunteers_of)."""
        parsed = []
        fields: dict[int, str] = {}
        for i, s in enumerate(slots):
            field = field_of.format(i=i)
            if s.team_member_id.strip() or s.team_id.strip():
                if s.member_id.strip():
                    raise InvalidArgument("give a member_id or a team volunteer, not both", f"{field}.member_id")
                team_id = validate.entity_id(f"{field}.team_id", s.team_id)
                team_member_id = validate.entity_id(f"{field}.team_member_id", s.team_member_id)
                assert team_id is not None and team_member_id is not None
                parsed.append(domain.slot_from(field, 0, s.start_time, s.end_time, team_id, team_member_id))
                continue
            member_id = validate.entity_id(f"{field}.member_id", s.member_id)
            assert member_id is not None
            parsed.append(domain.slot_from(field, member_id, s.start_time, s.end_time))
            fields.setdefault(member_id, f"{field}.member_id")
        return parsed, fields

    async def _require_volunteers_of(self, community: OrgUnitInfo, slots: list[Slot], field_of: str) -> None:
        """Each team volunteer belongs to a team of the community or of its street."""
        street_id = community.ancestor_ids[-1] if community.ancestor_ids else ""
        checks = {
            (s.team_id, s.team_member_id): field_of.format(i=i) + ".team_member_id"
            for i, s in reversed(list(enumerate(slots)))
            if s.team_member_id
        }
        await asyncio.gather(
            *(
                self.members.team_volunteer(community.id, street_id, str(team), str(volunteer), field)
                for (team, volunteer), field in checks.items()
            )
        )

    async def SetDutyRoster(
        self, request: pb.SetDutyRosterRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetDutyRosterResponse:
        caller = current_caller()
        caller.require_role(*_STAFF)
        request_id = validate.request_id(request.request_id)
        day = domain.parse_date("date", request.date)
        if len(request.slots) > domain.MAX_DAY_SLOTS:
            raise InvalidArgument(f"at most {domain.MAX_DAY_SLOTS} slots", "slots")
        slots, fields = self._slots("slots[{i}]", request.slots)
        community = await self._community(caller, request.community_id)
        await self._require_members_of(community.id, fields)
        await self._require_volunteers_of(community, slots, "slots[{i}]")
        await self.store.set_day(caller, request_id, int(community.id), day, slots)
        return pb.SetDutyRosterResponse(roster=await self._roster(community.id, day))

    async def SetWeeklyDutyPattern(
        self, request: pb.SetWeeklyDutyPatternRequest, context: grpc.aio.ServicerContext
    ) -> pb.SetWeeklyDutyPatternResponse:
        caller = current_caller()
        caller.require_role(*_STAFF)
        request_id = validate.request_id(request.request_id)
        if len(request.slots) > domain.MAX_PATTERN_SLOTS:
            raise InvalidArgument(f"at most {domain.MAX_PATTERN_SLOTS} slots", "slots")
        weekdays = []
        for i, s in enumerate(request.slots):
            if not 1 <= s.weekday <= 7:
                raise InvalidArgument("must be 1 (Monday) to 7 (Sunday)", f"slots[{i}].weekday")
            weekdays.append(s.weekday)
        slots, fields = self._slots("slots[{i}].slot", (s.slot for s in request.slots))
        community = await self._community(caller, request.community_id)
        await self._require_members_of(community.id, fields)
        await self._require_volunteers_of(community, slots, "slots[{i}].slot")
        await self.store.set_pattern(caller, request_id, int(community.id), list(zip(weekdays, slots, strict=True)))
        pattern = await self.store.pattern(int(community.id))
        messages = await self._slot_messages(s for _, s in pattern)
        return pb.SetWeeklyDutyPatternResponse(
            community_id=community.id,
            slots=[pb.WeeklyDutySlot(weekday=w, slot=m) for (w, _), m in zip(pattern, messages, strict=True)],
        )

    async def SwapDuty(self, request: pb.SwapDutyRequest, context: grpc.aio.ServicerContext) -> pb.SwapDutyResponse:
        caller = current_caller()
        caller.require_role(*_STAFF)
        request_id = validate.request_id(request.request_id)
        day = domain.parse_date("date", request.date)
        outgoing = _volunteer("from", request.from_member_id, request.from_team_id, request.from_team_member_id)
        incoming = _volunteer("to", request.to_member_id, request.to_team_id, request.to_team_member_id)
        outgoing_field = "from_team_member_id" if outgoing.team_member_id else "from_member_id"
        incoming_field = "to_team_member_id" if incoming.team_member_id else "to_member_id"
        if outgoing.key == incoming.key:
            raise InvalidArgument(f"must differ from {outgoing_field}", incoming_field)
        reason = validate.text("reason", request.reason, max_length=500, required=False)
        community = await self._community(caller, request.community_id)
        # The one taking the duty is checked as SetDutyRoster checks whom a roster names.
        if incoming.member_id:
            await self._require_members_of(community.id, {incoming.member_id: incoming_field})
        else:
            street_id = community.ancestor_ids[-1] if community.ancestor_ids else ""
            await self.members.team_volunteer(
                community.id, street_id, str(incoming.team_id), str(incoming.team_member_id), incoming_field
            )
        try:
            await self.store.swap(caller, request_id, int(community.id), day, outgoing, incoming, reason)
        except NotOnDuty as exc:
            who = outgoing.key.replace(":", " ")
            raise FailedPrecondition(
                f"{who} has no duty in community {community.id} on {day.isoformat()}", outgoing_field
            ) from exc
        return pb.SwapDutyResponse(roster=await self._roster(community.id, day))

    async def GetDutyRoster(
        self, request: pb.GetDutyRosterRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDutyRosterResponse:
        caller = current_caller()
        caller.require_role(*_READERS)
        day = domain.parse_date("date", request.date)
        community = await self._community(caller, request.community_id)
        return pb.GetDutyRosterResponse(roster=await self._roster(community.id, day))

    async def GetOnDuty(self, request: pb.GetOnDutyRequest, context: grpc.aio.ServicerContext) -> pb.GetOnDutyResponse:
        caller = current_caller()
        caller.require_role(*_READERS)
        moment = (_optional_time("time", request.time) or datetime.now(UTC)).astimezone(self.zone)
        community = await self._community(caller, request.community_id)
        covering = await self._on_duty_at(int(community.id), moment)
        return pb.GetOnDutyResponse(on_duty=await self._slot_messages(covering), date=moment.date().isoformat())

    async def GetDutyGaps(
        self, request: pb.GetDutyGapsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDutyGapsResponse:
        caller = current_caller()
        caller.require_role(*_READERS)
        first = domain.parse_date("start_date", request.start_date)
        last = domain.parse_date("end_date", request.end_date)
        if last < first:
            raise InvalidArgument("must not be before start_date", "end_date")
        if (last - first).days >= domain.MAX_GAP_DAYS:
            raise InvalidArgument(f"the period may span at most {domain.MAX_GAP_DAYS} days", "end_date")
        community = await self._community(caller, request.community_id)
        gaps: list[pb.DutyGap] = []
        uncovered_days, minutes = 0, 0
        for day, day_gaps in (await self.store.duty_gaps(int(community.id), first, last, self.zone)).items():
            if day_gaps == [(0, domain.MINUTES_PER_DAY)]:
                uncovered_days += 1
            for start, end in day_gaps:
                minutes += end - start
                gaps.append(
                    pb.DutyGap(date=day.isoformat(), start_time=domain.clock(start), end_time=domain.clock(end))
                )
        return pb.GetDutyGapsResponse(gaps=gaps, uncovered_days=uncovered_days, uncovered_hours=round(minutes / 60, 2))

    # -- absences (请假) --------------------------------------------------------------------------------------

    async def DeclareUnavailability(
        self, request: pb.DeclareUnavailabilityRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeclareUnavailabilityResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.MEMBER)
        request_id = validate.request_id(request.request_id)
        volunteer_given = bool(request.team_id.strip() or request.team_member_id.strip())
        if volunteer_given and request.member_id.strip():
            raise InvalidArgument("give a member_id or a team volunteer, not both", "member_id")
        member_id = validate.entity_id("member_id", request.member_id, required=not volunteer_given)
        team_id = validate.entity_id("team_id", request.team_id, required=volunteer_given)
        team_member_id = validate.entity_id("team_member_id", request.team_member_id, required=volunteer_given)
        now = datetime.now(UTC)
        starts = _optional_time("start_time", request.start_time) or now
        ends = _optional_time("end_time", request.end_time)
        if ends is None:
            raise InvalidArgument("is required", "end_time")
        if ends <= starts:
            raise InvalidArgument("must be after start_time", "end_time")
        if ends - starts > timedelta(days=domain.MAX_ABSENCE_DAYS):
            raise InvalidArgument(f"an absence may last at most {domain.MAX_ABSENCE_DAYS} days", "end_time")
        reason = validate.text("reason", request.reason, max_length=200, required=False)
        if caller.role == Role.MEMBER and str(member_id) != caller.subject:
            raise PermissionDenied("a member may declare only their own absence", "member_id")
        community = await self._community(caller, request.community_id)
        if member_id:
            await self._require_members_of(community.id, {member_id: "member_id"})
        else:
            street_id = community.ancestor_ids[-1] if community.ancestor_ids else ""
            await self.members.team_volunteer(
                community.id, street_id, str(team_id), str(team_member_id), "team_member_id"
            )
        absence = await self.store.declare_absence(
            caller,
            request_id,
            int(community.id),
            domain.volunteer_key(member_id or 0, team_member_id or 0),
            team_id,
            starts,
            ends,
            reason,
        )
        return pb.DeclareUnavailabilityResponse(unavailability=_absence_message(absence))

    async def WithdrawUnavailability(
        self, request: pb.WithdrawUnavailabilityRequest, context: grpc.aio.ServicerContext
    ) -> pb.WithdrawUnavailabilityResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.MEMBER)
        request_id = validate.request_id(request.request_id)
        absence_id = validate.entity_id("unavailability_id", request.unavailability_id)
        assert absence_id is not None
        absence = await self.store.absence(absence_id)
        if absence is None:
            raise NotFound(f"no unavailability {absence_id}", "unavailability_id")
        if caller.role == Role.MEMBER:
            if absence.volunteer != f"member:{caller.subject}":
                raise PermissionDenied("a member may withdraw only their own absence", "unavailability_id")
        else:
            await self._community(caller, str(absence.community_id), "unavailability_id")
        absence = await self.store.withdraw_absence(caller, request_id, absence_id)
        return pb.WithdrawUnavailabilityResponse(unavailability=_absence_message(absence))

    async def ListUnavailability(
        self, request: pb.ListUnavailabilityRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListUnavailabilityResponse:
        caller = current_caller()
        caller.require_role(*_READERS)
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        start = _optional_time("start_time", request.start_time) or datetime.now(UTC)
        end = _optional_time("end_time", request.end_time) or start + timedelta(days=domain.MAX_GAP_DAYS)
        if end <= start:
            raise InvalidArgument("must be after start_time", "end_time")
        if end - start > timedelta(days=domain.MAX_ABSENCE_DAYS):
            raise InvalidArgument(f"the period may span at most {domain.MAX_ABSENCE_DAYS} days", "end_time")
        community = await self._community(caller, request.community_id)
        query = {
            "absences_in": community.id,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "caller": caller.subject,
        }
        after = decode_page_token(request.page_token, query)
        after_id = int(after[0]) if after else 0
        own = f"member:{caller.subject}" if caller.role == Role.MEMBER else None  # members see only their own
        absences = await self.store.absences(int(community.id), start, end, after_id, page_size + 1, own)
        token = encode_page_token(query, [absences[page_size - 1].id]) if len(absences) > page_size else ""
        return pb.ListUnavailabilityResponse(
            unavailability=[_absence_message(a) for a in absences[:page_size]], next_page_token=token
        )

    # -- alerts -----------------------------------------------------------------------------------------------

    async def _alert(self, raw_id: str, field: str = "alert_id") -> Alert:
        alert_id = validate.entity_id(field, raw_id)
        assert alert_id is not None
        alert = await self.store.alert(alert_id)
        if alert is None:
            raise NotFound(f"no alert {alert_id}", field)
        return alert

    @staticmethod
    def _in_scope(caller: Caller, alert: Alert) -> None:
        caller.require_scope(str(alert.unit_id), alert.unit_path[:-1])

    async def _where(self, unit: OrgUnitInfo) -> tuple[int, int | None, int | None, int | None]:
        """(community, street, grid, building) of an alert's unit, from the org tree."""
        community = street = grid = building = None
        kinds = {unit.id: unit.kind}
        for ancestor_id in unit.ancestor_ids:
            kinds[ancestor_id] = (await self.org.unit(ancestor_id, "unit_id")).kind
        for unit_id in (unit.id, *reversed(unit.ancestor_ids)):
            kind = kinds.get(unit_id)
            if kind == registry_pb2.ORG_UNIT_KIND_BUILDING and building is None:
                building = int(unit_id)
            elif kind == registry_pb2.ORG_UNIT_KIND_GRID and grid is None:
                grid = int(unit_id)
            elif kind == registry_pb2.ORG_UNIT_KIND_COMMUNITY and community is None:
                community = int(unit_id)
            elif kind == registry_pb2.ORG_UNIT_KIND_STREET and street is None:
                street = int(unit_id)
        if community is None:
            raise InvalidArgument(f"org unit {unit.id} lies in no community", "unit_id")
        return community, street, grid, building

    async def RaiseAlert(
        self, request: pb.RaiseAlertRequest, context: grpc.aio.ServicerContext
    ) -> pb.RaiseAlertResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        kind = domain.ALERT_KINDS[validate.enum("kind", request.kind, pb.AlertKind)]
        validate.entity_id("unit_id", request.unit_id)
        address = validate.text("address", request.address, max_length=domain.MAX_ADDRESS, required=False)
        device_id = validate.text("device_id", request.device_id, max_length=100, required=False)
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)

        earlier = await self.store.alert_by_request(caller, request_id)
        if earlier is not None:
            return pb.RaiseAlertResponse(alert=alert_message(earlier))

        unit = await self.org.unit(request.unit_id.strip(), "unit_id")
        if unit.kind not in _ALERT_UNITS:
            raise InvalidArgument(f"org unit {unit.id} is not a community, grid or building", "unit_id")
        caller.require_scope(unit.id, unit.ancestor_ids)
        community, street, grid, building = await self._where(unit)
        # Whom it calls is worked out now, from the roster at this moment, and goes into the workflow's input (ids
        # only): the way to the first notice makes no call back here.
        raised_at = datetime.now(UTC)
        order = await self._call_order(community, grid, building, raised_at)
        new = NewAlert(
            kind,
            int(unit.id),
            unit.path,
            community,
            street,
            grid,
            building,
            address_sealed=self.cipher.seal(address, domain.ADDRESS_FIELD) if address else None,
            address_masked=domain.mask_address(address),
            device_id_sealed=self.cipher.seal(device_id, domain.DEVICE_ID_FIELD) if device_id else None,
            device_id_masked=domain.mask_device_id(device_id),
            data_key_id=self.cipher.active_key_id,
            note=note,
            raised_at=raised_at,
            call_list=[[who, domain.NEARNESS_NAMES[near]] for who, near in order],
        )
        alert, created = await self.store.raise_alert(caller, request_id, new)
        if created:
            ALERTS_RAISED.labels(kind).inc()
            self.relay.deliver_soon(alert)
        return pb.RaiseAlertResponse(alert=alert_message(alert))

    async def _move(
        self, caller: Caller, request_id: str, alert: Alert, move: domain.AlertMove, note: str = "", **changes: object
    ) -> Alert:
        try:
            moved, now = await self.store.move(caller, request_id, alert.id, move, note, **changes)
        except WrongAlertState as exc:
            current = exc.alert
            detail = f" by {current.responder}" if current.state in ("acknowledged", "arrived") else ""
            allowed = " or ".join(sorted(move.from_states))
            raise FailedPrecondition(
                f"alert {alert.id} is {current.state}{detail}; to {move.name} it, it must be {allowed}"
            ) from exc
        if now:
            self.relay.deliver_soon(moved)
        return moved

    def _require_responder_or_staff(self, caller: Caller, alert: Alert) -> None:
        if caller.role == Role.MEMBER:
            if alert.responder != f"member:{caller.subject}":
                raise PermissionDenied("only the member who acknowledged the alert, or staff, may do this")
            return
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        self._in_scope(caller, alert)

    async def AcknowledgeAlert(
        self, request: pb.AcknowledgeAlertRequest, context: grpc.aio.ServicerContext
    ) -> pb.AcknowledgeAlertResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM, Role.MEMBER)
        request_id = validate.request_id(request.request_id)
        team_member_id = validate.entity_id("team_member_id", request.team_member_id, required=False)
        if team_member_id and request.member_id.strip():
            raise InvalidArgument("give a member_id or a team_member_id, not both", "team_member_id")
        member_id = validate.entity_id(
            "member_id",
            request.member_id,
            required=caller.role in (Role.MEMBER, Role.SYSTEM) and not team_member_id,
        )
        alert = await self._alert(request.alert_id)
        if caller.role == Role.MEMBER:
            if str(member_id) != caller.subject:
                raise PermissionDenied("a member may acknowledge only for themselves", "member_id")
        else:
            self._in_scope(caller, alert)
        if team_member_id:
            responder = domain.volunteer_key(0, team_member_id)
            if not await self._may_answer(alert, responder):
                raise FailedPrecondition(
                    f"team volunteer {team_member_id} has not been called to alert {alert.id}", "team_member_id"
                )
        else:
            responder = f"member:{member_id}" if member_id else f"staff:{caller.subject}"
            if member_id and not await self._may_answer(alert, responder):
                raise FailedPrecondition(f"member {member_id} has not been called to alert {alert.id}", "member_id")
        if alert.responder == responder and alert.state in ("acknowledged", "arrived"):
            return pb.AcknowledgeAlertResponse(alert=alert_message(alert))
        moved = await self._move(caller, request_id, alert, domain.ACKNOWLEDGE, "", responder=responder)
        if moved.acknowledged_at and moved.responder == responder and moved.version == alert.version + 1:
            ALERTS_ACKNOWLEDGED.labels(moved.kind).inc()
            SECONDS_TO_ACKNOWLEDGE.observe((moved.acknowledged_at - moved.raised_at).total_seconds())
        return pb.AcknowledgeAlertResponse(alert=alert_message(moved))

    async def _may_answer(self, alert: Alert, volunteer: str) -> bool:
        """Called to the alert — or on duty when it was raised, as the notice can arrive before its call is recorded."""
        if volunteer in await self.store.called(alert.id):
            return True
        return volunteer in {s.volunteer for s in await self._on_duty_at_raise(alert)}

    async def _on_duty_at_raise(self, alert: Alert) -> list[Slot]:
        return await self._on_duty_at(alert.community_id, alert.raised_at)

    async def _on_duty_at(self, community_id: int, moment: datetime) -> list[Slot]:
        """The slots covering the moment, in roster order, but for those of volunteers away then."""
        local = moment.astimezone(self.zone)
        _, slots = await self.store.day(community_id, local.date())
        covering = domain.on_duty(slots, local.hour * 60 + local.minute)
        if not covering:
            return covering
        away = await self.store.away(community_id, moment, moment + timedelta(seconds=1))
        return [s for s in covering if s.volunteer not in away]

    async def ArriveAlert(
        self, request: pb.ArriveAlertRequest, context: grpc.aio.ServicerContext
    ) -> pb.ArriveAlertResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        alert = await self._alert(request.alert_id)
        self._require_responder_or_staff(caller, alert)
        return pb.ArriveAlertResponse(alert=alert_message(await self._move(caller, request_id, alert, domain.ARRIVE)))

    async def ResolveAlert(
        self, request: pb.ResolveAlertRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveAlertResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        outcome = domain.OUTCOMES[validate.enum("outcome", request.outcome, pb.AlertOutcome)]
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        alert = await self._alert(request.alert_id)
        self._require_responder_or_staff(caller, alert)
        moved = await self._move(
            caller, request_id, alert, domain.RESOLVE, f"outcome: {outcome}", outcome=outcome, outcome_note=note
        )
        if moved.version == alert.version + 1:
            ALERTS_RESOLVED.labels(outcome).inc()
        return pb.ResolveAlertResponse(alert=alert_message(moved))

    async def CancelAlert(
        self, request: pb.CancelAlertRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelAlertResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_NOTE, required=False)
        alert = await self._alert(request.alert_id)
        self._require_responder_or_staff(caller, alert)
        moved = await self._move(
            caller, request_id, alert, domain.CANCEL, reason or "false alarm", outcome_note=reason or "false alarm"
        )
        if moved.version == alert.version + 1:
            ALERTS_CANCELLED.inc()
        return pb.CancelAlertResponse(alert=alert_message(moved))

    async def GetAlert(self, request: pb.GetAlertRequest, context: grpc.aio.ServicerContext) -> pb.GetAlertResponse:
        caller = current_caller()
        alert = await self._alert(request.alert_id)
        if caller.role == Role.MEMBER:
            if f"member:{caller.subject}" not in await self.store.called(alert.id):
                raise PermissionDenied("members may read only the alerts they were called to")
        elif caller.role != Role.SERVICE:
            self._in_scope(caller, alert)
        revealed = None
        if request.reveal_personal_data:
            caller.require_role(*_MAY_REVEAL)
            revealed = self._open(await self.store.reveal(caller, alert.id, "get_alert"))
        timeline = await self.store.timeline(alert.id, domain.MAX_TIMELINE)
        return pb.GetAlertResponse(alert=alert_message(alert, revealed), timeline=[event_message(e) for e in timeline])

    def _open(self, sealed: SealedAlertData) -> tuple[str, str]:
        return (
            self.cipher.open(sealed.address, domain.ADDRESS_FIELD) if sealed.address else "",
            self.cipher.open(sealed.device_id, domain.DEVICE_ID_FIELD) if sealed.device_id else "",
        )

    async def GetAlertStats(
        self, request: pb.GetAlertStatsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAlertStatsResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SERVICE, Role.SYSTEM)
        validate.entity_id("org_unit_id", request.org_unit_id)
        start = _optional_time("start_time", request.start_time)
        end = _optional_time("end_time", request.end_time)
        if start and end and end <= start:
            raise InvalidArgument("must be after start_time", "end_time")
        unit = await self.org.unit(request.org_unit_id.strip(), "org_unit_id")
        caller.require_scope(unit.id, unit.ancestor_ids)
        stats = await self.store.stats(unit.id, start, end)
        return pb.GetAlertStatsResponse(
            raised=stats.raised,
            acknowledged=stats.acknowledged,
            escalated=stats.escalated,
            resolved=stats.resolved,
            median_seconds_to_acknowledge=round(stats.median_seconds, 3),
            p90_seconds_to_acknowledge=round(stats.p90_seconds, 3),
        )

    async def GetAlertCallList(
        self, request: pb.GetAlertCallListRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAlertCallListResponse:
        current_caller().require_role(Role.SERVICE)
        alert = await self._alert(request.alert_id)
        if alert.call_list is not None:
            order = [(who, _NEARNESS_OF_WORD[near]) for who, near in alert.call_list]
        else:  # raised before call lists were worked out at the raise
            order = await self._call_order(alert.community_id, alert.grid_id, alert.building_id, alert.raised_at)
        return pb.GetAlertCallListResponse(
            volunteers=[_callee(who, _NEARNESS_NUMBERS[n]) for who, n in order],
            community_id=str(alert.community_id),
            street_id=str(alert.street_id or ""),
            kind=domain.ALERT_KIND_NUMBERS[alert.kind],
            unit_id=str(alert.unit_id),
        )

    async def _call_order(
        self, community_id: int, grid_id: int | None, building_id: int | None, moment: datetime
    ) -> list[tuple[str, int]]:
        """Whom an alert at the moment calls: those on duty then and not away, active, nearest first, then in roster
        order — (volunteer, nearness)."""
        covering = await self._on_duty_at(community_id, moment)
        place = Place(building_id=str(building_id or ""), grid_id=str(grid_id or ""), community_id=str(community_id))

        async def locate(position: int, slot: Slot) -> tuple[str, int, int] | None:
            if slot.team_member_id:
                # A team volunteer's home is not in the registry: as near as the community.
                return slot.volunteer, domain.NEAR_COMMUNITY, position
            try:
                member = await self.members.member(str(slot.member_id), "member_id")
            except NotFound:
                return None  # gone from the registry since the roster was made: not called
            if member.status != registry_pb2.MEMBER_STATUS_ACTIVE:
                return None
            try:
                path = (await self.org.unit(member.residence_unit_id, "member_id")).path
            except NotFound:
                path = (member.community_id,)
            return slot.volunteer, domain.nearness(place, path), position

        located = await asyncio.gather(*(locate(i, s) for i, s in enumerate(covering)))
        return domain.call_order(v for v in located if v is not None)

    async def RecordAlertEvent(
        self, request: pb.RecordAlertEventRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordAlertEventResponse:
        caller = current_caller()
        caller.require_role(Role.SERVICE)
        request_id = validate.request_id(request.request_id)
        kind = domain.EVENT_KINDS[validate.enum("kind", request.kind, pb.AlertEventKind)]
        if kind not in domain.WORKFLOW_EVENT_KINDS:
            raise InvalidArgument(f"'{kind}' is a state change, made only by its own call", "kind")
        recipient = validate.text("recipient", request.recipient, max_length=100, required=False)
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        escalation_number = validate.enum(
            "escalation", request.escalation, pb.EscalationLevel, required=kind == "escalated"
        )
        escalation = domain.ESCALATIONS.get(escalation_number, "")
        if request.reveal_address and (kind != "called" or not recipient):
            raise InvalidArgument("only with a CALLED event and its recipient", "reveal_address")
        alert_id = validate.entity_id("alert_id", request.alert_id)
        assert alert_id is not None
        try:
            # No read of the alert first: on the way to every notice, and the store finds a missing one itself.
            recorded, sealed = await self.store.record_event(
                caller,
                request_id,
                alert_id,
                kind,
                recipient,
                note,
                escalation,
                recipient if request.reveal_address else "",
            )
        except LookupError as exc:
            raise NotFound(f"no alert {alert_id}", "alert_id") from exc
        if recorded and kind == "escalated":
            ALERTS_ESCALATED.labels(escalation).inc()
        address = self._open(sealed)[0] if sealed else ""
        return pb.RecordAlertEventResponse(recorded=recorded, address=address)


def _absence_message(a: Absence) -> pb.Unavailability:
    kind, _, number = a.volunteer.partition(":")
    return pb.Unavailability(
        id=str(a.id),
        community_id=str(a.community_id),
        member_id=number if kind == "member" else "",
        team_id=str(a.team_id) if a.team_id else "",
        team_member_id=number if kind == "volunteer" else "",
        start_time=to_timestamp(a.starts_at),
        end_time=to_timestamp(a.ends_at),
        reason=a.reason,
        withdraw_time=to_timestamp(a.withdrawn_at),
    )


def _callee(volunteer: str, nearness: int) -> pb.Callee:
    kind, _, number = volunteer.partition(":")
    if kind == "volunteer":
        return pb.Callee(team_member_id=number, nearness=nearness)
    return pb.Callee(member_id=number, nearness=nearness)


def _recommendation(r: Ranked) -> pb.Recommendation:
    return pb.Recommendation(member_id=r.member_id, member_name=r.name, score=r.score, reasons=list(r.reasons))
