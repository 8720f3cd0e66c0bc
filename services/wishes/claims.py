"""Claims (认领): a member's own claim, its release and its one extension, staff assignment, and group claims."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
from linli.registry.v1 import registry_pb2
from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime import access, validate
from services.runtime.auth import Caller, Role, current_caller
from services.runtime.env import format_duration
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from services.wishes import domain
from services.wishes.domain import Claim, Extension, Unclaimed, Wish
from services.wishes.handling import WishHandling
from services.wishes.messages import wish_message


class Claims(WishHandling):
    async def ClaimWish(
        self, request: pb.ClaimWishRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ClaimWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        member_id = validate.entity_id("member_id", request.member_id)
        wish = await self._wish(request.wish_id)
        if caller.role == Role.MEMBER:
            # Where a member may claim is decided by their registration (or their workplace's pairing), below.
            access.require_self(caller, member_id, "member_id", "claim only for themselves")
        else:
            await self._require_in_scope(caller, wish)  # staff assigning a wish to a member
        if wish.claimant_member_id != member_id:  # the claimant's own retry is answered by the commit
            self._require_may_start(wish, domain.CLAIM)
        await self._require_registered_in(member_id, wish)
        moved = await self._claim(
            caller,
            request_id,
            wish,
            domain.CLAIM,
            f"claimed by member {member_id}",
            Claim((member_id,), self.max_open_claims),
        )
        return pb.ClaimWishResponse(wish=wish_message(moved))

    async def ReleaseClaim(
        self, request: pb.ReleaseClaimRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ReleaseClaimResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON, required=False)
        wish = await self._wish(request.wish_id)
        await self._require_claimant_or_staff(caller, wish)
        note = f"released by member {wish.claimant_member_id}" + (f": {reason}" if reason else "")
        moved = await self._moved(caller, request_id, wish, domain.RELEASE, note, Unclaimed())
        return pb.ReleaseClaimResponse(wish=wish_message(moved))

    async def ExtendClaim(
        self, request: pb.ExtendClaimRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ExtendClaimResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        new_deadline = validate.future_time("new_deadline", request.new_deadline)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON, required=False)
        wish = await self._wish(request.wish_id)
        await self._require_claimant_or_staff(caller, wish)
        if await self.store.moved_by(caller, wish.id, request_id):
            return pb.ExtendClaimResponse(wish=wish_message(await self._wish(request.wish_id)))
        if wish.state in domain.EXTEND.from_states:  # otherwise the commit refuses it, naming the state
            self._require_extensible(wish, new_deadline)
        note = f"deadline extended to {new_deadline.isoformat(timespec='minutes')}" + (f": {reason}" if reason else "")
        # At the version read: of two concurrent extensions one wins, so a claim is extended at most once.
        moved = await self._moved(
            caller,
            request_id,
            wish,
            domain.EXTEND,
            note,
            Extension(new_deadline),
            expected_version=wish.version,
        )
        return pb.ExtendClaimResponse(wish=wish_message(moved))

    def _require_extensible(self, wish: Wish, new_deadline: datetime) -> None:
        """Once, before the claim lapses, and by at most the extension limit (the category's, if it has one)."""
        if wish.claim_extended:
            raise FailedPrecondition(f"the claim on wish {wish.id} was extended once already")
        now = datetime.now(UTC)
        if wish.deadline is not None and wish.deadline <= now:
            raise FailedPrecondition(
                f"the claim on wish {wish.id} lapsed at {wish.deadline.isoformat(timespec='minutes')}; "
                "a lapsed claim cannot be extended"
            )
        current = wish.deadline or now
        if new_deadline <= current:
            raise InvalidArgument("must lie after the current deadline", "new_deadline")
        longest = self.limits.by_category.get(wish.category or "", {}).get("extension", self.limits.extension)
        if new_deadline > current + longest:
            raise InvalidArgument(
                f"may lie at most {format_duration(longest.total_seconds())} after the current deadline, so no later than "
                f"{(current + longest).isoformat(timespec='minutes')}",
                "new_deadline",
            )

    async def AssignWish(
        self, request: pb.AssignWishRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.AssignWishResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        member_id = validate.entity_id("member_id", request.member_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON, required=False)
        wish = await self._wish(request.wish_id)
        return pb.AssignWishResponse(wish=wish_message(await self._assign(caller, request_id, wish, member_id, reason)))

    async def BulkAssignWishes(
        self, request: pb.BulkAssignWishesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.BulkAssignWishesResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        ids = self._bulk_ids(request.wish_ids)
        member_id = validate.entity_id("member_id", request.member_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON, required=False)
        await self._member(member_id)  # an unknown member fails the whole request, not each wish
        results = await self._bulk(
            caller,
            "bulk_assign_wishes",
            ids,
            lambda wish: self._assign(caller, request_id, wish, member_id, reason),
            request_id=request_id,
            member_id=member_id,
        )
        return pb.BulkAssignWishesResponse(results=results)

    async def _assign(self, caller: Caller, request_id: str, wish: Wish, member_id: int, reason: str) -> Wish:
        """Gives the wish to the member: a published one, or a claimed one to a new claimant (reassignment)."""
        await self._require_in_scope(caller, wish)
        if await self.store.moved_by(caller, wish.id, request_id):
            return await self._wish(str(wish.id))  # a retry: this request assigned it already
        self._require_may_start(wish, domain.ASSIGN)
        if wish.claimant_member_id == member_id and not wish.participant_member_ids:
            raise FailedPrecondition(f"wish {wish.id} is claimed by member {member_id} already", "member_id")
        await self._require_registered_in(member_id, wish)
        note = f"assigned to member {member_id}"
        if wish.state == "claimed":
            note += f" instead of member {wish.claimant_member_id}"
        # At the version read: a claim, a fulfilment or another assignment in between makes this one ABORTED
        # instead of overwriting it.
        return await self._claim(
            caller,
            request_id,
            wish,
            domain.ASSIGN,
            note + (f": {reason}" if reason else ""),
            Claim((member_id,), self.max_open_claims),
            expected_version=wish.version,
        )

    async def ClaimWishAsGroup(
        self, request: pb.ClaimWishAsGroupRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ClaimWishAsGroupResponse:
        """A group claim is made by staff (or an admin) in the wish's scope, who speak for the group: the registry's
        teams have no leader, and a claim names who holds it and counts against every participant's open-claim cap,
        so one member may not make it for others (a member claims alone, with ClaimWish)."""
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        group = request.WhichOneof("group")
        if group is None:
            raise InvalidArgument("is required: team_id or workplace_org", "group")
        team_id = validate.entity_id("team_id", request.team_id) if group == "team_id" else None
        workplace_org = (
            validate.text("workplace_org", request.workplace_org, max_length=200) if group == "workplace_org" else ""
        )
        if request.team_member_ids and team_id is None:
            raise InvalidArgument("team volunteers take part only in a team's claim (team_id)", "team_member_ids")
        people = len(request.member_ids) + len(request.team_member_ids)
        if not request.member_ids or not 2 <= people <= domain.MAX_GROUP:
            raise InvalidArgument(
                f"must name 2 to {domain.MAX_GROUP} people, at least one of them a member", "member_ids"
            )
        member_ids = [validate.entity_id(f"member_ids[{i}]", m) for i, m in enumerate(request.member_ids)]
        if len(set(member_ids)) != len(member_ids):
            raise InvalidArgument("names a member more than once", "member_ids")
        volunteer_ids = [validate.entity_id(f"team_member_ids[{i}]", m) for i, m in enumerate(request.team_member_ids)]
        if len(set(volunteer_ids)) != len(volunteer_ids):
            raise InvalidArgument("names a team volunteer more than once", "team_member_ids")
        wish = await self._wish(request.wish_id)
        await self._require_in_scope(caller, wish)
        if await self.store.moved_by(caller, wish.id, request_id):
            return pb.ClaimWishAsGroupResponse(wish=wish_message(await self._wish(request.wish_id)))
        self._require_may_start(wish, domain.CLAIM)
        fields = [f"member_ids[{i}]" for i in range(len(member_ids))]
        members = [await self._member(m, field) for m, field in zip(member_ids, fields, strict=True)]
        if team_id is not None:
            on_team, volunteers = await self._team_member_ids(team_id)
            for member, field in zip(members, fields, strict=True):
                if int(member.id) not in on_team:
                    raise FailedPrecondition(f"member {member.id} is not on team {team_id}", field)
            for i, volunteer_id in enumerate(volunteer_ids):
                if volunteer_id not in volunteers:
                    # A registered member on the team is named by member_id, and claims as a member.
                    raise FailedPrecondition(
                        f"team {team_id} has no volunteer {volunteer_id} who is not a member", f"team_member_ids[{i}]"
                    )
            group_note = f"team {team_id}"
        else:
            if not await self._paired(workplace_org, wish):
                raise FailedPrecondition(
                    f"{workplace_org} is not paired with community {wish.community_id} today", "workplace_org"
                )
            for member, field in zip(members, fields, strict=True):
                if member.workplace_org != workplace_org:
                    raise FailedPrecondition(f"member {member.id} does not belong to {workplace_org}", field)
            group_note = f"paired unit {workplace_org}"
        for member_id, field in zip(member_ids, fields, strict=True):
            await self._require_registered_in(member_id, wish, field)
        moved = await self._claim(
            caller,
            request_id,
            wish,
            domain.CLAIM,
            f"claimed by {group_note}: members {', '.join(map(str, member_ids))}"
            + (f"; team volunteers {', '.join(map(str, volunteer_ids))}" if volunteer_ids else ""),
            # Every member participant's open claims count against the cap.
            Claim(
                tuple(member_ids),
                self.max_open_claims,
                team_id=team_id,
                workplace_org=workplace_org or None,
                team_member_ids=tuple(volunteer_ids),
            ),
        )
        return pb.ClaimWishAsGroupResponse(wish=wish_message(moved))

    async def _team_member_ids(self, team_id: int) -> tuple[set[int], set[int]]:
        """The registered members on a volunteer team, and the team's volunteers who are not members (by their
        TeamMember id: resident volunteers have no member id)."""
        found: set[int] = set()
        volunteers: set[int] = set()
        token = ""
        for _ in range(20):  # 20 pages of 500: far more than one team has
            try:
                response = await self.registry.ListTeamMembers(
                    registry_pb2.ListTeamMembersRequest(team_id=str(team_id), page_size=500, page_token=token),
                )
            except grpc.aio.AioRpcError as exc:
                if exc.code() == grpc.StatusCode.NOT_FOUND:
                    raise NotFound(f"no team {team_id}", "team_id") from exc
                raise
            found.update(int(p.member_id) for p in response.team_members if p.member_id)
            volunteers.update(int(p.id) for p in response.team_members if not p.member_id)
            token = response.next_page_token
            if not token:
                break
        return found, volunteers

    async def _member(self, member_id: int, field: str = "member_id") -> registry_pb2.Member:
        """The member as the registry has it; answers are reused for a few seconds, because in a claim storm the
        same members claim many wishes at once and a registration changes rarely."""
        cached = self._members.get(member_id)
        if cached is not None:
            return cached
        try:
            response: registry_pb2.GetMemberResponse = await self.registry.GetMember(
                registry_pb2.GetMemberRequest(member_id=str(member_id))
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"no member {member_id}", field) from exc
            raise
        self._members.put(member_id, response.member)
        return response.member

    async def _require_registered_in(self, member_id: int, wish: Wish, field: str = "member_id") -> None:
        member = await self._member(member_id, field)
        if member.status != registry_pb2.MEMBER_STATUS_ACTIVE:
            raise FailedPrecondition(f"member {member_id} is not an active member", field)
        if member.community_id != str(wish.community_id) and not await self._paired(member.workplace_org, wish):
            raise FailedPrecondition(
                f"member {member_id} is registered in community {member.community_id}, not in the wish's community "
                f"{wish.community_id}, and their workplace organisation is not paired with it",
                field,
            )

    async def _paired(self, workplace_org: str, wish: Wish) -> bool:
        """True when the workplace organisation is paired with the wish's community today (结对共建)."""
        today = datetime.now(self.local_zone).date().isoformat()
        token = ""
        for _ in range(20):  # 20 pages of 500: far more pairings than one community has
            response = await self.registry.ListPairings(
                registry_pb2.ListPairingsRequest(
                    org_unit_id=str(wish.community_id), active_on=today, page_size=500, page_token=token
                ),
            )
            if any(
                p.community_id == str(wish.community_id) and p.workplace_org == workplace_org for p in response.pairings
            ):
                return True
            token = response.next_page_token
            if not token:
                return False
        return False
