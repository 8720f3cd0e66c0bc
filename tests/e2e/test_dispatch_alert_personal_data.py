"""An alert's address and device on the alerts' own dispatch service and worker: sealed at rest, masked unless
revealed, revealed only to those who need it and audited, and absent from the workflow's history and the logs."""

from __future__ import annotations

import base64
import re
import uuid

import asyncpg
import grpc
import pytest
from linli.dispatch.v1 import dispatch_pb2 as dis
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle

from devstack.client import Api
from services.dispatch.alerts.contract import workflow_id
from services.runtime.auth import Role
from tests.e2e.helpers.alerts import AlertPlatform, as_member, cancel, raise_alert, scene
from tests.e2e.helpers.checks import eventually


async def test_an_alerts_address_is_sealed_masked_revealed_only_audited_and_kept_out_of_history_and_logs(
    api: Api, alert_platform: AlertPlatform
) -> None:
    s = await scene(api, alert_platform)
    token = uuid.uuid4().hex[:10]  # ASCII, so it shows in any encoding of the history or the logs
    address, device_id = f"2单元301室{token}", f"nanny-{token}"
    alert = await raise_alert(api, alert_platform, s.building_id, address=address, device_id=device_id)
    assert token not in alert.address and token[-4:] not in alert.address and alert.address.startswith("2单元")
    assert alert.device_id == "*" * (len(device_id) - 4) + device_id[-4:]
    assert not alert.personal_data_revealed

    # The volunteer called gets the address: they have to find the door.
    await eventually(lambda: alert_platform.receiver.notices("alert", alert_id=alert.id), what="the first notice")
    assert alert_platform.receiver.notices("alert", alert_id=alert.id)[0]["address"] == address

    # At rest: sealed, the clear columns empty, the timeline naming no device.
    conn = await asyncpg.connect(alert_platform.database)
    try:
        row = await conn.fetchrow("select * from dispatch.alerts where id = $1", int(alert.id))
        notes = await conn.fetch("select note from dispatch.alert_events where alert_id = $1", int(alert.id))
        assert row["address"] == "" and row["device_id"] == ""
        assert token.encode() not in bytes(row["address_sealed"]) + bytes(row["device_id_sealed"])
        assert not [n for n in notes if token in n["note"]]
    finally:
        await conn.close()

    # Masked unless asked for; asked for, in the clear to staff in scope and to a member called — and audited.
    staff = api.token(Role.STAFF, scope=s.community_id, subject="staff-li")
    masked = (await alert_platform.dispatch.GetAlert(dis.GetAlertRequest(alert_id=alert.id), metadata=staff)).alert
    assert token not in masked.address + masked.device_id
    for reader in (staff, as_member(api, s.in_building, s.community_id)):
        clear = (
            await alert_platform.dispatch.GetAlert(
                dis.GetAlertRequest(alert_id=alert.id, reveal_personal_data=True), metadata=reader
            )
        ).alert
        assert (clear.address, clear.device_id, clear.personal_data_revealed) == (address, device_id, True)
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await alert_platform.dispatch.GetAlert(
            dis.GetAlertRequest(alert_id=alert.id, reveal_personal_data=True),
            metadata=api.token(Role.SYSTEM, subject="elder-care-monitoring"),
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    conn = await asyncpg.connect(alert_platform.database)
    try:
        readers = await conn.fetch(
            """select actor, detail->>'purpose' as purpose from dispatch.audit_log
               where action = 'reveal_alert_personal_data' and subject_id = $1 order by id""",
            alert.id,
        )
    finally:
        await conn.close()
    actors = [r["actor"] for r in readers]
    assert "staff-li" in actors and s.in_building in actors
    assert any(r["purpose"] == f"notice to member:{s.in_building}" for r in readers)  # the worker's read

    # Neither the workflow's history (input, call list, notices, results) nor any log holds it.
    await cancel(api, alert_platform, alert.id)
    temporal = await Client.connect(alert_platform.stack.temporal_address or "")
    handle = temporal.get_workflow_handle(workflow_id(alert.id))
    await eventually(lambda: _closed(handle), what="the dispatch to end")
    history = (await handle.fetch_history()).to_json()
    # Payloads appear base64-encoded in the JSON: decode every one.
    payloads = "\n".join(
        base64.b64decode(data).decode(errors="replace") for data in re.findall(r'"data": "([A-Za-z0-9+/=]+)"', history)
    )
    assert f"member:{s.in_building}" in payloads  # what it does hold: ids
    assert token not in history + payloads
    for name in ("worker-alerts", "dispatch-alerts"):
        assert token not in (alert_platform.stack.logs / f"{name}.log").read_text(errors="replace"), name


async def _closed(handle: WorkflowHandle) -> bool:
    return (await handle.describe()).status != WorkflowExecutionStatus.RUNNING
