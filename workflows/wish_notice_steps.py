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
from collections.abc import Sequence
from dataclasses import dataclass, field

from temporalio import activity

from workflows.metrics import WISH_NOTICES
from workflows.notices import GatewayRefused, Notice, Notifier, raise_first_failure, send_through


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
    def __init__(self, notifiers: Sequence[Notifier]) -> None:
        self.notifiers = list(notifiers)

    @activity.defn
    async def send_wish_notice(self, notice: WishNotice) -> WishNoticeOutcome:
        """Sends the notice to each recipient not reached by an earlier attempt; fails the attempt (to be retried
        with back-off) while the gateway is down, after noting in the heartbeat whom it did reach."""
        details = activity.info().heartbeat_details
        done: list[str] = list(details[0]) if details else []
        pending = [r for r in notice.recipients if r not in done]
        results = await asyncio.gather(*(self._send_one(notice, r) for r in pending), return_exceptions=True)
        delivered = [r for r, error in zip(pending, results, strict=True) if error is None]
        refused = [r for r, error in zip(pending, results, strict=True) if isinstance(error, GatewayRefused)]
        done += delivered + refused  # a refusal is final: never sent again
        activity.heartbeat(done)
        counter = activity.metric_meter().create_counter(*WISH_NOTICES)
        if delivered:
            counter.add(len(delivered), {"purpose": notice.purpose, "outcome": "delivered"})
        if refused:
            counter.add(len(refused), {"purpose": notice.purpose, "outcome": "refused"})
            activity.logger.warning(
                "wish notice refused", extra={"wish_id": notice.wish_id, "key": notice.key, "recipients": len(refused)}
            )
        raise_first_failure(results)
        return WishNoticeOutcome(delivered=len(delivered), refused=len(refused))

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
