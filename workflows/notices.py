"""Sending notices to people — whom an alert calls or stands down, an activity's participants and organisers, a
recipient's daily digest: one interface, two real senders — the log and an HTTP webhook.

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
from dataclasses import asdict, dataclass
from typing import Protocol

log = logging.getLogger("linli.notify")

_TIMEOUT_SECONDS = 5.0


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
            "alert notice" if notice.alert_id else "activity notice",  # activity notices carry no alert id
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
