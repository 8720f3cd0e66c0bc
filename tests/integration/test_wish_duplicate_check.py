"""The duplicate check of SubmitWish is bounded whatever a community holds: it scores a new wish against at most the
community's most recent open wishes, and a retry of the submission answers its first suggestions without scoring
anything again."""

from __future__ import annotations

import os
import uuid

from linli.wishes.v1 import wishes_pb2 as pb
from prometheus_client import REGISTRY

from services.runtime.auth import Caller, Role
from services.runtime.pii import PersonalDataCipher
from services.wishes import domain
from services.wishes.store import NewWish
from tests.integration.helpers.wish_service import COMMUNITY, LOOKUP, calling, wish_service

CIPHER = PersonalDataCipher({"k1": os.urandom(32)}, "k1", LOOKUP)
HOTLINE = Caller("12345-hotline", Role.SYSTEM, COMMUNITY)
TEXT = "我要一个音响组织大家跳舞，每天晚上在小区广场，希望有人能借给我们一个音响"


def scored() -> tuple[float, float]:
    """(submissions checked, open wishes scored in all) so far in this process."""
    name = "linli_wish_duplicate_candidates_scored"
    return REGISTRY.get_sample_value(f"{name}_count") or 0.0, REGISTRY.get_sample_value(f"{name}_sum") or 0.0


async def test_a_community_with_many_open_wishes_costs_a_submission_at_most_the_bound(database_url: str) -> None:
    async with wish_service(database_url, CIPHER) as service:
        for n in range(300):  # as many open wishes, each as long as the new one and alike: none filtered out early
            await service.store.submit(
                HOTLINE,
                uuid.uuid4().hex,
                NewWish(int(COMMUNITY), ("1", COMMUNITY), f"{TEXT}{n}", "hotline", b"x", "张*", None, ""),
            )
        request = pb.SubmitWishRequest(
            request_id=uuid.uuid4().hex,
            community_id=COMMUNITY,
            text=TEXT,
            source=pb.WISH_SOURCE_HOTLINE,
            resident_name="张三",
        )
        checks, pairs = scored()
        with calling(HOTLINE):
            first = await service.SubmitWish(request, None)  # type: ignore[arg-type]
        checks_after, pairs_after = scored()
        assert checks_after == checks + 1
        assert 0 < pairs_after - pairs <= domain.DUPLICATE_CANDIDATES < 300
        assert len(first.possible_duplicates) == domain.MAX_DUPLICATE_SUGGESTIONS
        newest = max(int(d.wish_id) for d in first.possible_duplicates)
        assert newest == int(first.wish.id) - 1  # the most recent are compared first

        with calling(HOTLINE):
            retried = await service.SubmitWish(request, None)  # type: ignore[arg-type]
        assert scored() == (checks_after, pairs_after)  # nothing scored again
        assert retried.wish.id == first.wish.id
        assert list(retried.possible_duplicates) == list(first.possible_duplicates)
