"""Stored workflow histories are part of the repository: they must hold nothing of the machine that recorded them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HISTORIES = sorted((Path(__file__).parent / "integration").glob("*_histories/*.json"))
# A Python stack trace names files by absolute path (File "/home/…/site-packages/…").
MACHINE_PATH = re.compile(r'File \\"/')


def test_there_are_stored_histories() -> None:
    assert len(HISTORIES) >= 20


@pytest.mark.parametrize("path", HISTORIES, ids=[f"{p.parent.name}/{p.stem}" for p in HISTORIES])
def test_a_stored_history_names_no_path_of_the_recording_machine(path: Path) -> None:
    assert not MACHINE_PATH.search(path.read_text()), f"{path.name}: blank its stackTrace fields before committing it"
