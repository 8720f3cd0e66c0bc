"""Emergency alerts end to end, on a dispatch service and a worker of their own (short time-outs, notices to a real
HTTP receiver on loopback) beside the main stack's registry: the nearest volunteer on duty called first, escalation
to the next, to staff and the street when nobody answers, the first answer winning, volunteers away and team
volunteers, one alert however often it is raised, and bad requests named by field."""

from __future__ import annotations

import asyncio
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from services.runtime.auth import Role
from tests.e2e.helpers.alerts import ACK_TIMEOUT, AlertPlatform, as_member, called, cancel, raise_alert, scene, timeline
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import register_member
from tests.e2e.helpers.ids import new_request_id


async def test_the_nearest_volunteer_is_called_first_answers_and_the_service_is_recorded(
    api: Api, alert_platform: AlertPlatform
) -> None:
    s = await scene(api, alert_platform)
    alert = await raise_alert(api, alert_platform, s.building_id)
    assert alert.state == dis.ALERT_STATE_RAISED and alert.community_id == s.community_id

    await eventually(lambda: alert_platform.receiver.notices("alert", alert_id=alert.id), what="the first notice")
    first = alert_platform.receiver.notices("alert", alert_id=alert.id)[0]
    assert first["recipient"] == f"member:{s.in_building}"  # nearest, though rostered last
    assert first["address"] == "2单元301" and first["alert_kind"] == "fall"

    me = as_member(api, s.in_building, s.community_id)
    acked = await alert_platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id, member_id=s.in_building),
        metadata=me,
    )
    assert acked.alert.state == dis.ALERT_STATE_ACKNOWLEDGED and acked.alert.responder == f"member:{s.in_building}"
    await alert_platform.dispatch.ArriveAlert(
        dis.ArriveAlertRequest(request_id=new_request_id(), alert_id=alert.id), metadata=me
    )
    resolved = await alert_platform.dispatch.ResolveAlert(
        dis.ResolveAlertRequest(
            request_id=new_request_id(), alert_id=alert.id, outcome=dis.ALERT_OUTCOME_TAKEN_TO_HOSPITAL, note="送医"
        ),
        metadata=me,
    )
    assert resolved.alert.state == dis.ALERT_STATE_RESOLVED
    assert resolved.alert.outcome == dis.ALERT_OUTCOME_TAKEN_TO_HOSPITAL

    async def service_recorded() -> bool:
        return any(
            e.kind == dis.ALERT_EVENT_KIND_SERVICE_RECORDED for e in await timeline(api, alert_platform, alert.id)
        )

    await eventually(service_recorded, what="the responder's service record")
    summary = await api.registry.GetMemberServiceSummary(
        reg.GetMemberServiceSummaryRequest(member_id=s.in_building), metadata=api.admin
    )
    assert [(t.kind, t.category, t.count) for t in summary.totals] == [(reg.SERVICE_KIND_ALERT, "fall", 1)]
    assert summary.hours >= 0.25

    kinds = [e.kind for e in await timeline(api, alert_platform, alert.id)]
    assert kinds[:2] == [dis.ALERT_EVENT_KIND_RAISED, dis.ALERT_EVENT_KIND_CALLED]

    metrics = await asyncio.to_thread(
        lambda: (
            urllib.request.urlopen(f"http://127.0.0.1:{alert_platform.metrics_port}/metrics", timeout=5).read().decode()
        )
    )
    for line in (
        'linli_alerts_raised_total{kind="fall"}',
        'linli_alerts_acknowledged_total{kind="fall"}',
        'linli_alerts_resolved_total{outcome="taken_to_hospital"}',
        "linli_alert_acknowledge_seconds_count",
    ):
        assert any(m.startswith(line) and float(m.split()[-1]) >= 1 for m in metrics.splitlines()), line
    for kind in (dis.ALERT_EVENT_KIND_DELIVERED, dis.ALERT_EVENT_KIND_ACKNOWLEDGED, dis.ALERT_EVENT_KIND_ARRIVED):
        assert kind in kinds
    assert kinds.index(dis.ALERT_EVENT_KIND_RESOLVED) < kinds.index(dis.ALERT_EVENT_KIND_SERVICE_RECORDED)


async def test_nobody_answering_escalates_to_the_next_volunteers_then_staff_then_the_street_and_first_answer_wins(
    api: Api, alert_platform: AlertPlatform
) -> None:
    s = await scene(api, alert_platform)
    alert = await raise_alert(api, alert_platform, s.building_id)
    everyone = s.everyone

    async def reached_the_street() -> bool:
        return await called(api, alert_platform, alert.id) == everyone

    await eventually(reached_the_street, timeout=60, what="escalation to the street")
    events = await timeline(api, alert_platform, alert.id)
    call_times = [e.time.ToDatetime() for e in events if e.kind == dis.ALERT_EVENT_KIND_CALLED]
    for earlier, later in zip(call_times, call_times[1:], strict=False):
        # Each waited out its time-out (calls are stamped when their send activity first runs, hence the slack).
        assert (later - earlier).total_seconds() >= ACK_TIMEOUT - 1.0
    escalations = [e.recipient for e in events if e.kind == dis.ALERT_EVENT_KIND_ESCALATED]
    assert escalations == [f"org:{s.community_id}", f"org:{s.street_id}"]

    # The grid volunteer answers late but first; the building volunteer, answering next, is told to stand down.
    won = await alert_platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id, member_id=s.in_grid),
        metadata=as_member(api, s.in_grid, s.community_id),
    )
    assert won.alert.responder == f"member:{s.in_grid}"
    assert won.alert.escalation == dis.ESCALATION_LEVEL_STREET
    with pytest.raises(grpc.aio.AioRpcError) as lost:
        await alert_platform.dispatch.AcknowledgeAlert(
            dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id, member_id=s.in_building),
            metadata=as_member(api, s.in_building, s.community_id),
        )
    assert lost.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"acknowledged by member:{s.in_grid}" in (lost.value.details() or "")

    def stood_down() -> list[str]:
        return sorted(n["recipient"] for n in alert_platform.receiver.notices("stand_down", alert_id=alert.id))

    await eventually(lambda: len(stood_down()) == 4, what="stand-down notices")
    assert stood_down() == sorted(r for r in everyone if r != f"member:{s.in_grid}")

    stats = await alert_platform.dispatch.GetAlertStats(
        dis.GetAlertStatsRequest(org_unit_id=s.community_id), metadata=api.admin
    )
    assert (stats.raised, stats.acknowledged, stats.escalated, stats.resolved) == (1, 1, 1, 0)
    assert stats.median_seconds_to_acknowledge >= 4 * ACK_TIMEOUT
    await cancel(api, alert_platform, alert.id)


async def test_a_volunteer_away_is_not_called_and_a_team_volunteer_on_duty_is_and_may_answer(
    api: Api, alert_platform: AlertPlatform
) -> None:
    s = await scene(api, alert_platform)
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
        await alert_platform.dispatch.SetDutyRoster(
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
    await alert_platform.dispatch.DeclareUnavailability(
        dis.DeclareUnavailabilityRequest(
            request_id=new_request_id(),
            community_id=s.community_id,
            member_id=s.in_building,
            end_time=later,
            reason="出差",
        ),
        metadata=as_member(api, s.in_building, s.community_id),
    )
    alert = await raise_alert(api, alert_platform, s.building_id)

    async def volunteer_called() -> bool:
        return len(await called(api, alert_platform, alert.id)) >= 3

    await eventually(volunteer_called, what="the team volunteer's call")
    assert (await called(api, alert_platform, alert.id))[:3] == [
        f"member:{s.in_grid}",
        f"member:{s.in_community}",
        f"volunteer:{volunteer}",
    ]
    # Staff answer for the volunteer, who has no linli account.
    acked = await alert_platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id, team_member_id=volunteer),
        metadata=api.token(Role.STAFF, scope=s.community_id, subject="staff-wang"),
    )
    assert acked.alert.responder == f"volunteer:{volunteer}"
    # Their service counts (纪实), apart from the members'.
    await alert_platform.dispatch.ResolveAlert(
        dis.ResolveAlertRequest(
            request_id=new_request_id(), alert_id=alert.id, outcome=dis.ALERT_OUTCOME_HELPED_ON_SITE
        ),
        metadata=api.token(Role.STAFF, scope=s.community_id, subject="staff-wang"),
    )

    async def service_recorded() -> bool:
        return any(
            e.kind == dis.ALERT_EVENT_KIND_SERVICE_RECORDED and e.recipient == f"volunteer:{volunteer}"
            for e in await timeline(api, alert_platform, alert.id)
        )

    await eventually(service_recorded, what="the team volunteer's service record")
    stats = await api.registry.GetRegistryStats(
        reg.GetRegistryStatsRequest(org_unit_id=s.community_id), metadata=api.admin
    )
    assert (stats.team_volunteer_services, stats.services) == (1, 0)
    assert stats.team_volunteer_hours >= 0.25


async def test_the_same_alert_raised_ten_times_is_one_alert(api: Api, alert_platform: AlertPlatform) -> None:
    s = await scene(api, alert_platform)
    request_id = new_request_id()
    alerts = await asyncio.gather(*(raise_alert(api, alert_platform, s.grid_id, request_id) for _ in range(10)))
    assert len({a.id for a in alerts}) == 1
    alert_id = alerts[0].id
    await eventually(lambda: alert_platform.receiver.notices("alert", alert_id=alert_id), what="the first notice")
    events = await timeline(api, alert_platform, alert_id)
    assert [e.kind for e in events].count(dis.ALERT_EVENT_KIND_RAISED) == 1
    stats = await alert_platform.dispatch.GetAlertStats(
        dis.GetAlertStatsRequest(org_unit_id=s.grid_id), metadata=api.admin
    )
    assert stats.raised == 1
    # Nearest first: the grid volunteer and the building volunteer (inside the grid) share the grid.
    assert alert_platform.receiver.notices("alert", alert_id=alert_id)[0]["recipient"] in (
        f"member:{s.in_grid}",
        f"member:{s.in_building}",
    )
    await cancel(api, alert_platform, alert_id)


async def test_bad_alert_requests_are_refused_with_the_field_named(api: Api, alert_platform: AlertPlatform) -> None:
    s = await scene(api, alert_platform)

    async def refused(call: object, code: grpc.StatusCode, field: str) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await call  # type: ignore[misc]
        assert error.value.code() == code, error.value.details()
        assert (error.value.details() or "").startswith(f"{field}:") or field == "", error.value.details()

    system = api.token(Role.SYSTEM, subject="elder-care-monitoring")
    await refused(
        alert_platform.dispatch.RaiseAlert(
            dis.RaiseAlertRequest(request_id="r1", unit_id=s.building_id), metadata=system
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "kind",
    )
    await refused(
        alert_platform.dispatch.RaiseAlert(
            dis.RaiseAlertRequest(request_id="r2", kind=dis.ALERT_KIND_FIRE, unit_id=s.street_id), metadata=system
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "unit_id",
    )
    await refused(
        alert_platform.dispatch.RaiseAlert(
            dis.RaiseAlertRequest(request_id="r3", kind=dis.ALERT_KIND_FIRE, unit_id="99999999"), metadata=system
        ),
        grpc.StatusCode.NOT_FOUND,
        "unit_id",
    )
    await refused(
        alert_platform.dispatch.GetAlert(dis.GetAlertRequest(alert_id="99999999999"), metadata=api.admin),
        grpc.StatusCode.NOT_FOUND,
        "alert_id",
    )
    off_duty = (await register_member(api, s.building_id, name="冯休")).id  # lives nearest, but not on duty
    alert = await raise_alert(api, alert_platform, s.building_id)
    await eventually(lambda: alert_platform.receiver.notices("alert", alert_id=alert.id), what="the first notice")
    await refused(
        alert_platform.dispatch.AcknowledgeAlert(
            dis.AcknowledgeAlertRequest(request_id="a1", alert_id=alert.id, member_id=s.in_grid),
            metadata=as_member(api, s.in_building, s.community_id),
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "member_id",
    )
    await refused(
        alert_platform.dispatch.AcknowledgeAlert(
            dis.AcknowledgeAlertRequest(request_id="a2", alert_id=alert.id, member_id=off_duty),
            metadata=as_member(api, off_duty, s.community_id),
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "member_id",
    )
    await refused(
        alert_platform.dispatch.ResolveAlert(
            dis.ResolveAlertRequest(request_id="x1", alert_id=alert.id), metadata=api.admin
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "outcome",
    )
    await refused(
        alert_platform.dispatch.ArriveAlert(
            dis.ArriveAlertRequest(request_id="x2", alert_id=alert.id), metadata=api.admin
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "",
    )
    await refused(
        alert_platform.dispatch.RecordAlertEvent(
            dis.RecordAlertEventRequest(request_id="e1", alert_id=alert.id, kind=dis.ALERT_EVENT_KIND_CALLED),
            metadata=api.admin,
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "",
    )
    # Staff answering themselves, with no member named.
    staffed = await alert_platform.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id),
        metadata=api.token(Role.STAFF, scope=s.community_id, subject="staff-wang"),
    )
    assert staffed.alert.responder == "staff:staff-wang"
    await cancel(api, alert_platform, alert.id)
