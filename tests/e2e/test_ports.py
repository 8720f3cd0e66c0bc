"""No process of the tests is handed a port that something else can take first: a port taken before the process
binds it is replaced by a new one, and a stranger listening on a port is never taken for the process."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from dataclasses import replace

import pytest

from devstack.ports import PortTaken, pick
from devstack.processes import ChildProcess
from devstack.stack import LocalStack
from devstack.temporal import start_dev_server


@pytest.fixture
def stranger() -> Iterator[int]:
    """A port somebody else listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_service_whose_planned_ports_are_taken_starts_on_new_ones(stack: LocalStack, stranger: int) -> None:
    planned = replace(stack.ports, registry=stranger, registry_metrics=stranger)
    other = LocalStack(
        stack.home / "second", planned, stack.secrets, stack.database_url, stack.temporal_address, durable=False
    )
    try:
        registry = other.start_process("registry")
        assert stranger not in registry.ports.values()
        assert other.ports.registry == registry.ports["grpc"] and registry.alive()
    finally:
        other.stop()


def test_the_local_run_on_fixed_ports_does_not_move_them(stack: LocalStack, stranger: int) -> None:
    planned = replace(stack.ports, wishes=stranger)
    fixed = LocalStack(
        stack.home / "fixed", planned, stack.secrets, stack.database_url, stack.temporal_address, fixed_ports=True
    )
    try:
        with pytest.raises(PortTaken):
            fixed.start_process("wishes")
    finally:
        fixed.stop()


def test_temporal_on_a_taken_port_says_so(stack: LocalStack, stranger: int) -> None:
    with pytest.raises(PortTaken):
        start_dev_server(stack.home / "temporal-taken.log", port=stranger)


def test_a_stranger_on_the_port_is_not_taken_for_the_process(stack: LocalStack, stranger: int) -> None:
    idle = ChildProcess("idle", [sys.executable, "-c", "import time; time.sleep(30)"], stack.home / "idle.log").start()
    try:
        with pytest.raises(TimeoutError):
            idle.wait_listening({"grpc": stranger}, timeout=1)
    finally:
        idle.stop()


def test_picked_ports_lie_outside_the_kernels_ephemeral_range() -> None:
    low, high = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    ports = pick(50)
    assert len(set(ports)) == 50
    assert not [p for p in ports if low <= p <= high]


def test_a_process_that_dies_on_a_taken_port_is_told_apart_from_one_that_fails(
    stack: LocalStack, stranger: int
) -> None:
    binds = f"import socket; socket.socket().bind(('127.0.0.1', {stranger}))"
    clash = ChildProcess("clash", [sys.executable, "-c", binds], stack.home / "clash.log").start()
    with pytest.raises(PortTaken):
        clash.wait_listening({"grpc": stranger})
    broken = ChildProcess("broken", [sys.executable, "-c", "raise SystemExit(3)"], stack.home / "broken.log").start()
    with pytest.raises(RuntimeError, match="exited with 3"):
        broken.wait_listening({"grpc": pick()[0]})
