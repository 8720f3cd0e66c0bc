"""Safe upgrades: every stored WishLifecycle history replays on the current code without non-determinism.

The histories in wish_histories/ were recorded by earlier releases (see wish_histories/record.py); a
change to WishLifecycle that a running wish could not survive fails here. Changes of behaviour go behind
workflow.patched(), so old histories take the old path and new wishes the new one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.wish_lifecycle import WishLifecycle

HISTORIES = sorted((Path(__file__).parent / "wish_histories").glob("*.json"))


def test_there_are_histories_of_each_release() -> None:
    assert {path.name.split("-", 1)[0] for path in HISTORIES} >= {"v1", "v2", "v3", "v4", "v5"}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_stored_history_replays_on_the_current_workflow(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=[WishLifecycle]).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
