"""Short-lived read-through caches of answers from another service."""

from __future__ import annotations

import time
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ShortLived(Generic[K, V]):
    """Answers kept for `ttl` seconds, at most `limit` of them; when full, all are dropped (the other service is
    the record, so a miss only costs a call)."""

    def __init__(self, ttl: float, limit: int) -> None:
        self._ttl = ttl
        self._limit = limit
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    def put(self, key: K, value: V) -> None:
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self._ttl, value)
