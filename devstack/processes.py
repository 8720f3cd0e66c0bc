"""Child processes of the local stack and the tests: started with their own log file, stopped by their
own pid (SIGTERM, then SIGKILL after a grace period), never by name."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from devstack.ports import PortTaken, listening_ports, taken_by_others


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


# Started through this, a program is sent SIGTERM when the process that started it dies (Linux's
# PR_SET_PDEATHSIG, which outlives exec). A launcher, not preexec_fn: that would make subprocess fork a process
# that holds gRPC's threads, which gRPC does not survive.
_STOP_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "if sys.platform == 'linux':\n"
    "    ctypes.CDLL(None).prctl(1, int(signal.SIGTERM))\n"
    "    if os.getppid() != int(sys.argv[1]): sys.exit(143)  # its parent died before it could ask\n"
    "os.execvp(sys.argv[2], sys.argv[2:])"
)


class ChildProcess:
    """One child process, its output in a log file."""

    def __init__(
        self, name: str, args: list[str], log_path: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> None:
        self.name = name
        self.args = args
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self.ports: dict[str, int] = {}  # what each of its ports is for, once it listens on them
        self._log_start = 0

    def start(self) -> ChildProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self._log_start = log.tell()
        # A new session, so Ctrl-C in the terminal reaches only the supervisor, which stops children in order; and
        # told to stop when the supervisor dies, so a killed test run or `./linli up` leaves nothing behind.
        self.process = subprocess.Popen(
            [sys.executable, "-c", _STOP_WITH_PARENT, str(os.getpid()), *self.args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was not started"
        return self.process.pid

    def wait_listening(self, ports: dict[str, int], timeout: float = 60.0) -> None:
        """Returns once this process itself listens on every port. PortTaken when it exited because one was taken."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                taken = taken_by_others(ports.values())
                if taken or "address already in use" in self.log_tail(since_start=True).lower():
                    raise PortTaken(self.name, taken or ports.values())
                raise RuntimeError(
                    f"{self.name} exited with {self.process and self.process.returncode}:\n{self.log_tail()}"
                )
            if set(ports.values()) <= listening_ports(self.pid):
                self.ports = dict(ports)
                return
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} does not listen on {ports} after {timeout}s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL if it has not exited after `grace` seconds. Returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up (fault tests)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, chars: int = 4000, since_start: bool = False) -> str:
        """The end of its log; with since_start, only what this start of it wrote."""
        try:
            with self.log_path.open("rb") as log:
                end = log.seek(0, os.SEEK_END)
                log.seek(max(self._log_start if since_start else 0, end - 4 * chars))  # UTF-8: at most 4 bytes a char
                return log.read().decode(errors="replace")[-chars:]
        except OSError:
            return ""
