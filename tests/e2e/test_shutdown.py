"""SIGTERM stops a process cleanly: a service drains and exits, and a worker still waiting for Temporal stops even
while it waits."""

from __future__ import annotations

import json
import signal
import time

from devstack.client import Api
from devstack.stack import LocalStack


def test_sigterm_stops_a_worker_still_waiting_for_temporal(stack: LocalStack, refused_address: str) -> None:
    worker = stack.start_process("worker", "worker-waiting", TEMPORAL_ADDRESS=refused_address)
    try:
        deadline = time.monotonic() + 30
        while "temporal not reachable yet" not in worker.log_tail():
            assert worker.alive() and time.monotonic() < deadline, worker.log_tail()
            time.sleep(0.1)
        worker.process.send_signal(signal.SIGTERM)
        assert worker.process.wait(15) == 0
        messages = [json.loads(line)["msg"] for line in worker.log_tail().splitlines() if line.startswith("{")]
        assert messages[-1] == "worker stopped before reaching temporal"
    finally:
        stack.processes.pop("worker-waiting").stop()


async def test_sigterm_drains_and_exits_cleanly(api: Api, stack: LocalStack) -> None:
    extra = stack.start_process("registry", "registry-extra")
    try:
        extra.process.send_signal(signal.SIGTERM)
        assert extra.process.wait(15) == 0
        log = [json.loads(line)["msg"] for line in extra.log_tail(20_000).splitlines() if line.startswith("{")]
        assert log[-2:] == ["draining", "stopped"]
    finally:
        stack.processes.pop("registry-extra").stop()
