"""`./linli up --monitoring`: the local run with Prometheus beside it, linli's rules loaded, every process scraped, its
address printed, and stopped with the rest."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from pathlib import Path

import psutil

from devstack.monitoring import prometheus as monitoring
from devstack.processes import ChildProcess
from devstack.stack import REPO
from tests.e2e.helpers.checks import eventually
from tests.helpers.databases import create_database, drop_database
from tests.helpers.promql import prometheus, rules


async def test_up_with_monitoring_runs_prometheus_with_the_rules_against_the_local_run(
    postgres_server: str, tmp_path: Path
) -> None:
    prometheus()  # fails saying how to get it when the package is missing
    database = await create_database(postgres_server)
    home = tmp_path / "home"
    up = ChildProcess(
        "up",
        [sys.executable, "-m", "devstack", "up", "--home", str(home), "--any-ports", "--monitoring"],
        tmp_path / "up.log",
        {**os.environ, "DATABASE_URL": database},
        REPO,
    ).start()
    server: psutil.Process | None = None
    try:
        deadline = time.monotonic() + 120
        while "linli is running" not in (out := up.log_tail(20_000)):
            assert up.alive() and time.monotonic() < deadline, out
            await asyncio.sleep(0.2)
        found = re.search(r"^  Prometheus http://127\.0\.0\.1:(\d+) ", out, re.MULTILINE)
        assert found, out
        port = int(found.group(1))
        server = next(
            p for p in psutil.Process(up.pid).children(recursive=True) if "--config.file" in " ".join(p.cmdline())
        )
        assert f"--web.listen-address=127.0.0.1:{port}" in server.cmdline()
        assert (home / "prometheus" / "data").is_dir()

        loaded = {r["name"] for g in monitoring.api(port, "rules")["groups"] for r in g["rules"]}
        ours = {str(r.get("alert") or r.get("record")) for r in rules(sorted(monitoring.RULES.glob("*.yaml")))}
        assert loaded == ours

        def every_process_scraped() -> bool:
            targets = monitoring.api(port, "targets")["activeTargets"]
            return sorted(t["labels"]["job"] for t in targets if t["health"] == "up") == sorted(
                monitoring.JOBS.values()
            )

        await eventually(every_process_scraped, timeout=60, what="the four processes scraped")
    finally:
        assert up.process is not None
        up.process.send_signal(signal.SIGTERM)
        assert up.process.wait(60) == 0
        await drop_database(postgres_server, database)
    assert server is not None and not server.is_running()
