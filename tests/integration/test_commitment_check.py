"""CommitmentCheck on Temporal's time-skipping server, its real steps sending to a real HTTP gateway on 127.0.0.1 and
the registry's answers stood in for: every member whose service commitment lags is reminded once under the year's
key, every community's office is told how many of its members lag; a reminder that cannot get through for six hours
is given up on and the member's office told."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from linli.registry.v1 import commitments_pb2 as com
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.registry.commitments.contract import CommitmentCheckInput
from tests.helpers.notice_gateway import NoticeGateway
from workflows.commitment_check import CommitmentCheck
from workflows.commitment_steps import CommitmentSteps
from workflows.notices import WebhookNotifier
from workflows.wish_steps import OrgRef

ZONE = "Asia/Shanghai"


def _lagging(member_id: str, community_id: str) -> com.LaggingCommitment:
    return com.LaggingCommitment(
        commitment=com.ServiceCommitment(member_id=member_id, services=12, hours=40.0),
        progress=com.CommitmentProgress(services_done=2, hours_done=3.5, standing=com.COMMITMENT_STANDING_LAGGING),
        community_id=community_id,
    )


class Registry:
    """The registry's ListLaggingCommitments: members 11 and 12 of community 41 and 13 of 42 lag, over two pages."""

    def __init__(self) -> None:
        self.asked: list[com.ListLaggingCommitmentsRequest] = []

    async def ListLaggingCommitments(self, request: com.ListLaggingCommitmentsRequest, timeout: float) -> Any:
        self.asked.append(request)
        if request.page_token:
            return com.ListLaggingCommitmentsResponse(commitments=[_lagging("12", "41"), _lagging("13", "42")])
        return com.ListLaggingCommitmentsResponse(commitments=[_lagging("11", "41")], next_page_token="more")


@activity.defn(name="parent_org")
async def parent_org(ref: OrgRef) -> OrgRef:
    return OrgRef("30")


async def _run(env: WorkflowEnvironment, url: str, registry: Registry) -> tuple[int, int]:
    steps = CommitmentSteps(registry, [WebhookNotifier(url)], ZONE)  # type: ignore[arg-type]
    queue = f"commitments-{uuid.uuid4().hex[:8]}"
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[CommitmentCheck],
        activities=[steps.lagging_commitments, steps.send_commitment_notice, parent_org],
    ):
        handle = await env.client.start_workflow(
            CommitmentCheck.run, CommitmentCheckInput(), id=f"commitment-check-{uuid.uuid4().hex}", task_queue=queue
        )
        lagging = await handle.result()
        started = (await handle.describe()).start_time
    return lagging, started.astimezone(ZoneInfo(ZONE)).year


async def test_each_lagging_member_is_reminded_and_each_office_told_how_many_lag_once_a_year(
    time_skipping_env: WorkflowEnvironment, gateway: tuple[NoticeGateway, str]
) -> None:
    receiver, url = gateway
    registry = Registry()
    lagging, year = await _run(time_skipping_env, url, registry)
    assert lagging == 3
    assert [(r.year, r.page_token) for r in registry.asked] == [
        (year, ""),
        (year, "more"),
    ]  # the run's year, both pages
    assert sorted(receiver.keys) == sorted(
        [f"commitment-check/{year}/member:{m}" for m in ("11", "12", "13")]
        + [f"commitment-check/{year}/org:{c}" for c in ("41", "42")]
    )
    reminders = {n["recipient"]: n for n in receiver.notices("commitment_lagging") if n["recipient"].startswith("m")}
    assert set(reminders) == {"member:11", "member:12", "member:13"}
    assert "2 of 12 services; 3.5 of 40 hours" in reminders["member:11"]["text"]
    offices = {n["recipient"]: n["text"] for n in receiver.notices("commitment_lagging") if n["recipient"][0] == "o"}
    assert offices["org:41"].startswith("2 member(s) of community 41") and offices["org:42"].startswith("1 member(s)")


async def test_a_reminder_that_cannot_get_through_for_six_hours_is_given_up_and_the_office_told(
    time_skipping_env: WorkflowEnvironment, gateway: tuple[NoticeGateway, str]
) -> None:
    receiver, url = gateway
    receiver.unavailable_to = {"member:13"}
    lagging, year = await _run(time_skipping_env, url, Registry())
    assert lagging == 3
    [undelivered] = receiver.notices("commitment_undelivered")
    assert undelivered["recipient"] == "org:42"
    assert undelivered["key"] == f"commitment-check/{year}/member:13/undelivered"
    assert "member 13 could not be reminded" in undelivered["text"]
    assert len([n for n, _ in receiver.received if n["recipient"] == "member:13"]) > 10  # retried all the while
