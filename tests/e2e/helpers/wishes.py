"""A wish taken along its lifecycle over gRPC, as other systems call the wishes service, and its workflow watched."""

from __future__ import annotations

import asyncio
import csv
import io
import time

from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from devstack.client import Api, Metadata
from devstack.stack import LocalStack
from services.runtime.auth import Role
from services.wishes.contract import workflow_id
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import Community
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import in_days
from workflows.wish_lifecycle import WishLifecycle


async def submit(
    api: Api,
    community: Community,
    text: str = "我要一个音响组织大家跳舞",
    request_id: str | None = None,
    unit_id: str = "",
) -> wish.Wish:
    response = await api.wishes.SubmitWish(
        wish.SubmitWishRequest(
            request_id=request_id or new_request_id(),
            community_id=community.community_id,
            text=text,
            source=wish.WISH_SOURCE_HOTLINE,
            resident_name="张三",
            resident_contact="13800001111",
            unit_id=unit_id,
        ),
        metadata=api.admin,
    )
    return response.wish


async def published(
    api: Api, community: Community, category: int = wish.WISH_CATEGORY_CULTURE, unit_id: str = ""
) -> wish.Wish:
    submitted = await submit(api, community, unit_id=unit_id)
    await api.wishes.ReviewWish(
        wish.ReviewWishRequest(
            request_id=new_request_id(),
            wish_id=submitted.id,
            approve=wish.Approval(category=category, service_standard="借到音响并送到广场", deadline=in_days(14)),
        ),
        metadata=api.admin,
    )
    response = await api.wishes.PublishWish(
        wish.PublishWishRequest(request_id=new_request_id(), wish_id=submitted.id), metadata=api.admin
    )
    return response.wish


async def claimed(api: Api, community: Community, member: reg.Member, **kwargs: int) -> wish.Wish:
    wall_wish = await published(api, community, **kwargs)
    response = await api.wishes.ClaimWish(
        wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wall_wish.id, member_id=member.id),
        metadata=api.admin,
    )
    return response.wish


async def fulfil(api: Api, wish_id: str, member: reg.Member, hours: float = 2.5) -> wish.Wish:
    as_member = api.token(Role.MEMBER, scope=member.community_id, subject=member.id)
    response = await api.wishes.FulfilWish(
        wish.FulfilWishRequest(
            request_id=new_request_id(), wish_id=wish_id, report="借来音响，送到了广场", hours=hours
        ),
        metadata=as_member,
    )
    return response.wish


async def get(api: Api, wish_id: str) -> wish.Wish:
    return (await api.wishes.GetWish(wish.GetWishRequest(wish_id=wish_id), metadata=api.admin)).wish


async def services_of(api: Api, member_id: str) -> reg.GetMemberServiceSummaryResponse:
    return await api.registry.GetMemberServiceSummary(
        reg.GetMemberServiceSummaryRequest(member_id=member_id), metadata=api.admin
    )


def staff_of(api: Api, community: Community) -> Metadata:
    return api.token(Role.STAFF, scope=community.community_id, subject="staff-1")


def close_request(wish_id: str, outcome: int, **kwargs: str) -> wish.CloseWishRequest:
    return wish.CloseWishRequest(
        request_id=kwargs.pop("request_id", new_request_id()),
        wish_id=wish_id,
        outcome=outcome,
        reason=kwargs.pop("reason", "核实后无法办理"),
        **kwargs,
    )


async def export_rows(api: Api, metadata: object, **kwargs: object) -> list[dict[str, str]]:
    text = ""
    async for chunk in api.wishes.ExportWishes(wish.ExportWishesRequest(**kwargs), metadata=metadata):  # type: ignore[arg-type]
        text += chunk.csv
    return list(csv.DictReader(io.StringIO(text)))


async def workflow_state(stack: LocalStack, wish_id: str, want_version: int, timeout: float = 20) -> str:
    """The state of the wish's workflow once it has seen `want_version` of the wish."""
    client = await Client.connect(stack.temporal_address)
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = await client.get_workflow_handle(workflow_id(wish_id)).query(WishLifecycle.status)
            if status.version >= want_version:
                return status.state
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"workflow of wish {wish_id} never reached version {want_version}")
        await asyncio.sleep(0.2)


async def workflow_ended(stack: LocalStack, wish_id: str) -> str:
    """The result of the wish's workflow, once it has completed."""
    client = await Client.connect(stack.temporal_address)
    handle = client.get_workflow_handle(workflow_id(wish_id))

    async def done() -> bool:
        try:
            return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:  # the relay has not started it yet
                return False
            raise

    await eventually(done, f"workflow of wish {wish_id} completed")
    return await handle.result()
