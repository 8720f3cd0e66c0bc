"""An activity at short notice, end to end in real time: approved, published by its workflow (the community
told), a member and a team volunteer who is not a member sign up as volunteers, check in (the member out too),
sign-ups close at the deadline, it starts, and at its end it is closed out with a summary and both volunteers'
service recorded in the registry (纪实), the team volunteer's apart; the metrics count it."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from datetime import timedelta

import grpc
import pytest
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import activities_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg

from devstack.client import Api
from devstack.stack import LocalStack
from tests.e2e.helpers.activities import until_state
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.times import from_now


async def test_an_activity_is_closed_out_and_its_volunteer_hours_recorded(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    member = await register_member(api, community.community_id, skills=(reg.SKILL_FIRST_AID,))
    team = (
        await api.registry.CreateTeam(
            reg.CreateTeamRequest(
                request_id=new_request_id(),
                org_unit_id=community.community_id,
                kind=reg.TEAM_KIND_RED_CROSS_RESCUE,
                name="红十字救护队",
            ),
            metadata=api.admin,
        )
    ).team
    volunteer = (
        await api.registry.AddTeamMember(
            reg.AddTeamMemberRequest(
                request_id=new_request_id(),
                team_id=team.id,
                volunteer=reg.ResidentVolunteer(name="何秀兰", phone="13600009999"),
            ),
            metadata=api.admin,
        )
    ).team_member
    async with stack.channel(stack.ports.dispatch) as channel:
        activities = activities_pb2_grpc.ActivityServiceStub(channel)
        proposed = (
            await activities.ProposeActivity(
                act.ProposeActivityRequest(
                    request_id=new_request_id(),
                    org_unit_id=community.community_id,
                    title="楼栋急救培训",
                    kind=act.ACTIVITY_KIND_VOLUNTEER_SERVICE,
                    place="红色驿站",
                    start_time=from_now(timedelta(seconds=8)),
                    end_time=from_now(timedelta(seconds=10)),
                    signup_deadline=from_now(timedelta(seconds=6)),
                    capacity=10,
                    roles=[act.ActivityRole(name="trainer", count=2, skills=[reg.SKILL_FIRST_AID])],
                ),
                metadata=api.admin,
            )
        ).activity
        await activities.ReviewActivity(
            act.ReviewActivityRequest(
                request_id=new_request_id(), activity_id=proposed.id, approve=act.ActivityApproval()
            ),
            metadata=api.admin,
        )
        await until_state(activities, api, proposed.id, act.ACTIVITY_STATE_PUBLISHED)
        signed = (
            await activities.SignUp(
                act.SignUpRequest(
                    request_id=new_request_id(), activity_id=proposed.id, member_id=member.id, role="trainer"
                ),
                metadata=api.admin,
            )
        ).sign_up
        as_team = act.SignUpRequest(
            request_id=new_request_id(), activity_id=proposed.id, team_id=team.id, team_member_id=volunteer.id
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:  # a team volunteer only in a volunteer role
            await activities.SignUp(as_team, metadata=api.admin)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert (refused.value.details() or "").startswith("role:")
        as_team.role = "trainer"
        helper = (await activities.SignUp(as_team, metadata=api.admin)).sign_up
        assert (helper.member_id, helper.team_id, helper.team_member_id) == ("", team.id, volunteer.id)
        assert "何" not in str(helper)  # ids only
        await activities.CheckIn(
            act.CheckInRequest(request_id=new_request_id(), activity_id=proposed.id, sign_up_id=helper.id),
            metadata=api.admin,
        )
        checked = (
            await activities.CheckIn(
                act.CheckInRequest(request_id=new_request_id(), activity_id=proposed.id, sign_up_id=signed.id),
                metadata=api.admin,
            )
        ).sign_up
        assert checked.check_in_time.seconds > 0
        # 签退: the time is kept from the first check-out; a retry changes nothing.
        left = (
            await activities.CheckOut(
                act.CheckOutRequest(request_id=new_request_id(), activity_id=proposed.id, sign_up_id=signed.id),
                metadata=api.admin,
            )
        ).sign_up
        assert left.check_out_time.ToDatetime() >= left.check_in_time.ToDatetime()
        again = (
            await activities.CheckOut(
                act.CheckOutRequest(request_id=new_request_id(), activity_id=proposed.id, sign_up_id=signed.id),
                metadata=api.admin,
            )
        ).sign_up
        assert again.check_out_time == left.check_out_time

        closed = await until_state(activities, api, proposed.id, act.ACTIVITY_STATE_CLOSED)
        assert "2 of 2 volunteers came" in closed.summary
        history = await activities.GetActivityHistory(
            act.GetActivityHistoryRequest(activity_id=proposed.id), metadata=api.admin
        )
        states = [
            act.ActivityState.Name(e.state) for e in history.events if e.kind == act.ACTIVITY_EVENT_KIND_TRANSITION
        ]
        assert states == [
            "ACTIVITY_STATE_PROPOSED",
            "ACTIVITY_STATE_APPROVED",
            "ACTIVITY_STATE_PUBLISHED",
            "ACTIVITY_STATE_SIGNUPS_CLOSED",
            "ACTIVITY_STATE_IN_PROGRESS",
            "ACTIVITY_STATE_CLOSED",
        ]
        # At short notice the day-before and hour-before reminders have passed: none is sent late. The community
        # was told of the publication, through the worker's senders (here the log), and that is recorded.
        notices = [e for e in history.events if e.kind == act.ACTIVITY_EVENT_KIND_NOTICE]
        assert [(n.notice_kind, list(n.recipients)) for n in notices] == [
            (act.ACTIVITY_NOTICE_KIND_PUBLISHED, [f"org:{community.community_id}"])
        ]
        assert notices[0].sent_time.seconds > 0 and (notices[0].delivered, notices[0].failed) == (1, 0)
        assert [(r.name, r.came) for r in closed.roles] == [("trainer", 2)]

    deadline = time.monotonic() + 30
    while True:
        summary = await api.registry.GetMemberServiceSummary(
            reg.GetMemberServiceSummaryRequest(member_id=member.id), metadata=api.admin
        )
        if summary.count:
            break
        assert time.monotonic() < deadline, "the volunteer's service was never recorded"
        await asyncio.sleep(0.2)
    assert [(t.kind, t.category, t.count) for t in summary.totals] == [
        (reg.SERVICE_KIND_ACTIVITY, "volunteer_service", 1)
    ]
    while True:
        stats = await api.registry.GetRegistryStats(
            reg.GetRegistryStatsRequest(org_unit_id=community.community_id), metadata=api.admin
        )
        if stats.team_volunteer_services:
            break
        assert time.monotonic() < deadline, "the team volunteer's service was never recorded"
        await asyncio.sleep(0.2)
    # Both came for the whole of a two-second activity: the same hours, however few.
    assert (stats.services, stats.team_volunteer_services, stats.team_volunteer_hours) == (1, 1, stats.hours)

    metrics = (
        urllib.request.urlopen(f"http://127.0.0.1:{stack.ports.dispatch_metrics}/metrics", timeout=5).read().decode()
    )
    assert 'linli_activity_check_ins_total{kind="volunteer"}' in metrics
    assert 'linli_activity_transitions_total{state="closed"}' in metrics
