"""Proto enums by the names linli stores and logs: WISH_STATE_PUBLISHED is "published"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

if TYPE_CHECKING:
    from google.protobuf.internal.enum_type_wrapper import _EnumTypeWrapper

E = TypeVar("E", bound=int)  # one enum's values: pb.WishState, ...


class EnumNames(NamedTuple, Generic[E]):
    names: dict[int, str]  # number → stored name
    numbers: dict[str, E]  # stored name → number


def names_of(enum_type: type[E]) -> EnumNames[E]:
    """Every value but UNSPECIFIED, by number and by name: the proto name less the enum's prefix, in lower case.

    The prefix is the zero value's name less UNSPECIFIED (buf lint holds every enum to that shape), so it is never
    restated beside the enum."""
    # protoc's .pyi makes each enum an int subclass with its wrapper as metaclass, and that wrapper's stubs hand out
    # plain ints; at run time the enum is its wrapper and its values are those ints.
    wrapper: _EnumTypeWrapper[E] = enum_type  # type: ignore[assignment]
    prefix = wrapper.DESCRIPTOR.values_by_number[0].name.removesuffix("UNSPECIFIED")
    numbers: dict[str, E] = {}
    for name, number in wrapper.items():
        if not name.startswith(prefix):
            raise ValueError(f"{name} does not start with {prefix}")
        if number != 0:
            numbers[name.removeprefix(prefix).lower()] = number
    return EnumNames({number: name for name, number in numbers.items()}, numbers)


def name_of(enum_type: type[E], number: int) -> str:
    """One value's stored name; "" for UNSPECIFIED or a number this build does not know."""
    names = _NAMES.get(enum_type)
    if names is None:
        names = _NAMES[enum_type] = names_of(enum_type).names
    return names.get(number, "")


_NAMES: dict[type, dict[int, str]] = {}
