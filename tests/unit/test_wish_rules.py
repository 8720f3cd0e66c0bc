"""Wish rules with no I/O: which moves start where, fields, overdue, and the per-category limits."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.runtime.config import DEFAULT_DEADLINES, load_settings, parse_category_limits
from services.runtime.env import ConfigError
from services.runtime.errors import InvalidArgument
from services.wishes import domain
from services.wishes.claims import Claims
from services.wishes.contract import WishLimits
from services.wishes.relay import workflow_limits
from tests.helpers.tokens import token_environment

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
ENV = {
    **token_environment("wishes"),
    "LINLI_DATA_KEYS": f"k1:{base64.b64encode(bytes(32)).decode()}",
    "LINLI_LOOKUP_KEY": base64.b64encode(bytes(32)).decode(),
}


def a_wish(state: str, deadline: datetime | None) -> domain.Wish:
    return domain.Wish(
        id=1,
        community_id=5,
        text="我要一个音响",
        source="hotline",
        state=state,
        category="culture",
        service_standard="",
        deadline=deadline,
        reject_reason=None,
        claimant_member_id=None,
        resident_name_masked="张*",
        resident_contact_masked="",
        submitted_at=NOW,
        updated_at=NOW,
        version=1,
    )


def test_each_close_out_move_starts_only_where_the_field_allows_it() -> None:
    assert domain.FULFIL.from_states == {"claimed"}
    assert domain.CONFIRM.from_states == domain.DISPUTE.from_states == {"fulfilled"}
    assert domain.DISPUTE.to_state == "claimed"  # back to the claimant
    assert "fulfilled" not in domain.WITHDRAW.from_states  # done work is confirmed or disputed, not withdrawn
    assert domain.REOPEN.to_state == domain.RELEASE.to_state == "published"
    assert domain.CLOSED_STATES == {"rejected", "closed", "withdrawn", "not_feasible", "duplicate", "referred"}


@pytest.mark.parametrize(("state", "overdue"), [("claimed", True), ("published", True), ("fulfilled", False)])
def test_only_open_wishes_past_their_deadline_are_overdue(state: str, overdue: bool) -> None:
    assert a_wish(state, NOW - timedelta(minutes=1)).overdue(NOW) is overdue
    assert a_wish(state, NOW + timedelta(minutes=1)).overdue(NOW) is False
    assert a_wish(state, None).overdue(NOW) is False


@pytest.mark.parametrize("hours", [0, -1, 24.5, float("nan"), float("inf")])
def test_hours_outside_a_day_are_refused_naming_the_field(hours: float) -> None:
    with pytest.raises(InvalidArgument) as error:
        domain.fulfilment_hours("hours", hours)
    assert error.value.field == "hours"


def test_hours_are_kept_to_the_hundredth() -> None:
    assert domain.fulfilment_hours("hours", 1.234) == 1.23


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_is_one_to_five(rating: int) -> None:
    with pytest.raises(InvalidArgument):
        domain.rating("confirm.rating", rating)


def test_category_limits_parse_and_reach_the_workflow_in_seconds() -> None:
    limits = parse_category_limits("V", "medical_care:claim=24h,confirm=3d; legal_aid:review=12h")
    assert limits == {
        "medical_care": {"claim": timedelta(hours=24), "confirm": timedelta(days=3)},
        "legal_aid": {"review": timedelta(hours=12)},
    }
    settings = load_settings("wishes", {**ENV, "LINLI_WISH_CATEGORY_LIMITS": "medical_care:claim=24h"})
    converted = workflow_limits(settings.wish_limits)
    assert converted.seconds("claim", "medical_care") == 24 * 3600
    assert converted.seconds("claim", "culture") == 72 * 3600
    assert converted.confirm_seconds == 7 * 86400 and converted.overdue_grace_seconds == 48 * 3600
    assert settings.wish_limits.max_open_claims == 5


@pytest.mark.parametrize("text", ["medical_care", "medical_care:claim", "medical_care:sleep=1h", "Medical:claim=1h"])
def test_malformed_category_limits_stop_the_start(text: str) -> None:
    with pytest.raises(ConfigError, match="LINLI_WISH_CATEGORY_LIMITS"):
        load_settings("wishes", {**ENV, "LINLI_WISH_CATEGORY_LIMITS": text})


def test_an_unknown_category_stops_the_wishes_service() -> None:
    settings = load_settings("wishes", {**ENV, "LINLI_WISH_CATEGORY_LIMITS": "gardening:claim=1h"})
    with pytest.raises(ConfigError, match="gardening"):
        workflow_limits(settings.wish_limits)


def test_a_workflow_input_of_release_one_still_reads() -> None:
    old = WishLimits(review_seconds=10, publish_seconds=20, claim_seconds=30)
    assert old.for_state("published", "culture") == 30 and old.for_state("claimed") is None
    assert old.seconds("confirm") == 7 * 86400


def test_closing_outcomes_end_any_wish_not_yet_fulfilled_and_assignment_takes_published_or_claimed() -> None:
    for move in domain.OUTCOMES.values():
        assert move.from_states == {"submitted", "approved", "published", "claimed"}
        assert move.to_state in domain.CLOSED_STATES
    assert domain.ASSIGN.from_states == {"published", "claimed"} and domain.ASSIGN.to_state == "claimed"


def test_similar_texts_score_high_whatever_their_punctuation_width_or_case() -> None:
    assert domain.text_similarity("我要一个音响组织大家跳舞", "我想要一个音响，组织大家跳广场舞！") >= 0.6
    assert domain.text_similarity("Ｗｉ-Fi 坏了", "wifi坏了") == 1.0
    assert domain.text_similarity("我希望就近打工", "我想找对象") == 0.0
    assert domain.text_similarity("", "……") == 0.0


def test_the_escalation_top_level_is_a_deployment_setting() -> None:
    assert load_settings("wishes", ENV).wish_limits.escalate_to == "district"
    settings = load_settings("wishes", {**ENV, "LINLI_WISH_ESCALATE_TO": "street"})
    assert workflow_limits(settings.wish_limits).escalate_to == "street"
    with pytest.raises(ConfigError, match="LINLI_WISH_ESCALATE_TO"):
        load_settings("wishes", {**ENV, "LINLI_WISH_ESCALATE_TO": "grid"})


def test_the_duplicate_check_stops_scoring_when_its_time_is_spent() -> None:
    candidates = [a_wish("published", None) for _ in range(domain.DUPLICATE_CANDIDATES)]
    ticks = iter(range(10_000))
    check = domain.possible_duplicates(
        "我要一个音响",
        candidates,
        budget_seconds=0.05,
        clock=lambda: next(ticks) / 100,  # 10 ms a look at the clock
    )
    assert check.scored == 6  # scored at 0, 10, ... 50 ms; at 60 ms the budget is spent
    assert len(check.suggestions) == domain.MAX_DUPLICATE_SUGGESTIONS
    unbounded = domain.possible_duplicates("我要一个音响", candidates * 5, budget_seconds=60)
    assert unbounded.scored == domain.DUPLICATE_CANDIDATES  # the most recent ones only


def test_a_text_too_short_to_be_alike_is_not_a_candidate() -> None:
    shortest = domain.shortest_possible_duplicate("我要一个音响组织大家跳舞")  # 11 pairs
    assert shortest == 5
    assert domain.text_similarity("我要一个音响组织大家跳舞", "我要一个") < domain.DUPLICATE_SIMILARITY


def test_a_category_may_bound_its_claims_extension_on_its_own() -> None:
    env = {**ENV, "LINLI_WISH_MAX_EXTENSION": "3d", "LINLI_WISH_CATEGORY_LIMITS": "legal_aid:extension=1d"}
    limits = load_settings("wishes", env).wish_limits
    assert limits.extension == timedelta(days=3) and limits.by_category == {
        "legal_aid": {"extension": timedelta(days=1)}
    }
    claims = SimpleNamespace(limits=limits)
    held = dataclasses.replace(a_wish("claimed", datetime.now(UTC) + timedelta(hours=1)), category="legal_aid")
    assert held.deadline is not None
    Claims._require_extensible(claims, held, held.deadline + timedelta(days=1))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="at most 1d") as error:
        Claims._require_extensible(claims, held, held.deadline + timedelta(days=1, minutes=1))  # type: ignore[arg-type]
    assert error.value.field == "new_deadline"
    culture = dataclasses.replace(held, category="culture")
    Claims._require_extensible(claims, culture, held.deadline + timedelta(days=3))  # type: ignore[arg-type]


def test_every_category_has_a_standard_deadline_and_the_deployment_may_change_some() -> None:
    assert set(DEFAULT_DEADLINES) == set(domain.CATEGORIES.values())
    settings = load_settings("wishes", {**ENV, "LINLI_WISH_CATEGORY_DEADLINES": "medical_care=2d; legal_aid=21d"})
    deadlines = settings.wish_limits.deadlines
    assert deadlines["medical_care"] == timedelta(days=2) and deadlines["legal_aid"] == timedelta(days=21)
    assert deadlines["culture"] == DEFAULT_DEADLINES["culture"] == timedelta(days=14)
    assert load_settings("wishes", ENV).wish_limits.deadlines == DEFAULT_DEADLINES


@pytest.mark.parametrize("text", ["medical_care", "gardening=3d", "medical_care=soon", "medical_care=30m"])
def test_a_malformed_category_deadline_stops_the_start(text: str) -> None:
    with pytest.raises(ConfigError, match="LINLI_WISH_CATEGORY_DEADLINES"):
        load_settings("wishes", {**ENV, "LINLI_WISH_CATEGORY_DEADLINES": text})
