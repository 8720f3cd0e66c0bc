"""Bad input gets INVALID_ARGUMENT or NOT_FOUND naming the field — never INTERNAL, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from devstack.stack import LocalStack
from tests.e2e.helpers.community import Community, make_community
from tests.e2e.helpers.ids import new_id_number

INVALID, NOT_FOUND = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND
HUGE = "很" * 100_000  # 100 KB of text and more


@dataclass
class Case:
    name: str
    service: str
    method: str
    request: Callable[[Community], Any]
    code: grpc.StatusCode
    field: str


def member_request(c: Community, **changes: Any) -> reg.RegisterMemberRequest:
    fields = dict(
        request_id="bad-member",
        name="王芳",
        workplace_org="宝鸡市金台区委组织部",
        residence_unit_id=c.community_id,
        skills=[reg.SKILL_LEGAL],
        management_level=reg.MANAGEMENT_LEVEL_CITY,
        phone="13912345678",
        id_number=new_id_number(),
    )
    fields.update(changes)
    return reg.RegisterMemberRequest(**fields)


def wish_request(c: Community, **changes: Any) -> wish.SubmitWishRequest:
    fields = dict(
        request_id="bad-wish",
        community_id=c.community_id,
        text="我想找对象",
        source=wish.WISH_SOURCE_WISH_BOX,
        resident_name="赵六",
    )
    fields.update(changes)
    return wish.SubmitWishRequest(**fields)


CASES = [
    Case("wish without text", "wishes", "SubmitWish", lambda c: wish_request(c, text=""), INVALID, "text"),
    Case("wish of 100 KB", "wishes", "SubmitWish", lambda c: wish_request(c, text=HUGE), INVALID, "text"),
    Case("wish with unknown source", "wishes", "SubmitWish", lambda c: wish_request(c, source=42), INVALID, "source"),
    Case(
        "wish without request id",
        "wishes",
        "SubmitWish",
        lambda c: wish_request(c, request_id=""),
        INVALID,
        "request_id",
    ),
    Case(
        "wish in no community",
        "wishes",
        "SubmitWish",
        lambda c: wish_request(c, community_id="999999"),
        NOT_FOUND,
        "community_id",
    ),
    Case(
        "wish in a street",
        "wishes",
        "SubmitWish",
        lambda c: wish_request(c, community_id=c.street_id),
        INVALID,
        "community_id",
    ),
    Case("wish id not a number", "wishes", "GetWish", lambda c: wish.GetWishRequest(wish_id="abc"), INVALID, "wish_id"),
    Case("unknown wish", "wishes", "GetWish", lambda c: wish.GetWishRequest(wish_id="987654321"), NOT_FOUND, "wish_id"),
    Case(
        "review without a decision",
        "wishes",
        "ReviewWish",
        lambda c: wish.ReviewWishRequest(request_id="r", wish_id="1"),
        INVALID,
        "decision",
    ),
    Case(
        "approval with unknown category",
        "wishes",
        "ReviewWish",
        lambda c: wish.ReviewWishRequest(request_id="r", wish_id="1", approve=wish.Approval(category=77)),
        INVALID,
        "approve.category",
    ),
    Case(
        "claim of unknown wish",
        "wishes",
        "ClaimWish",
        lambda c: wish.ClaimWishRequest(request_id="r", wish_id="987654321", member_id="1"),
        NOT_FOUND,
        "wish_id",
    ),
    Case(
        "claim without member",
        "wishes",
        "ClaimWish",
        lambda c: wish.ClaimWishRequest(request_id="r", wish_id="1"),
        INVALID,
        "member_id",
    ),
    Case("member without name", "registry", "RegisterMember", lambda c: member_request(c, name=" "), INVALID, "name"),
    Case(
        "member with 100 KB name", "registry", "RegisterMember", lambda c: member_request(c, name=HUGE), INVALID, "name"
    ),
    Case(
        "member with bad ID check digit",
        "registry",
        "RegisterMember",
        lambda c: member_request(c, id_number="110105194912310021"),
        INVALID,
        "id_number",
    ),
    Case(
        "member with bad phone",
        "registry",
        "RegisterMember",
        lambda c: member_request(c, phone="12345"),
        INVALID,
        "phone",
    ),
    Case(
        "member with unknown skill",
        "registry",
        "RegisterMember",
        lambda c: member_request(c, skills=[3, 99]),
        INVALID,
        "skills[1]",
    ),
    Case(
        "member with unknown level",
        "registry",
        "RegisterMember",
        lambda c: member_request(c, management_level=9),
        INVALID,
        "management_level",
    ),
    Case(
        "member living in a street",
        "registry",
        "RegisterMember",
        lambda c: member_request(c, residence_unit_id=c.street_id),
        INVALID,
        "residence_unit_id",
    ),
    Case(
        "member in no unit",
        "registry",
        "RegisterMember",
        lambda c: member_request(c, residence_unit_id="999999"),
        NOT_FOUND,
        "residence_unit_id",
    ),
    Case(
        "unknown member",
        "registry",
        "GetMember",
        lambda c: reg.GetMemberRequest(member_id="987654"),
        NOT_FOUND,
        "member_id",
    ),
    Case(
        "unit with unknown kind",
        "registry",
        "CreateOrgUnit",
        lambda c: reg.CreateOrgUnitRequest(request_id="u", parent_id=c.community_id, kind=12, name="x"),
        INVALID,
        "kind",
    ),
    Case(
        "community under a community",
        "registry",
        "CreateOrgUnit",
        lambda c: reg.CreateOrgUnitRequest(
            request_id="u", parent_id=c.community_id, kind=reg.ORG_UNIT_KIND_COMMUNITY, name="x"
        ),
        INVALID,
        "parent_id",
    ),
    Case(
        "search with a forged page token",
        "registry",
        "SearchMembers",
        lambda c: reg.SearchMembersRequest(org_unit_id=c.community_id, page_token="Zm9yZ2Vk"),
        INVALID,
        "page_token",
    ),
    Case(
        "search page too big",
        "registry",
        "SearchMembers",
        lambda c: reg.SearchMembersRequest(org_unit_id=c.community_id, page_size=10_000),
        INVALID,
        "page_size",
    ),
    Case(
        "recommend for unknown wish",
        "dispatch",
        "RecommendClaimants",
        lambda c: dis.RecommendClaimantsRequest(wish_id="987654321"),
        NOT_FOUND,
        "wish_id",
    ),
    Case(
        "recommend too many",
        "dispatch",
        "RecommendClaimants",
        lambda c: dis.RecommendClaimantsRequest(wish_id="1", limit=1000),
        INVALID,
        "limit",
    ),
]


@pytest.fixture(scope="module")
async def community(api: Api) -> Community:
    return await make_community(api)


async def row_counts(stack: LocalStack) -> dict[str, int]:
    conn = await asyncpg.connect(stack.database_url)
    try:
        tables = ["registry.org_units", "registry.members", "wishes.wishes", "wishes.wish_events"]
        return {t: await conn.fetchval(f"select count(*) from {t}") for t in tables}
    finally:
        await conn.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_bad_input_is_refused_naming_the_field(
    api: Api, stack: LocalStack, community: Community, case: Case
) -> None:
    stub = getattr(api, case.service)
    before = await row_counts(stack)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await getattr(stub, case.method)(case.request(community), metadata=api.admin)
    assert error.value.code() == case.code, error.value.details()
    assert error.value.details().startswith(f"{case.field}:"), error.value.details()
    details = dict(error.value.trailing_metadata() or ())
    status = status_pb2.Status.FromString(details["grpc-status-details-bin"])
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert bad_request.field_violations[0].field == case.field
    assert await row_counts(stack) == before


async def test_a_wrong_state_is_a_failed_precondition(api: Api, community: Community) -> None:
    submitted = await api.wishes.SubmitWish(wish_request(community, request_id="still-submitted"), metadata=api.admin)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.PublishWish(
            wish.PublishWishRequest(request_id="too-early", wish_id=submitted.wish.id), metadata=api.admin
        )
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "must be approved" in error.value.details()
