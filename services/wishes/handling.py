"""What every part of WishService shares: finding a wish, checking the caller against it, committing a move.

Roles are decided before a handler runs, by the authorisation table (services/wishes/access.py); the handlers check
the object: the wish's community must lie in the caller's scope as the org tree is now (OrgDirectory), or a member
must be the one the rule lets act (the claimant, a reader of the wall).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, tzinfo

from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime import access, validate
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role
from services.runtime.cache import ShortLived
from services.runtime.config import Retention, WishLimits
from services.runtime.errors import (
    Aborted,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ServiceError,
)
from services.runtime.org_directory import OrgDirectory
from services.runtime.pii import PersonalDataCipher
from services.wishes import domain
from services.wishes.domain import Claim, Transition, Wish, WishChange
from services.wishes.messages import wish_message
from services.wishes.metrics import observe_transition
from services.wishes.relay import TransitionRelay
from services.wishes.store import BatchedReads, ClaimCapReached, Moved, WishStore, WrongState

_MEMBER_CACHE_SECONDS = 5.0
_MEMBER_CACHE_ENTRIES = 10_000


class WishHandling:
    def __init__(
        self,
        store: WishStore,
        relay: TransitionRelay,
        org: OrgDirectory,
        registry: registry_pb2_grpc.RegistryServiceStub,
        cipher: PersonalDataCipher,
        limits: WishLimits,
        local_zone: tzinfo = UTC,
        retention: Retention | None = None,
    ) -> None:
        self.store = store
        self.retention = retention or Retention()  # when residents' names and contacts are erased
        self.reads = BatchedReads(store)
        self.relay = relay
        self.org = org
        self.registry = registry
        self.cipher = cipher
        self.limits = limits
        self.max_open_claims = limits.max_open_claims
        self.local_zone = local_zone  # whose calendar days pairings are dated in
        # Members as the registry has them, for claims' checks (services/wishes/claims.py).
        self._members: ShortLived[int, registry_pb2.Member] = ShortLived(_MEMBER_CACHE_SECONDS, _MEMBER_CACHE_ENTRIES)

    async def _wish(self, raw_id: str, field: str = "wish_id") -> Wish:
        wish_id = validate.entity_id(field, raw_id)
        wish = await self.reads.wish(wish_id)
        if wish is None:
            raise NotFound(f"no wish {wish_id}", field)
        return wish

    async def _require_in_scope(self, caller: Caller, wish: Wish, field: str = "wish_id") -> None:
        """PERMISSION_DENIED unless the wish's community lies in the caller's scope as the org tree is now."""
        community = str(wish.community_id)
        if caller.scope == WHOLE_DEPLOYMENT:
            # Covers every unit wherever it lies: no need to ask the registry where (the worker reads on while the
            # registry restarts).
            access.require_scope(caller, community, ())
            return
        unit = await self.org.unit(community, field)
        if not access.covers(caller, unit.id, unit.ancestor_ids):
            raise PermissionDenied(
                f"wish {wish.id} lies in community {community}, outside the caller's scope ({caller.scope})", field
            )

    async def _require_may_read(self, caller: Caller, wish: Wish) -> None:
        if caller.role == Role.MEMBER:
            # Members see the wish wall, and the wishes they hold or take part in.
            if wish.state in domain.WALL_STATES or takes_part(caller, wish):
                access.checked_otherwise()
                return
            raise PermissionDenied("members may read only wishes on the wish wall and the wishes they hold")
        await self._require_in_scope(caller, wish)

    async def _require_claimant_or_staff(self, caller: Caller, wish: Wish) -> None:
        if caller.role == Role.MEMBER:
            access.checked_otherwise()
            if str(wish.claimant_member_id) != caller.subject:
                raise PermissionDenied("only the wish's claimant or staff in scope may do this")
            return
        await self._require_in_scope(caller, wish)

    @staticmethod
    def _require_may_start(wish: Wish, move: Transition) -> None:
        """Fails fast, before anything is asked of the registry, when the wish is in a state the move cannot start
        from (domain.py's from_states); the commit decides races."""
        if wish.state not in move.from_states:
            raise _wrong_state(wish.id, wish.state, move)

    async def _moved(
        self,
        caller: Caller,
        request_id: str,
        wish: Wish,
        move: Transition,
        note: str = "",
        change: WishChange | None = None,
        *,
        expected_version: int | None = None,
    ) -> Wish:
        """Commits the move; the wish after it (after the first time, when this caller's request id made it before)."""
        commit = self.store.transition(
            caller, request_id, wish.id, move, note, change, expected_version=expected_version
        )
        return await self._committed(wish, move, commit)

    async def _claim(
        self,
        caller: Caller,
        request_id: str,
        wish: Wish,
        move: Transition,
        note: str,
        claim: Claim,
        *,
        expected_version: int | None = None,
    ) -> Wish:
        """Commits a claim: a member's, a group's or staff's assignment, every kind by this one path (claim_wish)."""
        commit = self.store.claim(caller, request_id, wish.id, move, note, claim, expected_version=expected_version)
        return await self._committed(wish, move, commit)

    async def _committed(self, wish: Wish, move: Transition, commit: Awaitable[tuple[Wish, Moved | None]]) -> Wish:
        """Awaits the store's commit of a move, turning its refusals into statuses; wakes the relay."""
        try:
            moved, now = await commit
        except WrongState as exc:
            if exc.wish.state in move.from_states:  # only the version differed
                raise Aborted(f"wish {wish.id} changed (version {exc.wish.version}); read it again") from exc
            raise _wrong_state(wish.id, exc.wish.state, move) from exc
        except ClaimCapReached as exc:
            raise FailedPrecondition(
                f"member {exc.member_id} already has {exc.open_claims} open claims (wishes held and group claims "
                f"taken part in), the most allowed is {self.max_open_claims}",
                "member_ids" if exc.group else "member_id",
            ) from exc
        if now is not None:
            observe_transition(now.from_state, moved, now.entered_at)
            self.relay.wake()
        return moved

    # ---- bulk operations -----------------------------------------------------------------------------------------

    @staticmethod
    def _bulk_ids(raw_ids: Sequence[str]) -> list[int]:
        if not 1 <= len(raw_ids) <= domain.MAX_BULK:
            raise InvalidArgument(f"must name 1 to {domain.MAX_BULK} wishes", "wish_ids")
        ids = [validate.entity_id(f"wish_ids[{i}]", raw) for i, raw in enumerate(raw_ids)]
        if len(set(ids)) != len(ids):
            raise InvalidArgument("names a wish more than once", "wish_ids")
        return ids

    async def _bulk(
        self, caller: Caller, action: str, ids: list[int], one: Callable[[Wish], Awaitable[Wish]], **detail: object
    ) -> list[pb.BulkResult]:
        """Applies `one` to each wish in turn, each its own transaction, and reports each; then audits the whole.

        Every wish named must lie in the caller's scope, checked before anything moves: a request reaching outside
        it is refused as a whole (PERMISSION_DENIED naming the wish), never half done."""
        found = await self.store.wishes(ids)
        for index, wish_id in enumerate(ids):
            if wish_id in found:
                await self._require_in_scope(caller, found[wish_id], f"wish_ids[{index}]")
        if not found:
            access.checked_otherwise()  # every wish named is unknown: there is no community to check
        results = []
        for index, wish_id in enumerate(ids):
            wish = await self.store.wish(wish_id) if wish_id in found else None  # as it is now, just before its move
            try:
                if wish is None:
                    raise NotFound(f"no wish {wish_id}", f"wish_ids[{index}]")
                moved = await one(wish)
                results.append(pb.BulkResult(wish_id=str(wish_id), code="OK", wish=wish_message(moved)))
            except ServiceError as exc:
                result = pb.BulkResult(wish_id=str(wish_id), code=exc.code.name, message=exc.details)
                if wish is not None and not isinstance(exc, PermissionDenied):
                    result.wish.CopyFrom(wish_message(await self.store.wish(wish_id) or wish))
                results.append(result)
        await self.store.audit(
            caller,
            action,
            "wishes",
            ",".join(map(str, ids))[:1000],
            results={r.wish_id: r.code for r in results},
            **detail,
        )
        return results


def takes_part(caller: Caller, wish: Wish) -> bool:
    return str(wish.claimant_member_id) == caller.subject or caller.subject in {
        str(m) for m in wish.participant_member_ids
    }


def _wrong_state(wish_id: int, state: str, move: Transition) -> FailedPrecondition:
    allowed = " or ".join(sorted(move.from_states))
    return FailedPrecondition(f"wish {wish_id} is {state}; to {move.name} it, it must be {allowed}")
