"""Residents' personal data in wishes, end to end: the CSV export masks it, and revealing a resident is for staff in
scope only, with a reason, audited."""

from __future__ import annotations

import asyncpg
import grpc
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from devstack.stack import LocalStack
from services.runtime.auth import Role
from tests.e2e.helpers.checks import refused
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.wishes import claimed, export_rows, get, staff_of, submit


async def test_the_csv_export_has_every_wish_of_the_subtree_masked_with_its_times(api: Api) -> None:
    community, elsewhere = await make_community(api), await make_community(api)
    member = await register_member(api, community.community_id)
    first = await claimed(api, community, member)
    second = await submit(api, community, text="我想找对象")
    await submit(api, elsewhere)
    rows = await export_rows(api, api.admin, org_unit_id=community.street_id)
    assert [r["id"] for r in rows] == [first.id, second.id]
    assert rows[0]["state"] == "claimed" and rows[0]["claimant_member_id"] == member.id
    assert rows[0]["hours_to_claim"] != "" and rows[0]["category"] == "culture"
    assert rows[0]["resident_name"] == "张*" and "13800001111" not in str(rows)
    assert rows[1]["text"] == "我想找对象" and rows[1]["claim_time"] == ""
    only = await export_rows(api, api.admin, org_unit_id=community.street_id, state=wish.WISH_STATE_SUBMITTED)
    assert [r["id"] for r in only] == [second.id]
    assert await export_rows(api, api.admin, org_unit_id=community.grid_id) == []

    staff = staff_of(api, elsewhere)
    await refused(
        export_rows(api, staff, org_unit_id=community.community_id), grpc.StatusCode.PERMISSION_DENIED, "outside"
    )
    await refused(export_rows(api, api.admin, org_unit_id="x"), grpc.StatusCode.INVALID_ARGUMENT, "org_unit_id")
    await refused(
        export_rows(api, api.admin, org_unit_id=community.community_id, state=99),
        grpc.StatusCode.INVALID_ARGUMENT,
        "state",
    )


async def test_revealing_a_resident_is_audited_with_its_reason_and_only_in_scope(api: Api, stack: LocalStack) -> None:
    community, elsewhere = await make_community(api), await make_community(api)
    submitted = await submit(api, community)
    staff = api.token(Role.STAFF, scope=community.community_id, subject="staff-reveal")

    def reveal(reason: str = "联系居民约定送达时间") -> wish.RevealWishResidentRequest:
        return wish.RevealWishResidentRequest(wish_id=submitted.id, reason=reason)

    await refused(api.wishes.RevealWishResident(reveal(""), metadata=staff), grpc.StatusCode.INVALID_ARGUMENT, "reason")
    outside = api.token(Role.STAFF, scope=elsewhere.community_id, subject="staff-elsewhere")
    await refused(api.wishes.RevealWishResident(reveal(), metadata=outside), grpc.StatusCode.PERMISSION_DENIED, "scope")
    as_system = api.token(Role.SYSTEM, scope=community.community_id, subject="12345-hotline")
    await refused(
        api.wishes.RevealWishResident(reveal(), metadata=as_system), grpc.StatusCode.PERMISSION_DENIED, "role"
    )
    revealed = await api.wishes.RevealWishResident(reveal(), metadata=staff)
    assert (revealed.resident_name, revealed.resident_contact) == ("张三", "13800001111")
    assert (await get(api, submitted.id)).resident_name == "张*"  # still masked everywhere else
    conn = await asyncpg.connect(stack.database_url)
    try:
        audit = await conn.fetch(
            """select actor, actor_role, detail->>'reason' as reason from wishes.audit_log
               where action = 'read_personal_data' and subject_kind = 'wish' and subject_id = $1""",
            submitted.id,
        )
    finally:
        await conn.close()
    assert [tuple(row) for row in audit] == [("staff-reveal", "staff", "联系居民约定送达时间")]
