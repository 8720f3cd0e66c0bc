"""Members as dispatch sees them: short-lived read-through caches over the registry.

Ranking a community of ten thousand members must not page through the registry on every call, and an
alert's call list must not wait on it either; members change rarely, so answers are kept for a short while.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2, registry_pb2_grpc

from services.dispatch.matching.domain import Candidate, CandidatePool, normalise_tags
from services.runtime.cache import ShortLived
from services.runtime.errors import FailedPrecondition, NotFound

_TTL_SECONDS = 30.0
_PAGE = 500
_MAX_UNITS = 200
_MAX_MEMBERS = 20_000


P = TypeVar("P")
T = TypeVar("T")


async def _every_page(fetch: Callable[[str], Awaitable[P]], items: Callable[[P], Iterable[T]]) -> list[T]:
    """Every item of a paged registry list: fetch(page_token) gives a page with next_page_token."""
    found: list[T] = []
    token = ""
    while True:
        page = await fetch(token)
        found += items(page)
        token = page.next_page_token  # type: ignore[attr-defined]
        if not token:
            return found


class MemberDirectory:
    def __init__(self, registry: registry_pb2_grpc.RegistryServiceStub, ttl_seconds: float = _TTL_SECONDS) -> None:
        self._registry = registry
        self._units: ShortLived[str, list[Candidate]] = ShortLived(ttl_seconds, _MAX_UNITS)
        self._members: ShortLived[str, registry_pb2.Member] = ShortLived(ttl_seconds, _MAX_MEMBERS)
        self._loading: dict[str, asyncio.Future[list[Candidate]]] = {}
        # Grouped for ranking, built once for each load of a unit's members (kept beside the list it was built from).
        self._pools: dict[str, tuple[list[Candidate], CandidatePool]] = {}
        # A community's members with the street's paired ones, kept beside both lists it was built from.
        self._paired_pools: dict[str, tuple[list[Candidate], list[Candidate], CandidatePool]] = {}
        self._hours: ShortLived[str, float] = ShortLived(ttl_seconds, _MAX_MEMBERS)
        self._teams: ShortLived[str, dict[str, registry_pb2.Team]] = ShortLived(ttl_seconds, _MAX_UNITS)
        self._team_members: ShortLived[str, dict[str, registry_pb2.TeamMember]] = ShortLived(ttl_seconds, _MAX_UNITS)
        self._pairings: ShortLived[tuple[str, str], frozenset[str]] = ShortLived(ttl_seconds, _MAX_UNITS)

    async def in_unit(self, org_unit_id: str) -> list[Candidate]:
        """The active members registered in the subtree, in the registry's stable order."""
        cached = self._units.get(org_unit_id)
        if cached is not None:
            return cached
        # One load per unit at a time: concurrent callers share it instead of each paging the registry.
        loading = self._loading.get(org_unit_id)
        if loading is not None:
            return await asyncio.shield(loading)
        future: asyncio.Future[list[Candidate]] = asyncio.get_running_loop().create_future()
        self._loading[org_unit_id] = future
        try:
            members = await self._load(org_unit_id)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            self._loading.pop(org_unit_id, None)
        future.set_result(members)
        self._units.put(org_unit_id, members)
        return members

    async def pool_in(self, org_unit_id: str) -> CandidatePool:
        """The unit's active members grouped for ranking (domain.CandidatePool), as fresh as in_unit's list."""
        members = await self.in_unit(org_unit_id)
        cached = self._pools.get(org_unit_id)
        if cached is not None and cached[0] is members:
            return cached[1]
        pool = CandidatePool.of(members)
        if len(self._pools) >= _MAX_UNITS:
            self._pools.clear()
        self._pools[org_unit_id] = (members, pool)
        return pool

    async def pool_with_paired(self, community_id: str, street_id: str, workplaces: frozenset[str]) -> CandidatePool:
        """The community's members, and the street's members living outside it whose workplace is one of
        `workplaces` (paired with the community: they may claim its wishes too), grouped for ranking."""
        if not workplaces or not street_id:
            return await self.pool_in(community_id)
        members, street = await asyncio.gather(self.in_unit(community_id), self.in_unit(street_id))
        key = f"{community_id}:{'|'.join(sorted(workplaces))}"
        cached = self._paired_pools.get(key)
        if cached is not None and cached[0] is members and cached[1] is street:
            return cached[2]
        inside = {c.member_id for c in members}
        paired = [
            dataclasses.replace(c, paired=True)
            for c in street
            if c.member_id not in inside and c.workplace_org in workplaces
        ]
        pool = CandidatePool.of([*members, *paired])
        if len(self._paired_pools) >= _MAX_UNITS:
            self._paired_pools.clear()
        self._paired_pools[key] = (members, street, pool)
        return pool

    async def paired_workplaces(self, community_id: str, today: str) -> frozenset[str]:
        """The workplace organisations paired with the community on the day (结对共建)."""
        cached = self._pairings.get((community_id, today))
        if cached is not None:
            return cached
        pairings = await _every_page(
            lambda token: self._registry.ListPairings(
                registry_pb2.ListPairingsRequest(
                    org_unit_id=community_id, active_on=today, page_size=_PAGE, page_token=token
                )
            ),
            lambda page: page.pairings,
        )
        workplaces = frozenset(p.workplace_org for p in pairings if p.community_id == community_id)
        self._pairings.put((community_id, today), workplaces)
        return workplaces

    async def _load(self, org_unit_id: str) -> list[Candidate]:
        members, units = await asyncio.gather(
            _every_page(
                lambda token: self._registry.SearchMembers(
                    registry_pb2.SearchMembersRequest(org_unit_id=org_unit_id, page_size=_PAGE, page_token=token),
                    timeout=10,  # pages of 500 members: twice the channel's default bound
                ),
                lambda page: page.members,
            ),
            _every_page(
                lambda token: self._registry.ListOrgUnitSubtree(
                    registry_pb2.ListOrgUnitSubtreeRequest(
                        org_unit_id=org_unit_id, include_closed=True, page_size=1000, page_token=token
                    )
                ),
                lambda page: page.org_units,
            ),
        )
        # Each residence with its whole path, so a building's resident is in its grid too.
        paths = {u.id: (*u.ancestor_ids, u.id) for u in units}
        return [
            Candidate(
                m.id,
                m.name,
                tuple(m.skills),
                paths.get(m.residence_unit_id, (m.community_id, m.residence_unit_id)),
                normalise_tags(m.tags),
                workplace_org=m.workplace_org,
            )
            for m in members
        ]

    async def member(self, member_id: str, field: str) -> registry_pb2.Member:
        """One member (personal data masked), or NotFound naming `field`."""
        cached = self._members.get(member_id)
        if cached is not None:
            return cached
        try:
            response: registry_pb2.GetMemberResponse = await self._registry.GetMember(
                registry_pb2.GetMemberRequest(member_id=member_id)
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise NotFound(f"no member {member_id}", field) from exc
            raise
        self._members.put(member_id, response.member)
        return response.member

    async def recent_hours(self, member_id: str, days: int) -> float | None:
        """Hours of service recorded for the member over the last `days` days; None when the registry cannot say.
        Kept for as long as members are: a ranking that spreads the work needs no fresher figure."""
        cached = self._hours.get(member_id)
        if cached is not None:
            return cached
        since = Timestamp()
        since.FromDatetime(datetime.now(UTC) - timedelta(days=days))
        try:
            summary: registry_pb2.GetMemberServiceSummaryResponse = await self._registry.GetMemberServiceSummary(
                registry_pb2.GetMemberServiceSummaryRequest(member_id=member_id, start_time=since)
            )
        except grpc.aio.AioRpcError:
            return None
        hours = round(summary.hours, 2)
        self._hours.put(member_id, hours)
        return hours

    async def _teams_in(self, org_unit_id: str) -> dict[str, registry_pb2.Team]:
        teams = self._teams.get(org_unit_id)
        if teams is None:
            listed = await _every_page(
                lambda token: self._registry.ListTeams(
                    registry_pb2.ListTeamsRequest(org_unit_id=org_unit_id, page_size=_PAGE, page_token=token)
                ),
                lambda page: page.teams,
            )
            teams = {t.id: t for t in listed}
            self._teams.put(org_unit_id, teams)
        return teams

    async def _members_of_team(self, team_id: str) -> dict[str, registry_pb2.TeamMember]:
        members = self._team_members.get(team_id)
        if members is None:
            listed = await _every_page(
                lambda token: self._registry.ListTeamMembers(
                    registry_pb2.ListTeamMembersRequest(team_id=team_id, page_size=_PAGE, page_token=token)
                ),
                lambda page: page.team_members,
            )
            members = {m.id: m for m in listed}
            self._team_members.put(team_id, members)
        return members

    async def team_volunteer(
        self, community_id: str, street_id: str, team_id: str, team_member_id: str, field: str
    ) -> registry_pb2.TeamMember:
        """A volunteer of a team of the community (or a unit in it) or of its street; the team member's name comes
        masked. NotFound or FailedPrecondition naming `field` (…team_id or …team_member_id) otherwise."""
        team_field = field.replace("team_member_id", "team_id")
        teams = await self._teams_in(community_id)
        if team_id not in teams and street_id:
            street_teams = await self._teams_in(street_id)
            if street_teams.get(team_id, registry_pb2.Team()).org_unit_id == street_id:
                teams = street_teams
        if team_id not in teams:
            raise FailedPrecondition(
                f"team {team_id} is not a team of community {community_id} or of its street", team_field
            )
        volunteer = (await self._members_of_team(team_id)).get(team_member_id)
        if volunteer is None:
            raise NotFound(f"team {team_id} has no volunteer {team_member_id}", field)
        return volunteer

    async def team_volunteer_name(self, team_id: str, team_member_id: str) -> str:
        """The team volunteer's name as the registry shows it (masked); NotFound once they have left the team."""
        volunteer = (await self._members_of_team(team_id)).get(team_member_id)
        if volunteer is None:
            raise NotFound(f"team {team_id} has no volunteer {team_member_id}", "team_member_id")
        return volunteer.name
