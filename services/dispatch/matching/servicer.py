"""DispatchService's matching: who should take a wish, who fits an activity's role."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc
from linli.dispatch.v1 import dispatch_pb2 as pb
from linli.registry.v1 import registry_pb2
from linli.wishes.v1 import wishes_pb2

from services.dispatch.calls import DispatchCalls
from services.dispatch.matching import domain
from services.dispatch.matching.domain import Candidate, CandidatePool, Place, Ranked
from services.runtime import access, validate
from services.runtime.auth import current_caller
from services.runtime.errors import InvalidArgument, NotFound
from services.runtime.org_directory import OrgUnitInfo


class MatchingServicer(DispatchCalls):
    async def RecommendClaimants(
        self, request: pb.RecommendClaimantsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RecommendClaimantsResponse:
        caller = current_caller()
        wish_id = str(validate.entity_id("wish_id", request.wish_id))
        limit = validate.page_size("limit", request.limit, default=10, maximum=100)
        try:
            wish = (await self.wishes.GetWish(wishes_pb2.GetWishRequest(wish_id=wish_id))).wish
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"no wish {wish_id}", "wish_id") from exc
            raise
        community = await self.org.require_in_scope(caller, wish.community_id, "wish_id", "community")
        place = await self._place_of(community, wish.unit_id)
        street_id = community.parent_id if community.kind == registry_pb2.ORG_UNIT_KIND_COMMUNITY else ""
        today = datetime.now(self.zone).date().isoformat()
        # Members whose workplace is paired with the community may claim its wishes (结对共建): ranked with the rest.
        workplaces = await self.members.paired_workplaces(community.id, today)
        candidates = await self.members.pool_with_paired(community.id, street_id, workplaces)
        wanted = domain.Wanted.of(wish.category, wish.text)
        ranked = await self._rank(
            candidates,
            lambda skills: domain.skill_points(wish.category, skills),
            lambda c: domain.add_interests(domain.skill_fit(wish.category, c), wanted, c),
            place,
            community.id,
            limit,
            exclude=set(),
            interests=lambda tags: domain.interest_points(wanted, tags),
        )
        return pb.RecommendClaimantsResponse(recommendations=[_recommendation(r) for r in ranked])

    async def _place_of(self, community: OrgUnitInfo, unit_id: str) -> Place:
        """Where the wish lies: its grid or building when SubmitWish named one (with the grid a building is in)."""
        if not unit_id:
            return Place(community_id=community.id)
        try:
            unit = await self.org.unit(unit_id, "wish_id")
        except NotFound:
            return Place(community_id=community.id)  # closed and gone since: as near as the community
        if unit.kind == registry_pb2.ORG_UNIT_KIND_GRID:
            return Place(grid_id=unit.id, community_id=community.id)
        if unit.kind == registry_pb2.ORG_UNIT_KIND_BUILDING:
            parent = await self.org.unit(unit.parent_id, "wish_id")
            grid = parent.id if parent.kind == registry_pb2.ORG_UNIT_KIND_GRID else ""
            return Place(building_id=unit.id, grid_id=grid, community_id=community.id)
        return Place(community_id=community.id)

    async def RecommendVolunteers(
        self, request: pb.RecommendVolunteersRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RecommendVolunteersResponse:
        caller = current_caller()
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
        access.require_scope(caller, unit.id, unit.ancestor_ids)
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
        interests: Callable[[tuple[str, ...]], float] = domain.no_interests,
    ) -> list[Ranked]:
        """Skill fit, interests, nearness and open load for everyone (numbers only); then, for a shortlist of the
        best, the explanations and recent hours (one registry call each, cached), and the final order. `fit` explains
        what `points` and `interests` count."""
        load, away = await asyncio.gather(self._open_load(load_unit_id), self.store.away_members(datetime.now(UTC)))
        # Those away (请假) now are not asked: they could not take the work.
        best = domain.shortlist_pool(
            candidates,
            points,
            place,
            load,
            exclude | away,
            domain.shortlist_size(limit),
            interests,
        )
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


def _recommendation(r: Ranked) -> pb.Recommendation:
    return pb.Recommendation(member_id=r.member_id, member_name=r.name, score=r.score, reasons=list(r.reasons))
