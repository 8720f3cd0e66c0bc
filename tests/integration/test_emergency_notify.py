"""The webhook sender against a real HTTP receiver on 127.0.0.1: what counts as delivered, retried or refused."""

from __future__ import annotations

import pytest

from tests.helpers.notice_gateway import NoticeGateway
from workflows.notices import (
    GatewayRefused,
    GatewayUnavailable,
    LogNotifier,
    Notice,
    WebhookNotifier,
    notifiers_for,
)

NOTICE = Notice(
    key="alert-1/alert/member:11",
    alert_id="1",
    purpose="alert",
    recipient="member:11",
    alert_kind="fall",
    unit_id="7",
    address="2单元301",
    text="on duty, lives in the same building",
)


async def test_a_notice_is_posted_as_json_with_its_idempotency_key(gateway: tuple[NoticeGateway, str]) -> None:
    state, url = gateway
    await WebhookNotifier(url).send(NOTICE)
    assert state.received == [
        (
            {
                "key": NOTICE.key,
                "alert_id": "1",
                "purpose": "alert",
                "recipient": "member:11",
                "alert_kind": "fall",
                "unit_id": "7",
                "address": "2单元301",
                "text": NOTICE.text,
            },
            NOTICE.key,
        )
    ]


@pytest.mark.parametrize("status", [500, 503, 429, 408])
async def test_a_failing_or_busy_gateway_is_worth_retrying(gateway: tuple[NoticeGateway, str], status: int) -> None:
    state, url = gateway
    state.status = status
    with pytest.raises(GatewayUnavailable):
        await WebhookNotifier(url).send(NOTICE)


@pytest.mark.parametrize("status", [400, 404, 422])
async def test_a_notice_the_gateway_rejects_is_refused_for_good(
    gateway: tuple[NoticeGateway, str], status: int
) -> None:
    state, url = gateway
    state.status = status
    with pytest.raises(GatewayRefused):
        await WebhookNotifier(url).send(NOTICE)


async def test_a_gateway_nobody_listens_on_is_unavailable(refused_address: str) -> None:
    with pytest.raises(GatewayUnavailable):
        await WebhookNotifier(f"http://{refused_address}/notices", timeout=2).send(NOTICE)


async def test_the_log_is_always_a_sender_and_the_webhook_only_when_configured(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert [type(n) for n in notifiers_for("")] == [LogNotifier]
    assert [type(n) for n in notifiers_for("http://127.0.0.1:1/x")] == [LogNotifier, WebhookNotifier]
    with caplog.at_level("INFO", logger="linli.notify"):
        await LogNotifier().send(NOTICE)
    record = caplog.records[-1]
    assert record.recipient == "member:11" and record.alert_id == "1"  # type: ignore[attr-defined]
    assert "2单元301" not in caplog.text  # the address is not logged
