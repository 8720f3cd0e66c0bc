"""Sending a wish's notices (a Temporal activity, a step of WishLifecycle): its reminders and escalations to offices
and claimants, and its news to the resident, through every sender (workflows/notices.py, the same path as alert and
activity notices).

What a notice says and whom it reaches is recorded before it is sent: a reminder or escalation in the wish's history
(RecordReminder), a resident's news as the transition it tells of. Recipients are references ("org:5",
"member:12", "resident:<wish id>"); the gateway resolves them, so no contact ever enters Temporal's history. Each
recipient's notice carries its own idempotency key; the recipients already reached ride in the attempt's heartbeat,
so a retry sends only to the rest, and the key lets the gateway drop a repeat of one it took just before a crash."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from linli.dispatch.v1 import activities_pb2, activities_pb2_grpc
from temporalio import activity

from services.runtime.enums import name_of
from workflows.metrics import WISH_NOTICES
from workflows.notices import GatewayRefused, Notice, Notifier, raise_first_failure, send_through
from workflows.steps import TIMEOUT_SECONDS, call


@dataclass
class WishNotice:
    key: str  # the request id of what it tells of, e.g. "wish-7/v3/escalation-2"; each recipient's key adds theirs
    wish_id: str
    purpose: str  # "wish_reminder", "wish_escalation", "wish_claim_due", "wish_published", ... (docs/wishes.md)
    text: str
    recipients: list[str] = field(default_factory=list)
    unit_id: str = ""
    # Lapses, escalations and give-ups go at once; other notices wait for a recipient's daily digest if asked.
    urgent: bool = False


@dataclass
class WishNoticeOutcome:
    delivered: int
    refused: int


class WishNoticeSteps:
    def __init__(
        self,
        activities: activities_pb2_grpc.ActivityServiceStub,
        notifiers: Sequence[Notifier],
        daily_caps: Mapping[str, int],
    ) -> None:
        self.activities = activities  # dispatch: each recipient's digest preference and the purposes' daily caps
        self.notifiers = list(notifiers)
        self.daily_caps = dict(daily_caps)  # purpose -> notices a day to one recipient at most ("wish_recommended")

    @activity.defn
    async def send_wish_notice(self, notice: WishNotice) -> WishNoticeOutcome:
        """Sends the notice to each recipient not reached by an earlier attempt; fails the attempt (to be retried
        with back-off) while the gateway is down, after noting in the heartbeat whom it did reach."""
        details = activity.info().heartbeat_details
        done: list[str] = list(details[0]) if details else []
        pending = [r for r in notice.recipients if r not in done]
        routes = await self._routes(notice, pending)
        held = [r for r in pending if routes[r] == "held"]
        capped = [r for r in pending if routes[r] == "capped"]
        pending = [r for r in pending if routes[r] == "send"]
        results = await asyncio.gather(*(self._send_one(notice, r) for r in pending), return_exceptions=True)
        delivered = [r for r, error in zip(pending, results, strict=True) if error is None]
        refused = [r for r, error in zip(pending, results, strict=True) if isinstance(error, GatewayRefused)]
        done += held + capped + delivered + refused  # the digest sends what is held; a refusal is final
        activity.heartbeat(done)
        counter = activity.metric_meter().create_counter(*WISH_NOTICES)
        for outcome, recipients in (("held", held), ("capped", capped)):
            if recipients:
                counter.add(len(recipients), {"purpose": notice.purpose, "outcome": outcome})
        if delivered:
            counter.add(len(delivered), {"purpose": notice.purpose, "outcome": "delivered"})
        if refused:
            counter.add(len(refused), {"purpose": notice.purpose, "outcome": "refused"})
            activity.logger.warning(
                "wish notice refused", extra={"wish_id": notice.wish_id, "key": notice.key, "recipients": len(refused)}
            )
        raise_first_failure(results)
        return WishNoticeOutcome(delivered=len(delivered), refused=len(refused))

    async def _routes(self, notice: WishNotice, recipients: list[str]) -> dict[str, str]:
        """How each recipient takes the notice (dispatch decides: it keeps the preferences and the day's counts): an
        urgent notice goes at once to everyone, without asking."""
        if notice.urgent or not recipients:
            return {r: "send" for r in recipients}
        request = activities_pb2.RouteNoticeRequest(
            request_id=notice.key,
            purpose=notice.purpose,
            text=notice.text,
            recipients=recipients,
            may_hold=True,
            daily_cap=self.daily_caps.get(notice.purpose, 0),
        )
        response = await call(self.activities.RouteNotice(request, timeout=TIMEOUT_SECONDS))
        routes = {r.recipient: name_of(activities_pb2.NoticeRoute, r.route) for r in response.routes}
        return {r: routes.get(r) or "send" for r in recipients}  # a route this build does not know: at once

    async def _send_one(self, notice: WishNotice, recipient: str) -> None:
        message = Notice(
            key=f"{notice.key}/{recipient}",
            alert_id="",  # a wish notice: the key and purpose say which
            purpose=notice.purpose,
            recipient=recipient,
            alert_kind="",
            unit_id=notice.unit_id,
            text=notice.text,
        )
        await send_through(self.notifiers, message)
