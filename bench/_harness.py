"""What every benchmark shares: throwaway servers, a load loop, percentiles, and the one JSON line.

A benchmark measures linli and the bare stack (raw asyncpg, a bare grpc.aio server, a bare Temporal
workflow) side by side in the same run, and reports the ratio: these machines are shared and noisy, so an
absolute figure alone means little. Run one with `./linli bench NAME`.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.ports import on_free_ports
from devstack.postgres import EmbeddedPostgres
from devstack.processes import ChildProcess
from devstack.stack import REPO, LocalStack, Ports, Secrets, wait_until_serving
from devstack.temporal import start_dev_server


@dataclass
class Servers:
    home: Path
    postgres: EmbeddedPostgres
    temporal_address: str
    database_url: str


@asynccontextmanager
async def servers(temporal: bool = True) -> AsyncIterator[Servers]:
    """An embedded Postgres (and a Temporal dev server) on free loopback ports, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as tmp:
        home = Path(tmp)
        postgres = EmbeddedPostgres(home / "postgres", secrets.token_urlsafe(24), durable=False)
        postgres.start()
        postgres.create_database("linli")
        temporal_server = None
        try:
            address = ""
            if temporal:
                temporal_server = start_dev_server(home / "temporal.log")
                address = f"127.0.0.1:{temporal_server.ports['grpc']}"
            yield Servers(home, postgres, address, postgres.url("linli"))
        finally:
            if temporal_server is not None:
                temporal_server.stop()
            postgres.remove()


@asynccontextmanager
async def platform_on(servers: Servers, processes: tuple[str, ...], **env: str) -> AsyncIterator[LocalStack]:
    """linli's own processes on free ports, against the given servers."""
    stack = LocalStack(
        home=servers.home / "stack",
        ports=Ports.pick(),
        secrets=Secrets.generate(),
        database_url=servers.database_url,
        temporal_address=servers.temporal_address or "127.0.0.1:1",
        durable=False,
        extra_env=env,
    )
    try:
        for process in processes:
            stack.start_process(process)
        yield stack
    finally:
        stack.stop()


def bare_server(name: str, args: Callable[[int], list[str]], home: Path) -> ChildProcess:
    """A bare grpc.aio server of the benchmark's own (`python ARGS(port)`), serving health on a port picked free."""

    def start(ports: list[int]) -> ChildProcess:
        env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'protos'}"}
        child = ChildProcess(name, [sys.executable, *args(ports[0])], home / f"{name}.log", env, REPO).start()
        try:
            child.wait_listening({"grpc": ports[0]})
            wait_until_serving(ports[0], child)
        except BaseException:
            child.stop()
            raise
        return child

    return on_free_ports(1, start)


@dataclass
class Load:
    """Latencies (seconds) of the calls made, and the wall time they took."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def add(self, other: Load) -> None:
        """Takes in another stretch of the same load (one of several turns)."""
        self.latencies += other.latencies
        self.errors += other.errors
        self.seconds += other.seconds

    @property
    def calls_per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
        return ordered[rank] * 1000

    def summary(self, prefix: str) -> dict[str, float | int]:
        return {
            f"{prefix}_calls": len(self.latencies),
            f"{prefix}_errors": self.errors,
            f"{prefix}_per_s": round(self.calls_per_second, 1),
            f"{prefix}_p50_ms": round(self.percentile(50), 3),
            f"{prefix}_p99_ms": round(self.percentile(99), 3),
        }


async def run_load(call: Callable[[int], Awaitable[object]], concurrency: int, seconds: float) -> Load:
    """`concurrency` callers each call `call(i)` back to back for `seconds`; a failed call counts as an error."""
    load = Load()
    stop_at = time.perf_counter() + seconds

    async def caller() -> None:
        i = 0
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            try:
                await call(i)
            except Exception:
                load.errors += 1
            else:
                load.latencies.append(time.perf_counter() - began)
            i += 1

    began = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    load.seconds = time.perf_counter() - began
    return load


def emit(benchmark: str, **figures: object) -> None:
    """Prints the benchmark's one JSON line, with the machine it ran on."""
    line = {
        "benchmark": benchmark,
        **figures,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
    }
    print(json.dumps(line, ensure_ascii=False), flush=True)


def ratio(ours: float, bare: float) -> float:
    return round(ours / bare, 3) if bare else float("nan")


def main(benchmark: Callable[[], Coroutine[Any, Any, None]]) -> None:
    try:
        asyncio.run(benchmark())
    except KeyboardInterrupt:
        sys.exit(130)
