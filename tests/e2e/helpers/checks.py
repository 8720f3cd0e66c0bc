"""Waiting for what the platform does in its own time, and checking how a call is refused."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

import grpc
import pytest


async def eventually(check: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    """Waits until `check()` (a plain or an async callable) is true; fails naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0.2)


async def refused(call: Awaitable[object], code: grpc.StatusCode, field: str) -> None:
    """The call fails with `code`, and its details name `field`."""
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    assert error.value.code() == code, error.value.details()
    assert field in (error.value.details() or ""), error.value.details()
