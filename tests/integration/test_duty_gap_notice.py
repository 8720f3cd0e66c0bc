"""DutyGapNotice on Temporal's time-skipping server, its real steps sending to a real HTTP gateway on 127.0.0.1 and
dispatch's and the registry's answers stood in for: each community with an uncovered day tomorrow is told once under
its day's key; one whose notice cannot get through for six hours is given up on, and the office above is told."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from linli.dispatch.v1 import dispatch_pb2 as dis
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.dispatch.duty.contract import DutyGapNoticeInput
from tests.helpers.notice_gateway import NoticeGateway
from workflows.duty_gap_notice import DutyGapNotice
from workflows.duty_steps import DutySteps
from workflows.notices import WebhookNotifier
from workflows.wish_steps import OrgRef

ZONE = "Asia/Shanghai"
PARENTS = {"41": "30", "42": "30"}


class Uncovered:
    """Dispatch's ListUncoveredDutyDays: communities 41 and 42 have nobody on duty on the day asked for, two to a page."""

    def __init__(self) -> None:
        self.asked: list[dis.ListUncoveredDutyDaysRequest] = []

    async def ListUncoveredDutyDays(self, request: dis.ListUncoveredDutyDaysRequest, timeout: float) -> Any:
        self.asked.append(request)
        if request.page_token:
            return dis.ListUncoveredDutyDaysResponse(
                days=[dis.UncoveredDutyDay(community_id="42", date=request.start_date)]
            )
        return dis.ListUncoveredDutyDaysResponse(
            days=[dis.UncoveredDutyDay(community_id="41", date=request.start_date)], next_page_token="more"
        )


@activity.defn(name="parent_org")
async def parent_org(ref: OrgRef) -> OrgRef:
    return OrgRef(PARENTS.get(ref.org_unit_id, ""))


async def _run(env: WorkflowEnvironment, url: str, dispatch: Uncovered) -> tuple[int, str]:
    steps = DutySteps(dispatch, [WebhookNotifier(url)], ZONE)  # type: ignore[arg-type]
    queue = f"duty-{uuid.uuid4().hex[:8]}"
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[DutyGapNotice],
        activities=[steps.uncovered_tomorrow, steps.send_duty_notice, parent_org],
    ):
        handle = await env.client.start_workflow(
            DutyGapNotice.run, DutyGapNoticeInput(), id=f"duty-gap-{uuid.uuid4().hex}", task_queue=queue
        )
        told = await handle.result()
        started = (await handle.describe()).start_time
    return told, (started.astimezone(ZoneInfo(ZONE)).date() + timedelta(days=1)).isoformat()


async def test_each_community_with_an_uncovered_day_tomorrow_is_told_once_under_its_days_key(
    time_skipping_env: WorkflowEnvironment, gateway: tuple[NoticeGateway, str]
) -> None:
    receiver, url = gateway
    dispatch = Uncovered()
    told, tomorrow = await _run(time_skipping_env, url, dispatch)
    assert told == 2
    assert [(r.start_date, r.end_date) for r in dispatch.asked] == [(tomorrow, tomorrow)] * 2  # both pages read
    assert sorted(receiver.keys) == [f"duty-gap/41/{tomorrow}", f"duty-gap/42/{tomorrow}"]
    assert {n["recipient"] for n in receiver.notices("duty_uncovered")} == {"org:41", "org:42"}
    assert all(n["unit_id"] in ("41", "42") and tomorrow in n["text"] for n in receiver.taken)


async def test_a_notice_that_cannot_get_through_for_six_hours_is_given_up_and_the_office_above_told(
    time_skipping_env: WorkflowEnvironment, gateway: tuple[NoticeGateway, str]
) -> None:
    receiver, url = gateway
    receiver.unavailable_to = {"org:41"}
    told, tomorrow = await _run(time_skipping_env, url, Uncovered())
    assert told == 2
    assert [n["recipient"] for n in receiver.notices("duty_uncovered")] == ["org:42"]
    [above] = receiver.notices("duty_undelivered")
    assert above["recipient"] == "org:30" and above["key"] == f"duty-gap/41/{tomorrow}/undelivered"
    assert "community 41 could not be told in time" in above["text"]
    refused = [n for n, _ in receiver.received if n["recipient"] == "org:41"]
    assert len(refused) > 10  # retried with back-off all the while, then given up
