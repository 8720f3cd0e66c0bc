"""Reading the audit log over gRPC: each service lists its own (ListAuditEvents), by actor, object, action and time,
newest first and paged, to the deployment's admins only; and every read of the log is itself audited."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from linli.dispatch.v1 import audit_pb2 as dispatch_audit
from linli.registry.v1 import audit_pb2 as registry_audit
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import audit_pb2 as wishes_audit
from linli.wishes.v1 import wishes_pb2 as wsh

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.times import stamp


async def test_every_service_audits_each_read_of_its_own_log(api: Api) -> None:
    for stub, audit in ((api.registry, registry_audit), (api.wishes, wishes_audit), (api.dispatch, dispatch_audit)):
        reader = f"auditor-{uuid.uuid4().hex[:8]}"
        caller = api.token(Role.ADMIN, subject=reader)
        first = await stub.ListAuditEvents(audit.ListAuditEventsRequest(actor=reader), metadata=caller)
        assert list(first.events) == []
        again = await stub.ListAuditEvents(audit.ListAuditEventsRequest(actor=reader), metadata=caller)
        assert [(e.action, e.actor_role, e.object_type) for e in again.events] == [
            ("list_audit_events", "admin", "audit_log")
        ]
        assert json.loads(again.events[0].detail_json) == {"filters": {"actor": reader}, "rows": 0}


async def test_the_log_is_filtered_by_object_action_and_time_and_paged_newest_first(api: Api) -> None:
    community = await make_community(api)
    member = await register_member(api, community.grid_id)
    looker = api.token(Role.ADMIN, subject=f"looker-{member.id}")
    before = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(3):  # each reveal is audited against the member
        await api.registry.GetMember(
            reg.GetMemberRequest(member_id=member.id, reveal_personal_data=True), metadata=looker
        )
    about = registry_audit.ListAuditEventsRequest(object_type="member", object_id=member.id, page_size=2)
    page = await api.registry.ListAuditEvents(about, metadata=api.admin)
    rest = await api.registry.ListAuditEvents(
        registry_audit.ListAuditEventsRequest(
            object_type="member", object_id=member.id, page_size=2, page_token=page.next_page_token
        ),
        metadata=api.admin,
    )
    events = [*page.events, *rest.events]
    assert [e.action for e in events][:3] == ["read_personal_data"] * 3 and not rest.next_page_token
    assert [int(e.id) for e in events] == sorted((int(e.id) for e in events), reverse=True)
    assert events[-1].action == "register_member"
    reveals = registry_audit.ListAuditEventsRequest(
        action="read_personal_data", actor=f"looker-{member.id}", start_time=stamp(before)
    )
    assert len((await api.registry.ListAuditEvents(reveals, metadata=api.admin)).events) == 3
    reveals.start_time.CopyFrom(stamp(datetime.now(UTC) + timedelta(minutes=1)))
    assert list((await api.registry.ListAuditEvents(reveals, metadata=api.admin)).events) == []


async def test_reading_the_log_is_for_deployment_wide_admins_and_names_a_bad_filter(api: Api) -> None:
    community = await make_community(api)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ListAuditEvents(wishes_audit.ListAuditEventsRequest(object_id="7"), metadata=api.admin)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.value.details() or "").startswith("object_id:")
    street_admin = api.token(Role.ADMIN, scope=community.street_id, subject="street-admin")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.ListAuditEvents(wishes_audit.ListAuditEventsRequest(), metadata=street_admin)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # What the street's admin may do is audited all the same, and the deployment's admins find it.
    async for _ in api.wishes.ExportWishes(
        wsh.ExportWishesRequest(org_unit_id=community.community_id), metadata=street_admin
    ):
        pass
    found = await api.wishes.ListAuditEvents(
        wishes_audit.ListAuditEventsRequest(
            action="export_wishes", object_type="org_unit", object_id=community.community_id
        ),
        metadata=api.admin,
    )
    assert [e.actor for e in found.events] == ["street-admin"]
