"""Safe upgrades: every stored CarePair history replays on the current code without non-determinism.

care_histories/v1-* were recorded by the release that brought care pairs
(`python -m tests.integration.care_histories.record TAG` records a release's); a pair whose clock is running when a
new release rolls out must go on reminding and telling its office as it would have.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.care_pair import CarePair

HISTORIES = sorted((Path(__file__).parent / "care_histories").glob("*.json"))


def test_there_are_stored_histories() -> None:
    assert len(HISTORIES) >= 5


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_stored_history_replays_on_the_current_workflow(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[CarePair]).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
