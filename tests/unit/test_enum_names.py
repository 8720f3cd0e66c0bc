"""Proto enums by their stored names: one helper for every enum of the API."""

from __future__ import annotations

import pytest
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from linli.dispatch.v1 import activities_pb2, dispatch_pb2
from linli.registry.v1 import registry_pb2
from linli.wishes.v1 import wishes_pb2

from services.runtime.enums import names_of


def test_a_value_is_named_without_its_enums_prefix_in_lower_case() -> None:
    states, numbers = names_of(wishes_pb2.WishState)
    assert states[wishes_pb2.WISH_STATE_PUBLISHED] == "published"
    assert states[wishes_pb2.WISH_STATE_NOT_FEASIBLE] == "not_feasible"
    assert numbers["published"] == wishes_pb2.WISH_STATE_PUBLISHED
    assert wishes_pb2.WISH_STATE_UNSPECIFIED not in states and "unspecified" not in numbers


@pytest.mark.parametrize(
    "enum_type",
    [
        registry_pb2.OrgUnitKind,
        registry_pb2.Skill,
        wishes_pb2.WishCategory,
        dispatch_pb2.AlertState,
        activities_pb2.ActivityNoticeKind,
    ],
)
def test_the_two_maps_are_each_others_inverse_over_every_value(enum_type: EnumTypeWrapper) -> None:
    names, numbers = names_of(enum_type)
    assert sorted(names) == sorted(n for n in enum_type.values() if n != 0)
    assert {number: name for name, number in numbers.items()} == names
