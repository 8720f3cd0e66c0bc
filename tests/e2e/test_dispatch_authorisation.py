"""Who may do what in dispatch, end to end on the whole platform: retry keys that belong to one caller, workflows'
request ids nobody else can take, scope that follows a community moved to another street, notice preferences in
the caller's scope, and an alert's address revealed only for as long as a member needs it."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta

import asyncpg
import grpc
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from devstack.stack import LocalStack
from services.dispatch.activities.contract import workflow_id as activity_workflow_id
from services.dispatch.alerts.contract import workflow_id as alert_workflow_id
from services.runtime.auth import Role
from tests.e2e.helpers.activities import proposal
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import Community, make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import from_now


async def code_of(call: Awaitable[object]) -> grpc.StatusCode:
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


def system(api: Api, scope: str, subject: str = "elder-care-monitoring") -> tuple[tuple[str, str], ...]:
    return api.token(Role.SYSTEM, scope=scope, subject=subject)


async def raise_alert(api: Api, unit_id: str, caller: tuple[tuple[str, str], ...], request_id: str) -> dis.Alert:
    response = await api.dispatch.RaiseAlert(
        dis.RaiseAlertRequest(request_id=request_id, kind=dis.ALERT_KIND_FALL, unit_id=unit_id, address="2单元301"),
        metadata=caller,
    )
    return response.alert


async def cancel(api: Api, alert_id: str) -> None:
    await api.dispatch.CancelAlert(
        dis.CancelAlertRequest(request_id=new_request_id(), alert_id=alert_id, reason="测试"), metadata=api.admin
    )


async def test_a_request_id_another_caller_used_answers_nothing_of_theirs(api: Api) -> None:
    """陈仓园 and 三迪: the same monitoring system, scoped to each in turn, sends the same request id."""
    chencangyuan, sandi = await make_community(api, "陈仓园社区"), await make_community(api, "三迪社区")
    request_id = new_request_id()
    first = await raise_alert(api, chencangyuan.community_id, system(api, chencangyuan.community_id), request_id)
    again = await raise_alert(api, chencangyuan.community_id, system(api, chencangyuan.community_id), request_id)
    assert again.id == first.id  # the caller's own retry is the first answer

    theirs = await raise_alert(api, sandi.community_id, system(api, sandi.community_id), request_id)
    assert theirs.id != first.id and theirs.community_id == sandi.community_id
    # Nor does the same id under another role answer the system's alert.
    staff = api.token(Role.STAFF, scope=chencangyuan.community_id, subject="elder-care-monitoring")
    assert (await raise_alert(api, chencangyuan.community_id, staff, request_id)).id not in (first.id, theirs.id)
    for alert in (first, theirs):
        await cancel(api, alert.id)


async def test_a_staff_raise_cannot_take_its_own_dispatchs_escalation_step(api: Api) -> None:
    """Alert ids come in order and the workflow's step ids are predictable (alert-<id>/1/escalated/org:<community>):
    an alert raised under that request id must not make its own escalation answer "recorded before"."""
    place = await make_community(api)  # nobody on duty: the dispatch escalates to the community at once
    staff = api.token(Role.STAFF, scope=place.community_id, subject="staff-liu")
    alert: dis.Alert | None = None
    for _ in range(5):  # other tests raise alerts too: aim at the next id until it is ours
        probe = await raise_alert(api, place.community_id, staff, new_request_id())
        await cancel(api, probe.id)
        step = f"{alert_workflow_id(str(int(probe.id) + 1))}/1/escalated/org:{place.community_id}"
        candidate = await raise_alert(api, place.community_id, staff, step)
        if candidate.id == str(int(probe.id) + 1):
            alert = candidate
            break
        await cancel(api, candidate.id)
    assert alert is not None, "never got the alert id aimed at"

    async def escalated() -> bool:
        found = await api.dispatch.GetAlert(dis.GetAlertRequest(alert_id=alert.id), metadata=api.admin)
        return found.alert.escalation == dis.ESCALATION_LEVEL_COMMUNITY_STAFF

    await eventually(escalated, "the escalation to the community's staff, recorded on the alert")
    await cancel(api, alert.id)


async def approved_by_street(
    activities: activities_pb2_grpc.ActivityServiceStub, api: Api, place: Community, request_id: str
) -> str:
    proposed = (await activities.ProposeActivity(proposal(place, capacity=50, roles=[]), metadata=api.admin)).activity
    await activities.ReviewActivity(
        act.ReviewActivityRequest(
            request_id=request_id.format(activity=activity_workflow_id(proposed.id)),
            activity_id=proposed.id,
            approve=act.ActivityApproval(),
        ),
        metadata=api.token(Role.STAFF, scope=place.street_id, subject="staff-street"),
    )
    return proposed.id


async def test_a_reviewer_cannot_keep_an_approved_activity_from_being_published_with_its_workflows_request_id(
    api: Api, activities: activities_pb2_grpc.ActivityServiceStub
) -> None:
    place = await make_community(api)
    activity_id = await approved_by_street(activities, api, place, "{activity}/publish")

    async def published() -> bool:
        found = await activities.GetActivity(act.GetActivityRequest(activity_id=activity_id), metadata=api.admin)
        return found.activity.state == act.ACTIVITY_STATE_PUBLISHED

    await eventually(published, "the workflow publishing the approved activity")


async def test_a_cancellation_under_the_workflows_notice_id_still_tells_everyone_signed_up(
    api: Api, activities: activities_pb2_grpc.ActivityServiceStub
) -> None:
    place = await make_community(api)
    activity_id = await approved_by_street(activities, api, place, "{activity}/approve")

    async def published() -> bool:
        found = await activities.GetActivity(act.GetActivityRequest(activity_id=activity_id), metadata=api.admin)
        return found.activity.state == act.ACTIVITY_STATE_PUBLISHED

    await eventually(published, "publication")
    await activities.SignUp(
        act.SignUpRequest(request_id=new_request_id(), activity_id=activity_id, resident_ref="hotline-0042"),
        metadata=api.admin,
    )
    await activities.CancelActivity(
        act.CancelActivityRequest(
            request_id=f"{activity_workflow_id(activity_id)}/cancelled", activity_id=activity_id, reason="暴雨预警"
        ),
        metadata=api.token(Role.STAFF, scope=place.community_id, subject="staff-community"),
    )

    async def told() -> bool:
        history = await activities.GetActivityHistory(
            act.GetActivityHistoryRequest(activity_id=activity_id, page_size=200), metadata=api.admin
        )
        return any(
            e.notice_kind == act.ACTIVITY_NOTICE_KIND_CANCELLED and "resident:hotline-0042" in e.recipients
            for e in history.events
        )

    await eventually(told, "the cancellation notice to the resident signed up")


async def test_a_community_moved_to_another_street_is_in_the_new_streets_scope_and_out_of_the_old(
    api: Api, activities: activities_pb2_grpc.ActivityServiceStub
) -> None:
    place = await make_community(api)
    district = (
        await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=place.street_id), metadata=api.admin)
    ).org_unit.parent_id
    new_street = await api.registry.CreateOrgUnit(
        reg.CreateOrgUnitRequest(
            request_id=new_request_id(), parent_id=district, kind=reg.ORG_UNIT_KIND_STREET, name="渭滨街道"
        ),
        metadata=api.admin,
    )
    old_staff = api.token(Role.STAFF, scope=place.street_id, subject="staff-old-street")
    new_staff = api.token(Role.STAFF, scope=new_street.org_unit.id, subject="staff-new-street")
    old_system = system(api, place.street_id)
    retried = new_request_id()
    alert = await raise_alert(api, place.grid_id, old_system, retried)
    activity = (await activities.ProposeActivity(proposal(place, capacity=50, roles=[]), metadata=api.admin)).activity
    template = proposal(place, capacity=50, roles=[])
    for name in ("request_id", "start_time", "end_time", "signup_deadline"):
        template.ClearField(name)
    recurring = (
        await activities.CreateRecurringActivity(
            act.CreateRecurringActivityRequest(
                request_id=new_request_id(),
                recurring_activity=act.RecurringActivity(
                    template=template, every_days=3, lead_hours=48, duration_minutes=60
                ),
            ),
            metadata=api.admin,
        )
    ).recurring_activity
    period = {"start_time": from_now(-timedelta(hours=1)), "end_time": from_now(timedelta(hours=1))}

    def reads(caller: tuple[tuple[str, str], ...]) -> list[Awaitable[object]]:
        return [
            api.dispatch.GetAlert(dis.GetAlertRequest(alert_id=alert.id), metadata=caller),
            activities.GetActivity(act.GetActivityRequest(activity_id=activity.id), metadata=caller),
            activities.GetActivityHistory(act.GetActivityHistoryRequest(activity_id=activity.id), metadata=caller),
            activities.GetRecurringActivity(
                act.GetRecurringActivityRequest(recurring_activity_id=recurring.id), metadata=caller
            ),
        ]

    for call in reads(old_staff):
        assert await code_of(call) == grpc.StatusCode.OK
    for call in reads(new_staff):
        assert await code_of(call) == grpc.StatusCode.PERMISSION_DENIED

    await api.registry.MoveOrgUnit(
        reg.MoveOrgUnitRequest(
            request_id=new_request_id(), org_unit_id=place.community_id, new_parent_id=new_street.org_unit.id
        ),
        metadata=api.admin,
    )

    async def moved_for_scope() -> bool:  # the org directory keeps the tree for a few seconds
        codes = [await code_of(call) for call in reads(new_staff)]
        return codes == [grpc.StatusCode.OK] * len(codes)

    await eventually(moved_for_scope, "the new street's staff reading the community's alert and activities")
    for call in reads(old_staff):
        assert await code_of(call) == grpc.StatusCode.PERMISSION_DENIED
    # Acting, not only reading: the new street reviews the community's activity (its parent org now), the old may not.
    review = act.ReviewActivityRequest(
        request_id=new_request_id(), activity_id=activity.id, approve=act.ActivityApproval()
    )
    assert await code_of(activities.ReviewActivity(review, metadata=old_staff)) == grpc.StatusCode.PERMISSION_DENIED
    assert await code_of(activities.ReviewActivity(review, metadata=new_staff)) == grpc.StatusCode.OK
    cancel_by_old = dis.CancelAlertRequest(request_id=new_request_id(), alert_id=alert.id, reason="x")
    assert (
        await code_of(api.dispatch.CancelAlert(cancel_by_old, metadata=old_staff)) == grpc.StatusCode.PERMISSION_DENIED
    )
    # A retry of the old street's own raise is answered as a fresh raise would be: no longer in its scope.
    assert await code_of(raise_alert(api, place.grid_id, old_system, retried)) == grpc.StatusCode.PERMISSION_DENIED

    # Counted under the street the community is in now.
    alert_stats = await api.dispatch.GetAlertStats(
        dis.GetAlertStatsRequest(org_unit_id=new_street.org_unit.id), metadata=new_staff
    )
    activity_stats = await activities.GetActivityStats(
        act.GetActivityStatsRequest(org_unit_id=new_street.org_unit.id, **period), metadata=new_staff
    )
    assert (alert_stats.raised, activity_stats.proposed) == (1, 1)
    assert (
        await code_of(
            api.dispatch.GetAlertStats(dis.GetAlertStatsRequest(org_unit_id=new_street.org_unit.id), metadata=old_staff)
        )
        == grpc.StatusCode.PERMISSION_DENIED
    )
    old_alert_stats = await api.dispatch.GetAlertStats(
        dis.GetAlertStatsRequest(org_unit_id=place.street_id), metadata=old_staff
    )
    assert old_alert_stats.raised == 0
    await cancel(api, alert.id)


async def test_a_notice_preference_is_set_only_for_a_recipient_in_the_callers_scope(
    api: Api, activities: activities_pb2_grpc.ActivityServiceStub
) -> None:
    ours, theirs = await make_community(api), await make_community(api)
    member = await register_member(api, theirs.grid_id, name="钱芳")
    published_id = await approved_by_street(activities, api, theirs, "{activity}/review")
    await eventually(
        lambda: _in_state(activities, api, published_id, act.ACTIVITY_STATE_PUBLISHED), "the activity published"
    )
    await activities.SignUp(
        act.SignUpRequest(request_id=new_request_id(), activity_id=published_id, resident_ref="app-4711"),
        metadata=api.admin,
    )

    def preference(recipient: str) -> act.SetNoticePreferenceRequest:
        return act.SetNoticePreferenceRequest(request_id=new_request_id(), recipient=recipient, daily_digest=False)

    recipients = (f"member:{member.id}", f"org:{theirs.community_id}", "resident:app-4711")
    for caller in (api.token(Role.ADMIN, scope=ours.street_id), system(api, ours.street_id, "community-app")):
        for recipient in recipients:
            code = await code_of(activities.SetNoticePreference(preference(recipient), metadata=caller))
            assert code == grpc.StatusCode.PERMISSION_DENIED, recipient
    for caller in (api.token(Role.ADMIN, scope=theirs.street_id), system(api, theirs.community_id, "community-app")):
        for recipient in recipients:
            answer = await activities.SetNoticePreference(preference(recipient), metadata=caller)
            assert answer.recipient == recipient

    # Nor does another system read an activity outside its scope (not yet published: nobody's notice board).
    proposed = (await activities.ProposeActivity(proposal(theirs, capacity=50, roles=[]), metadata=api.admin)).activity
    read = act.GetActivityRequest(activity_id=proposed.id)
    assert await code_of(activities.GetActivity(read, metadata=system(api, ours.street_id))) == (
        grpc.StatusCode.PERMISSION_DENIED
    )
    assert await code_of(activities.GetActivity(read, metadata=system(api, theirs.street_id))) == grpc.StatusCode.OK


async def _in_state(
    activities: activities_pb2_grpc.ActivityServiceStub, api: Api, activity_id: str, state: int
) -> bool:
    found = await activities.GetActivity(act.GetActivityRequest(activity_id=activity_id), metadata=api.admin)
    return found.activity.state == state


async def test_a_called_member_reads_the_address_while_the_alert_is_open_and_not_after_its_window(
    api: Api, stack: LocalStack
) -> None:
    place = await make_community(api)
    volunteer = (await register_member(api, place.grid_id, name="李楼")).id
    bystander = (await register_member(api, place.grid_id, name="赵格")).id  # in the community, never called
    await api.dispatch.SetWeeklyDutyPattern(
        dis.SetWeeklyDutyPatternRequest(
            request_id=new_request_id(),
            community_id=place.community_id,
            slots=[dis.WeeklyDutySlot(weekday=d, slot=dis.DutySlot(member_id=volunteer)) for d in range(1, 8)],
        ),
        metadata=api.admin,
    )
    alert = await raise_alert(api, place.grid_id, system(api, place.community_id), new_request_id())
    as_volunteer = api.token(Role.MEMBER, scope=place.community_id, subject=volunteer)
    as_bystander = api.token(Role.MEMBER, scope=place.community_id, subject=bystander)
    reveal = dis.GetAlertRequest(alert_id=alert.id, reveal_personal_data=True)

    async def called() -> bool:
        found = await api.dispatch.GetAlert(dis.GetAlertRequest(alert_id=alert.id), metadata=api.admin)
        return any(
            e.kind == dis.ALERT_EVENT_KIND_CALLED and e.recipient == f"member:{volunteer}" for e in found.timeline
        )

    await eventually(called, "the volunteer on duty called")
    assert (await api.dispatch.GetAlert(reveal, metadata=as_volunteer)).alert.address == "2单元301"
    assert await code_of(api.dispatch.GetAlert(reveal, metadata=as_bystander)) == grpc.StatusCode.PERMISSION_DENIED

    await api.dispatch.AcknowledgeAlert(
        dis.AcknowledgeAlertRequest(request_id=new_request_id(), alert_id=alert.id, member_id=volunteer),
        metadata=as_volunteer,
    )
    await api.dispatch.ResolveAlert(
        dis.ResolveAlertRequest(
            request_id=new_request_id(), alert_id=alert.id, outcome=dis.ALERT_OUTCOME_HELPED_ON_SITE
        ),
        metadata=as_volunteer,
    )
    # Resolved a moment ago: the responder may still find the door (a follow-up visit).
    assert (await api.dispatch.GetAlert(reveal, metadata=as_volunteer)).alert.personal_data_revealed

    conn = await asyncpg.connect(stack.database_url)
    try:
        # A day and an hour on (its recorded end moved back): the window has closed.
        await conn.execute(
            "update dispatch.alerts set closed_at = now() - interval '25 hours' where id = $1", int(alert.id)
        )
        reveals = await conn.fetchval(
            """select count(*) from dispatch.audit_log
               where action = 'reveal_alert_personal_data' and subject_id = $1 and actor = $2""",
            alert.id,
            volunteer,
        )
    finally:
        await conn.close()
    assert reveals == 2  # each read in the clear was audited
    assert await code_of(api.dispatch.GetAlert(reveal, metadata=as_volunteer)) == grpc.StatusCode.PERMISSION_DENIED
    masked = await api.dispatch.GetAlert(dis.GetAlertRequest(alert_id=alert.id), metadata=as_volunteer)
    assert not masked.alert.personal_data_revealed and masked.alert.address != "2单元301"
