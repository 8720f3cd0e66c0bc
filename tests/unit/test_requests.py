"""Request checks and page tokens: each failure names what to fix."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from linli.wishes.v1 import wishes_pb2

from services.runtime import validate
from services.runtime.errors import InvalidArgument
from services.runtime.paging import decode_page_token, encode_page_token


def test_text_is_stripped_required_and_bounded() -> None:
    assert validate.text("text", "  我想找对象 ", max_length=10) == "我想找对象"
    with pytest.raises(InvalidArgument, match="is required") as missing:
        validate.text("text", "   ", max_length=10)
    assert missing.value.field == "text"
    with pytest.raises(InvalidArgument, match="at most 2000 characters"):
        validate.text("text", "x" * 100_000, max_length=2000)


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "1.5", "99999999999999999999", "１２"])
def test_ids_must_be_positive_whole_numbers(raw: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        validate.entity_id("wish_id", raw)
    assert error.value.field == "wish_id"


def test_enum_values_must_be_known_and_set() -> None:
    assert validate.enum("source", wishes_pb2.WISH_SOURCE_HOTLINE, wishes_pb2.WishSource) == 4
    with pytest.raises(InvalidArgument, match="is required"):
        validate.enum("source", 0, wishes_pb2.WishSource)
    with pytest.raises(InvalidArgument, match="not a known value"):
        validate.enum("source", 99, wishes_pb2.WishSource)
    assert validate.enum("category", 0, wishes_pb2.WishCategory, required=False) == 0


def test_deadlines_must_lie_in_the_future() -> None:
    past = Timestamp()
    past.FromDatetime(datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(InvalidArgument, match="future"):
        validate.future_time("approve.deadline", past)
    with pytest.raises(InvalidArgument, match="required"):
        validate.future_time("approve.deadline", Timestamp())


def test_an_optional_time_left_unset_is_none_and_one_out_of_range_names_its_field() -> None:
    assert validate.optional_time("start_time", Timestamp()) is None
    moment = Timestamp()
    moment.FromDatetime(datetime(2026, 5, 1, 8, 30, tzinfo=UTC))
    assert validate.optional_time("start_time", moment) == datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    with pytest.raises(InvalidArgument, match="not a valid time") as refused:
        validate.optional_time("end_time", Timestamp(seconds=2**62))
    assert refused.value.field == "end_time"


def test_page_tokens_round_trip_and_refuse_other_queries_and_forgeries() -> None:
    query = {"org_unit": 5, "skill": None}
    token = encode_page_token(query, [41])
    assert decode_page_token(token, query) == [41]
    assert decode_page_token("", query) is None
    with pytest.raises(InvalidArgument, match="different query"):
        decode_page_token(token, {"org_unit": 6, "skill": None})
    with pytest.raises(InvalidArgument, match="page token"):
        decode_page_token("not-a-token", query)


@pytest.mark.parametrize(
    "forged",
    [
        # What a client could build from the old, unsigned form: JSON nested 100,000 deep (a RecursionError).
        base64.urlsafe_b64encode(b"[" * 100_000 + b"]" * 100_000).decode(),
        base64.urlsafe_b64encode(json.dumps({"q": "0" * 16, "k": [1]}).encode()).decode(),
        "A" * 10_000,
        "%%%not base64%%%",
        "",
    ],
    ids=["deep-json", "unsigned", "too-long", "not-base64", "empty-is-first-page"],
)
def test_a_page_token_the_service_did_not_sign_is_invalid_argument_naming_page_token(forged: str) -> None:
    query = {"org_unit": 5}
    if not forged:
        assert decode_page_token(forged, query) is None
        return
    with pytest.raises(InvalidArgument) as refused:
        decode_page_token(forged, query)
    assert refused.value.field == "page_token"


def test_a_tampered_page_token_is_refused_and_a_token_is_short() -> None:
    token = encode_page_token({"org_unit": 5}, [123456789, "2026-12-04T10:00:00+00:00"])
    assert len(token) < 200
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-3] ^= 1  # one bit of the last key
    with pytest.raises(InvalidArgument):
        decode_page_token(base64.urlsafe_b64encode(bytes(raw)).decode(), {"org_unit": 5})
