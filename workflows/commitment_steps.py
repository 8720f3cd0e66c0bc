"""The steps of CommitmentCheck (workflows/commitment_check.py): a page of the year's lagging service commitments,
read from the registry (ListLaggingCommitments), and one notice to one recipient, sent through every sender
(workflows/notices.py, the path every notice takes) under its idempotency key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from linli.registry.v1 import commitments_pb2, registry_pb2_grpc
from temporalio import activity

from workflows.metrics import COMMITMENT_NOTICES
from workflows.notices import Notifier, send_one_counted
from workflows.steps import TIMEOUT_SECONDS, call

_PAGE = 500


@dataclass
class LaggingQuery:
    at: float  # the run's start (Unix time): its year in the deployment's time zone, when `year` is 0
    year: int = 0
    page_token: str = ""


@dataclass
class LaggingMember:
    """Ids and figures only: no name or contact of the member enters the workflow's history."""

    member_id: str
    community_id: str
    services: int = 0
    services_done: int = 0
    hours: float = 0.0
    hours_done: float = 0.0
    post_id: str = ""
    post_held: bool = False


@dataclass
class LaggingPage:
    year: int
    members: list[LaggingMember] = field(default_factory=list)
    next_page_token: str = ""


@dataclass
class CommitmentNotice:
    key: str  # its idempotency key, e.g. "commitment-check/2026/member:12"
    purpose: str  # "commitment_lagging", or "commitment_undelivered" to the office when one could not be sent
    recipient: str  # "member:<id>" or "org:<id>"
    unit_id: str  # the community
    text: str


class CommitmentSteps:
    def __init__(self, registry: registry_pb2_grpc.RegistryServiceStub, notifiers: Sequence[Notifier], timezone: str):
        self.registry = registry
        self.notifiers = list(notifiers)
        self.zone = ZoneInfo(timezone)

    @activity.defn
    async def lagging_commitments(self, query: LaggingQuery) -> LaggingPage:
        """One page of the year's commitments that lag (a page may be short, even empty, with more to follow)."""
        year = query.year or datetime.fromtimestamp(query.at, self.zone).year
        request = commitments_pb2.ListLaggingCommitmentsRequest(year=year, page_size=_PAGE, page_token=query.page_token)
        page = await call(self.registry.ListLaggingCommitments(request, timeout=TIMEOUT_SECONDS))
        members = [
            LaggingMember(
                member_id=c.commitment.member_id,
                community_id=c.community_id,
                services=c.commitment.services,
                services_done=c.progress.services_done,
                hours=c.commitment.hours,
                hours_done=c.progress.hours_done,
                post_id=c.commitment.post_id,
                post_held=c.progress.post_held,
            )
            for c in page.commitments
        ]
        return LaggingPage(year, members, page.next_page_token)

    @activity.defn
    async def send_commitment_notice(self, notice: CommitmentNotice) -> bool:
        """Sends the notice; False when the gateway refused it for good (counted, never sent again). A gateway that
        is down fails the attempt, retried with back-off."""
        return await send_one_counted(
            self.notifiers,
            COMMITMENT_NOTICES,
            key=notice.key,
            purpose=notice.purpose,
            recipient=notice.recipient,
            unit_id=notice.unit_id,
            text=notice.text,
        )
