"""Proto enums by the names linli stores and logs: WISH_STATE_PUBLISHED is "published"."""

from __future__ import annotations

from typing import NamedTuple

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper


class EnumNames(NamedTuple):
    names: dict[int, str]  # number → stored name
    numbers: dict[str, int]  # stored name → number


def names_of(enum_type: EnumTypeWrapper) -> EnumNames:
    """Every value but UNSPECIFIED, by number and by name: the proto name less the enum's prefix, in lower case.

    The prefix is the zero value's name less UNSPECIFIED (buf lint holds every enum to that shape), so it is never
    restated beside the enum."""
    prefix = enum_type.Name(0).removesuffix("UNSPECIFIED")
    names: dict[int, str] = {}
    for name, number in enum_type.items():
        if not name.startswith(prefix):
            raise ValueError(f"{name} does not start with {prefix}")
        if number != 0:
            names[number] = name.removeprefix(prefix).lower()
    return EnumNames(names, {name: number for number, name in names.items()})
