"""Emergency alerts end to end: a dispatch service and a worker of their own (short time-outs, notices to a real
HTTP receiver on loopback), the main stack's registry, and faults — the worker killed mid-escalation, the
gateway down for a while, the same alert raised ten times."""

from __future__ import annotations

import asyncio
import base64
import functools
import re
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.dispatch.v1 import dispatch_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle

from devstack.client import Api
from devstack.stack import LocalStack
from services.dispatch.__main__ import MIGRATIONS
from services.dispatch.alerts.contract import workflow_id
from services.runtime.auth import Role
from services.runtime.db import create_pool, migrate
from tests.e2e.conftest import make_community, new_request_id, register_member
from tests.helpers.databases import create_database, drop_database
from tests.helpers.notice_gateway import NoticeGateway

ACK_TIMEOUT = 3.0  # seconds each volunteer (and community staff) has to answer, in these tests
WHOLE_DAY = [dis.WeeklyDutySlot(weekday=d) for d in range(1, 8)]


@dataclass
class AlertPlatform:
    stack: LocalStack
    dispatch: dispatch_pb2_grpc.DispatchServiceStub
    receiver: NoticeGateway
    worker_env: dict[str, str] = field(default_factory=dict)
    metrics_port: int = 0
    database: str = ""

    def restart_worker(self) -> None:
        self.stack.processes.pop("worker-alerts").stop()
        self.start_worker()

    def start_worker(self) -> None:
        self.stack.start_process("worker", "worker-alerts", **self.worker_env)


@pytest.fixture(scope="module")
async def platform(stack: LocalStack, postgres_server: str) -> AsyncIterator[AlertPlatform]:
    """Its own dispatch database (alert ids far above the main stack's, as both share one Temporal namespace) and
    task queue, so its time-outs and webhook touch no other test."""
    database = await create_database(postgres_server)
    async with create_pool(database, "dispatch", 2) as pool:
        await migrate(pool, "dispatch", MIGRATIONS)
        await pool.execute("select setval(pg_get_serial_sequence('dispatch.alerts', 'id'), 50000000)")
    receiver = NoticeGateway().up()
    shared = {"DATABASE_URL": database, "LINLI_TASK_QUEUE": "alerts-e2e"}
    dispatch = stack.start_process(
        "dispatch",
        "dispatch-alerts",
        LINLI_ALERT_ACK_TIMEOUT=f"{ACK_TIMEOUT:g}s",
        LINLI_ALERT_STAFF_TIMEOUT=f"{ACK_TIMEOUT:g}s",
        LINLI_OUTBOX_POLL="500ms",
        **shared,
    )
    port, metrics_port = dispatch.ports["grpc"], dispatch.ports["metrics"]
    worker_env = {
        **shared,
        "LINLI_DISPATCH_ADDRESS": f"127.0.0.1:{port}",
        "LINLI_NOTIFY_WEBHOOK_URL": receiver.url,
    }
    platform = AlertPlatform(stack, None, receiver, worker_env, metrics_port, database)  # type: ignore[arg-type]
    platform.start_worker()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    platform.dispatch = dispatch_pb2_grpc.DispatchServiceStub(channel)
    try:
        yield platform
    finally:
        await channel.close()
        for name in ("worker-alerts", "dispatch-alerts"):
            if name in stack.processes:
                stack.processes.pop(name).stop()
        receiver.down()
        await drop_database(postgres_server, database)


@dataclass
class Scene:
    community_id: str
    street_id: str
    grid_id: str
    building_id: str
    in_building: str
    in_grid: str
    in_community: str


async def scene(api: Api, platform: AlertPlatform) -> Scene:
    """A community with a grid and a building, three volunteers on duty all week — rostered farthest first."""
    community = await make_community(api)
    building = await api.registry.CreateOrgUnit(
        reg.CreateOrgUnitRequest(
            request_id=new_request_id(), parent_id=community.grid_id, kind=reg.ORG_UNIT_KIND_BUILDING, name="3号楼"
        ),
        metadata=api.admin,
    )
    building_id = building.org_unit.id
    in_building = (await register_member(api, building_id, name="李楼")).id
    in_grid = (await register_member(api, community.grid_id, name="赵格")).id
    in_community = (await register_member(api, community.community_id, name="孙社")).id
    slots = [
        dis.WeeklyDutySlot(weekday=day, slot=dis.DutySlot(member_id=member))
        for day in range(1, 8)
        for member in (in_community, in_grid, in_building)
    ]
    await platform.dispatch.SetWeeklyDutyPattern(
        dis.SetWeeklyDutyPatternRequest(request_id=new_request_id(), community_id=community.community_id, slots=slots),
        metadata=api.admin,
    )
    return Scene(
        community.community_id,
        community.street_id,
        community.grid_id,
        building_id,
        in_building,
        in_grid,
        in_community,
    )


async def raise_alert(
    api: Api,
    platform: AlertPlatform,
    unit_id: str,
    request_id: str | None = None,
    address: str = "2单元301",
    device_id: str = "nanny-0042",
) -> dis.Alert:
    response = await platform.dispatch.RaiseAlert(
        dis.RaiseAlertRequest(
            request_id=request_id or new_request_id(),
            kind=dis.ALERT_KIND_FALL,
            unit_id=unit_id,
            address=address,
            device_id=device_id,
        ),
        metadata=api.token(Role.SYSTEM, subject="elder-care-monitoring"),
    )
    return response.alert


async def timeline(api: Api, platform: AlertPlatform, alert_id: str) -> list[dis.AlertEvent]:
    response = await platform.dispatch.GetAlert(dis.GetAlertRequest(alert_id=alert_id), metadata=api.admin)
    return list(response.timeline)


async def until(check: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.2)


def calls(events: list[dis.AlertEvent]) -> list[str]:
    return [e.recipient for e in events if e.kind == dis.ALERT_EVENT_KIND_CALLED]


async def called(api: Api, platform: AlertPlatform, alert_id: str) -> list[str]:
    return calls(await timeline(api, platform, alert_id))


def as_member(api: Api, member_id: str, community_id: str) -> tuple[tuple[str, str], ...]:
    return api.token(Role.MEMBER, scope=community_id, subject=member_id)


async def cancel(api: Api, platform: AlertPlatform, alert_id: str) -> dis.Alert:
    response = await platform.dispatch.CancelAlert(
        dis.CancelAlertRequest(request_id=new_request_id(), alert_id=alert_id, reason="误报"), metadata=api.admin
    )
    return response.alert


async def test_the_nearest_volunteer_is_called_first_answers_and_the_service_is_recorded(
    api: Api, platform: AlertPlatform
) -> None:
    s = await scene(api, platform)
    alert = await raise_alert(api, platform, s.building_id)
    assert alert.state == dis.ALERT_STATE_RAISED and alert.community_id == s.community_id

    await until(lambda: platform.receiver.notices("alert", alert_id=alert.id), what="the first notice")
    first = platform.receiver.notices("alert", alert_id=alert.id)[0]
    assert first["recipient"] == f"member:{s.in_building}"  # nearest, though rostered last
    assert first["address"] == "2单元301" and first["alert_kind"] == "fall"

    me = as_member(api, s.in_building, s.community_id)
    acked = await platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id, member_id=s.in_building),
        metadata=me,
    )
    assert acked.alert.state == dis.ALERT_STATE_ACKNOWLEDGED and acked.alert.responder == f"member:{s.in_building}"
    await platform.dispatch.ArriveAlert(
        dis.ArriveAlertRequest(request_id=new_request_id(), alert_id=alert.id), metadata=me
    )
    resolved = await platform.dispatch.ResolveAlert(
        dis.ResolveAlertRequest(
            request_id=new_request_id(), alert_id=alert.id, outcome=dis.ALERT_OUTCOME_TAKEN_TO_HOSPITAL, note="送医"
        ),
        metadata=me,
    )
    assert resolved.alert.state == dis.ALERT_STATE_RESOLVED
    assert resolved.alert.outcome == dis.ALERT_OUTCOME_TAKEN_TO_HOSPITAL

    async def service_recorded() -> bool:
        return any(e.kind == dis.ALERT_EVENT_KIND_SERVICE_RECORDED for e in await timeline(api, platform, alert.id))

    await until(service_recorded, what="the responder's service record")
    summary = await api.registry.GetMemberServiceSummary(
        reg.GetMemberServiceSummaryRequest(member_id=s.in_building), metadata=api.admin
    )
    assert [(t.kind, t.category, t.count) for t in summary.totals] == [(reg.SERVICE_KIND_ALERT, "fall", 1)]
    assert summary.hours >= 0.25

    kinds = [e.kind for e in await timeline(api, platform, alert.id)]
    assert kinds[:2] == [dis.ALERT_EVENT_KIND_RAISED, dis.ALERT_EVENT_KIND_CALLED]

    metrics = await asyncio.to_thread(
        lambda: urllib.request.urlopen(f"http://127.0.0.1:{platform.metrics_port}/metrics", timeout=5).read().decode()
    )
    for line in (
        'linli_alerts_raised_total{kind="fall"}',
        'linli_alerts_acknowledged_total{kind="fall"}',
        'linli_alerts_resolved_total{outcome="taken_to_hospital"}',
        "linli_alert_seconds_to_acknowledge_count",
    ):
        assert any(m.startswith(line) and float(m.split()[-1]) >= 1 for m in metrics.splitlines()), line
    for kind in (dis.ALERT_EVENT_KIND_DELIVERED, dis.ALERT_EVENT_KIND_ACKNOWLEDGED, dis.ALERT_EVENT_KIND_ARRIVED):
        assert kind in kinds
    assert kinds.index(dis.ALERT_EVENT_KIND_RESOLVED) < kinds.index(dis.ALERT_EVENT_KIND_SERVICE_RECORDED)


async def test_nobody_answering_escalates_to_the_next_volunteers_then_staff_then_the_street_and_first_answer_wins(
    api: Api, platform: AlertPlatform
) -> None:
    s = await scene(api, platform)
    alert = await raise_alert(api, platform, s.building_id)
    everyone = [
        f"member:{s.in_building}",
        f"member:{s.in_grid}",
        f"member:{s.in_community}",
        f"org:{s.community_id}",
        f"org:{s.street_id}",
    ]

    async def reached_the_street() -> bool:
        return await called(api, platform, alert.id) == everyone

    await until(reached_the_street, timeout=60, what="escalation to the street")
    events = await timeline(api, platform, alert.id)
    call_times = [e.time.ToDatetime() for e in events if e.kind == dis.ALERT_EVENT_KIND_CALLED]
    for earlier, later in zip(call_times, call_times[1:], strict=False):
        # Each waited out its time-out (calls are stamped when their send activity first runs, hence the slack).
        assert (later - earlier).total_seconds() >= ACK_TIMEOUT - 1.0
    escalations = [e.recipient for e in events if e.kind == dis.ALERT_EVENT_KIND_ESCALATED]
    assert escalations == [f"org:{s.community_id}", f"org:{s.street_id}"]

    # The grid volunteer answers late but first; the building volunteer, answering next, is told to stand down.
    won = await platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id, member_id=s.in_grid),
        metadata=as_member(api, s.in_grid, s.community_id),
    )
    assert won.alert.responder == f"member:{s.in_grid}"
    assert won.alert.escalation == dis.ESCALATION_LEVEL_STREET
    with pytest.raises(grpc.aio.AioRpcError) as lost:
        await platform.dispatch.AcknowledgeAlert(
            dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id, member_id=s.in_building),
            metadata=as_member(api, s.in_building, s.community_id),
        )
    assert lost.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"acknowledged by member:{s.in_grid}" in (lost.value.details() or "")

    def stood_down() -> list[str]:
        return sorted(n["recipient"] for n in platform.receiver.notices("stand_down", alert_id=alert.id))

    await until(lambda: len(stood_down()) == 4, what="stand-down notices")
    assert stood_down() == sorted(r for r in everyone if r != f"member:{s.in_grid}")

    stats = await platform.dispatch.GetAlertStats(
        dis.GetAlertStatsRequest(org_unit_id=s.community_id), metadata=api.admin
    )
    assert (stats.raised, stats.acknowledged, stats.escalated, stats.resolved) == (1, 1, 1, 0)
    assert stats.median_seconds_to_acknowledge >= 4 * ACK_TIMEOUT
    await cancel(api, platform, alert.id)


async def test_an_alerts_address_is_sealed_masked_revealed_only_audited_and_kept_out_of_history_and_logs(
    api: Api, platform: AlertPlatform
) -> None:
    s = await scene(api, platform)
    token = uuid.uuid4().hex[:10]  # ASCII, so it shows in any encoding of the history or the logs
    address, device_id = f"2单元301室{token}", f"nanny-{token}"
    alert = await raise_alert(api, platform, s.building_id, address=address, device_id=device_id)
    assert token not in alert.address and token[-4:] not in alert.address and alert.address.startswith("2单元")
    assert alert.device_id == "*" * (len(device_id) - 4) + device_id[-4:]
    assert not alert.personal_data_revealed

    # The volunteer called gets the address: they have to find the door.
    await until(lambda: platform.receiver.notices("alert", alert_id=alert.id), what="the first notice")
    assert platform.receiver.notices("alert", alert_id=alert.id)[0]["address"] == address

    # At rest: sealed, the clear columns empty, the timeline naming no device.
    conn = await asyncpg.connect(platform.database)
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
    masked = (await platform.dispatch.GetAlert(dis.GetAlertRequest(alert_id=alert.id), metadata=staff)).alert
    assert token not in masked.address + masked.device_id
    for reader in (staff, as_member(api, s.in_building, s.community_id)):
        clear = (
            await platform.dispatch.GetAlert(
                dis.GetAlertRequest(alert_id=alert.id, reveal_personal_data=True), metadata=reader
            )
        ).alert
        assert (clear.address, clear.device_id, clear.personal_data_revealed) == (address, device_id, True)
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await platform.dispatch.GetAlert(
            dis.GetAlertRequest(alert_id=alert.id, reveal_personal_data=True),
            metadata=api.token(Role.SYSTEM, subject="elder-care-monitoring"),
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    conn = await asyncpg.connect(platform.database)
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
    await cancel(api, platform, alert.id)
    temporal = await Client.connect(platform.stack.temporal_address or "")
    handle = temporal.get_workflow_handle(workflow_id(alert.id))
    await until(lambda: _closed(handle), what="the dispatch to end")
    history = (await handle.fetch_history()).to_json()
    # Payloads appear base64-encoded in the JSON: decode every one.
    payloads = "\n".join(
        base64.b64decode(data).decode(errors="replace") for data in re.findall(r'"data": "([A-Za-z0-9+/=]+)"', history)
    )
    assert f"member:{s.in_building}" in payloads  # what it does hold: ids
    assert token not in history + payloads
    for name in ("worker-alerts", "dispatch-alerts"):
        assert token not in (platform.stack.logs / f"{name}.log").read_text(errors="replace"), name


async def _closed(handle: WorkflowHandle) -> bool:
    return (await handle.describe()).status != WorkflowExecutionStatus.RUNNING


async def test_a_volunteer_away_is_not_called_and_a_team_volunteer_on_duty_is_and_may_answer(
    api: Api, platform: AlertPlatform
) -> None:
    s = await scene(api, platform)
    team = await api.registry.CreateTeam(
        reg.CreateTeamRequest(
            request_id=new_request_id(), org_unit_id=s.community_id, kind=reg.TEAM_KIND_RED_CROSS_RESCUE, name="救援队"
        ),
        metadata=api.admin,
    )
    volunteer = (
        await api.registry.AddTeamMember(
            reg.AddTeamMemberRequest(
                request_id=new_request_id(),
                team_id=team.team.id,
                volunteer=reg.ResidentVolunteer(name="刘秀英", phone="13800001111"),
            ),
            metadata=api.admin,
        )
    ).team_member.id
    # The roster of today (and tomorrow, should midnight fall in the test): the scene's three, then the volunteer.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    for day in (today, today + timedelta(days=1)):
        await platform.dispatch.SetDutyRoster(
            dis.SetDutyRosterRequest(
                request_id=new_request_id(),
                community_id=s.community_id,
                date=day.isoformat(),
                slots=[
                    dis.DutySlot(member_id=s.in_community),
                    dis.DutySlot(member_id=s.in_grid),
                    dis.DutySlot(member_id=s.in_building),
                    dis.DutySlot(team_id=team.team.id, team_member_id=volunteer),
                ],
            ),
            metadata=api.admin,
        )
    # The building's volunteer, nearest, is away (请假) today.
    now = Timestamp()
    now.GetCurrentTime()
    later = Timestamp()
    later.FromSeconds(now.seconds + 3600)
    await platform.dispatch.DeclareUnavailability(
        dis.DeclareUnavailabilityRequest(
            request_id=new_request_id(),
            community_id=s.community_id,
            member_id=s.in_building,
            end_time=later,
            reason="出差",
        ),
        metadata=as_member(api, s.in_building, s.community_id),
    )
    alert = await raise_alert(api, platform, s.building_id)

    async def volunteer_called() -> bool:
        return len(await called(api, platform, alert.id)) >= 3

    await until(volunteer_called, what="the team volunteer's call")
    assert (await called(api, platform, alert.id))[:3] == [
        f"member:{s.in_grid}",
        f"member:{s.in_community}",
        f"volunteer:{volunteer}",
    ]
    # Staff answer for the volunteer, who has no linli account.
    acked = await platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id, team_member_id=volunteer),
        metadata=api.token(Role.STAFF, scope=s.community_id, subject="staff-wang"),
    )
    assert acked.alert.responder == f"volunteer:{volunteer}"
    await cancel(api, platform, alert.id)


async def test_the_same_alert_raised_ten_times_is_one_alert(api: Api, platform: AlertPlatform) -> None:
    s = await scene(api, platform)
    request_id = new_request_id()
    alerts = await asyncio.gather(*(raise_alert(api, platform, s.grid_id, request_id) for _ in range(10)))
    assert len({a.id for a in alerts}) == 1
    alert_id = alerts[0].id
    await until(lambda: platform.receiver.notices("alert", alert_id=alert_id), what="the first notice")
    events = await timeline(api, platform, alert_id)
    assert [e.kind for e in events].count(dis.ALERT_EVENT_KIND_RAISED) == 1
    stats = await platform.dispatch.GetAlertStats(dis.GetAlertStatsRequest(org_unit_id=s.grid_id), metadata=api.admin)
    assert stats.raised == 1
    # Nearest first: the grid volunteer and the building volunteer (inside the grid) share the grid.
    assert platform.receiver.notices("alert", alert_id=alert_id)[0]["recipient"] in (
        f"member:{s.in_grid}",
        f"member:{s.in_building}",
    )
    await cancel(api, platform, alert_id)


async def test_the_worker_killed_mid_escalation_still_escalates_on_time(api: Api, platform: AlertPlatform) -> None:
    s = await scene(api, platform)
    alert = await raise_alert(api, platform, s.building_id)

    async def first_called() -> bool:
        return len(await called(api, platform, alert.id)) == 1

    await until(first_called, what="the first call")
    platform.stack.processes["worker-alerts"].kill()  # SIGKILL, mid-way through the first volunteer's time-out
    killed_at = time.monotonic()
    platform.stack.processes.pop("worker-alerts")
    platform.start_worker()
    assert time.monotonic() - killed_at < 30

    async def second_called() -> bool:
        return len(await called(api, platform, alert.id)) >= 2

    await until(second_called, what="the call to the second volunteer after the restart")
    events = await timeline(api, platform, alert.id)
    call_times = [e.time.ToDatetime() for e in events if e.kind == dis.ALERT_EVENT_KIND_CALLED]
    waited = (call_times[1] - call_times[0]).total_seconds()
    # The time-out is a timer in Temporal, not in the worker: it fires on time, and the restarted worker acts on it
    # (a generous upper bound for a worker start on a busy machine).
    assert ACK_TIMEOUT - 1.0 <= waited < ACK_TIMEOUT + 20
    assert [e.recipient for e in events if e.kind == dis.ALERT_EVENT_KIND_TIMED_OUT][0] == f"member:{s.in_building}"
    await cancel(api, platform, alert.id)


OUTAGE = 60.0  # the brief's "webhook receiver down for a minute"


async def test_the_gateway_down_for_a_minute_loses_no_notice_and_holds_up_no_escalation(
    api: Api, platform: AlertPlatform
) -> None:
    s = await scene(api, platform)
    everyone = [
        f"member:{s.in_building}",
        f"member:{s.in_grid}",
        f"member:{s.in_community}",
        f"org:{s.community_id}",
        f"org:{s.street_id}",
    ]
    platform.receiver.down()
    down_at = time.monotonic()
    try:
        # Alerts keep coming while the gateway is down: at its start, a third of the way and two thirds in.
        alerts = []
        for i in range(3):
            await asyncio.sleep(max(0.0, down_at + i * OUTAGE / 3 - time.monotonic()))
            alerts.append(await raise_alert(api, platform, s.building_id))

        async def escalated_to_the_street(alert_id: str) -> bool:
            return await called(api, platform, alert_id) == everyone

        # The escalation runs on its timers while no notice gets through: the first two reach the street.
        for alert in alerts[:2]:
            await until(
                functools.partial(escalated_to_the_street, alert.id),
                timeout=OUTAGE,
                what="escalation during the outage",
            )
        assert all(platform.receiver.notices(alert_id=a.id) == [] for a in alerts)
        await asyncio.sleep(max(0.0, down_at + OUTAGE - time.monotonic()))
    finally:
        platform.receiver.up()
    assert time.monotonic() - down_at >= OUTAGE

    async def all_delivered(alert_id: str) -> bool:
        events = await timeline(api, platform, alert_id)
        return calls(events) == everyone and len(
            [e for e in events if e.kind == dis.ALERT_EVENT_KIND_DELIVERED]
        ) == len(everyone)

    # Retries back off to 10 s apart: once the gateway is back, every notice is through within about that.
    for alert in alerts:
        await until(
            functools.partial(all_delivered, alert.id), timeout=45, what="every notice delivered after the outage"
        )
    for alert in alerts:
        events = await timeline(api, platform, alert.id)
        assert not [e for e in events if e.kind == dis.ALERT_EVENT_KIND_DELIVERY_FAILED]
        assert [e.recipient for e in events if e.kind == dis.ALERT_EVENT_KIND_ESCALATED] == everyone[3:]
        received = platform.receiver.notices("alert", alert_id=alert.id)
        assert sorted(n["recipient"] for n in received) == sorted(everyone)  # no notice lost, none twice
    keys = [
        k
        for k, n in zip(platform.receiver.keys, platform.receiver.taken, strict=True)
        if n["alert_id"] in {a.id for a in alerts}
    ]
    assert len(keys) == len(set(keys)) == 3 * len(everyone)

    # Answered after the outage: the others stand down, as ever.
    await platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alerts[0].id, member_id=s.in_building),
        metadata=as_member(api, s.in_building, s.community_id),
    )
    await until(
        lambda: len(platform.receiver.notices("stand_down", alert_id=alerts[0].id)) == len(everyone) - 1,
        what="stand-down notices",
    )
    for alert in alerts:
        await cancel(api, platform, alert.id)


async def test_bad_alert_requests_are_refused_with_the_field_named(api: Api, platform: AlertPlatform) -> None:
    s = await scene(api, platform)

    async def refused(call: object, code: grpc.StatusCode, field: str) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call  # type: ignore[misc]
        assert error.value.code() == code, error.value.details()
        assert (error.value.details() or "").startswith(f"{field}:") or field == "", error.value.details()

    system = api.token(Role.SYSTEM, subject="elder-care-monitoring")
    await refused(
        platform.dispatch.RaiseAlert(dis.RaiseAlertRequest(request_id="r1", unit_id=s.building_id), metadata=system),
        grpc.StatusCode.INVALID_ARGUMENT,
        "kind",
    )
    await refused(
        platform.dispatch.RaiseAlert(
            dis.RaiseAlertRequest(request_id="r2", kind=dis.ALERT_KIND_FIRE, unit_id=s.street_id), metadata=system
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "unit_id",
    )
    await refused(
        platform.dispatch.RaiseAlert(
            dis.RaiseAlertRequest(request_id="r3", kind=dis.ALERT_KIND_FIRE, unit_id="99999999"), metadata=system
        ),
        grpc.StatusCode.NOT_FOUND,
        "unit_id",
    )
    await refused(
        platform.dispatch.GetAlert(dis.GetAlertRequest(alert_id="99999999999"), metadata=api.admin),
        grpc.StatusCode.NOT_FOUND,
        "alert_id",
    )
    off_duty = (await register_member(api, s.building_id, name="冯休")).id  # lives nearest, but not on duty
    alert = await raise_alert(api, platform, s.building_id)
    await until(lambda: platform.receiver.notices("alert", alert_id=alert.id), what="the first notice")
    await refused(
        platform.dispatch.AcknowledgeAlert(
            dis.AcknowledgeAlertRequest(request_id="a1", alert_id=alert.id, member_id=s.in_grid),
            metadata=as_member(api, s.in_building, s.community_id),
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "member_id",
    )
    await refused(
        platform.dispatch.AcknowledgeAlert(
            dis.AcknowledgeAlertRequest(request_id="a2", alert_id=alert.id, member_id=off_duty),
            metadata=as_member(api, off_duty, s.community_id),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "member_id",
    )
    await refused(
        platform.dispatch.ResolveAlert(dis.ResolveAlertRequest(request_id="x1", alert_id=alert.id), metadata=api.admin),
        grpc.StatusCode.INVALID_ARGUMENT,
        "outcome",
    )
    await refused(
        platform.dispatch.ArriveAlert(dis.ArriveAlertRequest(request_id="x2", alert_id=alert.id), metadata=api.admin),
        grpc.StatusCode.FAILED_PRECONDITION,
        "",
    )
    await refused(
        platform.dispatch.RecordAlertEvent(
            dis.RecordAlertEventRequest(request_id="e1", alert_id=alert.id, kind=dis.ALERT_EVENT_KIND_CALLED),
            metadata=api.admin,
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "",
    )
    # Staff answering themselves, with no member named.
    staffed = await platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id),
        metadata=api.token(Role.STAFF, scope=s.community_id, subject="staff-wang"),
    )
    assert staffed.alert.responder == "staff:staff-wang"
    await cancel(api, platform, alert.id)
