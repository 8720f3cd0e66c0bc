"""What every part of RegistryService shares: the store and cipher, finding the objects a request names, and
checking them against the caller's scope as the org tree is now (services/runtime/access.py).

The registry owns the tree: a unit's ancestors come from its current path, and a member's from their residence's
current path (MoveOrgUnit rewrites both in its transaction), so every check here follows the tree as it is now.
"""

from __future__ import annotations

from services.registry import domain
from services.registry.domain import Member, OrgUnit, ServicePost, Team
from services.registry.store import RegistryStore
from services.runtime import access, validate
from services.runtime.auth import Caller, Role
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from services.runtime.pii import PersonalDataCipher


def require_unit_in_scope(caller: Caller, unit: OrgUnit, what: str = "org unit") -> None:
    access.require_scope(caller, str(unit.id), map(str, unit.ancestor_ids), what)


def require_member_in_scope(caller: Caller, member: Member) -> None:
    """The member's residence, as the tree is now, lies in the caller's scope."""
    access.require_scope(
        caller, str(member.residence_unit_id), map(str, member.residence_ancestor_ids), "the member's residence"
    )


def require_may_read_member(caller: Caller, member: Member) -> None:
    """A member reads only their own record; everyone else the members living in their scope."""
    if caller.role == Role.MEMBER:
        access.require_self(caller, member.id, "member_id", "read only their own record")
        return
    require_member_in_scope(caller, member)


class Lookups:
    def __init__(self, store: RegistryStore, cipher: PersonalDataCipher) -> None:
        self.store = store
        self.cipher = cipher

    async def _org_unit(self, field: str, raw_id: str) -> OrgUnit:
        unit_id = validate.entity_id(field, raw_id)
        assert unit_id is not None
        unit = await self.store.org_unit(unit_id)
        if unit is None:
            raise NotFound(f"no org unit {unit_id}", field)
        return unit

    async def _open_org_unit(self, field: str, raw_id: str) -> OrgUnit:
        unit = await self._org_unit(field, raw_id)
        if unit.closed_at is not None:
            raise FailedPrecondition(f"org unit {unit.id} is closed", field)
        return unit

    async def _community(self, field: str, raw_id: str, *, open_only: bool = True) -> OrgUnit:
        unit = await (self._open_org_unit(field, raw_id) if open_only else self._org_unit(field, raw_id))
        if unit.kind != "community":
            raise InvalidArgument(f"must be a community, not a {unit.kind}", field)
        return unit

    async def _residence(self, field: str, raw_id: str, *, open_only: bool) -> OrgUnit:
        unit = await (self._open_org_unit(field, raw_id) if open_only else self._org_unit(field, raw_id))
        if unit.kind not in domain.RESIDENCE_KINDS:
            raise InvalidArgument(f"must be a community, grid or building, not a {unit.kind}", field)
        return unit

    async def _community_of(self, unit: OrgUnit) -> int:
        if unit.kind == "community":
            return unit.id
        kinds = await self.store.org_unit_kinds(unit.ancestor_ids)
        return next(i for i in reversed(unit.ancestor_ids) if kinds.get(i) == "community")

    async def _member(self, field: str, raw_id: str) -> Member:
        member_id = validate.entity_id(field, raw_id)
        assert member_id is not None
        member = await self.store.member(member_id)
        if member is None:
            raise NotFound(f"no member {member_id}", field)
        return member

    async def _service_post(self, raw_id: str) -> ServicePost:
        post_id = validate.entity_id("post_id", raw_id)
        assert post_id is not None
        post = await self.store.service_post(post_id)
        if post is None:
            raise NotFound(f"no service post {post_id}", "post_id")
        return post

    async def _team(self, raw_id: str) -> tuple[Team, OrgUnit]:
        team_id = validate.entity_id("team_id", raw_id)
        assert team_id is not None
        team = await self.store.team(team_id)
        if team is None:
            raise NotFound(f"no team {team_id}", "team_id")
        unit = await self.store.org_unit(team.org_unit_id)
        assert unit is not None  # a team's unit is never deleted (closing keeps the row)
        return team, unit
