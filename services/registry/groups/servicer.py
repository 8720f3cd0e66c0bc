"""RegistryService's groups on the org tree: service posts (服务岗位), volunteer teams (志愿服务队), pairings with
workplace units (结对共建) and party organisations.

Party organisations are part of the tree's public shape, like its names. Posts, teams and pairings are a
community's own records: read in scope (a member: in their own community), changed by staff in scope.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import grpc
from linli.registry.v1 import registry_pb2 as pb

from services.registry import domain
from services.registry.domain import Member, ServicePost
from services.registry.lookups import Lookups, require_may_read_member, require_member_in_scope, require_unit_in_scope
from services.registry.messages import (
    after_id_of,
    page_of,
    pairing_message,
    party_organisation_message,
    service_post_message,
    team_member_message,
    team_message,
)
from services.runtime import validate
from services.runtime.auth import Caller, current_caller
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from services.runtime.pii import mask_name, mask_phone


class GroupCalls(Lookups):
    # ---- service posts (服务岗位) ---------------------------------------------------------------------------

    async def CreateServicePost(
        self, request: pb.CreateServicePostRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateServicePostResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)
        description = validate.text(
            "description", request.description, max_length=domain.MAX_DESCRIPTION, required=False
        )
        capacity = domain.capacity("capacity", request.capacity)
        community = await self._community("community_id", request.community_id)
        require_unit_in_scope(caller, community, "community")

        async def create(conn: Connection) -> pb.CreateServicePostResponse:
            post = await self.store.create_service_post(conn, caller, community, name, description, capacity)
            return pb.CreateServicePostResponse(post=service_post_message(post))

        return await self.store.once(
            caller, request_id, "CreateServicePost", pb.CreateServicePostResponse, create, f"org_unit:{community.id}"
        )

    async def ListServicePosts(
        self, request: pb.ListServicePostsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListServicePostsResponse:
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        community = await self._community("community_id", request.community_id, open_only=False)
        require_unit_in_scope(caller, community, "community")
        query = {"posts_of": community.id}
        posts = await self.store.service_posts(community.id, after_id_of(request.page_token, query), page_size + 1)
        posts, token = page_of(posts, page_size, query, lambda p: [p.id])
        return pb.ListServicePostsResponse(posts=[service_post_message(p) for p in posts], next_page_token=token)

    async def _post_change(
        self, request_id_text: str, raw_post_id: str, raw_member_id: str
    ) -> tuple[Caller, str, ServicePost, Member]:
        """A member may claim or release for themselves; staff and admins for members in their scope."""
        caller = current_caller()
        request_id = validate.request_id(request_id_text)
        member = await self._member("member_id", raw_member_id)
        require_may_read_member(caller, member)
        post = await self._service_post(raw_post_id)
        return caller, request_id, post, member

    async def ClaimServicePost(
        self, request: pb.ClaimServicePostRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ClaimServicePostResponse:  # 认领服务岗位
        caller, request_id, post, member = await self._post_change(
            request.request_id, request.post_id, request.member_id
        )
        if member.status != "active":
            raise FailedPrecondition("the member is deregistered", "member_id")
        if member.community_id != post.community_id:
            raise FailedPrecondition("the post belongs to another community than the member's", "post_id")

        async def claim(conn: Connection) -> pb.ClaimServicePostResponse:
            claimed = await self.store.claim_service_post(conn, caller, post, member)
            return pb.ClaimServicePostResponse(post=service_post_message(claimed))

        target = f"service_post:{post.id}/member:{member.id}"
        return await self.store.once(caller, request_id, "ClaimServicePost", pb.ClaimServicePostResponse, claim, target)

    async def ReleaseServicePost(
        self, request: pb.ReleaseServicePostRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ReleaseServicePostResponse:
        caller, request_id, post, member = await self._post_change(
            request.request_id, request.post_id, request.member_id
        )

        async def release(conn: Connection) -> pb.ReleaseServicePostResponse:
            released = await self.store.release_service_post(conn, caller, post, member.id)
            return pb.ReleaseServicePostResponse(post=service_post_message(released))

        target = f"service_post:{post.id}/member:{member.id}"
        return await self.store.once(
            caller, request_id, "ReleaseServicePost", pb.ReleaseServicePostResponse, release, target
        )

    # ---- volunteer teams (志愿服务队) -----------------------------------------------------------------------

    async def CreateTeam(
        self, request: pb.CreateTeamRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateTeamResponse:
        caller = current_caller()
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
        require_unit_in_scope(caller, unit)

        async def create(conn: Connection) -> pb.CreateTeamResponse:
            team = await self.store.create_team(conn, caller, unit, kind, custom_kind, name)
            return pb.CreateTeamResponse(team=team_message(team))

        return await self.store.once(
            caller, request_id, "CreateTeam", pb.CreateTeamResponse, create, f"org_unit:{unit.id}"
        )

    async def ListTeams(
        self, request: pb.ListTeamsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListTeamsResponse:
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        require_unit_in_scope(caller, subtree)
        query = {"teams_in": subtree.id}
        teams = await self.store.teams(subtree, after_id_of(request.page_token, query), page_size + 1)
        teams, token = page_of(teams, page_size, query, lambda t: [t.id])
        return pb.ListTeamsResponse(teams=[team_message(t) for t in teams], next_page_token=token)

    async def AddTeamMember(
        self, request: pb.AddTeamMemberRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.AddTeamMemberResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        team, unit = await self._team(request.team_id)
        require_unit_in_scope(caller, unit, "the team's unit")
        who = request.WhichOneof("who")
        member: Member | None = None
        volunteer: tuple[bytes, str, bytes, bytes, str] | None = None
        if who == "member_id":
            member = await self._member("member_id", request.member_id)
            require_member_in_scope(caller, member)
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

        async def add(conn: Connection) -> pb.AddTeamMemberResponse:
            added = await self.store.add_team_member(conn, caller, team, member=member, volunteer=volunteer)
            return pb.AddTeamMemberResponse(team_member=team_member_message(added))

        return await self.store.once(
            caller, request_id, "AddTeamMember", pb.AddTeamMemberResponse, add, f"team:{team.id}"
        )

    async def RemoveTeamMember(
        self, request: pb.RemoveTeamMemberRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RemoveTeamMemberResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        team, unit = await self._team(request.team_id)
        require_unit_in_scope(caller, unit, "the team's unit")
        team_member_id = validate.entity_id("team_member_id", request.team_member_id)
        assert team_member_id is not None

        async def remove(conn: Connection) -> pb.RemoveTeamMemberResponse:
            smaller = await self.store.remove_team_member(conn, caller, team, team_member_id)
            return pb.RemoveTeamMemberResponse(team=team_message(smaller))

        return await self.store.once(
            caller, request_id, "RemoveTeamMember", pb.RemoveTeamMemberResponse, remove, f"team:{team.id}"
        )

    async def ListTeamMembers(
        self, request: pb.ListTeamMembersRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListTeamMembersResponse:
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        team, unit = await self._team(request.team_id)
        require_unit_in_scope(caller, unit, "the team's unit")
        query = {"members_of_team": team.id}
        people = await self.store.team_members(team.id, after_id_of(request.page_token, query), page_size + 1)
        people, token = page_of(people, page_size, query, lambda p: [p.id])
        return pb.ListTeamMembersResponse(team_members=[team_member_message(p) for p in people], next_page_token=token)

    # ---- pairings (结对共建) --------------------------------------------------------------------------------

    async def CreatePairing(
        self, request: pb.CreatePairingRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreatePairingResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        workplace = validate.text("workplace_org", request.workplace_org, max_length=domain.MAX_WORKPLACE)
        start = domain.parse_day("start_date", request.start_date)
        end = domain.parse_day("end_date", request.end_date, required=False)
        if start and end and end < start:
            raise InvalidArgument("must not lie before start_date", "end_date")
        note = validate.text("note", request.note, max_length=domain.MAX_NOTE, required=False)
        community = await self._community("community_id", request.community_id)
        require_unit_in_scope(caller, community, "community")

        async def create(conn: Connection) -> pb.CreatePairingResponse:
            assert start is not None
            pairing = await self.store.create_pairing(conn, caller, workplace, community, start, end, note)
            return pb.CreatePairingResponse(pairing=pairing_message(pairing))

        return await self.store.once(
            caller, request_id, "CreatePairing", pb.CreatePairingResponse, create, f"org_unit:{community.id}"
        )

    async def EndPairing(
        self, request: pb.EndPairingRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.EndPairingResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        pairing_id = validate.entity_id("pairing_id", request.pairing_id)
        end = domain.parse_day("end_date", request.end_date)
        assert pairing_id is not None and end is not None
        # The community's scope as the tree is now, before a retry is answered.
        community = await self.store.org_unit((await self.store.pairing(pairing_id)).community_id)
        assert community is not None
        require_unit_in_scope(caller, community, "the pairing's community")

        async def finish(conn: Connection) -> pb.EndPairingResponse:
            pairing = await self.store.pairing(pairing_id, conn, lock=True)
            if pairing.end_date is not None and pairing.end_date <= date.today():
                raise FailedPrecondition(f"the pairing ended on {pairing.end_date.isoformat()}", "pairing_id")
            if end < pairing.start_date:
                raise InvalidArgument(
                    f"must not lie before the start date {pairing.start_date.isoformat()}", "end_date"
                )
            ended = await self.store.end_pairing(conn, caller, pairing, end)
            return pb.EndPairingResponse(pairing=pairing_message(ended))

        return await self.store.once(
            caller, request_id, "EndPairing", pb.EndPairingResponse, finish, f"pairing:{pairing_id}"
        )

    async def ListPairings(
        self, request: pb.ListPairingsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListPairingsResponse:
        caller = current_caller()
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        active_on = domain.parse_day("active_on", request.active_on, required=False)
        subtree = await self._org_unit("org_unit_id", request.org_unit_id)
        require_unit_in_scope(caller, subtree)
        query = {"pairings_in": subtree.id, "active_on": str(active_on)}
        pairings = await self.store.pairings(subtree, active_on, after_id_of(request.page_token, query), page_size + 1)
        pairings, token = page_of(pairings, page_size, query, lambda p: [p.id])
        return pb.ListPairingsResponse(pairings=[pairing_message(p) for p in pairings], next_page_token=token)

    # ---- party organisations -------------------------------------------------------------------------------

    async def CreatePartyOrganisation(
        self, request: pb.CreatePartyOrganisationRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreatePartyOrganisationResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        kind = domain.PARTY_ORG_KINDS[validate.enum("kind", request.kind, pb.PartyOrganisationKind)]
        name = validate.text("name", request.name, max_length=domain.MAX_NAME)
        focus = validate.text("focus", request.focus, max_length=domain.MAX_CATEGORY, required=False)
        unit = await self._open_org_unit("org_unit_id", request.org_unit_id)
        domain.check_party_organisation(kind, unit.kind, focus)
        require_unit_in_scope(caller, unit)

        async def create(conn: Connection) -> pb.CreatePartyOrganisationResponse:
            party_org = await self.store.create_party_organisation(conn, caller, unit, kind, name, focus)
            return pb.CreatePartyOrganisationResponse(party_organisation=party_organisation_message(party_org))

        return await self.store.once(
            caller,
            request_id,
            "CreatePartyOrganisation",
            pb.CreatePartyOrganisationResponse,
            create,
            f"org_unit:{unit.id}",
        )

    async def ListPartyOrganisations(
        self, request: pb.ListPartyOrganisationsRequest, context: grpc.aio.ServicerContext[Any, Any]
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
        self, request: pb.DissolvePartyOrganisationRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.DissolvePartyOrganisationResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        party_org_id = validate.entity_id("party_organisation_id", request.party_organisation_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)
        assert party_org_id is not None
        # Its unit's scope as the tree is now, before a retry is answered.
        unit = await self.store.org_unit((await self.store.party_organisation(party_org_id)).org_unit_id)
        if unit is None:
            raise NotFound(f"no party organisation {party_org_id}", "party_organisation_id")
        require_unit_in_scope(caller, unit, "the party organisation's unit")

        async def dissolve(conn: Connection) -> pb.DissolvePartyOrganisationResponse:
            party_org = await self.store.party_organisation(party_org_id, conn, lock=True)
            if party_org.dissolved_at is not None:
                raise FailedPrecondition("the party organisation is dissolved already", "party_organisation_id")
            gone = await self.store.dissolve_party_organisation(conn, caller, party_org, reason)
            return pb.DissolvePartyOrganisationResponse(party_organisation=party_organisation_message(gone))

        return await self.store.once(
            caller,
            request_id,
            "DissolvePartyOrganisation",
            pb.DissolvePartyOrganisationResponse,
            dissolve,
            f"party_organisation:{party_org_id}",
        )
