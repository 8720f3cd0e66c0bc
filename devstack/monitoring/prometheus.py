"""A real Prometheus with linli's alert and recording rules (deploy/monitoring/rules/) against a running platform:
for `./linli up --monitoring` and the tests. The server is Debian's `prometheus` package's; nothing is downloaded.

It listens on loopback only, keeps its data in a folder of its own, and is stopped by its own pid like every child.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from devstack.processes import ChildProcess

RULES = Path(__file__).resolve().parents[2] / "deploy/monitoring/rules"
# The job of each process, as the rules and docs/metrics.md name them.
JOBS = {"registry": "linli-registry", "wishes": "linli-wishes", "dispatch": "linli-dispatch", "worker": "linli-worker"}
HOW_TO_GET = "install Debian's prometheus package: sudo apt-get install -y prometheus (docs/monitoring.md)"
_FOR = re.compile(r"^(\s+for:\s*)\S+\s*$", re.MULTILINE)


def prometheus_binary() -> str | None:
    """The Prometheus server on PATH, or where Debian's package puts it; None when it is not installed."""
    found = shutil.which("prometheus")
    if found:
        return found
    debian = Path("/usr/bin/prometheus")
    return str(debian) if debian.is_file() else None


def rule_files(folder: Path, shorten_for: str | None = None) -> list[Path]:
    """linli's rule files; with `shorten_for`, copies in `folder` with every alert's `for:` set to it (for tests,
    which cannot wait minutes: thresholds and expressions stay as they are)."""
    sources = sorted(RULES.glob("*.yaml"))
    if shorten_for is None:
        return sources
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for source in sources:
        copy = folder / source.name
        copy.write_text(_FOR.sub(lambda m: f"{m.group(1)}{shorten_for}", source.read_text()))
        copies.append(copy)
    return copies


def write_config(path: Path, targets: Mapping[str, list[int]], rules: list[Path], interval: str = "15s") -> Path:
    """A Prometheus configuration scraping each job's loopback ports and evaluating the rules every `interval`."""
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval, "scrape_timeout": interval},
        "rule_files": [str(rule) for rule in rules],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}" for port in ports]}]}
            for job, ports in targets.items()
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def start_prometheus(binary: str, home: Path, port: int, config: Path, timeout: float = 60.0) -> ChildProcess:
    """Starts Prometheus on 127.0.0.1:`port` with its data in `home`/data, and waits until it is ready."""
    child = ChildProcess(
        "prometheus",
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={home / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=30d",  # the weekly-report rule looks back 30 days
        ],
        home / "prometheus.log",
    ).start()
    try:
        child.wait_listening({"web": port}, timeout)
        deadline = time.monotonic() + timeout
        while not _ready(port):
            if time.monotonic() > deadline or not child.alive():
                raise RuntimeError(f"prometheus is not ready on 127.0.0.1:{port}:\n{child.log_tail()}")
            time.sleep(0.1)
    except BaseException:
        child.stop()
        raise
    return child


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def api(port: int, path: str) -> Any:
    """The `data` of one answer of Prometheus' HTTP API on loopback (e.g. "alerts", "targets")."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/{path}", timeout=5) as response:
        answer = json.load(response)
    assert answer["status"] == "success", answer
    return answer["data"]


def alerts(port: int) -> list[dict[str, Any]]:
    """The alerts pending or firing now, as /api/v1/alerts gives them."""
    found: list[dict[str, Any]] = api(port, "alerts")["alerts"]
    return found
