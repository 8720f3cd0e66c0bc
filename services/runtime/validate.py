"""Checks of request fields. Each failure names the field, so a caller knows what to fix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, overload

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.timestamp_pb2 import Timestamp

from services.runtime.enums import E
from services.runtime.errors import InvalidArgument

MAX_ID = 2**63 - 1
MAX_REQUEST_ID_LENGTH = 128


def text(field: str, value: str, *, max_length: int, required: bool = True) -> str:
    """Strips the value; an empty required field or one longer than max_length is an error."""
    value = value.strip()
    if required and not value:
        raise InvalidArgument("is required", field)
    if len(value) > max_length:
        raise InvalidArgument(f"must be at most {max_length} characters (got {len(value)})", field)
    if "\x00" in value:
        raise InvalidArgument("must not contain NUL characters", field)
    return value


def request_id(value: str, field: str = "request_id") -> str:
    """The client's id for a create or change, which makes retries safe."""
    value = text(field, value, max_length=MAX_REQUEST_ID_LENGTH)
    if not value.isprintable():
        raise InvalidArgument("must be printable characters", field)
    return value


@overload
def entity_id(field: str, value: str, *, required: Literal[True] = True) -> int: ...
@overload
def entity_id(field: str, value: str, *, required: bool) -> int | None: ...


def entity_id(field: str, value: str, *, required: bool = True) -> int | None:
    """Ids travel as decimal strings ("42")."""
    value = value.strip()
    if not value:
        if required:
            raise InvalidArgument("is required", field)
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 19 or not 0 < int(value) <= MAX_ID:
        raise InvalidArgument(f"'{value[:40]}' is not an id (ids are positive whole numbers such as 42)", field)
    return int(value)


def enum(field: str, value: E, enum_type: EnumTypeWrapper, *, required: bool = True) -> E:
    """A known value of the enum; UNSPECIFIED (0) only when the field is optional."""
    if value == 0:
        if required:
            raise InvalidArgument(f"is required (one of {', '.join(enum_type.keys()[1:])})", field)
        return value
    if value not in enum_type.values():
        raise InvalidArgument(f"{value} is not a known value (one of {', '.join(enum_type.keys()[1:])})", field)
    return value


def page_size(field: str, value: int, *, default: int, maximum: int) -> int:
    if value == 0:
        return default
    if not 1 <= value <= maximum:
        raise InvalidArgument(f"must be between 1 and {maximum}", field)
    return value


def optional_time(field: str, value: Timestamp) -> datetime | None:
    """An optional timestamp: None when unset."""
    if value.seconds == 0 and value.nanos == 0:
        return None
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument("is not a valid time", field) from exc


def future_time(field: str, value: Timestamp, *, now: datetime | None = None) -> datetime:
    moment = optional_time(field, value)
    if moment is None:
        raise InvalidArgument("is required", field)
    if moment <= (now or datetime.now(UTC)):
        raise InvalidArgument("must lie in the future", field)
    return moment
