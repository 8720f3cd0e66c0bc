"""Emergency alerts through faults, on the alerts' own dispatch service and worker: the worker killed mid-escalation
still escalates on time, and the notice gateway down for a minute loses no notice and holds up no escalation."""

from __future__ import annotations

import asyncio
import functools
import time

from linli.dispatch.v1 import dispatch_pb2 as dis

from devstack.client import Api
from tests.e2e.helpers.alerts import (
    ACK_TIMEOUT,
    AlertPlatform,
    as_member,
    called,
    calls,
    cancel,
    raise_alert,
    scene,
    timeline,
)
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.ids import new_request_id


async def test_the_worker_killed_mid_escalation_still_escalates_on_time(
    api: Api, alert_platform: AlertPlatform
) -> None:
    s = await scene(api, alert_platform)
    alert = await raise_alert(api, alert_platform, s.building_id)

    async def first_called() -> bool:
        return len(await called(api, alert_platform, alert.id)) == 1

    await eventually(first_called, what="the first call")
    alert_platform.stack.processes["worker-alerts"].kill()  # SIGKILL, mid-way through the first volunteer's time-out
    killed_at = time.monotonic()
    alert_platform.stack.processes.pop("worker-alerts")
    alert_platform.start_worker()
    assert time.monotonic() - killed_at < 30

    async def second_called() -> bool:
        return len(await called(api, alert_platform, alert.id)) >= 2

    await eventually(second_called, what="the call to the second volunteer after the restart")
    events = await timeline(api, alert_platform, alert.id)
    call_times = [e.time.ToDatetime() for e in events if e.kind == dis.ALERT_EVENT_KIND_CALLED]
    waited = (call_times[1] - call_times[0]).total_seconds()
    # The time-out is a timer in Temporal, not in the worker: it fires on time, and the restarted worker acts on it
    # (a generous upper bound for a worker start on a busy machine).
    assert ACK_TIMEOUT - 1.0 <= waited < ACK_TIMEOUT + 20
    assert [e.recipient for e in events if e.kind == dis.ALERT_EVENT_KIND_TIMED_OUT][0] == f"member:{s.in_building}"
    await cancel(api, alert_platform, alert.id)


OUTAGE = 60.0  # the brief's "webhook receiver down for a minute"


async def test_the_gateway_down_for_a_minute_loses_no_notice_and_holds_up_no_escalation(
    api: Api, alert_platform: AlertPlatform
) -> None:
    s = await scene(api, alert_platform)
    everyone = s.everyone
    alert_platform.receiver.down()
    down_at = time.monotonic()
    try:
        # Alerts keep coming while the gateway is down: at its start, a third of the way and two thirds in.
        alerts = []
        for i in range(3):
            await asyncio.sleep(max(0.0, down_at + i * OUTAGE / 3 - time.monotonic()))
            alerts.append(await raise_alert(api, alert_platform, s.building_id))

        async def escalated_to_the_street(alert_id: str) -> bool:
            return await called(api, alert_platform, alert_id) == everyone

        # The escalation runs on its timers while no notice gets through: the first two reach the street.
        for alert in alerts[:2]:
            await eventually(
                functools.partial(escalated_to_the_street, alert.id),
                timeout=OUTAGE,
                what="escalation during the outage",
            )
        assert all(alert_platform.receiver.notices(alert_id=a.id) == [] for a in alerts)
        await asyncio.sleep(max(0.0, down_at + OUTAGE - time.monotonic()))
    finally:
        alert_platform.receiver.up()
    assert time.monotonic() - down_at >= OUTAGE

    async def all_delivered(alert_id: str) -> bool:
        events = await timeline(api, alert_platform, alert_id)
        return calls(events) == everyone and len(
            [e for e in events if e.kind == dis.ALERT_EVENT_KIND_DELIVERED]
        ) == len(everyone)

    # Retries back off to 10 s apart: once the gateway is back, every notice is through within about that.
    for alert in alerts:
        await eventually(
            functools.partial(all_delivered, alert.id), timeout=45, what="every notice delivered after the outage"
        )
    for alert in alerts:
        events = await timeline(api, alert_platform, alert.id)
        assert not [e for e in events if e.kind == dis.ALERT_EVENT_KIND_DELIVERY_FAILED]
        assert [e.recipient for e in events if e.kind == dis.ALERT_EVENT_KIND_ESCALATED] == everyone[3:]
        received = alert_platform.receiver.notices("alert", alert_id=alert.id)
        assert sorted(n["recipient"] for n in received) == sorted(everyone)  # no notice lost, none twice
    keys = [
        k
        for k, n in zip(alert_platform.receiver.keys, alert_platform.receiver.taken, strict=True)
        if n["alert_id"] in {a.id for a in alerts}
    ]
    assert len(keys) == len(set(keys)) == 3 * len(everyone)

    # Answered after the outage: the others stand down, as ever.
    await alert_platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alerts[0].id, member_id=s.in_building),
        metadata=as_member(api, s.in_building, s.community_id),
    )
    await eventually(
        lambda: len(alert_platform.receiver.notices("stand_down", alert_id=alerts[0].id)) == len(everyone) - 1,
        what="stand-down notices",
    )
    for alert in alerts:
        await cancel(api, alert_platform, alert.id)
