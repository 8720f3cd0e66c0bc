"""Times as the API takes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp


def stamp(moment: datetime) -> Timestamp:
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def from_now(delta: timedelta) -> Timestamp:
    return stamp(datetime.now(UTC) + delta)


def in_days(days: int) -> Timestamp:
    return from_now(timedelta(days=days))
