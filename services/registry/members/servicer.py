"""RegistryService's members (在职党员报到): registration, reads, searches and look-ups, changes and transfers, the
export, and the personal data sealed with them (revealed and re-sealed, always audited)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from linli.registry.v1 import registry_pb2 as pb

from services.registry import domain
from services.registry.domain import Member
from services.registry.lookups import (
    Lookups,
    require_may_read_member,
    require_member_in_scope,
    require_unit_in_scope,
)
from services.registry.messages import (
    after_id_of,
    member_message,
    name_and_id_after,
    page_of,
    skill_codes,
)
from services.registry.store import DuplicatePerson, NewMember
from services.runtime import access, validate
from services.runtime.auth import Caller, Role, current_caller
from services.runtime.convert import to_timestamp
from services.runtime.db import Connection
from services.runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument, PermissionDenied
from services.runtime.pii import mask_id_number, mask_phone
from services.runtime.retention import ERASED

# Who may reveal personal data in the clear (always audited).
_MAY_REVEAL = (Role.ADMIN, Role.STAFF)


class MemberCalls(Lookups):
    async def RegisterMember(
        self, request: pb.RegisterMemberRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RegisterMemberResponse:
        caller = current_caller()
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
        residence = await self._residence("residence_unit_id", request.residence_unit_id, open_only=False)
        require_unit_in_scope(caller, residence, "residence")
        earlier = await self.store.registered_by(caller, request_id)
        if earlier is not None:
            # A retry's answer is checked like a fresh one: the member it registered, where they live now.
            require_member_in_scope(caller, earlier)
            return pb.RegisterMemberResponse(member=member_message(earlier))
        community_id = await self._community_of(residence)

        new = NewMember(
            name=name,
            workplace_org=workplace,
            community_id=community_id,
            residence_unit_id=residence.id,
            residence_path=residence.path,
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
            member, created = await self.store.register_member(caller, request_id, new)
        except DuplicatePerson as exc:
            raise AlreadyExists("a member with this ID number is registered already", "id_number") from exc
        if not created:  # a concurrent retry won
            require_member_in_scope(caller, member)
        return pb.RegisterMemberResponse(member=member_message(member))

    async def GetMember(
        self, request: pb.GetMemberRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetMemberResponse:
        caller = current_caller()
        member = await self._member("member_id", request.member_id)
        require_may_read_member(caller, member)
        if not request.reveal_personal_data:
            return pb.GetMemberResponse(member=member_message(member))
        if caller.role not in _MAY_REVEAL:
            raise PermissionDenied("only staff and admins in scope may reveal personal data", "reveal_personal_data")
        phone_sealed, id_sealed = await self.store.sealed_personal_data(caller, member.id)
        return pb.GetMemberResponse(
            member=member_message(
                member,
                # Erased after deregistration (EraseExpiredPersonalData): said so, never a failure.
                phone=self.cipher.open(phone_sealed, "member.phone") if phone_sealed else ERASED,
                id_number=self.cipher.open(id_sealed, "member.id_number") if id_sealed else ERASED,
            )
        )

    async def SearchMembers(
        self, request: pb.SearchMembersRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.SearchMembersResponse:
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=500)
        skill_number = validate.enum("skill", request.skill, pb.Skill, required=False)
        status_number = validate.enum("status", request.status, pb.MemberStatus, required=False)
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        require_unit_in_scope(caller, subtree)

        name_prefix = validate.text("name_prefix", request.name_prefix, max_length=domain.MAX_NAME, required=False)
        skill = domain.SKILLS[skill_number] if skill_number else None
        status = domain.MEMBER_STATUSES[status_number] if status_number else "active"
        query = {"org_unit": subtree.id, "skill": skill, "status": status, "name_prefix": name_prefix}
        if not name_prefix:
            after_id = after_id_of(request.page_token, query)
            members = await self.store.search_members(subtree, status, skill, after_id, page_size + 1)
            members, token = page_of(members, page_size, query, lambda m: [m.id])
        else:
            after = name_and_id_after(request.page_token, query)
            members = await self.store.search_members_by_name(subtree, status, skill, name_prefix, after, page_size + 1)
            members, token = page_of(members, page_size, query, lambda m: [m.name, m.id])
        return pb.SearchMembersResponse(members=[member_message(m) for m in members], next_page_token=token)

    async def LookupMember(
        self, request: pb.LookupMemberRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.LookupMemberResponse:
        """By a key that names a person (their ID number or phone): the request names no org unit, so a caller in any
        scope may ask, and gets only the members living in its scope; whoever lives elsewhere is left out, and never
        said to exist. Every look-up is audited: who asked, by which kind of key, and whom it found."""
        caller = current_caller()
        if bool(request.id_number.strip()) == bool(request.phone.strip()):
            raise InvalidArgument("give exactly one of id_number and phone", "id_number")
        if request.id_number.strip():
            key = "id_number"
            id_number = domain.normalise_id_number("id_number", request.id_number)
            value_hash = self.cipher.lookup_hash(id_number, "member.id_number")
            found = await self.store.members_by_hash("id_number_hash", value_hash, 1)
        else:
            key = "phone"
            phone = domain.normalise_phone("phone", request.phone)
            value_hash = self.cipher.lookup_hash(phone, "member.phone")
            found = await self.store.members_by_hash("phone_hash", value_hash, domain.MAX_PHONE_MATCHES)
        visible = [
            m for m in found if access.covers(caller, str(m.residence_unit_id), map(str, m.residence_ancestor_ids))
        ]
        # Never the value looked up: the kind of key, and the members the caller was shown.
        await self.store.audit(
            caller, "lookup_member", "member_lookup", key, found=len(visible), member_ids=[m.id for m in visible]
        )
        return pb.LookupMemberResponse(members=[member_message(m) for m in visible])

    # ---- member changes ------------------------------------------------------------------------------------

    async def _member_change(self, request_id_text: str, raw_member_id: str) -> tuple[Caller, str, Member]:
        caller = current_caller()
        request_id = validate.request_id(request_id_text)
        member = await self._member("member_id", raw_member_id)
        require_member_in_scope(caller, member)
        return caller, request_id, member

    async def UpdateMember(
        self, request: pb.UpdateMemberRequest, context: grpc.aio.ServicerContext[Any, Any]
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

        async def update(conn: Connection) -> pb.UpdateMemberResponse:
            locked = await self.store.lock_member(conn, member.id)
            if locked.status != "active":
                raise FailedPrecondition("the member is deregistered", "member_id")
            updated = await self.store.update_member(conn, caller, locked, changes)
            return pb.UpdateMemberResponse(member=member_message(updated))

        return await self.store.once(
            caller, request_id, "UpdateMember", pb.UpdateMemberResponse, update, f"member:{member.id}"
        )

    async def TransferMember(
        self, request: pb.TransferMemberRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.TransferMemberResponse:  # 流动党员
        caller, request_id, member = await self._member_change(request.request_id, request.member_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)
        residence = await self._residence("residence_unit_id", request.residence_unit_id, open_only=True)
        require_unit_in_scope(caller, residence, "new residence")
        community_id = await self._community_of(residence)

        async def transfer(conn: Connection) -> pb.TransferMemberResponse:
            locked = await self.store.lock_member(conn, member.id)
            if locked.status != "active":
                raise FailedPrecondition("the member is deregistered", "member_id")
            if locked.residence_unit_id == residence.id:
                raise FailedPrecondition("the member lives there already", "residence_unit_id")
            moved = await self.store.transfer_member(conn, caller, locked, residence, community_id, reason)
            return pb.TransferMemberResponse(member=member_message(moved))

        return await self.store.once(
            caller, request_id, "TransferMember", pb.TransferMemberResponse, transfer, f"member:{member.id}"
        )

    async def ListMemberResidences(
        self, request: pb.ListMemberResidencesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListMemberResidencesResponse:
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        member = await self._member("member_id", request.member_id)
        require_may_read_member(caller, member)
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
        self, request: pb.DeregisterMemberRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.DeregisterMemberResponse:
        caller, request_id, member = await self._member_change(request.request_id, request.member_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)

        async def deregister(conn: Connection) -> pb.DeregisterMemberResponse:
            locked = await self.store.lock_member(conn, member.id)
            if locked.status != "active":
                raise FailedPrecondition("the member is deregistered already", "member_id")
            gone = await self.store.deregister_member(conn, caller, locked, reason)
            return pb.DeregisterMemberResponse(member=member_message(gone))

        return await self.store.once(
            caller, request_id, "DeregisterMember", pb.DeregisterMemberResponse, deregister, f"member:{member.id}"
        )

    # ---- bulk export and personal data keys ----------------------------------------------------------------

    async def ExportMembers(
        self, request: pb.ExportMembersRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[pb.ExportMembersResponse]:
        caller = current_caller()
        status_number = validate.enum("status", request.status, pb.MemberStatus, required=False)
        status = domain.MEMBER_STATUSES[status_number] if status_number else "active"
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        require_unit_in_scope(caller, subtree)
        # Audited before the first member leaves: a client that stops reading early still leaves its trace.
        await self.store.audit(caller, "export_members", "org_unit", subtree.id, status=status)
        total: int | None = await self.store.count_members(subtree, status)
        after_id = 0
        while True:
            members = await self.store.members_page(subtree, status, after_id, domain.EXPORT_BATCH)
            if not members:
                break
            yield pb.ExportMembersResponse(members=[member_message(m) for m in members], total_rows=total or 0)
            total = None  # said once, in the first message
            after_id = members[-1].id

    async def RotatePersonalDataKeys(
        self, request: pb.RotatePersonalDataKeysRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RotatePersonalDataKeysResponse:
        caller = current_caller()
        access.require_whole_deployment(caller, "rotate the personal data keys")
        batch = validate.page_size("batch_size", request.batch_size, default=1000, maximum=10_000)
        cipher = self.cipher

        def reseal(blob: bytes, field: str) -> bytes:
            return cipher.seal(cipher.open(blob, field), field)

        resealed, remaining = await self.store.reseal_batch(cipher.active_key_id, batch, reseal)
        await self.store.audit(caller, "rotate_personal_data_keys", "key", cipher.active_key_id, resealed=resealed)
        return pb.RotatePersonalDataKeysResponse(
            resealed=resealed, remaining=remaining, active_key_id=cipher.active_key_id
        )
