"""Safe upgrades: every stored HolidayActivity history replays on the current code without non-determinism.

activity_histories/v1-* were recorded by the release before notices were sent (they only recorded them), v2-* by
the next (notices sent, a promotion signalled, a gateway down), v3-* by the one that records a notice given up on
as failed and tells the organising org (whose telling is given up on too). Sending notices is behind
workflow.patched("send-notices"), so an activity already running keeps recording them without sending; the
give-up is behind workflow.patched("record-undelivered"), so a history that gave up on a notice before replays.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.holiday_activity import HolidayActivity

HISTORIES = sorted((Path(__file__).parent / "activity_histories").glob("*.json"))


def test_there_are_histories_of_each_release() -> None:
    assert {path.name.split("-", 1)[0] for path in HISTORIES} >= {"v1", "v2", "v3"}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_stored_history_replays_on_the_current_workflow(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[HolidayActivity]).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
