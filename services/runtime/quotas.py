"""Fair quotas for calling systems: each system's own token bucket of calls and its own cap on streaming calls, per
replica, so a burst from one system is refused (RESOURCE_EXHAUSTED with a RetryInfo) and never slows another.

A credential's quota (its token's `quota` claim) overrides the deployment's defaults (LINLI_SYSTEM_CALLS_PER_SECOND,
LINLI_SYSTEM_BURST, LINLI_SYSTEM_MAX_STREAMS). linli's own services, staff and members are not limited here."""

from __future__ import annotations

import time
from dataclasses import dataclass

from services.runtime.auth import Caller, Quota, Role
from services.runtime.errors import ResourceExhausted
from services.runtime.metrics import SYSTEM_CALLS_REFUSED


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    at: float
    streams: int = 0

    def take(self, now: float) -> float:
        """0 when a call may go now; otherwise the seconds until it may."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class Quotas:
    def __init__(self, default: Quota, max_systems: int = 10_000) -> None:
        self.default = default
        self._max_systems = max_systems
        self._buckets: dict[str, _Bucket] = {}

    def _limits(self, caller: Caller) -> tuple[float, int, int]:
        own = caller.quota or Quota()
        return (
            own.calls_per_second or self.default.calls_per_second,
            own.burst or self.default.burst,
            own.max_streams or self.default.max_streams,
        )

    def _bucket(self, caller: Caller, now: float) -> _Bucket:
        key = caller.credential or caller.subject
        bucket = self._buckets.get(key)
        rate, burst, _ = self._limits(caller)
        if bucket is None or bucket.rate != rate or bucket.burst != burst:
            if len(self._buckets) >= self._max_systems:
                self._buckets.clear()  # rare: that many systems at once
            bucket = self._buckets[key] = _Bucket(
                rate, float(burst), float(burst), now, bucket.streams if bucket else 0
            )
        return bucket

    def admit(self, caller: Caller, streaming: bool) -> None:
        """Counts one call of a calling system, or refuses it; a streaming call admitted must be released."""
        if caller.role is not Role.SYSTEM:
            return
        now = time.monotonic()
        bucket = self._bucket(caller, now)
        wait = bucket.take(now)
        if wait > 0:
            SYSTEM_CALLS_REFUSED.labels(caller.subject, "quota").inc()
            raise ResourceExhausted(
                f"{caller.subject} is over its quota of {bucket.rate:g} calls a second; retry in {wait:.2f} s", wait
            )
        if streaming:
            _, _, max_streams = self._limits(caller)
            if bucket.streams >= max_streams:
                bucket.tokens += 1  # not a call after all
                SYSTEM_CALLS_REFUSED.labels(caller.subject, "streams").inc()
                raise ResourceExhausted(f"{caller.subject} already has {max_streams} streaming calls open", 1.0)
            bucket.streams += 1

    def release(self, caller: Caller) -> None:
        bucket = self._buckets.get(caller.credential or caller.subject)
        if bucket is not None and bucket.streams > 0:
            bucket.streams -= 1
