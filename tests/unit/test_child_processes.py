"""A process linli starts stops with whoever started it: a test run or `./linli up` killed outright leaves no
service, worker or server running behind it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from devstack.stack import REPO

STARTS_A_CHILD = """
import sys, time
from pathlib import Path
from devstack.processes import ChildProcess
child = ChildProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(120)"], Path(sys.argv[1])).start()
print(child.pid, flush=True)
time.sleep(120)
"""


def _running(pid: int) -> bool:
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State"))
    except (FileNotFoundError, StopIteration):
        return False
    return "Z" not in state.split()[1]  # a zombie has stopped; only its parent may reap it


def test_a_child_stops_when_the_process_that_started_it_is_killed(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'protos'}"}
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTS_A_CHILD, str(tmp_path / "sleeper.log")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert starter.stdout is not None
    child = int(starter.stdout.readline())
    assert _running(child)
    os.kill(starter.pid, signal.SIGKILL)
    starter.wait()
    deadline = time.monotonic() + 10
    while _running(child):
        assert time.monotonic() < deadline, "the child outlived the process that started it"
        time.sleep(0.05)
