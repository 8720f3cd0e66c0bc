"""Requests for the authorisation matrix (tests/e2e/test_authorisation_matrix.py): for every method, a request that
is valid, aimed at objects in a given place, so that the only thing that can refuse it is authorisation.

Each service's module registers a `Case` per method with `@case("linli.wishes.v1.WishService/ClaimWish")`. A
builder gets the world, the place its objects must lie in (the caller's own, or another street's), and the role
of the caller; it creates what it needs there (with the admin token) and returns the request — or, for a
client-streaming method, the list of requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from google.protobuf.message import Message

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.community import Community, make_community, register_member


@dataclass(frozen=True)
class Place:
    """A street with one community and a grid, and a member registered there."""

    street_id: str
    community_id: str
    grid_id: str
    member_id: str


@dataclass
class World:
    api: Api
    ours: Place  # the scoped callers' street
    theirs: Place  # another street, outside their scope
    store: dict[str, object] = field(default_factory=dict)  # what builders keep between calls, by their own keys

    def token(self, role: Role, whole_deployment: bool = False) -> tuple[tuple[str, str], ...]:
        """The caller of the matrix in this role: scoped to our street (a member: ours, in our community), or to the
        whole deployment."""
        if role == Role.SERVICE:
            return self.api.token(Role.SERVICE, subject="service:matrix")
        if whole_deployment:
            return self.api.token(role, subject=f"matrix-{role.value}-everywhere")
        if role == Role.MEMBER:
            return self.api.token(Role.MEMBER, scope=self.ours.community_id, subject=self.ours.member_id)
        return self.api.token(role, scope=self.ours.street_id, subject=f"matrix-{role.value}")


Builder = Callable[[World, Place, Role], Awaitable[Message | list[Message]]]


@dataclass(frozen=True)
class Case:
    build: Builder
    # A member may reach this method's objects outside their own scope (the wish wall, say): the table's `members`
    # column says so, and the matrix then expects a member out of scope to get through too.
    members_anywhere: bool = False


CASES: dict[str, Case] = {}


def case(method: str, *, members_anywhere: bool = False) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        assert method not in CASES, f"two cases for {method}"
        CASES[method] = Case(build, members_anywhere)
        return build

    return register


def request_id() -> str:
    return f"matrix-{uuid.uuid4().hex}"


async def once(world: World, key: tuple[str, ...], make: Callable[[], Awaitable[object]]) -> object:
    """What `make` makes, made once per world under `key`: an object many cases build on."""
    if key not in world.store:
        world.store[key] = await make()
    return world.store[key]


async def make_place(api: Api) -> Place:
    community: Community = await make_community(api)
    member = await register_member(api, community.grid_id, name="矩阵")
    return Place(community.street_id, community.community_id, community.grid_id, member.id)
