"""Who among members may read an alert's address, and for how long (services/dispatch/alerts/servicer.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from services.dispatch.alerts.servicer import REVEAL_AFTER_CLOSE, member_may_reveal
from services.dispatch.alerts.store import Alert

NOW = datetime(2026, 6, 19, 8, 0, tzinfo=UTC)
RAISED = Alert(
    id=1,
    kind="fall",
    state="raised",
    unit_id=7,
    unit_path=("1", "7"),
    community_id=7,
    street_id=None,
    grid_id=None,
    building_id=None,
    address_masked="2单*****",
    device_id_masked="",
    note="",
    responder=None,
    outcome=None,
    outcome_note="",
    escalation="volunteers",
    raised_at=NOW - timedelta(minutes=5),
    acknowledged_at=None,
    arrived_at=None,
    closed_at=None,
    version=1,
)
CALLED = {"member:12", "member:13"}


def test_every_member_called_may_read_it_while_nobody_has_answered() -> None:
    assert member_may_reveal(RAISED, "member:12", CALLED, NOW)
    assert member_may_reveal(RAISED, "member:13", CALLED, NOW)
    assert not member_may_reveal(RAISED, "member:14", CALLED, NOW)


def test_once_answered_only_the_responder_may_and_only_until_a_day_after_it_closed() -> None:
    answered = dataclasses.replace(RAISED, state="acknowledged", responder="member:12", version=2)
    assert member_may_reveal(answered, "member:12", CALLED, NOW)
    assert not member_may_reveal(answered, "member:13", CALLED, NOW)  # stood down
    closed_at = NOW - timedelta(hours=1)
    resolved = dataclasses.replace(answered, state="resolved", closed_at=closed_at, version=3)
    assert member_may_reveal(resolved, "member:12", CALLED, NOW)
    assert member_may_reveal(resolved, "member:12", CALLED, closed_at + REVEAL_AFTER_CLOSE - timedelta(seconds=1))
    assert not member_may_reveal(resolved, "member:12", CALLED, closed_at + REVEAL_AFTER_CLOSE)
    cancelled = dataclasses.replace(RAISED, state="cancelled", closed_at=closed_at, version=2)
    assert not member_may_reveal(cancelled, "member:12", CALLED, NOW)  # nobody answered: nobody needs the door now
