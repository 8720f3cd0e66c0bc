"""RegistryService over gRPC: checks the request, the caller's role and scope, then asks the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2 as pb
from linli.registry.v1 import registry_pb2_grpc

from services.registry import domain
from services.registry.domain import Member, OrgUnit, ServiceRecord, ServiceTotal
from services.registry.store import DuplicateName, DuplicatePerson, NewMember, NewService, RegistryStore
from services.runtime import validate
from services.runtime.auth import Caller, Role, current_caller
from services.runtime.convert import to_timestamp
from services.runtime.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied
from services.runtime.paging import decode_page_token, encode_page_token
from services.runtime.pii import PersonalDataCipher, mask_id_number, mask_phone

# Who may reveal personal data in the clear (always audited).
_MAY_REVEAL = (Role.ADMIN, Role.STAFF)
# Clocks of other systems may run a little ahead of ours.
_CLOCK_SKEW = timedelta(minutes=5)


def optional_time(field: str, value: Timestamp) -> datetime | None:
    """An optional timestamp: None when unset."""
    if value.seconds == 0 and value.nanos == 0:
        return None
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument("is not a valid time", field) from exc


def service_record_message(record: ServiceRecord) -> pb.ServiceRecord:
    return pb.ServiceRecord(
        id=str(record.id),
        member_id=str(record.member_id),
        kind=domain.SERVICE_KIND_NUMBERS[record.kind],
        source_id=record.source_id,
        category=record.category,
        hours=record.hours,
        served_at=to_timestamp(record.served_at),
        note=record.note,
        record_time=to_timestamp(record.recorded_at),
    )


def service_total_messages(totals: list[ServiceTotal]) -> list[pb.ServiceTotal]:
    return [
        pb.ServiceTotal(kind=domain.SERVICE_KIND_NUMBERS[t.kind], category=t.category, count=t.count, hours=t.hours)
        for t in totals
    ]


def org_unit_message(unit: OrgUnit) -> pb.OrgUnit:
    return pb.OrgUnit(
        id=str(unit.id),
        parent_id=str(unit.parent_id) if unit.parent_id else "",
        kind=domain.ORG_KIND_NUMBERS[unit.kind],
        name=unit.name,
        ancestor_ids=[str(i) for i in unit.ancestor_ids],
        create_time=to_timestamp(unit.created_at),
    )


def member_message(member: Member, *, phone: str | None = None, id_number: str | None = None) -> pb.Member:
    """The member with personal data masked, or in the clear when phone and id_number are given."""
    revealed = phone is not None and id_number is not None
    return pb.Member(
        id=str(member.id),
        name=member.name,
        workplace_org=member.workplace_org,
        community_id=str(member.community_id),
        residence_unit_id=str(member.residence_unit_id),
        skills=[domain.SKILL_NUMBERS[s] for s in member.skills],
        tags=list(member.tags),
        management_level=domain.MANAGEMENT_LEVEL_NUMBERS[member.management_level],
        phone=phone if revealed else member.phone_masked,
        id_number=id_number if revealed else member.id_number_masked,
        personal_data_revealed=revealed,
        status=domain.MEMBER_STATUS_NUMBERS[member.status],
        register_time=to_timestamp(member.registered_at),
    )


class RegistryServicer(registry_pb2_grpc.RegistryServiceServicer):
    def __init__(self, store: RegistryStore, cipher: PersonalDataCipher) -> None:
        self.store = store
        self.cipher = cipher

    async def _org_unit(self, field: str, raw_id: str) -> OrgUnit:
        unit_id = validate.entity_id(field, raw_id)
        unit = await self.store.org_unit(unit_id)
        if unit is None:
            raise NotFound(f"no org unit {unit_id}", field)
        return unit

    async def CreateOrgUnit(
        self, request: pb.CreateOrgUnitRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateOrgUnitResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        kind = domain.ORG_KINDS[validate.enum("kind", request.kind, pb.OrgUnitKind)]
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)
        parent = await self._org_unit("parent_id", request.parent_id) if request.parent_id.strip() else None
        domain.check_parent(kind, parent.kind if parent else None)
        if parent:
            caller.require_scope(str(parent.id), map(str, parent.ancestor_ids))
        elif caller.scope != "*":
            raise PermissionDenied("only a deployment-wide caller may create a root unit")
        try:
            unit = await self.store.create_org_unit(caller, request_id, parent, kind, name)
        except DuplicateName as exc:
            raise AlreadyExists("the parent has a unit of this name already", "name") from exc
        return pb.CreateOrgUnitResponse(org_unit=org_unit_message(unit))

    async def GetOrgUnit(
        self, request: pb.GetOrgUnitRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetOrgUnitResponse:
        unit = await self._org_unit("org_unit_id", request.org_unit_id)
        return pb.GetOrgUnitResponse(org_unit=org_unit_message(unit))

    async def RegisterMember(
        self, request: pb.RegisterMemberRequest, context: grpc.aio.ServicerContext
    ) -> pb.RegisterMemberResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)
        workplace = validate.text("workplace_org", request.workplace_org, max_length=domain.MAX_WORKPLACE)
        skills: list[str] = []
        for index, skill in enumerate(request.skills):
            code = domain.SKILLS[validate.enum(f"skills[{index}]", skill, pb.Skill)]
            if code not in skills:
                skills.append(code)
        tags = domain.normalise_tags("tags", list(request.tags))
        level = domain.MANAGEMENT_LEVELS[
            validate.enum("management_level", request.management_level, pb.ManagementLevel)
        ]
        phone = domain.normalise_phone("phone", request.phone)
        id_number = domain.normalise_id_number("id_number", request.id_number)
        residence = await self._org_unit("residence_unit_id", request.residence_unit_id)
        if residence.kind not in domain.RESIDENCE_KINDS:
            raise InvalidArgument(f"must be a community, grid or building, not a {residence.kind}", "residence_unit_id")
        caller.require_scope(str(residence.id), map(str, residence.ancestor_ids))
        community_id = await self._community_of(residence)

        new = NewMember(
            name=name,
            workplace_org=workplace,
            community_id=community_id,
            residence_unit_id=residence.id,
            residence_path=".".join(str(i) for i in (*residence.ancestor_ids, residence.id)),
            skills=tuple(skills),
            tags=tags,
            management_level=level,
            phone_sealed=self.cipher.seal(phone, "member.phone"),
            phone_hash=self.cipher.lookup_hash(phone, "member.phone"),
            phone_masked=mask_phone(phone),
            id_number_sealed=self.cipher.seal(id_number, "member.id_number"),
            id_number_hash=self.cipher.lookup_hash(id_number, "member.id_number"),
            id_number_masked=mask_id_number(id_number),
        )
        try:
            member = await self.store.register_member(caller, request_id, new)
        except DuplicatePerson as exc:
            raise AlreadyExists("a member with this ID number is registered already", "id_number") from exc
        return pb.RegisterMemberResponse(member=member_message(member))

    async def _community_of(self, unit: OrgUnit) -> int:
        if unit.kind == "community":
            return unit.id
        kinds = await self.store.org_unit_kinds(unit.ancestor_ids)
        return next(i for i in reversed(unit.ancestor_ids) if kinds.get(i) == "community")

    async def GetMember(self, request: pb.GetMemberRequest, context: grpc.aio.ServicerContext) -> pb.GetMemberResponse:
        caller = current_caller()
        member_id = validate.entity_id("member_id", request.member_id)
        member = await self.store.member(member_id)
        if member is None:
            raise NotFound(f"no member {member_id}", "member_id")
        self._require_may_read(caller, member)
        if not request.reveal_personal_data:
            return pb.GetMemberResponse(member=member_message(member))
        caller.require_role(*_MAY_REVEAL)
        phone_sealed, id_sealed = await self.store.sealed_personal_data(caller, member.id)
        return pb.GetMemberResponse(
            member=member_message(
                member,
                phone=self.cipher.open(phone_sealed, "member.phone"),
                id_number=self.cipher.open(id_sealed, "member.id_number"),
            )
        )

    @staticmethod
    def _require_may_read(caller: Caller, member: Member) -> None:
        if caller.role == Role.MEMBER:
            if caller.subject != str(member.id):
                raise PermissionDenied("a member may read only their own record")
            return
        caller.require_scope(str(member.residence_unit_id), map(str, member.residence_ancestor_ids))

    async def SearchMembers(
        self, request: pb.SearchMembersRequest, context: grpc.aio.ServicerContext
    ) -> pb.SearchMembersResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM, Role.SERVICE)
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=500)
        skill_number = validate.enum("skill", request.skill, pb.Skill, required=False)
        status_number = validate.enum("status", request.status, pb.MemberStatus, required=False)
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        caller.require_scope(str(subtree.id), map(str, subtree.ancestor_ids))

        skill = domain.SKILLS[skill_number] if skill_number else None
        status = domain.MEMBER_STATUSES[status_number] if status_number else "active"
        query = {"org_unit": subtree.id, "skill": skill, "status": status}
        last_key = decode_page_token(request.page_token, query)
        after_id = last_key[0] if last_key else None
        if after_id is not None and not isinstance(after_id, int):
            raise InvalidArgument("is not a page token this service issued", "page_token")
        members = await self.store.search_members(subtree, status, skill, after_id, page_size + 1)
        has_more = len(members) > page_size
        members = members[:page_size]
        token = encode_page_token(query, [members[-1].id]) if has_more else ""
        return pb.SearchMembersResponse(members=[member_message(m) for m in members], next_page_token=token)

    async def _member(self, field: str, raw_id: str) -> Member:
        member_id = validate.entity_id(field, raw_id)
        member = await self.store.member(member_id)
        if member is None:
            raise NotFound(f"no member {member_id}", field)
        return member

    async def RecordService(
        self, request: pb.RecordServiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordServiceResponse:  # 纪实
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SERVICE)
        request_id = validate.request_id(request.request_id)
        kind = domain.SERVICE_KINDS[validate.enum("kind", request.kind, pb.ServiceKind)]
        source_id = validate.text("source_id", request.source_id, max_length=domain.MAX_SOURCE_ID)
        category = validate.text("category", request.category, max_length=domain.MAX_CATEGORY, required=False)
        hours = domain.service_hours("hours", request.hours)
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        now = datetime.now(UTC)
        served_at = optional_time("served_at", request.served_at) or now
        if served_at > now + _CLOCK_SKEW:
            raise InvalidArgument("must not lie in the future", "served_at")
        member = await self._member("member_id", request.member_id)
        caller.require_scope(str(member.residence_unit_id), map(str, member.residence_ancestor_ids))
        new = NewService(member, kind, source_id, category, hours, served_at, note)
        record, created = await self.store.record_service(caller, request_id, new)
        return pb.RecordServiceResponse(record=service_record_message(record), created=created)

    async def GetMemberServiceSummary(
        self, request: pb.GetMemberServiceSummaryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMemberServiceSummaryResponse:
        caller = current_caller()
        start = optional_time("start_time", request.start_time)
        end = optional_time("end_time", request.end_time)
        domain.check_period(start, end)
        member = await self._member("member_id", request.member_id)
        self._require_may_read(caller, member)
        totals = await self.store.service_summary(member.id, start, end)
        return pb.GetMemberServiceSummaryResponse(
            member_id=str(member.id),
            totals=service_total_messages(totals),
            count=sum(t.count for t in totals),
            hours=round(sum(t.hours for t in totals), 2),
        )

    async def GetRegistryStats(
        self, request: pb.GetRegistryStatsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetRegistryStatsResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM, Role.SERVICE)
        start = optional_time("start_time", request.start_time)
        end = optional_time("end_time", request.end_time) or datetime.now(UTC)
        domain.check_period(start, end)
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        caller.require_scope(str(subtree.id), map(str, subtree.ancestor_ids))
        stats = await self.store.registry_stats(subtree, start, end)
        return pb.GetRegistryStatsResponse(
            members_registered=stats.members_registered,
            members_active=stats.members_active,
            services=sum(t.count for t in stats.totals),
            hours=round(sum(t.hours for t in stats.totals), 2),
            totals=service_total_messages(stats.totals),
        )
