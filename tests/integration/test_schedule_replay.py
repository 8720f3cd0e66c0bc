"""Safe upgrades: stored histories of the workflows Temporal Schedules start — the weekly reports and each unit's
report, the yearly service reports, a recurring activity's run, the daily notice digest, the evening duty-gap notice, the mid-year commitment check — replay on the current code.

A schedule may fire while a release rolls out; its run must finish on the new worker as it began on the old one.
schedule_histories/v1-* were recorded by the release that added this test
(`PYTHONPATH=.:protos python -m tests.integration.schedule_histories.record TAG` records a release's).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.integration.schedule_histories.record import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "schedule_histories").glob("*.json"))


def test_every_scheduled_workflow_has_a_stored_history() -> None:
    names = {path.stem.split("-", 1)[1] for path in HISTORIES}
    assert names >= {
        "weekly-reports",
        "weekly-report",
        "yearly-reports",
        "recurring-run",
        "notice-digest",
        "duty-gap-notice",
        "commitment-check",
        "personal-data-retention",
    }


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_stored_history_replays_on_the_current_workflow(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    result = await Replayer(workflows=WORKFLOWS).replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
