"""The authorisation matrix's requests for service commitments (服务承诺, see __init__.py): this year's, so the only
thing that can refuse a valid request is authorisation."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from linli.registry.v1 import commitments_pb2 as com

from services.runtime.auth import Role
from tests.e2e.helpers.authorisation_cases import Place, World, case, once, request_id
from tests.e2e.helpers.authorisation_cases.registry import R

THIS_YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year


@case(R + "SetServiceCommitment")
async def set_commitment(world: World, place: Place, role: Role) -> com.SetServiceCommitmentRequest:
    return com.SetServiceCommitmentRequest(
        request_id=request_id(), member_id=place.member_id, year=THIS_YEAR, services=6, hours=12.5
    )


@case(R + "GetServiceCommitment")
async def get_commitment(world: World, place: Place, role: Role) -> com.GetServiceCommitmentRequest:
    async def commit() -> object:
        return await world.api.registry.SetServiceCommitment(
            com.SetServiceCommitmentRequest(
                request_id=request_id(), member_id=place.member_id, year=THIS_YEAR, services=3
            ),
            metadata=world.api.admin,
        )

    await once(world, ("commitment", place.member_id), commit)
    return com.GetServiceCommitmentRequest(member_id=place.member_id, year=THIS_YEAR)


@case(R + "ListLaggingCommitments")
async def list_lagging(world: World, place: Place, role: Role) -> com.ListLaggingCommitmentsRequest:
    return com.ListLaggingCommitmentsRequest(year=THIS_YEAR, page_size=5)
