"""Conversions between database values and protobuf types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import overload

from google.protobuf.timestamp_pb2 import Timestamp

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@overload
def to_timestamp(moment: datetime) -> Timestamp: ...
@overload
def to_timestamp(moment: datetime | None) -> Timestamp | None: ...


def to_timestamp(moment: datetime | None) -> Timestamp | None:
    """A naive datetime is taken as UTC, as Timestamp.FromDatetime does; this is the same value, built without
    FromDatetime's pure-Python calendar arithmetic (every response with a time pays it)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    micros = (moment - _EPOCH) // _MICROSECOND
    return Timestamp(seconds=micros // 1_000_000, nanos=micros % 1_000_000 * 1000)
