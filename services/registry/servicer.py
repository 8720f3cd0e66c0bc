"""RegistryService over gRPC: checks the request, the caller's role and scope, then asks the store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import asyncpg
import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2 as pb
from linli.registry.v1 import registry_pb2_grpc

from services.registry import domain
from services.registry.domain import (
    Member,
    OrgUnit,
    Pairing,
    PartyOrganisation,
    ServicePost,
    ServiceRecord,
    ServiceTotal,
    Team,
    TeamMember,
)
from services.registry.store import (
    DuplicateName,
    DuplicatePerson,
    ImportCounts,
    NewMember,
    NewService,
    RegistryStore,
    lock_tree,
)
from services.runtime import validate
from services.runtime.audit import write_audit
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role, current_caller
from services.runtime.convert import to_timestamp
from services.runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from services.runtime.paging import decode_page_token, encode_page_token
from services.runtime.pii import PersonalDataCipher, mask_id_number, mask_name, mask_phone

# Who may reveal personal data in the clear (always audited).
_MAY_REVEAL = (Role.ADMIN, Role.STAFF)
# Clocks of other systems may run a little ahead of ours.
_CLOCK_SKEW = timedelta(minutes=5)
# ImportMembers merges this many checked rows at a time while it checks the next ones.
_IMPORT_CHUNK_ROWS = 10_000


def optional_time(field: str, value: Timestamp) -> datetime | None:
    """An optional timestamp: None when unset."""
    if value.seconds == 0 and value.nanos == 0:
        return None
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument("is not a valid time", field) from exc


T = TypeVar("T")


def after_id_of(token: str, query: dict[str, Any]) -> int:
    """The last id of the previous page (0 for the first page) from a token of `query`."""
    key = decode_page_token(token, query)
    if key is None:
        return 0
    if len(key) != 1 or not isinstance(key[0], int):
        raise InvalidArgument("is not a page token this service issued", "page_token")
    return key[0]


def page_of(
    items: list[T], page_size: int, query: dict[str, Any], key: Callable[[T], list[Any]]
) -> tuple[list[T], str]:
    """The page (items were fetched with one extra to see whether more follow) and the next page's token."""
    if len(items) <= page_size:
        return items, ""
    items = items[:page_size]
    return items, encode_page_token(query, key(items[-1]))


_ORG_EVENT_KINDS = {
    "created": pb.ORG_UNIT_EVENT_KIND_CREATED,
    "renamed": pb.ORG_UNIT_EVENT_KIND_RENAMED,
    "moved": pb.ORG_UNIT_EVENT_KIND_MOVED,
    "closed": pb.ORG_UNIT_EVENT_KIND_CLOSED,
}


def skill_codes(field: str, skills: list[int]) -> tuple[str, ...]:
    """The controlled skills as stored, duplicates dropped, in the order given."""
    codes: list[str] = []
    for index, skill in enumerate(skills):
        code = domain.SKILLS[validate.enum(f"{field}[{index}]", skill, pb.Skill)]
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def party_organisation_message(party_org: PartyOrganisation) -> pb.PartyOrganisation:
    return pb.PartyOrganisation(
        id=str(party_org.id),
        org_unit_id=str(party_org.org_unit_id),
        kind=domain.PARTY_ORG_KIND_NUMBERS[party_org.kind],
        name=party_org.name,
        focus=party_org.focus,
        create_time=to_timestamp(party_org.created_at),
        dissolve_time=to_timestamp(party_org.dissolved_at),
    )


def service_post_message(post: ServicePost) -> pb.ServicePost:
    return pb.ServicePost(
        id=str(post.id),
        community_id=str(post.community_id),
        name=post.name,
        description=post.description,
        capacity=post.capacity,
        claimed=post.claimed,
        create_time=to_timestamp(post.created_at),
    )


def team_message(team: Team) -> pb.Team:
    return pb.Team(
        id=str(team.id),
        org_unit_id=str(team.org_unit_id),
        kind=domain.TEAM_KIND_NUMBERS[team.kind],
        custom_kind=team.custom_kind,
        name=team.name,
        size=team.size,
        create_time=to_timestamp(team.created_at),
    )


def team_member_message(person: TeamMember) -> pb.TeamMember:
    return pb.TeamMember(
        id=str(person.id),
        team_id=str(person.team_id),
        member_id=str(person.member_id or ""),
        name=person.name_masked,
        phone=person.phone_masked,
        join_time=to_timestamp(person.joined_at),
    )


def pairing_message(pairing: Pairing) -> pb.Pairing:
    return pb.Pairing(
        id=str(pairing.id),
        workplace_org=pairing.workplace_org,
        community_id=str(pairing.community_id),
        start_date=pairing.start_date.isoformat(),
        end_date=pairing.end_date.isoformat() if pairing.end_date else "",
        note=pairing.note,
    )


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
        close_time=to_timestamp(unit.closed_at),
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
        deregister_time=to_timestamp(member.deregistered_at),
        deregister_reason=member.deregister_reason,
    )


class RegistryServicer(registry_pb2_grpc.RegistryServiceServicer):
    def __init__(
        self, store: RegistryStore, cipher: PersonalDataCipher, *, import_chunk_rows: int = _IMPORT_CHUNK_ROWS
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.import_chunk_rows = import_chunk_rows

    async def _org_unit(self, field: str, raw_id: str) -> OrgUnit:
        unit_id = validate.entity_id(field, raw_id)
        unit = await self.store.org_unit(unit_id)
        if unit is None:
            raise NotFound(f"no org unit {unit_id}", field)
        return unit

    async def _open_org_unit(self, field: str, raw_id: str) -> OrgUnit:
        unit = await self._org_unit(field, raw_id)
        if unit.closed_at is not None:
            raise FailedPrecondition(f"org unit {unit.id} is closed", field)
        return unit

    async def CreateOrgUnit(
        self, request: pb.CreateOrgUnitRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateOrgUnitResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        kind = domain.ORG_KINDS[validate.enum("kind", request.kind, pb.OrgUnitKind)]
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)
        parent = await self._open_org_unit("parent_id", request.parent_id) if request.parent_id.strip() else None
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
        skills = skill_codes("skills", list(request.skills))
        tags = domain.normalise_tags("tags", list(request.tags))
        level = domain.MANAGEMENT_LEVELS[
            validate.enum("management_level", request.management_level, pb.ManagementLevel)
        ]
        phone = domain.normalise_phone("phone", request.phone)
        id_number = domain.normalise_id_number("id_number", request.id_number)
        # Whether the unit is still open is checked in the registration's transaction, after a retry is answered.
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

        name_prefix = validate.text("name_prefix", request.name_prefix, max_length=domain.MAX_NAME, required=False)
        skill = domain.SKILLS[skill_number] if skill_number else None
        status = domain.MEMBER_STATUSES[status_number] if status_number else "active"
        query = {"org_unit": subtree.id, "skill": skill, "status": status, "name_prefix": name_prefix}
        if not name_prefix:
            after_id = after_id_of(request.page_token, query)
            members = await self.store.search_members(subtree, status, skill, after_id, page_size + 1)
            members, token = page_of(members, page_size, query, lambda m: [m.id])
        else:
            key = decode_page_token(request.page_token, query)
            if key is not None and (len(key) != 2 or not isinstance(key[0], str) or not isinstance(key[1], int)):
                raise InvalidArgument("is not a page token this service issued", "page_token")
            members = await self.store.search_members_by_name(
                subtree, status, skill, name_prefix, (key[0], key[1]) if key else None, page_size + 1
            )
            members, token = page_of(members, page_size, query, lambda m: [m.name, m.id])
        return pb.SearchMembersResponse(members=[member_message(m) for m in members], next_page_token=token)

    async def LookupMember(
        self, request: pb.LookupMemberRequest, context: grpc.aio.ServicerContext
    ) -> pb.LookupMemberResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM, Role.SERVICE)
        if bool(request.id_number.strip()) == bool(request.phone.strip()):
            raise InvalidArgument("give exactly one of id_number and phone", "id_number")
        if request.id_number.strip():
            id_number = domain.normalise_id_number("id_number", request.id_number)
            value_hash = self.cipher.lookup_hash(id_number, "member.id_number")
            found = await self.store.members_by_hash("id_number_hash", value_hash, 1)
        else:
            phone = domain.normalise_phone("phone", request.phone)
            value_hash = self.cipher.lookup_hash(phone, "member.phone")
            found = await self.store.members_by_hash("phone_hash", value_hash, domain.MAX_PHONE_MATCHES)
        visible = [m for m in found if caller.covers(str(m.residence_unit_id), map(str, m.residence_ancestor_ids))]
        return pb.LookupMemberResponse(members=[member_message(m) for m in visible])

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

    # ---- org tree changes ----------------------------------------------------------------------------------

    async def _org_change(self, request_id_text: str, raw_unit_id: str) -> tuple[Caller, str, OrgUnit]:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request_id_text)
        unit = await self._org_unit("org_unit_id", raw_unit_id)
        caller.require_scope(str(unit.id), map(str, unit.ancestor_ids))
        return caller, request_id, unit

    async def RenameOrgUnit(
        self, request: pb.RenameOrgUnitRequest, context: grpc.aio.ServicerContext
    ) -> pb.RenameOrgUnitResponse:
        caller, request_id, unit = await self._org_change(request.request_id, request.org_unit_id)
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)

        async def rename(conn: asyncpg.Connection) -> pb.RenameOrgUnitResponse:
            locked = await self.store.lock_org_unit(conn, unit.id)
            if locked.closed_at is not None:
                raise FailedPrecondition(f"org unit {unit.id} is closed", "org_unit_id")
            renamed = await self.store.rename_org_unit(conn, caller, locked, name) if locked.name != name else locked
            return pb.RenameOrgUnitResponse(org_unit=org_unit_message(renamed))

        return await self.store.once(caller, request_id, "RenameOrgUnit", pb.RenameOrgUnitResponse, rename)

    async def MoveOrgUnit(
        self, request: pb.MoveOrgUnitRequest, context: grpc.aio.ServicerContext
    ) -> pb.MoveOrgUnitResponse:
        caller, request_id, unit = await self._org_change(request.request_id, request.org_unit_id)
        # Moving takes the unit out of its parent's subtree: the caller must hold the old and the new place.
        if unit.parent_id:
            caller.require_scope(str(unit.parent_id), map(str, unit.ancestor_ids))
        new_parent = await self._open_org_unit("new_parent_id", request.new_parent_id)
        caller.require_scope(str(new_parent.id), map(str, new_parent.ancestor_ids))

        async def move(conn: asyncpg.Connection) -> pb.MoveOrgUnitResponse:
            # One tree change at a time, so two concurrent moves cannot make a cycle.
            await lock_tree(conn, exclusive=True)
            locked = await self.store.lock_org_unit(conn, unit.id)
            parent = await self.store.lock_org_unit(conn, new_parent.id)
            if locked.closed_at is not None:
                raise FailedPrecondition(f"org unit {unit.id} is closed", "org_unit_id")
            domain.check_move(locked, parent)
            new_community_id = None
            if locked.kind in ("grid", "building"):
                new_community_id = await self._community_of(parent)
            moved = await self.store.move_org_unit(conn, caller, locked, parent, new_community_id)
            return pb.MoveOrgUnitResponse(org_unit=org_unit_message(moved))

        return await self.store.once(caller, request_id, "MoveOrgUnit", pb.MoveOrgUnitResponse, move)

    async def CloseOrgUnit(
        self, request: pb.CloseOrgUnitRequest, context: grpc.aio.ServicerContext
    ) -> pb.CloseOrgUnitResponse:
        caller, request_id, unit = await self._org_change(request.request_id, request.org_unit_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)

        async def close(conn: asyncpg.Connection) -> pb.CloseOrgUnitResponse:
            await lock_tree(conn, exclusive=True)
            locked = await self.store.lock_org_unit(conn, unit.id)
            if locked.closed_at is not None:
                raise FailedPrecondition(f"org unit {unit.id} is closed already", "org_unit_id")
            closed = await self.store.close_org_unit(conn, caller, locked, reason)
            return pb.CloseOrgUnitResponse(org_unit=org_unit_message(closed))

        return await self.store.once(caller, request_id, "CloseOrgUnit", pb.CloseOrgUnitResponse, close)

    async def ListOrgUnitChildren(
        self, request: pb.ListOrgUnitChildrenRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListOrgUnitChildrenResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        parent = await self._org_unit("org_unit_id", request.org_unit_id)
        query = {"children_of": parent.id, "closed": request.include_closed}
        key = decode_page_token(request.page_token, query)
        if key is not None and (len(key) != 2 or not isinstance(key[0], str) or not isinstance(key[1], int)):
            raise InvalidArgument("is not a page token this service issued", "page_token")
        after = (key[0], key[1]) if key else None
        units = await self.store.org_unit_children(parent, request.include_closed, after, page_size + 1)
        units, token = page_of(units, page_size, query, lambda u: [u.name, u.id])
        return pb.ListOrgUnitChildrenResponse(org_units=[org_unit_message(u) for u in units], next_page_token=token)

    async def ListOrgUnitSubtree(
        self, request: pb.ListOrgUnitSubtreeRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListOrgUnitSubtreeResponse:
        page_size = validate.page_size("page_size", request.page_size, default=200, maximum=1000)
        kind_number = validate.enum("kind", request.kind, pb.OrgUnitKind, required=False)
        root = await self._org_unit("org_unit_id", request.org_unit_id)
        kind = domain.ORG_KINDS[kind_number] if kind_number else None
        query = {"subtree_of": root.id, "kind": kind, "closed": request.include_closed}
        key = decode_page_token(request.page_token, query)
        if key is not None and (len(key) != 1 or not isinstance(key[0], str) or not key[0].startswith(root.path)):
            raise InvalidArgument("is not a page token this service issued", "page_token")
        units = await self.store.org_unit_subtree(
            root, kind, request.include_closed, key[0] if key else None, page_size + 1
        )
        units, token = page_of(units, page_size, query, lambda u: [u.path])
        return pb.ListOrgUnitSubtreeResponse(org_units=[org_unit_message(u) for u in units], next_page_token=token)

    async def ListOrgUnitHistory(
        self, request: pb.ListOrgUnitHistoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListOrgUnitHistoryResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        unit = await self._org_unit("org_unit_id", request.org_unit_id)
        query = {"history_of": unit.id}
        events = await self.store.org_unit_events(unit.id, after_id_of(request.page_token, query), page_size + 1)
        events, token = page_of(events, page_size, query, lambda e: [e[0]])
        return pb.ListOrgUnitHistoryResponse(
            events=[
                pb.OrgUnitEvent(
                    kind=_ORG_EVENT_KINDS[e.kind],
                    time=to_timestamp(e.at),
                    actor=e.actor,
                    old_name=e.old_name,
                    new_name=e.new_name,
                    old_parent_id=str(e.old_parent_id or ""),
                    new_parent_id=str(e.new_parent_id or ""),
                    reason=e.reason,
                )
                for _, e in events
            ],
            next_page_token=token,
        )

    # ---- member changes ------------------------------------------------------------------------------------

    async def _member_change(self, request_id_text: str, raw_member_id: str) -> tuple[Caller, str, Member]:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request_id_text)
        member = await self._member("member_id", raw_member_id)
        caller.require_scope(str(member.residence_unit_id), map(str, member.residence_ancestor_ids))
        return caller, request_id, member

    async def UpdateMember(
        self, request: pb.UpdateMemberRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateMemberResponse:
        caller, request_id, member = await self._member_change(request.request_id, request.member_id)
        paths = list(request.update_mask.paths)
        if not paths:
            raise InvalidArgument(
                f"names no field (any of: {', '.join(sorted(domain.UPDATABLE_MEMBER_FIELDS))})", "update_mask"
            )
        unknown = [p for p in paths if p not in domain.UPDATABLE_MEMBER_FIELDS]
        if unknown:
            raise InvalidArgument(f"cannot change {', '.join(unknown)}", "update_mask")
        new = request.member
        changes: dict[str, Any] = {}
        if "name" in paths:
            changes["name"] = validate.text("member.name", new.name, max_length=domain.MAX_NAME)
        if "workplace_org" in paths:
            changes["workplace_org"] = validate.text(
                "member.workplace_org", new.workplace_org, max_length=domain.MAX_WORKPLACE
            )
        if "skills" in paths:
            changes["skills"] = list(skill_codes("member.skills", list(new.skills)))
        if "tags" in paths:
            changes["tags"] = list(domain.normalise_tags("member.tags", list(new.tags)))
        if "management_level" in paths:
            changes["management_level"] = domain.MANAGEMENT_LEVELS[
                validate.enum("member.management_level", new.management_level, pb.ManagementLevel)
            ]
        if "phone" in paths:
            phone = domain.normalise_phone("member.phone", new.phone)
            changes.update(
                phone_sealed=self.cipher.seal(phone, "member.phone"),
                phone_hash=self.cipher.lookup_hash(phone, "member.phone"),
                phone_masked=mask_phone(phone),
            )

        async def update(conn: asyncpg.Connection) -> pb.UpdateMemberResponse:
            locked = await self.store.lock_member(conn, member.id)
            if locked.status != "active":
                raise FailedPrecondition("the member is deregistered", "member_id")
            updated = await self.store.update_member(conn, caller, locked, changes)
            return pb.UpdateMemberResponse(member=member_message(updated))

        return await self.store.once(caller, request_id, "UpdateMember", pb.UpdateMemberResponse, update)

    async def TransferMember(
        self, request: pb.TransferMemberRequest, context: grpc.aio.ServicerContext
    ) -> pb.TransferMemberResponse:  # 流动党员
        caller, request_id, member = await self._member_change(request.request_id, request.member_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)
        residence = await self._open_org_unit("residence_unit_id", request.residence_unit_id)
        if residence.kind not in domain.RESIDENCE_KINDS:
            raise InvalidArgument(f"must be a community, grid or building, not a {residence.kind}", "residence_unit_id")
        caller.require_scope(str(residence.id), map(str, residence.ancestor_ids))
        community_id = await self._community_of(residence)

        async def transfer(conn: asyncpg.Connection) -> pb.TransferMemberResponse:
            locked = await self.store.lock_member(conn, member.id)
            if locked.status != "active":
                raise FailedPrecondition("the member is deregistered", "member_id")
            if locked.residence_unit_id == residence.id:
                raise FailedPrecondition("the member lives there already", "residence_unit_id")
            moved = await self.store.transfer_member(conn, caller, locked, residence, community_id, reason)
            return pb.TransferMemberResponse(member=member_message(moved))

        return await self.store.once(caller, request_id, "TransferMember", pb.TransferMemberResponse, transfer)

    async def ListMemberResidences(
        self, request: pb.ListMemberResidencesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListMemberResidencesResponse:
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        member = await self._member("member_id", request.member_id)
        self._require_may_read(caller, member)
        query = {"residences_of": member.id}
        rows = await self.store.residences(member.id, after_id_of(request.page_token, query), page_size + 1)
        rows, token = page_of(rows, page_size, query, lambda r: [r[0]])
        return pb.ListMemberResidencesResponse(
            residences=[
                pb.Residence(
                    community_id=str(r.community_id),
                    residence_unit_id=str(r.residence_unit_id),
                    start_time=to_timestamp(r.from_time),
                    end_time=to_timestamp(r.to_time),
                    reason=r.reason,
                )
                for _, r in rows
            ],
            next_page_token=token,
        )

    async def DeregisterMember(
        self, request: pb.DeregisterMemberRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeregisterMemberResponse:
        caller, request_id, member = await self._member_change(request.request_id, request.member_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)

        async def deregister(conn: asyncpg.Connection) -> pb.DeregisterMemberResponse:
            locked = await self.store.lock_member(conn, member.id)
            if locked.status != "active":
                raise FailedPrecondition("the member is deregistered already", "member_id")
            gone = await self.store.deregister_member(conn, caller, locked, reason)
            return pb.DeregisterMemberResponse(member=member_message(gone))

        return await self.store.once(caller, request_id, "DeregisterMember", pb.DeregisterMemberResponse, deregister)

    # ---- service posts (服务岗位) ---------------------------------------------------------------------------

    async def _community(self, field: str, raw_id: str, *, open_only: bool = True) -> OrgUnit:
        unit = await (self._open_org_unit(field, raw_id) if open_only else self._org_unit(field, raw_id))
        if unit.kind != "community":
            raise InvalidArgument(f"must be a community, not a {unit.kind}", field)
        return unit

    async def _service_post(self, raw_id: str) -> ServicePost:
        post_id = validate.entity_id("post_id", raw_id)
        post = await self.store.service_post(post_id)
        if post is None:
            raise NotFound(f"no service post {post_id}", "post_id")
        return post

    async def CreateServicePost(
        self, request: pb.CreateServicePostRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateServicePostResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF)
        request_id = validate.request_id(request.request_id)
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)
        description = validate.text(
            "description", request.description, max_length=domain.MAX_DESCRIPTION, required=False
        )
        capacity = domain.capacity("capacity", request.capacity)
        community = await self._community("community_id", request.community_id)
        caller.require_scope(str(community.id), map(str, community.ancestor_ids))

        async def create(conn: asyncpg.Connection) -> pb.CreateServicePostResponse:
            post = await self.store.create_service_post(conn, caller, community, name, description, capacity)
            return pb.CreateServicePostResponse(post=service_post_message(post))

        return await self.store.once(caller, request_id, "CreateServicePost", pb.CreateServicePostResponse, create)

    async def ListServicePosts(
        self, request: pb.ListServicePostsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListServicePostsResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        community = await self._community("community_id", request.community_id, open_only=False)
        query = {"posts_of": community.id}
        posts = await self.store.service_posts(community.id, after_id_of(request.page_token, query), page_size + 1)
        posts, token = page_of(posts, page_size, query, lambda p: [p.id])
        return pb.ListServicePostsResponse(posts=[service_post_message(p) for p in posts], next_page_token=token)

    async def _post_change(
        self, request_id_text: str, raw_post_id: str, raw_member_id: str
    ) -> tuple[Caller, str, ServicePost, Member]:
        """A member may claim or release for themselves; staff and admins for members in their scope."""
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.MEMBER)
        request_id = validate.request_id(request_id_text)
        member = await self._member("member_id", raw_member_id)
        self._require_may_read(caller, member)
        post = await self._service_post(raw_post_id)
        return caller, request_id, post, member

    async def ClaimServicePost(
        self, request: pb.ClaimServicePostRequest, context: grpc.aio.ServicerContext
    ) -> pb.ClaimServicePostResponse:  # 认领服务岗位
        caller, request_id, post, member = await self._post_change(
            request.request_id, request.post_id, request.member_id
        )
        if member.status != "active":
            raise FailedPrecondition("the member is deregistered", "member_id")
        if member.community_id != post.community_id:
            raise FailedPrecondition("the post belongs to another community than the member's", "post_id")

        async def claim(conn: asyncpg.Connection) -> pb.ClaimServicePostResponse:
            claimed = await self.store.claim_service_post(conn, caller, post, member)
            return pb.ClaimServicePostResponse(post=service_post_message(claimed))

        return await self.store.once(caller, request_id, "ClaimServicePost", pb.ClaimServicePostResponse, claim)

    async def ReleaseServicePost(
        self, request: pb.ReleaseServicePostRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReleaseServicePostResponse:
        caller, request_id, post, member = await self._post_change(
            request.request_id, request.post_id, request.member_id
        )

        async def release(conn: asyncpg.Connection) -> pb.ReleaseServicePostResponse:
            released = await self.store.release_service_post(conn, caller, post, member.id)
            return pb.ReleaseServicePostResponse(post=service_post_message(released))

        return await self.store.once(caller, request_id, "ReleaseServicePost", pb.ReleaseServicePostResponse, release)

    # ---- volunteer teams (志愿服务队) -----------------------------------------------------------------------

    async def _team(self, raw_id: str) -> tuple[Team, OrgUnit]:
        team_id = validate.entity_id("team_id", raw_id)
        team = await self.store.team(team_id)
        if team is None:
            raise NotFound(f"no team {team_id}", "team_id")
        unit = await self.store.org_unit(team.org_unit_id)
        assert unit is not None  # a team's unit is never deleted (closing keeps the row)
        return team, unit

    async def CreateTeam(
        self, request: pb.CreateTeamRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateTeamResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF)
        request_id = validate.request_id(request.request_id)
        kind = domain.TEAM_KINDS[validate.enum("kind", request.kind, pb.TeamKind)]
        custom_kind = validate.text(
            "custom_kind", request.custom_kind, max_length=domain.MAX_CATEGORY, required=kind == "custom"
        )
        if kind != "custom" and custom_kind:
            raise InvalidArgument("is only for TEAM_KIND_CUSTOM", "custom_kind")
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)
        unit = await self._open_org_unit("org_unit_id", request.org_unit_id)
        if unit.kind not in domain.TEAM_UNIT_KINDS:
            raise InvalidArgument(f"must be a street or community, not a {unit.kind}", "org_unit_id")
        caller.require_scope(str(unit.id), map(str, unit.ancestor_ids))

        async def create(conn: asyncpg.Connection) -> pb.CreateTeamResponse:
            team = await self.store.create_team(conn, caller, unit, kind, custom_kind, name)
            return pb.CreateTeamResponse(team=team_message(team))

        return await self.store.once(caller, request_id, "CreateTeam", pb.CreateTeamResponse, create)

    async def ListTeams(self, request: pb.ListTeamsRequest, context: grpc.aio.ServicerContext) -> pb.ListTeamsResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        query = {"teams_in": subtree.id}
        teams = await self.store.teams(subtree, after_id_of(request.page_token, query), page_size + 1)
        teams, token = page_of(teams, page_size, query, lambda t: [t.id])
        return pb.ListTeamsResponse(teams=[team_message(t) for t in teams], next_page_token=token)

    async def AddTeamMember(
        self, request: pb.AddTeamMemberRequest, context: grpc.aio.ServicerContext
    ) -> pb.AddTeamMemberResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF)
        request_id = validate.request_id(request.request_id)
        team, unit = await self._team(request.team_id)
        caller.require_scope(str(unit.id), map(str, unit.ancestor_ids))
        who = request.WhichOneof("who")
        member: Member | None = None
        volunteer: tuple[bytes, str, bytes, bytes, str] | None = None
        if who == "member_id":
            member = await self._member("member_id", request.member_id)
            self._require_may_read(caller, member)
            if member.status != "active":
                raise FailedPrecondition("the member is deregistered", "member_id")
        elif who == "volunteer":
            name = validate.text("volunteer.name", request.volunteer.name, max_length=domain.MAX_NAME)
            phone = domain.normalise_phone("volunteer.phone", request.volunteer.phone)
            volunteer = (
                self.cipher.seal(name, "team_member.name"),
                mask_name(name),
                self.cipher.seal(phone, "team_member.phone"),
                self.cipher.lookup_hash(phone, "team_member.phone"),
                mask_phone(phone),
            )
        else:
            raise InvalidArgument("is required: a member_id or a volunteer", "who")

        async def add(conn: asyncpg.Connection) -> pb.AddTeamMemberResponse:
            added = await self.store.add_team_member(conn, caller, team, member=member, volunteer=volunteer)
            return pb.AddTeamMemberResponse(team_member=team_member_message(added))

        return await self.store.once(caller, request_id, "AddTeamMember", pb.AddTeamMemberResponse, add)

    async def RemoveTeamMember(
        self, request: pb.RemoveTeamMemberRequest, context: grpc.aio.ServicerContext
    ) -> pb.RemoveTeamMemberResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF)
        request_id = validate.request_id(request.request_id)
        team, unit = await self._team(request.team_id)
        caller.require_scope(str(unit.id), map(str, unit.ancestor_ids))
        team_member_id = validate.entity_id("team_member_id", request.team_member_id)

        async def remove(conn: asyncpg.Connection) -> pb.RemoveTeamMemberResponse:
            smaller = await self.store.remove_team_member(conn, caller, team, team_member_id)
            return pb.RemoveTeamMemberResponse(team=team_message(smaller))

        return await self.store.once(caller, request_id, "RemoveTeamMember", pb.RemoveTeamMemberResponse, remove)

    async def ListTeamMembers(
        self, request: pb.ListTeamMembersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTeamMembersResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM, Role.SERVICE)
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        team, unit = await self._team(request.team_id)
        caller.require_scope(str(unit.id), map(str, unit.ancestor_ids))
        query = {"members_of_team": team.id}
        people = await self.store.team_members(team.id, after_id_of(request.page_token, query), page_size + 1)
        people, token = page_of(people, page_size, query, lambda p: [p.id])
        return pb.ListTeamMembersResponse(team_members=[team_member_message(p) for p in people], next_page_token=token)

    # ---- pairings (结对共建) --------------------------------------------------------------------------------

    async def CreatePairing(
        self, request: pb.CreatePairingRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreatePairingResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        workplace = validate.text("workplace_org", request.workplace_org, max_length=domain.MAX_WORKPLACE)
        start = domain.parse_day("start_date", request.start_date)
        end = domain.parse_day("end_date", request.end_date, required=False)
        if start and end and end < start:
            raise InvalidArgument("must not lie before start_date", "end_date")
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        community = await self._community("community_id", request.community_id)
        caller.require_scope(str(community.id), map(str, community.ancestor_ids))

        async def create(conn: asyncpg.Connection) -> pb.CreatePairingResponse:
            assert start is not None
            pairing = await self.store.create_pairing(conn, caller, workplace, community, start, end, note)
            return pb.CreatePairingResponse(pairing=pairing_message(pairing))

        return await self.store.once(caller, request_id, "CreatePairing", pb.CreatePairingResponse, create)

    async def EndPairing(
        self, request: pb.EndPairingRequest, context: grpc.aio.ServicerContext
    ) -> pb.EndPairingResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        pairing_id = validate.entity_id("pairing_id", request.pairing_id)
        end = domain.parse_day("end_date", request.end_date)

        async def finish(conn: asyncpg.Connection) -> pb.EndPairingResponse:
            assert pairing_id is not None and end is not None
            pairing, path = await self.store.lock_pairing(conn, pairing_id)
            ids = path.split(".")
            caller.require_scope(ids[-1], ids[:-1])
            if pairing.end_date is not None and pairing.end_date <= date.today():
                raise FailedPrecondition(f"the pairing ended on {pairing.end_date.isoformat()}", "pairing_id")
            if end < pairing.start_date:
                raise InvalidArgument(
                    f"must not lie before the start date {pairing.start_date.isoformat()}", "end_date"
                )
            ended = await self.store.end_pairing(conn, caller, pairing, end)
            return pb.EndPairingResponse(pairing=pairing_message(ended))

        return await self.store.once(caller, request_id, "EndPairing", pb.EndPairingResponse, finish)

    async def ListPairings(
        self, request: pb.ListPairingsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPairingsResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        active_on = domain.parse_day("active_on", request.active_on, required=False)
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        query = {"pairings_in": subtree.id, "active_on": str(active_on)}
        pairings = await self.store.pairings(subtree, active_on, after_id_of(request.page_token, query), page_size + 1)
        pairings, token = page_of(pairings, page_size, query, lambda p: [p.id])
        return pb.ListPairingsResponse(pairings=[pairing_message(p) for p in pairings], next_page_token=token)

    # ---- bulk sync -----------------------------------------------------------------------------------------

    async def ImportMembers(
        self, request_iterator: AsyncIterator[pb.ImportMembersRequest], context: grpc.aio.ServicerContext
    ) -> pb.ImportMembersResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        messages = aiter(request_iterator)
        first_message = await anext(messages, None)
        request_id = validate.request_id(first_message.request_id if first_message is not None else "")

        scope_path = None
        if caller.scope != WHOLE_DEPLOYMENT:
            scope = await self.store.org_unit(int(caller.scope)) if caller.scope.isdigit() else None
            if scope is None:
                raise PermissionDenied("the caller's scope is not an org unit")
            scope_path = scope.path

        async def run(conn: asyncpg.Connection) -> pb.ImportMembersResponse:
            # The rows are merged a chunk at a time, in this one transaction, while the client sends the rest: the
            # database writes one chunk while this process checks and seals the next.
            await self.store.begin_import(conn)
            counts = ImportCounts()
            merging: asyncio.Task[ImportCounts] | None = None

            async def settle() -> None:
                """Waits for the chunk being merged: the connection runs one statement at a time."""
                nonlocal merging
                if merging is not None:
                    counts.add(await merging)
                    merging = None

            async def merge(chunk: list[tuple[Any, ...]]) -> None:
                nonlocal merging
                await settle()
                merging = asyncio.create_task(self.store.import_members(conn, caller, chunk, scope_path))
                await asyncio.sleep(0)  # let it send its first statement before the next chunk's checks

            received = 0
            places: dict[str, tuple[OrgUnit, int] | str] = {}
            chunk: list[tuple[Any, ...]] = []
            merged_rows = 0
            errors: list[tuple[int, str, str]] = []
            first_row_of: dict[bytes, int] = {}
            try:
                message = first_message
                while message is not None:
                    if received + len(message.rows) > domain.MAX_IMPORT_ROWS:
                        raise InvalidArgument(f"at most {domain.MAX_IMPORT_ROWS} rows in one import", "rows")
                    new_places = {row.residence_unit_id.strip() for row in message.rows} - places.keys()
                    if new_places:
                        # On the import's own connection: a second one per import could exhaust the pool.
                        await settle()
                        places.update(await self._import_places(caller, new_places, conn))
                    for number, row in enumerate(message.rows, start=received + 1):
                        try:
                            record = self._import_record(number, row, places)
                        except InvalidArgument as exc:
                            errors.append((number, exc.field or "", exc.message))
                            continue
                        first = first_row_of.setdefault(record[13], number)
                        if first != number:
                            errors.append((number, "id_number", f"the same person is in row {first} already"))
                            continue
                        chunk.append(record)
                    received += len(message.rows)
                    if len(chunk) >= self.import_chunk_rows:
                        merged_rows += len(chunk)
                        await merge(chunk)
                        chunk = []
                    # Checking a message is one stretch of work with no await: give the merge a turn to send its
                    # next statement (the next message may be waiting already, and reading it need not yield).
                    await asyncio.sleep(0)
                    message = await anext(messages, None)
                if chunk:
                    merged_rows += len(chunk)
                    await merge(chunk)
                await settle()
            finally:
                if merging is not None:
                    # The transaction cannot roll back while a statement runs on its connection; the error that
                    # brought us here is the one to report.
                    await asyncio.wait([merging])
                    if not merging.cancelled():
                        merging.exception()
            all_errors = sorted(
                errors
                + [(n, "id_number", "this person lives outside the caller's scope") for n in counts.outside_scope]
                + [(n, "residence_unit_id", "the org unit was closed during the import") for n in counts.unit_closed]
            )
            await write_audit(
                conn,
                caller,
                "import_members",
                "import",
                request_id,
                rows=received,
                inserted=counts.inserted,
                updated=counts.updated,
                failed=len(all_errors),
            )
            refused = len(counts.outside_scope) + len(counts.unit_closed)
            return pb.ImportMembersResponse(
                rows_received=received,
                inserted=counts.inserted,
                updated=counts.updated,
                unchanged=merged_rows - refused - counts.inserted - counts.updated,
                failed=len(all_errors),
                errors=[
                    pb.ImportRowError(row_number=n, field=f, reason=r)
                    for n, f, r in all_errors[: domain.MAX_IMPORT_ERRORS]
                ],
            )

        return await self.store.once(caller, request_id, "ImportMembers", pb.ImportMembersResponse, run)

    async def _import_places(
        self, caller: Caller, wanted: set[str], conn: asyncpg.Connection
    ) -> dict[str, tuple[OrgUnit, int] | str]:
        """Each residence id named in the rows: the unit and its community, or why a row cannot live there."""
        parsed = {raw: int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18 else None for raw in wanted}
        units = await self.store.org_units([i for i in parsed.values() if i], conn)
        ancestors = {a for u in units.values() for a in u.ancestor_ids}
        kinds = await self.store.org_unit_kinds(tuple(ancestors), conn) if ancestors else {}
        places: dict[str, tuple[OrgUnit, int] | str] = {}
        for raw, unit_id in parsed.items():
            unit = units.get(unit_id) if unit_id else None
            if unit is None:
                places[raw] = "is required" if not raw else f"no org unit {raw[:40]}"
            elif unit.closed_at is not None:
                places[raw] = f"org unit {unit.id} is closed"
            elif unit.kind not in domain.RESIDENCE_KINDS:
                places[raw] = f"must be a community, grid or building, not a {unit.kind}"
            elif not caller.covers(str(unit.id), map(str, unit.ancestor_ids)):
                places[raw] = f"org unit {unit.id} is outside the caller's scope"
            else:
                community = (
                    unit.id
                    if unit.kind == "community"
                    else next(i for i in reversed(unit.ancestor_ids) if kinds.get(i) == "community")
                )
                places[raw] = (unit, community)
        return places

    def _import_record(
        self, number: int, row: pb.ImportRow, places: dict[str, tuple[OrgUnit, int] | str]
    ) -> tuple[Any, ...]:
        """One row checked and sealed, as (row_number, *IMPORT_COLUMNS); InvalidArgument names the field."""
        name = validate.text("name", row.name, max_length=domain.MAX_NAME)
        workplace = validate.text("workplace_org", row.workplace_org, max_length=domain.MAX_WORKPLACE)
        place = places[row.residence_unit_id.strip()]
        if isinstance(place, str):
            raise InvalidArgument(place, "residence_unit_id")
        unit, community_id = place
        # Known values are looked up directly; validate.enum (slower) runs only to word the error.
        skills = [domain.SKILLS.get(s) or skill_codes("skills", list(row.skills))[0] for s in row.skills]
        if len(set(skills)) != len(skills):
            skills = list(dict.fromkeys(skills))
        tags = domain.normalise_tags("tags", list(row.tags)) if row.tags else ()
        level = (
            domain.MANAGEMENT_LEVELS.get(row.management_level)
            or domain.MANAGEMENT_LEVELS[validate.enum("management_level", row.management_level, pb.ManagementLevel)]
        )
        phone = domain.normalise_phone("phone", row.phone)
        id_number = domain.normalise_id_number("id_number", row.id_number)
        cipher = self.cipher
        return (
            number,
            name,
            workplace,
            community_id,
            unit.id,
            unit.path,
            skills,
            list(tags),
            level,
            cipher.seal(phone, "member.phone"),
            cipher.lookup_hash(phone, "member.phone"),
            mask_phone(phone),
            cipher.seal(id_number, "member.id_number"),
            cipher.lookup_hash(id_number, "member.id_number"),
            mask_id_number(id_number),
        )

    async def ExportMembers(
        self, request: pb.ExportMembersRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ExportMembersResponse]:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        status_number = validate.enum("status", request.status, pb.MemberStatus, required=False)
        status = domain.MEMBER_STATUSES[status_number] if status_number else "active"
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        caller.require_scope(str(subtree.id), map(str, subtree.ancestor_ids))
        after_id, sent = 0, 0
        while True:
            members = await self.store.members_page(subtree, status, after_id, domain.EXPORT_BATCH)
            if not members:
                break
            yield pb.ExportMembersResponse(members=[member_message(m) for m in members])
            sent += len(members)
            after_id = members[-1].id
        await self.store.audit(caller, "export_members", "org_unit", subtree.id, status=status, members=sent)

    async def RotatePersonalDataKeys(
        self, request: pb.RotatePersonalDataKeysRequest, context: grpc.aio.ServicerContext
    ) -> pb.RotatePersonalDataKeysResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN)
        if caller.scope != WHOLE_DEPLOYMENT:
            raise PermissionDenied("only a deployment-wide admin may rotate keys")
        batch = validate.page_size("batch_size", request.batch_size, default=1000, maximum=10_000)
        cipher = self.cipher

        def reseal(blob: bytes, field: str) -> bytes:
            return cipher.seal(cipher.open(blob, field), field)

        resealed, remaining = await self.store.reseal_batch(cipher.active_key_id, batch, reseal)
        await self.store.audit(caller, "rotate_personal_data_keys", "key", cipher.active_key_id, resealed=resealed)
        return pb.RotatePersonalDataKeysResponse(
            resealed=resealed, remaining=remaining, active_key_id=cipher.active_key_id
        )

    # ---- party organisations -------------------------------------------------------------------------------

    async def CreatePartyOrganisation(
        self, request: pb.CreatePartyOrganisationRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreatePartyOrganisationResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        kind = domain.PARTY_ORG_KINDS[validate.enum("kind", request.kind, pb.PartyOrganisationKind)]
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)
        focus = validate.text("focus", request.focus, max_length=domain.MAX_CATEGORY, required=False)
        unit = await self._open_org_unit("org_unit_id", request.org_unit_id)
        domain.check_party_organisation(kind, unit.kind, focus)
        caller.require_scope(str(unit.id), map(str, unit.ancestor_ids))

        async def create(conn: asyncpg.Connection) -> pb.CreatePartyOrganisationResponse:
            party_org = await self.store.create_party_organisation(conn, caller, unit, kind, name, focus)
            return pb.CreatePartyOrganisationResponse(party_organisation=party_organisation_message(party_org))

        return await self.store.once(
            caller, request_id, "CreatePartyOrganisation", pb.CreatePartyOrganisationResponse, create
        )

    async def ListPartyOrganisations(
        self, request: pb.ListPartyOrganisationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPartyOrganisationsResponse:
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        kind_number = validate.enum("kind", request.kind, pb.PartyOrganisationKind, required=False)
        kind = domain.PARTY_ORG_KINDS[kind_number] if kind_number else None
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        query = {"party_orgs_in": subtree.id, "kind": kind, "dissolved": request.include_dissolved}
        found = await self.store.party_organisations(
            subtree, kind, request.include_dissolved, after_id_of(request.page_token, query), page_size + 1
        )
        found, token = page_of(found, page_size, query, lambda p: [p.id])
        return pb.ListPartyOrganisationsResponse(
            party_organisations=[party_organisation_message(p) for p in found], next_page_token=token
        )

    async def DissolvePartyOrganisation(
        self, request: pb.DissolvePartyOrganisationRequest, context: grpc.aio.ServicerContext
    ) -> pb.DissolvePartyOrganisationResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SYSTEM)
        request_id = validate.request_id(request.request_id)
        party_org_id = validate.entity_id("party_organisation_id", request.party_organisation_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)

        async def dissolve(conn: asyncpg.Connection) -> pb.DissolvePartyOrganisationResponse:
            assert party_org_id is not None
            party_org = await self.store.lock_party_organisation(conn, party_org_id)
            unit = await self.store.lock_org_unit(conn, party_org.org_unit_id)
            caller.require_scope(str(unit.id), map(str, unit.ancestor_ids))
            if party_org.dissolved_at is not None:
                raise FailedPrecondition("the party organisation is dissolved already", "party_organisation_id")
            gone = await self.store.dissolve_party_organisation(conn, caller, party_org, reason)
            return pb.DissolvePartyOrganisationResponse(party_organisation=party_organisation_message(gone))

        return await self.store.once(
            caller, request_id, "DissolvePartyOrganisation", pb.DissolvePartyOrganisationResponse, dissolve
        )
