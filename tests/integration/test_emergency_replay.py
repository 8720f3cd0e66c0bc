"""Safe upgrades: every stored EmergencyDispatch history replays on the current code without non-determinism.

emergency_histories/v1-* were recorded by the release before an alert's address left the workflow's history
(`python -m tests.integration.emergency_histories.record TAG` records a release's); an alert whose dispatch is
running when a new release rolls out must go on calling, escalating and standing down as it would have.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.emergency_dispatch import EmergencyDispatch

HISTORIES = sorted((Path(__file__).parent / "emergency_histories").glob("*.json"))


def test_there_are_stored_histories() -> None:
    assert len(HISTORIES) >= 4


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_stored_history_replays_on_the_current_workflow(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[EmergencyDispatch]).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
