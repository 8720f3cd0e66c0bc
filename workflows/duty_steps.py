"""The steps of DutyGapNotice (workflows/duty_gap_notice.py): tomorrow's uncovered duty days, read from dispatch
(ListUncoveredDutyDays: the same computation as GetDutyGaps), and one office's notice of one, sent through every
sender (workflows/notices.py, the path alert, activity and wish notices take) under its idempotency key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from linli.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from temporalio import activity

from workflows.metrics import DUTY_NOTICES
from workflows.notices import Notifier, send_one_counted
from workflows.steps import TIMEOUT_SECONDS, call

_PAGE = 500


@dataclass
class UncoveredQuery:
    at: float  # the run's start (Unix time): tomorrow is the day after it in the deployment's time zone


@dataclass
class UncoveredDay:
    community_id: str
    date: str  # YYYY-MM-DD


@dataclass
class DutyNotice:
    key: str  # its idempotency key, e.g. "duty-gap/4/2026-12-08"
    purpose: str  # "duty_uncovered", or "duty_undelivered" for the office above when that could not be sent
    recipient: str  # "org:<id>"
    community_id: str
    text: str


class DutySteps:
    def __init__(self, dispatch: dispatch_pb2_grpc.DispatchServiceStub, notifiers: Sequence[Notifier], timezone: str):
        self.dispatch = dispatch
        self.notifiers = list(notifiers)
        self.zone = ZoneInfo(timezone)

    @activity.defn
    async def uncovered_tomorrow(self, query: UncoveredQuery) -> list[UncoveredDay]:
        """Every community's uncovered duty day tomorrow, the whole deployment's, page by page."""
        tomorrow = (datetime.fromtimestamp(query.at, self.zone).date() + timedelta(days=1)).isoformat()
        days: list[UncoveredDay] = []
        token = ""
        while True:
            request = dispatch_pb2.ListUncoveredDutyDaysRequest(
                start_date=tomorrow, end_date=tomorrow, page_size=_PAGE, page_token=token
            )
            page = await call(self.dispatch.ListUncoveredDutyDays(request, timeout=TIMEOUT_SECONDS))
            days += [UncoveredDay(d.community_id, d.date) for d in page.days]
            token = page.next_page_token
            if not token:
                return days

    @activity.defn
    async def send_duty_notice(self, notice: DutyNotice) -> bool:
        """Sends the notice; False when the gateway refused it for good (counted, never sent again). A gateway that
        is down fails the attempt, retried with back-off."""
        return await send_one_counted(
            self.notifiers,
            DUTY_NOTICES,
            key=notice.key,
            purpose=notice.purpose,
            recipient=notice.recipient,
            unit_id=notice.community_id,
            text=notice.text,
        )
