"""A district of a report's own, and service recorded in it, for the weekly and yearly reports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import stamp

ZONE = "Asia/Shanghai"


@dataclass
class District:
    district_id: str
    street_ids: tuple[str, str]
    community_ids: tuple[str, str]


async def make_district(api: Api) -> District:
    """A city and district of their own (so no other test's data is in them), two streets, a community each."""
    suffix = uuid.uuid4().hex[:6]

    async def unit(parent: str, kind: int, name: str) -> str:
        response = await api.registry.CreateOrgUnit(
            reg.CreateOrgUnitRequest(request_id=new_request_id(), parent_id=parent, kind=kind, name=name),
            metadata=api.admin,
        )
        return response.org_unit.id

    city = await unit("", reg.ORG_UNIT_KIND_CITY, f"咸宁市-{suffix}")
    district = await unit(city, reg.ORG_UNIT_KIND_DISTRICT, "咸安区")
    streets = (
        await unit(district, reg.ORG_UNIT_KIND_STREET, "温泉街道"),
        await unit(district, reg.ORG_UNIT_KIND_STREET, "浮山街道"),
    )
    communities = (
        await unit(streets[0], reg.ORG_UNIT_KIND_COMMUNITY, "十六潭社区"),
        await unit(streets[1], reg.ORG_UNIT_KIND_COMMUNITY, "桂花路社区"),
    )
    return District(district, streets, communities)


async def record_service(api: Api, member_id: str, hours: float, served_at: datetime) -> None:
    await api.registry.RecordService(
        reg.RecordServiceRequest(
            request_id=new_request_id(),
            member_id=member_id,
            kind=reg.SERVICE_KIND_WISH,
            source_id=uuid.uuid4().hex[:8],
            category="convenience",
            hours=hours,
            served_at=stamp(served_at),
        ),
        metadata=api.admin,
    )
