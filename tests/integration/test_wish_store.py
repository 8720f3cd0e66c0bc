"""The wishes store on a real Postgres: every claim — a member's, a group's, staff's assignment — in one round trip
(claim_wish) keeps exactly one winner, the open-claim cap (a member's held wishes and group claims together) and
retries safe under concurrency; batched reads answer each caller with what was committed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role
from services.runtime.db import create_pool, migrate
from services.wishes import domain
from services.wishes.__main__ import MIGRATIONS
from services.wishes.domain import Approval, Claim, Publication, Transition, Unclaimed
from services.wishes.store import (
    BatchedReads,
    ClaimCapReached,
    NewWish,
    WishStore,
    WrongState,
)

STAFF = Caller("staff", Role.STAFF, WHOLE_DEPLOYMENT)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[WishStore]:
    async with create_pool(database_url, "wishes", 25) as pool:
        await migrate(pool, "wishes", MIGRATIONS)
        yield WishStore(pool)


async def published(store: WishStore) -> int:
    new = NewWish(4, ("1", "4"), "我要一个音响组织大家跳舞", "visit", b"sealed", "张*", None, "")
    wish, _ = await store.submit(STAFF, uuid.uuid4().hex, new)
    deadline = datetime.now(UTC) + timedelta(days=7)
    await store.transition(STAFF, uuid.uuid4().hex, wish.id, domain.APPROVE, "", Approval("culture", "送到", deadline))
    await store.transition(STAFF, uuid.uuid4().hex, wish.id, domain.PUBLISH, "", Publication())
    return wish.id


async def take(
    store: WishStore, wish_id: int, move: Transition, claim: Claim, request_id: str = "", version: int | None = None
) -> str:
    """A claim (domain.CLAIM) or an assignment (domain.ASSIGN) by the store's one claim path, and how it ended."""
    note = f"{move.name}: members {claim.member_ids}"
    try:
        _, moved = await store.claim(
            STAFF, request_id or uuid.uuid4().hex, wish_id, move, note, claim, expected_version=version
        )
    except WrongState:
        return "wrong_state"
    except ClaimCapReached as exc:
        return f"cap:{exc.member_id}"
    except LookupError:
        return "not_found"
    return "moved" if moved else "seen"


async def claim(store: WishStore, wish_id: int, member_id: int, request_id: str = "", cap: int = 5) -> str:
    return await take(store, wish_id, domain.CLAIM, Claim((member_id,), cap), request_id)


async def group_claim(store: WishStore, wish_id: int, member_ids: list[int], cap: int = 5) -> str:
    return await take(store, wish_id, domain.CLAIM, Claim(tuple(member_ids), cap, team_id=3))


async def assign(store: WishStore, wish_id: int, member_id: int, cap: int = 5, version: int | None = None) -> str:
    return await take(store, wish_id, domain.ASSIGN, Claim((member_id,), cap), version=version)


async def open_claims(store: WishStore, member_id: int) -> int:
    return await store.pool.fetchval(
        """select count(*) from wishes
           where state = 'claimed' and (claimant_member_id = $1 or participant_member_ids @> array[$1::bigint])""",
        member_id,
    )


async def test_of_twenty_concurrent_claims_on_one_wish_exactly_one_wins(store: WishStore) -> None:
    wish_id = await published(store)
    outcomes = await asyncio.gather(*(claim(store, wish_id, member) for member in range(100, 120)))
    assert sorted(outcomes) == ["moved"] + ["wrong_state"] * 19
    wish = await store.wish(wish_id)
    assert wish is not None and wish.state == "claimed" and wish.version == 4
    events = [e for e in await store.history(wish_id, None, 50) if e.state == "claimed"]
    assert len(events) == 1 and wish.claimant_member_id == 100 + outcomes.index("moved")


async def test_one_members_concurrent_claims_stop_at_the_cap(store: WishStore) -> None:
    wish_ids = [await published(store) for _ in range(8)]
    outcomes = await asyncio.gather(*(claim(store, wish_id, 7, cap=3) for wish_id in wish_ids))
    assert sorted(outcomes) == ["cap:7"] * 5 + ["moved"] * 3


async def test_concurrent_group_and_single_claims_never_push_a_member_past_the_cap(store: WishStore) -> None:
    wish_ids = [await published(store) for _ in range(12)]
    # Member 7 takes part in every claim; the groups name their members in both orders, which must not deadlock.
    groups = [[10 + i, 7] if i % 2 else [7, 10 + i] for i in range(6)]
    outcomes = await asyncio.gather(
        *(claim(store, wish_id, 7, cap=3) for wish_id in wish_ids[:6]),
        *(group_claim(store, wish_id, group, cap=3) for wish_id, group in zip(wish_ids[6:], groups, strict=True)),
    )
    assert outcomes.count("moved") == 3 and all(o in ("moved", "cap:7") for o in outcomes)
    assert await open_claims(store, 7) == 3


async def test_a_member_at_the_cap_blocks_a_group_until_a_claim_is_released(store: WishStore) -> None:
    held = [await published(store) for _ in range(2)]
    target, grouped = await published(store), await published(store)
    assert [await claim(store, wish_id, 7, cap=2) for wish_id in held] == ["moved", "moved"]
    assert await group_claim(store, target, [8, 7], cap=2) == "cap:7"
    await store.transition(STAFF, uuid.uuid4().hex, held[0], domain.RELEASE, "", Unclaimed())
    assert await group_claim(store, target, [8, 7], cap=2) == "moved"
    # A single claim counts the group claims its member takes part in, the claimant's and the others'.
    assert await claim(store, grouped, 8, cap=1) == "cap:8"
    assert await claim(store, grouped, 7, cap=2) == "cap:7"
    assert await claim(store, grouped, 9, cap=1) == "moved"


async def test_concurrent_assignments_and_claims_never_push_a_member_past_the_cap(store: WishStore) -> None:
    wish_ids = [await published(store) for _ in range(10)]
    outcomes = await asyncio.gather(
        *(claim(store, wish_id, 7, cap=3) for wish_id in wish_ids[:5]),
        *(assign(store, wish_id, 7, cap=3) for wish_id in wish_ids[5:]),
    )
    assert outcomes.count("moved") == 3 and all(o in ("moved", "cap:7") for o in outcomes)
    assert await open_claims(store, 7) == 3


async def test_a_reassignment_takes_the_claim_path_and_leaves_no_group(store: WishStore) -> None:
    wish_id = await published(store)
    assert await group_claim(store, wish_id, [8, 9]) == "moved"
    grouped = await store.wish(wish_id)
    assert grouped is not None and grouped.participant_member_ids == (8, 9) and grouped.group_team_id == 3
    # At a version the wish has left, the assignment is refused; at the one read, it replaces the group.
    assert await assign(store, wish_id, 10, version=grouped.version - 1) == "wrong_state"
    assert await assign(store, wish_id, 10, version=grouped.version) == "moved"
    wish = await store.wish(wish_id)
    assert wish is not None and wish.state == "claimed" and wish.claimant_member_id == 10
    assert wish.participant_member_ids == () and wish.group_team_id is None and not wish.claim_extended
    # Each claim wrote one history event, which is also the outbox row, like every other transition.
    events = await store.history(wish_id, None, 50)
    assert [(e.kind, e.state) for e in events][-2:] == [("transition", "claimed"), ("transition", "claimed")]
    assert events[-1].note == "assign: members (10,)" and events[-1].version == wish.version


async def test_a_claim_starts_only_from_the_states_its_transition_names(store: WishStore) -> None:
    wish_id = await published(store)
    assert await claim(store, wish_id, 7) == "moved"
    # A claimed wish is not a published one: a second claim is refused, an assignment (from claimed too) is not.
    assert await claim(store, wish_id, 8) == "wrong_state"
    assert await assign(store, wish_id, 8) == "moved"
    await store.transition(STAFF, uuid.uuid4().hex, wish_id, domain.RELEASE, "", Unclaimed())
    released = await store.wish(wish_id)
    assert released is not None and released.state == "published" and released.claimant_member_id is None
    assert await claim(store, 999_999, 7) == "not_found"


async def test_a_claim_retried_at_once_with_the_same_request_id_is_made_once(store: WishStore) -> None:
    wish_id = await published(store)
    outcomes = await asyncio.gather(*(claim(store, wish_id, 9, request_id="same") for _ in range(5)))
    assert sorted(outcomes) == ["moved"] + ["seen"] * 4
    assert await claim(store, wish_id, 9, request_id="same") == "seen"


async def test_batched_reads_answer_each_caller_with_what_was_committed_before_it_asked(store: WishStore) -> None:
    reads = BatchedReads(store)
    wish_ids = [await published(store) for _ in range(3)]
    asked = [*wish_ids, *wish_ids, 999_999]
    found = await asyncio.gather(*(reads.wish(wish_id) for wish_id in asked))
    assert [w.id if w else None for w in found] == [*wish_ids, *wish_ids, None]
    assert await claim(store, wish_ids[0], 5) == "moved"
    again = await reads.wish(wish_ids[0])
    assert again is not None and again.state == "claimed" and again.claimant_member_id == 5
