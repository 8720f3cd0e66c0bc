"""RegistryService's service records (纪实) and stats: what members did, counted where they lived when they did it,
and what team volunteers who are not members did, counted where their team is."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2 as pb

from services.registry import domain
from services.registry.domain import Member
from services.registry.lookups import Lookups, require_may_read_member, require_member_in_scope, require_unit_in_scope
from services.registry.messages import service_record_message, service_total_messages
from services.registry.service_records.store import RecordQuery, Volunteer
from services.registry.store import NewService
from services.runtime import access, validate
from services.runtime.auth import Caller, Role, current_caller
from services.runtime.errors import InvalidArgument, NotFound, PermissionDenied
from services.runtime.paging import decode_page_token, encode_page_token

# Clocks of other systems may run a little ahead of ours.
_CLOCK_SKEW = timedelta(minutes=5)


class RecordCalls(Lookups):
    async def RecordService(
        self, request: pb.RecordServiceRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RecordServiceResponse:  # 纪实
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        kind = domain.SERVICE_KINDS[validate.enum("kind", request.kind, pb.ServiceKind)]
        source_id = validate.text("source_id", request.source_id, max_length=domain.MAX_SOURCE_ID)
        category = validate.text("category", request.category, max_length=domain.MAX_CATEGORY, required=False)
        hours = domain.service_hours("hours", request.hours)
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        now = datetime.now(UTC)
        served_at = validate.optional_time("served_at", request.served_at) or now
        if served_at > now + _CLOCK_SKEW:
            raise InvalidArgument("must not lie in the future", "served_at")
        if request.team_member_id.strip() or request.team_id.strip():
            if request.member_id.strip():
                raise InvalidArgument("give a member_id or a team_member_id, not both", "team_member_id")
            member, volunteer = await self._volunteer(request.team_id, request.team_member_id)
        else:
            member, volunteer = await self._member("member_id", request.member_id), None
        if volunteer is not None:
            require_unit_in_scope(caller, volunteer.unit, "the team's unit")
        else:
            assert member is not None
            require_member_in_scope(caller, member)
        new = NewService(member, kind, source_id, category, hours, served_at, note, volunteer)
        record, created = await self.store.record_service(caller, request_id, new)
        return pb.RecordServiceResponse(record=service_record_message(record), created=created)

    async def _volunteer(self, raw_team_id: str, raw_team_member_id: str) -> tuple[Member | None, Volunteer | None]:
        """The team volunteer a request names (the team checked when given); a team member who is a registered
        member is recorded to the member, so their service counts as a member's wherever they are listed."""
        team_member_id = validate.entity_id("team_member_id", raw_team_member_id)
        assert team_member_id is not None
        team_id = validate.entity_id("team_id", raw_team_id, required=False)
        team_member = await self.store.team_member(team_member_id)
        if team_member is None or (team_id is not None and team_member.team_id != team_id):
            where = f" on team {team_id}" if team_id is not None else ""
            raise NotFound(f"no team volunteer {team_member_id}{where}", "team_member_id")
        if team_member.member_id is not None:
            return await self._member("team_member_id", str(team_member.member_id)), None
        team, unit = await self._team(str(team_member.team_id))
        return None, Volunteer(team_member, team, unit)

    async def GetMemberServiceSummary(
        self, request: pb.GetMemberServiceSummaryRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetMemberServiceSummaryResponse:
        caller = current_caller()
        start = validate.optional_time("start_time", request.start_time)
        end = validate.optional_time("end_time", request.end_time)
        domain.check_period(start, end)
        if request.team_member_id.strip():
            if request.member_id.strip():
                raise InvalidArgument("give a member_id or a team_member_id, not both", "team_member_id")
            member, volunteer = await self._volunteer("", request.team_member_id)
        else:
            member, volunteer = await self._member("member_id", request.member_id), None
        if volunteer is not None:
            # A member reads only their own record, and a team volunteer who is not a member has no linli account.
            access.require_self(caller, "", "team_member_id", "read only their own record")
            require_unit_in_scope(caller, volunteer.unit, "the team's unit")
            totals = await self.store.service_summary(volunteer.team_member.id, start, end, team_volunteer=True)
            return pb.GetMemberServiceSummaryResponse(
                team_member_id=str(volunteer.team_member.id),
                totals=service_total_messages(totals),
                count=sum(t.count for t in totals),
                hours=round(sum(t.hours for t in totals), 2),
            )
        assert member is not None
        require_may_read_member(caller, member)
        totals = await self.store.service_summary(member.id, start, end)
        return pb.GetMemberServiceSummaryResponse(
            member_id=str(member.id),
            totals=service_total_messages(totals),
            count=sum(t.count for t in totals),
            hours=round(sum(t.hours for t in totals), 2),
        )

    async def GetRegistryStats(
        self, request: pb.GetRegistryStatsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetRegistryStatsResponse:
        caller = current_caller()
        start = validate.optional_time("start_time", request.start_time)
        end = validate.optional_time("end_time", request.end_time) or datetime.now(UTC)
        domain.check_period(start, end)
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        # The caller's scope over the unit as it lies now; what is counted keeps the history of its day.
        require_unit_in_scope(caller, subtree)
        stats = await self.store.registry_stats(subtree, start, end)
        return pb.GetRegistryStatsResponse(
            members_registered=stats.members_registered,
            members_active=stats.members_active,
            services=sum(t.count for t in stats.totals),
            hours=round(sum(t.hours for t in stats.totals), 2),
            totals=service_total_messages(stats.totals),
            team_volunteer_services=stats.team_volunteer_services,
            team_volunteer_hours=stats.team_volunteer_hours,
        )

    async def _record_query(
        self, caller: Caller, member_id: str, org_unit_id: str, kind: int, start_time: Timestamp, end_time: Timestamp
    ) -> RecordQuery:
        """Whose records a ListServiceRecords or ExportServiceRecords request asks for, checked against the caller: a
        member reads only their own; everyone else a member living in their scope, or a subtree within it."""
        if bool(member_id.strip()) == bool(org_unit_id.strip()):
            raise InvalidArgument("give exactly one of member_id and org_unit_id", "member_id")
        kind_number = validate.enum("kind", kind, pb.ServiceKind, required=False)
        start = validate.optional_time("start_time", start_time)
        end = validate.optional_time("end_time", end_time)
        domain.check_period(start, end)
        chosen = RecordQuery(kind=domain.SERVICE_KINDS[kind_number] if kind_number else None, start=start, end=end)
        if member_id.strip():
            member = await self._member("member_id", member_id)
            require_may_read_member(caller, member)
            return replace(chosen, member_id=member.id)
        validate.entity_id("org_unit_id", org_unit_id)
        if caller.role == Role.MEMBER:
            raise PermissionDenied("a member may list only their own service records", "member_id")
        subtree = await self._org_unit("org_unit_id", org_unit_id)
        require_unit_in_scope(caller, subtree)
        return replace(chosen, subtree=subtree)

    async def ListServiceRecords(
        self, request: pb.ListServiceRecordsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListServiceRecordsResponse:  # 纪实
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        chosen = await self._record_query(
            caller, request.member_id, request.org_unit_id, request.kind, request.start_time, request.end_time
        )
        query = record_query_key(chosen)
        before = keyset_position(decode_page_token(request.page_token, query))
        records = await self.store.service_records(chosen, before, page_size + 1)
        token = ""
        if len(records) > page_size:
            records = records[:page_size]
            token = encode_page_token(query, [records[-1].served_at.isoformat(), records[-1].id])
        return pb.ListServiceRecordsResponse(
            records=[service_record_message(r) for r in records], next_page_token=token
        )


def record_query_key(chosen: RecordQuery) -> dict[str, Any]:
    """What a page token of service records is bound to."""
    return {
        "records_of": chosen.member_id,
        "under": chosen.subtree.id if chosen.subtree else None,
        "kind": chosen.kind,
        "start": chosen.start.isoformat() if chosen.start else None,
        "end": chosen.end.isoformat() if chosen.end else None,
    }


def keyset_position(key: list[Any] | None) -> tuple[datetime, int] | None:
    """(served_at, id) of the previous page's last record, from a token signed by us."""
    if key is None:
        return None
    try:
        served_at, record_id = key
        if isinstance(record_id, int):
            return datetime.fromisoformat(served_at), record_id
    except (TypeError, ValueError):
        pass
    raise InvalidArgument("is not a page token this service issued", "page_token")
