"""Retention end to end: the registry keeps the nightly personal-data-retention Schedule; its workflow, run on the
stack's worker, has each service erase what has passed its period — here a wish's resident and a deregistered member,
backdated in the stack's database — and reports the counts; reads of what it erased say so and never fail, and the
records, their states and the audit log stay."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wsh
from temporalio.client import Client
from temporalio.service import RPCError

from devstack.client import Api
from devstack.stack import LocalStack
from services.registry.retention_contract import SCHEDULE_ID, WORKFLOW, RetentionInput, RetentionReport
from services.runtime.auth import Role
from services.runtime.retention import ERASED
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.wishes import submit, workflow_ended


async def test_the_retention_run_erases_old_residents_and_members_and_reads_say_so(
    api: Api, stack: LocalStack, temporal: Client
) -> None:
    community = await make_community(api)
    wish = await submit(api, community)
    await api.wishes.ReviewWish(
        wsh.ReviewWishRequest(
            request_id=new_request_id(), wish_id=wish.id, reject=wsh.Rejection(reason="不在服务范围")
        ),
        metadata=api.admin,
    )
    await workflow_ended(stack, wish.id)  # so no step of its lifecycle holds the row when the batch comes
    kept = await submit(api, community, text="我希望就近打工")  # open: kept however old
    member = await register_member(api, community.grid_id, name="牛强")
    await api.registry.DeregisterMember(
        reg.DeregisterMemberRequest(request_id=new_request_id(), member_id=member.id, reason="组织关系转出"),
        metadata=api.admin,
    )
    conn = await asyncpg.connect(stack.database_url)
    try:
        await conn.execute(
            "update wishes.wishes set closed_at = now() - interval '13 months' where id = $1", int(wish.id)
        )
        await conn.execute(
            "update registry.members set deregistered_at = now() - interval '25 months' where id = $1", int(member.id)
        )
    finally:
        await conn.close()

    report = await temporal.execute_workflow(
        WORKFLOW,
        RetentionInput(batch_size=50, max_batches=20),
        id=f"retention-test-{uuid.uuid4().hex}",
        task_queue="linli",
        result_type=RetentionReport,
    )
    assert report.erased["wishes"] >= 1 and report.erased["registry"] >= 1 and report.more_left == []

    erased = (await api.wishes.GetWish(wsh.GetWishRequest(wish_id=wish.id), metadata=api.admin)).wish
    assert (erased.resident_name, erased.state) == (ERASED, wsh.WISH_STATE_REJECTED)
    revealed = await api.wishes.RevealWishResident(
        wsh.RevealWishResidentRequest(wish_id=wish.id, reason="回访"), metadata=api.admin
    )
    assert revealed.resident_name == ERASED
    still = (await api.wishes.GetWish(wsh.GetWishRequest(wish_id=kept.id), metadata=api.admin)).wish
    assert still.resident_name != ERASED
    gone = await api.registry.GetMember(
        reg.GetMemberRequest(member_id=member.id, reveal_personal_data=True), metadata=api.admin
    )
    assert (gone.member.name, gone.member.phone, gone.member.id_number) == (ERASED, ERASED, ERASED)
    assert gone.member.status == reg.MEMBER_STATUS_DEREGISTERED

    # Each erasure is audited once, and nothing is erased twice: another batch leaves the audit as it was.
    await api.wishes.EraseExpiredPersonalData(
        wsh.EraseExpiredPersonalDataRequest(batch_size=10), metadata=api.token(Role.SERVICE, subject="service:test")
    )
    conn = await asyncpg.connect(stack.database_url)
    try:
        audited = await conn.fetchval(
            """select count(*) from wishes.audit_log
               where action = 'erase_personal_data' and subject_kind = 'wish' and subject_id = $1""",
            wish.id,
        )
    finally:
        await conn.close()
    assert audited == 1


async def test_a_closed_alerts_address_is_erased_after_its_days_and_a_reveal_says_so(
    api: Api, stack: LocalStack
) -> None:
    community = await make_community(api)
    raised = await api.dispatch.RaiseAlert(
        dis.RaiseAlertRequest(
            request_id=new_request_id(),
            kind=dis.ALERT_KIND_FALL,
            unit_id=community.grid_id,
            address="2单元301",
            device_id="nanny-0042",
        ),
        metadata=api.token(Role.SYSTEM, subject="elder-care-monitoring"),
    )
    alert_id = raised.alert.id
    await api.dispatch.CancelAlert(
        dis.CancelAlertRequest(request_id=new_request_id(), alert_id=alert_id, reason="误报"), metadata=api.admin
    )
    conn = await asyncpg.connect(stack.database_url)
    try:
        await conn.execute(
            "update dispatch.alerts set closed_at = now() - interval '31 days' where id = $1", int(alert_id)
        )
    finally:
        await conn.close()
    worker = api.token(Role.SERVICE, subject="service:test")
    # A batch skips a row another transaction holds (the alert's workflow recording the cancel): a later one takes it.
    deadline = time.monotonic() + 15
    while True:
        await api.dispatch.EraseExpiredPersonalData(
            dis.EraseExpiredPersonalDataRequest(batch_size=100), metadata=worker
        )
        got = await api.dispatch.GetAlert(
            dis.GetAlertRequest(alert_id=alert_id, reveal_personal_data=True), metadata=api.admin
        )
        if got.alert.address == ERASED or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert (got.alert.address, got.alert.device_id, got.alert.state) == (ERASED, ERASED, dis.ALERT_STATE_CANCELLED)


async def test_the_registry_keeps_the_nightly_retention_schedule(temporal: Client) -> None:
    for _ in range(100):
        try:
            described = await temporal.get_schedule_handle(SCHEDULE_ID).describe()
            break
        except RPCError:
            await asyncio.sleep(0.2)
    else:
        raise AssertionError(f"no schedule {SCHEDULE_ID}")
    assert described.schedule.spec.time_zone_name == "Asia/Shanghai"
