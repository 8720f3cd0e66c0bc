"""Safe upgrades: every stored HolidayActivity history replays on the current code without non-determinism.

activity_histories/v1-* were recorded by the release before notices were sent (they only recorded them), v2-* by
this one (notices sent, a promotion signalled, a gateway down). Sending notices is behind
workflow.patched("send-notices"), so an activity already running keeps recording them without sending.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.holiday_activity import HolidayActivity

HISTORIES = sorted((Path(__file__).parent / "activity_histories").glob("*.json"))


def test_there_are_histories_of_each_release() -> None:
    assert {path.name.split("-", 1)[0] for path in HISTORIES} >= {"v1", "v2"}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_stored_history_replays_on_the_current_workflow(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[HolidayActivity]).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
