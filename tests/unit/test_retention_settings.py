"""The retention periods: their defaults, and a mistake in one names its variable."""

from __future__ import annotations

import pytest

from devstack.stack import Secrets
from services.runtime.config import Retention, load_settings
from services.runtime.env import ConfigError

SECRETS = Secrets()


def good(process: str, **extra: str) -> dict[str, str]:
    return {**SECRETS.as_environment(process), "DATABASE_URL": "postgresql://linli:pw@127.0.0.1:1/linli", **extra}


def test_by_default_residents_go_after_a_year_members_after_two_and_alert_addresses_after_a_month() -> None:
    assert load_settings("wishes", good("wishes")).retention == Retention(12, 24, 30)


def test_each_period_is_read_from_its_variable() -> None:
    env = {
        "LINLI_RETAIN_RESIDENT_MONTHS": "6",
        "LINLI_RETAIN_DEREGISTERED_MONTHS": "36",
        "LINLI_RETAIN_ALERT_ADDRESS_DAYS": "7",
    }
    assert load_settings("dispatch", good("dispatch", **env)).retention == Retention(6, 36, 7)


@pytest.mark.parametrize(
    "name", ["LINLI_RETAIN_RESIDENT_MONTHS", "LINLI_RETAIN_DEREGISTERED_MONTHS", "LINLI_RETAIN_ALERT_ADDRESS_DAYS"]
)
@pytest.mark.parametrize("value", ["0", "-1", "a year"])
def test_a_period_that_is_not_a_positive_whole_number_is_refused_naming_it(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings("registry", good("registry", **{name: value}))
