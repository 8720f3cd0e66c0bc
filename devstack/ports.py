"""Loopback ports for the processes the tests, the benchmarks and a second local run start: chosen in one place.

A port picked free can still be taken before the process binds it — most often by an outgoing connection, which
the kernel gives a port from its ephemeral range. So ports are picked *outside* that range, and a start that finds
its port taken is made again on new ports (`PortTaken`, raised by each starter and caught by `on_free_ports`). A
process counts as started only once it listens on its ports itself, read from the kernel's socket table, so a
stranger on the port is never mistaken for it. `./linli up` uses fixed ports and never retries.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import psutil

T = TypeVar("T")
ATTEMPTS = 5
# The local run's fixed ports (devstack/stack.py Ports): never handed out, so a test run beside `./linli up` works.
_RESERVED = frozenset({5432, 7233, 8233, 9090, 9101, 9102, 9103, 9104, 50051, 50052, 50053, 55432})


class PortTaken(Exception):
    """A process could not bind its port: something else took it first."""

    def __init__(self, what: str, ports: Iterable[int]) -> None:
        self.ports = tuple(ports)
        super().__init__(f"{what}: a port was taken before it could bind ({', '.join(map(str, self.ports))})")


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def pick(count: int = 1, avoid: Iterable[int] = ()) -> list[int]:
    """`count` different ports, free right now, outside the ephemeral range and the local run's fixed ports."""
    low, high = _ephemeral_range()
    candidates = [p for p in range(10_000, 65_536) if not low <= p <= high]
    skip = set(avoid) | _RESERVED
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.choice(candidates)
        if port not in skip and port not in chosen and _bindable(port):
            chosen.append(port)
    return chosen


def on_free_ports(
    count: int, start: Callable[[list[int]], T], planned: list[int] | None = None, attempts: int = ATTEMPTS
) -> T:
    """Calls `start` with `count` ports (the planned ones first, if any), and again with new ones while it raises
    PortTaken, at most `attempts` times in all."""
    ports = planned or pick(count)
    for attempt in range(1, attempts + 1):
        try:
            return start(ports)
        except PortTaken:
            if attempt == attempts:
                raise
            ports = pick(count, avoid=ports)
    raise AssertionError("not reached")


def listening_ports(pid: int) -> set[int]:
    """The TCP ports the process (or a child of it) listens on."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return set()
    ports: set[int] = set()
    for process in processes:
        try:
            ports.update(c.laddr.port for c in process.net_connections("tcp") if c.status == psutil.CONN_LISTEN)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return ports


def taken_by_others(ports: Iterable[int], pid: int | None = None) -> list[int]:
    """Of these ports, the ones somebody other than `pid` holds (after `pid` failed to bind them)."""
    own = listening_ports(pid) if pid else set()
    return [port for port in ports if port not in own and not _bindable(port)]


@contextmanager
def refused_address() -> Iterator[str]:
    """A loopback address where connections are refused: the port is bound, so nobody can take it, but nobody
    listens on it — a server that is down, for as long as the block runs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"


class HeldPort:
    """A loopback port kept for a server that comes and goes (a gateway a test takes down and brings back): while
    the server is down the port stays bound, so connections are refused and nobody else can take it.

    The held socket and the server's both set SO_REUSEPORT, so one is bound before the other lets go.
    """

    def __init__(self) -> None:
        self._held: socket.socket | None = self._bind(0)
        self.port: int = self._held.getsockname()[1]

    @staticmethod
    def _bind(port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("127.0.0.1", port))
        return sock

    def hold(self) -> None:
        """Binds the port again (before its server closes)."""
        if self._held is None:
            self._held = self._bind(self.port)

    def release(self) -> None:
        """Lets go of the port (once its server, bound with SO_REUSEPORT, listens on it)."""
        if self._held is not None:
            self._held.close()
            self._held = None
