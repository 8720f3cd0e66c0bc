"""DispatchService over gRPC."""

from __future__ import annotations

import grpc
from linli.dispatch.v1 import dispatch_pb2 as pb
from linli.dispatch.v1 import dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2, registry_pb2_grpc
from linli.wishes.v1 import wishes_pb2, wishes_pb2_grpc

from services.dispatch.domain import Candidate, rank
from services.runtime import validate
from services.runtime.auth import Role, current_caller
from services.runtime.errors import NotFound

_PAGE = 500


class DispatchServicer(dispatch_pb2_grpc.DispatchServiceServicer):
    def __init__(
        self, wishes: wishes_pb2_grpc.WishServiceStub, registry: registry_pb2_grpc.RegistryServiceStub
    ) -> None:
        self.wishes = wishes
        self.registry = registry

    async def RecommendClaimants(
        self, request: pb.RecommendClaimantsRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecommendClaimantsResponse:
        caller = current_caller()
        caller.require_role(Role.ADMIN, Role.STAFF, Role.SERVICE)
        wish_id = str(validate.entity_id("wish_id", request.wish_id))
        limit = validate.page_size("limit", request.limit, default=10, maximum=100)
        try:
            wish = (await self.wishes.GetWish(wishes_pb2.GetWishRequest(wish_id=wish_id), timeout=5)).wish
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise NotFound(f"no wish {wish_id}", "wish_id") from exc
            raise
        community = (
            await self.registry.GetOrgUnit(registry_pb2.GetOrgUnitRequest(org_unit_id=wish.community_id), timeout=5)
        ).org_unit
        caller.require_scope(community.id, community.ancestor_ids)
        candidates = await self._community_members(wish.community_id)
        ranked = rank(wish.category, candidates, limit)
        return pb.RecommendClaimantsResponse(
            recommendations=[
                pb.Recommendation(member_id=r.member_id, member_name=r.name, score=r.score, reasons=list(r.reasons))
                for r in ranked
            ]
        )

    async def _community_members(self, community_id: str) -> list[Candidate]:
        candidates: list[Candidate] = []
        token = ""
        while True:
            page = await self.registry.SearchMembers(
                registry_pb2.SearchMembersRequest(org_unit_id=community_id, page_size=_PAGE, page_token=token),
                timeout=10,
            )
            candidates += [Candidate(m.id, m.name, tuple(m.skills)) for m in page.members]
            token = page.next_page_token
            if not token:
                return candidates
