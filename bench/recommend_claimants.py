"""RecommendClaimants over a community of N members (10,000 by default): p50 and p99 of a call, and the ratio to
a bare grpc.aio server ranking the same members, held in its memory, by skill fit alone (the same scoring code),
in the same run.

    ./linli bench recommend_claimants [--members 10000] [--seconds 20] [--concurrency 1] [--quick]

Ours: the whole call — the token checked, the wish read from the wishes service, the community's members from
the dispatch service's member cache (filled from the registry's SearchMembers, 500 a page, at most every 30 s;
the first, cold call is reported on its own), the claimed wishes of the community (ListWishes) and the alerts
being handled, every member scored by skill fit, nearness and open load, then the best 30 looked up for their
recent hours (GetMemberServiceSummary, concurrently, kept 30 s) and ranked. Members are scored by group (the same
skills and residence score the same: matching.CandidatePool, built once per cache load). Bare: no auth, no other
service, the members in memory grouped the same way, and the best ten explained.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.dispatch.v1 import dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2 as wish
from linli.wishes.v1 import wishes_pb2_grpc

from bench._harness import emit, main, platform_on, ratio, run_load, servers
from bench.import_members import admin_metadata, make_tree, messages, synthetic_rows
from services.dispatch.matching import domain as matching


class BareRanker(dispatch_pb2_grpc.DispatchServiceServicer):
    def __init__(self, candidates: list[matching.Candidate], category: int) -> None:
        # Grouped once, as the dispatch service groups each load of its member cache.
        self.pool = matching.CandidatePool.of(candidates)
        self.category = category

    async def RecommendClaimants(
        self, request: dis.RecommendClaimantsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> dis.RecommendClaimantsResponse:
        best = matching.shortlist_pool(
            self.pool, lambda skills: matching.skill_points(self.category, skills), matching.Place(), {}, set(), 10
        )
        ranked = matching.order(matching.skill_fit(self.category, c) for c in best)[: request.limit or 10]
        return dis.RecommendClaimantsResponse(
            recommendations=[
                dis.Recommendation(member_id=r.member_id, member_name=r.name, score=r.score, reasons=list(r.reasons))
                for r in ranked
            ]
        )


async def stream(batches: list[reg.ImportMembersRequest]) -> AsyncIterator[reg.ImportMembersRequest]:
    for batch in batches:
        yield batch


async def benchmark() -> None:
    parser = argparse.ArgumentParser(prog="./linli bench recommend_claimants")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=1, help="callers at once")
    parser.add_argument("--quick", action="store_true", help="2,000 members, 10 seconds")
    args = parser.parse_args()
    if args.quick:
        args.members, args.seconds = 2_000, 10.0

    async with (
        servers(temporal=False) as bench_servers,
        platform_on(bench_servers, ("registry", "wishes", "dispatch"), LINLI_LOG_LEVEL="WARNING") as stack,
    ):
        metadata = admin_metadata(stack.secrets.issuer)
        async with (
            stack.channel(stack.ports.grpc("registry")) as registry_channel,
            stack.channel(stack.ports.grpc("wishes")) as wishes_channel,
            stack.channel(stack.ports.grpc("dispatch")) as dispatch_channel,
        ):
            registry = registry_pb2_grpc.RegistryServiceStub(registry_channel)
            wishes = wishes_pb2_grpc.WishServiceStub(wishes_channel)
            dispatch = dispatch_pb2_grpc.DispatchServiceStub(dispatch_channel)
            tree = await make_tree(registry, metadata, streets=1, communities=1)  # one community, two grids
            rows = synthetic_rows(args.members, tree.grid_ids)
            imported = await registry.ImportMembers(
                stream(messages(rows, uuid.uuid4().hex)), metadata=metadata, timeout=3600
            )
            assert imported.inserted == args.members and imported.failed == 0, imported
            community_id = (
                await registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=tree.grid_ids[0]), metadata=metadata)
            ).org_unit.parent_id

            submitted = await wishes.SubmitWish(
                wish.SubmitWishRequest(
                    request_id=uuid.uuid4().hex,
                    community_id=community_id,
                    text="想请人陪老人去医院复查",
                    source=wish.WISH_SOURCE_HOTLINE,
                    resident_name="张三",
                ),
                metadata=metadata,
            )
            deadline = Timestamp()
            deadline.FromDatetime(datetime.now(UTC) + timedelta(days=14))
            await wishes.ReviewWish(
                wish.ReviewWishRequest(
                    request_id=uuid.uuid4().hex,
                    wish_id=submitted.wish.id,
                    approve=wish.Approval(
                        category=wish.WISH_CATEGORY_MEDICAL_CARE, service_standard="陪同就医", deadline=deadline
                    ),
                ),
                metadata=metadata,
            )
            await wishes.PublishWish(
                wish.PublishWishRequest(request_id=uuid.uuid4().hex, wish_id=submitted.wish.id), metadata=metadata
            )
            request = dis.RecommendClaimantsRequest(wish_id=submitted.wish.id, limit=10)

            began = time.perf_counter()
            first = await dispatch.RecommendClaimants(request, metadata=metadata, timeout=60)
            cold_ms = (time.perf_counter() - began) * 1000
            assert len(first.recommendations) == 10

            async def ours_call(i: int) -> None:
                await dispatch.RecommendClaimants(request, metadata=metadata, timeout=10)

            ours = await run_load(ours_call, args.concurrency, args.seconds)
            again = await dispatch.RecommendClaimants(request, metadata=metadata, timeout=60)
            assert [r.member_id for r in again.recommendations] == [r.member_id for r in first.recommendations]

            # The same members, in the bare server's memory.
            candidates = []
            token = ""
            while True:
                page = await registry.SearchMembers(
                    reg.SearchMembersRequest(org_unit_id=community_id, page_size=500, page_token=token),
                    metadata=metadata,
                )
                candidates += [matching.Candidate(m.id, m.name, tuple(m.skills)) for m in page.members]
                token = page.next_page_token
                if not token:
                    break
            assert len(candidates) == args.members

        bare_server = grpc.aio.server()
        dispatch_pb2_grpc.add_DispatchServiceServicer_to_server(
            BareRanker(candidates, wish.WISH_CATEGORY_MEDICAL_CARE), bare_server
        )
        port = bare_server.add_insecure_port("127.0.0.1:0")
        await bare_server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                bare_stub = dispatch_pb2_grpc.DispatchServiceStub(channel)

                async def bare_call(i: int) -> None:
                    await bare_stub.RecommendClaimants(request, timeout=10)

                bare = await run_load(bare_call, args.concurrency, args.seconds)
        finally:
            await bare_server.stop(None)

    emit(
        "recommend_claimants",
        members=args.members,
        concurrency=args.concurrency,
        cold_first_call_ms=round(cold_ms, 1),
        **ours.summary("ours"),
        **bare.summary("bare"),
        ratio_p50=ratio(ours.percentile(50), bare.percentile(50)),
        ratio_p99=ratio(ours.percentile(99), bare.percentile(99)),
    )


if __name__ == "__main__":
    main(benchmark)
