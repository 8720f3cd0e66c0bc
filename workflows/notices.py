"""Sending notices to people — whom an alert calls or stands down, an activity's participants and organisers, a
wish's offices, claimants and resident, a recipient's daily digest: one interface, two real senders — the log and
an HTTP webhook.

The webhook is the SMS or app-push gateway. One POST is one attempt; retries with back-off are the Temporal
retry policy of the step that sends (workflows/emergency_dispatch.py, workflows/holiday_activity.py), so they
survive a worker restart. Each notice carries an idempotency key, so a gateway can drop the repeat of a notice it
took just before a retry.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Protocol

from temporalio import activity
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

log = logging.getLogger("linli.notify")

_TIMEOUT_SECONDS = 5.0

# How a workflow's send step is retried: with back-off (at most a minute apart) for up to six hours; the recipients
# still not reached then are given up on, recorded and told to the office above (HolidayActivity, WishLifecycle).
NOTICE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(minutes=1)
)
NOTICE_START_TO_CLOSE = timedelta(minutes=2)
# The send step heartbeats after every recipient: a worker that dies mid-attempt is noticed this soon.
NOTICE_HEARTBEAT = timedelta(seconds=30)
NOTICE_SCHEDULE_TO_CLOSE = timedelta(hours=6)


@dataclass
class Notice:
    key: str  # idempotency key: the same notice sent twice has the same key
    alert_id: str
    purpose: str  # "alert" (please respond), "stand_down" (someone else has it) or "cancelled" (false alarm)
    recipient: str  # "member:12" or "org:5"
    alert_kind: str
    unit_id: str
    text: str
    # Filled only by the activity that sends a call (never in the workflow's history): the door to go to.
    address: str = ""


class GatewayRefused(Exception):
    """The gateway said the notice itself is wrong (4xx): sending it again will not help."""


class GatewayUnavailable(Exception):
    """The gateway could not be reached or failed (5xx, time-out): try again later."""


class Notifier(Protocol):
    async def send(self, notice: Notice) -> None: ...


class LogNotifier:
    """Writes each notice to the worker's log (ids only: no address, no names)."""

    async def send(self, notice: Notice) -> None:
        log.info(
            # Activity and wish notices carry no alert id; their purpose says which.
            "alert notice" if notice.alert_id else f"{notice.purpose.split('_', 1)[0]} notice",
            extra={
                "alert_id": notice.alert_id,
                "purpose": notice.purpose,
                "recipient": notice.recipient,
                "alert_kind": notice.alert_kind,
                "key": notice.key,
            },
        )


class WebhookNotifier:
    """POSTs each notice as JSON; 2xx is delivered, 4xx (but 408 and 429) refused for good, else retried."""

    def __init__(self, url: str, timeout: float = _TIMEOUT_SECONDS) -> None:
        self.url = url
        self.timeout = timeout

    async def send(self, notice: Notice) -> None:
        # The standard library's client in a thread: one small POST needs no extra dependency.
        await asyncio.to_thread(self._post, notice)

    def _post(self, notice: Notice) -> None:
        body = json.dumps(asdict(notice), ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": notice.key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise GatewayRefused(f"gateway refused the notice: HTTP {exc.code}") from None
            raise GatewayUnavailable(f"gateway failed: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise GatewayUnavailable(f"gateway unreachable: {type(exc).__name__}") from None


def notifiers_for(webhook_url: str) -> list[Notifier]:
    """The log always; the webhook too when one is configured. A notice is sent only when all have it."""
    senders: list[Notifier] = [LogNotifier()]
    if webhook_url:
        senders.append(WebhookNotifier(webhook_url))
    return senders


async def send_through(notifiers: Sequence[Notifier], message: Notice) -> None:
    """Sends one notice to one recipient through every sender, in a step: it has got through only when all took it."""
    try:
        for notifier in notifiers:
            await notifier.send(message)
    finally:
        activity.heartbeat()  # alive: each recipient's sending ends within the webhook's time-out


async def send_one_counted(
    notifiers: Sequence[Notifier],
    counter: tuple[str, str],
    *,
    key: str,
    purpose: str,
    recipient: str,
    unit_id: str,
    text: str,
) -> bool:
    """A step's one notice to one recipient (a duty gap's, a care visit's, a commitment's), counted in `counter` (its
    name and help, from workflows/metrics.py) by purpose and outcome: False when the gateway refused it for good (never
    sent again); a gateway that is down fails the attempt, to be retried with back-off."""
    message = Notice(
        key=key, alert_id="", purpose=purpose, recipient=recipient, alert_kind="", unit_id=unit_id, text=text
    )
    sent = activity.metric_meter().create_counter(*counter)
    try:
        await send_through(notifiers, message)
    except GatewayRefused:
        sent.add(1, {"purpose": message.purpose, "outcome": "refused"})
        activity.logger.warning("notice refused", extra={"key": message.key, "purpose": message.purpose})
        return False
    except GatewayUnavailable as error:
        raise ApplicationError(str(error), type="GatewayUnavailable") from None
    sent.add(1, {"purpose": message.purpose, "outcome": "delivered"})
    return True


def raise_first_failure(results: Sequence[BaseException | None]) -> None:
    """After recording what got through: a gateway that is down fails the attempt, to be retried with back-off."""
    failed = [e for e in results if e is not None and not isinstance(e, GatewayRefused)]
    if failed:
        if isinstance(failed[0], GatewayUnavailable):
            raise ApplicationError(str(failed[0]), type="GatewayUnavailable")
        raise failed[0]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def last_failure(error: BaseException) -> str:
    """The innermost failure's message: the last attempt's (the gateway's answer), not the time-out's."""
    while error.__cause__ is not None:
        error = error.__cause__
    return str(getattr(error, "message", error))[:200]
