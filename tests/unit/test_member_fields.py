"""Member fields as the field enters them: ID numbers, phones, tags, and how they are masked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry.domain import id_number_check_char, normalise_id_number, normalise_phone, normalise_tags
from services.runtime.errors import InvalidArgument
from services.runtime.pii import mask_id_number, mask_name, mask_phone

# A real-format example: 北京市东城区, born 1949-12-31 (GB 11643-1999's own example).
KNOWN_GOOD = "11010519491231002X"

regions = st.integers(min_value=110000, max_value=659999).map(str)
birth_dates = st.dates(min_value=date(1920, 1, 1), max_value=date(2010, 12, 31))
sequences = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    first17 = draw(regions) + draw(birth_dates).strftime("%Y%m%d") + draw(sequences)
    return first17 + id_number_check_char(first17)


def test_the_standards_own_example_passes() -> None:
    assert normalise_id_number("id_number", KNOWN_GOOD) == KNOWN_GOOD


@given(id_numbers())
def test_every_id_number_with_its_check_digit_is_accepted(id_number: str) -> None:
    assert normalise_id_number("id_number", id_number.lower()) == id_number


@given(id_numbers(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_one_digit_breaks_the_check_digit(id_number: str, position: int, shift: int) -> None:
    digits = list(id_number)
    digits[position] = str((int(digits[position]) + shift) % 10)
    altered = "".join(digits)
    with pytest.raises(InvalidArgument) as error:
        normalise_id_number("id_number", altered)
    assert error.value.field == "id_number"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "is required"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100Y2", "18 characters"),
        ("110105194913310024", "birth date"),
        ("110105194912310021", "check digit"),
    ],
)
def test_bad_id_numbers_say_what_is_wrong(value: str, reason: str) -> None:
    with pytest.raises(InvalidArgument, match=reason):
        normalise_id_number("id_number", value)


@given(id_numbers())
def test_a_masked_id_number_keeps_only_region_and_last_four(id_number: str) -> None:
    masked = mask_id_number(id_number)
    assert len(masked) == 18
    assert masked[:6] == id_number[:6] and masked[-4:] == id_number[-4:]
    assert masked[6:14] == "*" * 8  # the birth date never shows
    assert id_number[6:14] not in masked[6:]


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_a_masked_phone_hides_the_middle_four(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]


@given(st.text(min_size=1, max_size=12))
def test_a_masked_name_shows_only_its_first_character(name: str) -> None:
    masked = mask_name(name)
    assert len(masked) == len(name) and masked[0] == name[0] and set(masked[1:]) <= {"*"}


@pytest.mark.parametrize("phone", ["138 1234 5678", "+8613812345678", "138-1234-5678"])
def test_phones_are_normalised_to_eleven_digits(phone: str) -> None:
    assert normalise_phone("phone", phone) == "13812345678"


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "0571-8888888", "abc"])
def test_phones_that_are_not_mainland_mobiles_are_rejected(phone: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        normalise_phone("phone", phone)
    assert error.value.field == "phone"


def test_tags_are_deduplicated_and_bad_ones_named_by_index() -> None:
    assert normalise_tags("tags", ["广场舞", " 广场舞 ", "象棋"]) == ("广场舞", "象棋")
    with pytest.raises(InvalidArgument) as error:
        normalise_tags("tags", ["ok", "x" * 31])
    assert error.value.field == "tags[1]"


def test_a_birth_date_in_the_future_is_still_checked_as_a_date() -> None:
    tomorrow = date.today() + timedelta(days=1)
    first17 = "110105" + tomorrow.strftime("%Y%m%d") + "001"
    # A date that exists passes the date check; the check digit decides.
    assert normalise_id_number("id_number", first17 + id_number_check_char(first17)).startswith("110105")
