"""DispatchService's duty rosters (值班表), swaps (换班) and absences (请假)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import grpc
from linli.dispatch.v1 import dispatch_pb2 as pb
from linli.registry.v1 import registry_pb2

from services.dispatch.calls import DispatchCalls
from services.dispatch.duty import domain
from services.dispatch.duty.domain import Slot, Volunteer
from services.dispatch.duty.store import Absence, NotOnDuty
from services.dispatch.scope import require_unit_in_scope
from services.runtime import access, validate
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role, current_caller
from services.runtime.convert import to_timestamp
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.runtime.org_directory import OrgUnitInfo
from services.runtime.paging import decode_page_token, encode_page_token

_ROSTER_SOURCES = {
    "none": pb.ROSTER_SOURCE_NONE,
    "weekly_pattern": pb.ROSTER_SOURCE_WEEKLY_PATTERN,
    "day": pb.ROSTER_SOURCE_DAY,
}


def _volunteer(side: str, member_id: str, team_id: str, team_member_id: str) -> Volunteer:
    """A volunteer named by `{side}_member_id`, or by `{side}_team_id` with `{side}_team_member_id`."""
    team_given = bool(team_id.strip() or team_member_id.strip())
    if team_given and member_id.strip():
        raise InvalidArgument("give a member_id or a team volunteer, not both", f"{side}_member_id")
    member = validate.entity_id(f"{side}_member_id", member_id, required=not team_given)
    team = validate.entity_id(f"{side}_team_id", team_id, required=team_given)
    volunteer = validate.entity_id(f"{side}_team_member_id", team_member_id, required=team_given)
    return Volunteer(member or 0, team or 0, volunteer or 0)


class DutyServicer(DispatchCalls):
    async def _community(self, caller: Caller, raw_id: str, field: str = "community_id") -> OrgUnitInfo:
        validate.entity_id(field, raw_id)
        unit = await self.org.unit(raw_id.strip(), field)
        if unit.kind != registry_pb2.ORG_UNIT_KIND_COMMUNITY:
            raise InvalidArgument(f"org unit {unit.id} is not a community", field)
        access.require_scope(caller, unit.id, unit.ancestor_ids, "community")
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
        self, request: pb.SetDutyRosterRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.SetDutyRosterResponse:
        caller = current_caller()
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
        self, request: pb.SetWeeklyDutyPatternRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.SetWeeklyDutyPatternResponse:
        caller = current_caller()
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

    async def SwapDuty(
        self, request: pb.SwapDutyRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.SwapDutyResponse:
        caller = current_caller()
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
        self, request: pb.GetDutyRosterRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetDutyRosterResponse:
        caller = current_caller()
        day = domain.parse_date("date", request.date)
        community = await self._community(caller, request.community_id)
        return pb.GetDutyRosterResponse(roster=await self._roster(community.id, day))

    async def GetOnDuty(
        self, request: pb.GetOnDutyRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetOnDutyResponse:
        caller = current_caller()
        moment = (validate.optional_time("time", request.time) or datetime.now(UTC)).astimezone(self.zone)
        community = await self._community(caller, request.community_id)
        covering = await self._on_duty_at(int(community.id), moment)
        return pb.GetOnDutyResponse(on_duty=await self._slot_messages(covering), date=moment.date().isoformat())

    async def GetDutyGaps(
        self, request: pb.GetDutyGapsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetDutyGapsResponse:
        caller = current_caller()
        first, last = domain.parse_days(request.start_date, request.end_date, domain.MAX_GAP_DAYS)
        community = await self._community(caller, request.community_id)
        gaps: list[pb.DutyGap] = []
        uncovered_days, minutes = 0, 0
        for day, day_gaps in (await self.store.duty_gaps(int(community.id), first, last, self.zone)).items():
            if domain.nobody_all_day(day_gaps):
                uncovered_days += 1
            for start, end in day_gaps:
                minutes += end - start
                gaps.append(
                    pb.DutyGap(date=day.isoformat(), start_time=domain.clock(start), end_time=domain.clock(end))
                )
        return pb.GetDutyGapsResponse(gaps=gaps, uncovered_days=uncovered_days, uncovered_hours=round(minutes / 60, 2))

    async def ListUncoveredDutyDays(
        self, request: pb.ListUncoveredDutyDaysRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListUncoveredDutyDaysResponse:
        caller = current_caller()
        first, last = domain.parse_days(request.start_date, request.end_date, domain.MAX_UNCOVERED_LIST_DAYS)
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        unit_id = validate.entity_id("org_unit_id", request.org_unit_id, required=False)
        if unit_id is not None:
            await require_unit_in_scope(self.org, caller, unit_id, "org_unit_id")
        elif caller.scope == WHOLE_DEPLOYMENT:
            access.checked_otherwise()
        else:
            raise PermissionDenied(
                "the whole deployment lies outside the caller's scope: name an org unit", "org_unit_id"
            )
        query = {
            "uncovered_in": unit_id or "*",
            "from": first.isoformat(),
            "to": last.isoformat(),
            "caller": caller.key,
        }
        after = decode_page_token(request.page_token, query)
        after_key = (int(after[0]), str(after[1])) if after else (0, "")
        days: list[pb.UncoveredDutyDay] = []
        for community_id in await self.store.rostered_communities():
            if community_id < after_key[0] or not await self._lies_in(community_id, unit_id):
                continue
            for day, day_gaps in (await self.store.duty_gaps(community_id, first, last, self.zone)).items():
                if domain.nobody_all_day(day_gaps) and (community_id, day.isoformat()) > after_key:
                    days.append(pb.UncoveredDutyDay(community_id=str(community_id), date=day.isoformat()))
            if len(days) > page_size:
                break
        token = ""
        if len(days) > page_size:
            token = encode_page_token(query, [int(days[page_size - 1].community_id), days[page_size - 1].date])
        return pb.ListUncoveredDutyDaysResponse(days=days[:page_size], next_page_token=token)

    async def _lies_in(self, community_id: int, unit_id: int | None) -> bool:
        """Whether the community lies in the unit's subtree as the tree is now (a community gone from it: no)."""
        if unit_id is None or community_id == unit_id:
            return True
        try:
            community = await self.org.unit(str(community_id), "org_unit_id")
        except NotFound:
            return False
        return str(unit_id) in community.ancestor_ids

    # -- absences (请假) --------------------------------------------------------------------------------------

    async def DeclareUnavailability(
        self, request: pb.DeclareUnavailabilityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.DeclareUnavailabilityResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        volunteer_given = bool(request.team_id.strip() or request.team_member_id.strip())
        if volunteer_given and request.member_id.strip():
            raise InvalidArgument("give a member_id or a team volunteer, not both", "member_id")
        member_id = validate.entity_id("member_id", request.member_id, required=not volunteer_given)
        team_id = validate.entity_id("team_id", request.team_id, required=volunteer_given)
        team_member_id = validate.entity_id("team_member_id", request.team_member_id, required=volunteer_given)
        now = datetime.now(UTC)
        starts = validate.optional_time("start_time", request.start_time) or now
        ends = validate.optional_time("end_time", request.end_time)
        if ends is None:
            raise InvalidArgument("is required", "end_time")
        if ends <= starts:
            raise InvalidArgument("must be after start_time", "end_time")
        if ends - starts > timedelta(days=domain.MAX_ABSENCE_DAYS):
            raise InvalidArgument(f"an absence may last at most {domain.MAX_ABSENCE_DAYS} days", "end_time")
        reason = validate.text("reason", request.reason, max_length=200, required=False)
        access.require_self(caller, member_id or "", "member_id", "declare only their own absence")
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
        if absence.community_id != int(community.id):  # this caller's earlier request: checked as it stands now
            await self._community(caller, str(absence.community_id), "request_id")
        return pb.DeclareUnavailabilityResponse(unavailability=_absence_message(absence))

    async def WithdrawUnavailability(
        self, request: pb.WithdrawUnavailabilityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.WithdrawUnavailabilityResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        absence_id = validate.entity_id("unavailability_id", request.unavailability_id)
        assert absence_id is not None
        absence = await self.store.absence(absence_id)
        if absence is None:
            raise NotFound(f"no unavailability {absence_id}", "unavailability_id")
        if caller.role == Role.MEMBER:
            owner = absence.volunteer.removeprefix("member:") if absence.volunteer.startswith("member:") else ""
            access.require_self(caller, owner, "unavailability_id", "withdraw only their own absence")
        else:
            await self._community(caller, str(absence.community_id), "unavailability_id")
        absence = await self.store.withdraw_absence(caller, request_id, absence_id)
        return pb.WithdrawUnavailabilityResponse(unavailability=_absence_message(absence))

    async def ListUnavailability(
        self, request: pb.ListUnavailabilityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListUnavailabilityResponse:
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        start = validate.optional_time("start_time", request.start_time) or datetime.now(UTC)
        end = validate.optional_time("end_time", request.end_time) or start + timedelta(days=domain.MAX_GAP_DAYS)
        if end <= start:
            raise InvalidArgument("must be after start_time", "end_time")
        if end - start > timedelta(days=domain.MAX_ABSENCE_DAYS):
            raise InvalidArgument(f"the period may span at most {domain.MAX_ABSENCE_DAYS} days", "end_time")
        community = await self._community(caller, request.community_id)
        query = {
            "absences_in": community.id,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "caller": caller.key,
        }
        after = decode_page_token(request.page_token, query)
        after_id = int(after[0]) if after else 0
        own = f"member:{caller.subject}" if caller.role == Role.MEMBER else None  # members see only their own
        absences = await self.store.absences(int(community.id), start, end, after_id, page_size + 1, own)
        token = encode_page_token(query, [absences[page_size - 1].id]) if len(absences) > page_size else ""
        return pb.ListUnavailabilityResponse(
            unavailability=[_absence_message(a) for a in absences[:page_size]], next_page_token=token
        )


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
