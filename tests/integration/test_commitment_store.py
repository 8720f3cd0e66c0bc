"""Service commitments (服务承诺) in the registry on a real Postgres: progress counts the year in the deployment's time
zone, and the worker's list of lagging commitments pages by member id — short pages, deregistered members left out,
tokens bound to their year."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import commitments_pb2 as com
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc

from services.registry.reports.domain import year_bounds
from services.runtime.auth import Role
from tests.integration.helpers.registry_service import ADMIN, import_row, make_tree, registry_service, token

ZONE = "Asia/Shanghai"  # the servicer's default, as LINLI_TIMEZONE's
WORKER = token(Role.SERVICE, subject="service:worker")


async def _members(stub: registry_pb2_grpc.RegistryServiceStub, grid_id: str, count: int) -> list[str]:
    async def rows() -> AsyncIterator[reg.ImportMembersRequest]:
        yield reg.ImportMembersRequest(request_id="members", rows=[import_row(n, grid_id) for n in range(count)])

    await stub.ImportMembers(rows(), metadata=ADMIN)
    found = await stub.SearchMembers(reg.SearchMembersRequest(org_unit_id=grid_id, page_size=50), metadata=ADMIN)
    return sorted((m.id for m in found.members), key=int)


async def _commit(stub: registry_pb2_grpc.RegistryServiceStub, member_id: str, year: int, services: int) -> None:
    await stub.SetServiceCommitment(
        com.SetServiceCommitmentRequest(request_id=uuid.uuid4().hex, member_id=member_id, year=year, services=services),
        metadata=ADMIN,
    )


async def test_progress_counts_the_year_in_the_deployments_time_zone_and_the_lagging_are_paged(
    database_url: str,
) -> None:
    async with registry_service(database_url) as registry:
        stub = registry.stub
        tree = await make_tree(stub)
        first, second, gone, fourth = await _members(stub, tree.grid_ids[0], 4)
        year = datetime.now(ZoneInfo(ZONE)).year
        start, _ = year_bounds(year, ZONE)
        for member_id, services in ((first, 400), (second, 1), (gone, 400), (fourth, 400)):
            await _commit(stub, member_id, year, services)
        # Half an hour into the year in Shanghai is still the year before in UTC: it counts; half an hour before does not.
        for member_id, at in ((second, start + timedelta(minutes=30)), (fourth, start - timedelta(minutes=30))):
            served = Timestamp()
            served.FromDatetime(at.astimezone(UTC))
            await stub.RecordService(
                reg.RecordServiceRequest(
                    request_id=uuid.uuid4().hex,
                    member_id=member_id,
                    kind=reg.SERVICE_KIND_OTHER,
                    source_id=uuid.uuid4().hex[:8],
                    hours=1.0,
                    served_at=served,
                ),
                metadata=ADMIN,
            )
        kept = await stub.GetServiceCommitment(
            com.GetServiceCommitmentRequest(member_id=second, year=year), metadata=ADMIN
        )
        assert (kept.progress.services_done, kept.progress.standing) == (1, com.COMMITMENT_STANDING_MET)
        behind = await stub.GetServiceCommitment(
            com.GetServiceCommitmentRequest(member_id=fourth, year=year), metadata=ADMIN
        )
        assert (behind.progress.services_done, behind.progress.standing) == (0, com.COMMITMENT_STANDING_LAGGING)
        await stub.DeregisterMember(
            reg.DeregisterMemberRequest(request_id=uuid.uuid4().hex, member_id=gone, reason="moved away"),
            metadata=ADMIN,
        )

        pages, page_token = [], ""
        while True:
            page = await stub.ListLaggingCommitments(
                com.ListLaggingCommitmentsRequest(year=year, page_size=1, page_token=page_token), metadata=WORKER
            )
            pages.append([(c.commitment.member_id, c.community_id) for c in page.commitments])
            if not page.next_page_token:
                break
            page_token = page.next_page_token
        # One commitment looked at a page: the second's is met, so its page is empty; the deregistered one is not looked at.
        assert pages == [[(first, tree.community_ids[0])], [], [(fourth, tree.community_ids[0])]]

        first_page = await stub.ListLaggingCommitments(
            com.ListLaggingCommitmentsRequest(year=year, page_size=1), metadata=WORKER
        )
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.ListLaggingCommitments(
                com.ListLaggingCommitmentsRequest(year=year + 1, page_size=1, page_token=first_page.next_page_token),
                metadata=WORKER,
            )
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (error.value.details() or "").startswith("page_token: ")
