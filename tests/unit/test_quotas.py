"""Calling systems' quotas: a token bucket each and a cap on streams, refused with RESOURCE_EXHAUSTED and a delay."""

from __future__ import annotations

import time

import pytest

from services.runtime.auth import Caller, Quota, Role
from services.runtime.errors import ResourceExhausted
from services.runtime.quotas import Quotas


def system(credential: str, quota: Quota | None = None) -> Caller:
    return Caller(f"system:{credential}", Role.SYSTEM, "1", credential=credential, quota=quota)


def test_a_burst_is_admitted_then_refused_with_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    quotas = Quotas(Quota(calls_per_second=2, burst=3, max_streams=1))
    hotline = system("1")
    for _ in range(3):
        quotas.admit(hotline, streaming=False)
    with pytest.raises(ResourceExhausted) as refused:
        quotas.admit(hotline, streaming=False)
    assert refused.value.retry_after == pytest.approx(0.5)
    assert any(d.type_url.endswith("RetryInfo") for d in refused.value.to_rich_status().details)
    now[0] += 0.5  # one call's worth refilled
    quotas.admit(hotline, streaming=False)


def test_each_system_has_its_own_bucket_and_its_credential_may_set_it() -> None:
    quotas = Quotas(Quota(calls_per_second=1, burst=1, max_streams=1))
    noisy, calm, roomy = system("1"), system("2"), system("3", Quota(calls_per_second=100, burst=50))
    quotas.admit(noisy, streaming=False)
    with pytest.raises(ResourceExhausted):
        quotas.admit(noisy, streaming=False)
    quotas.admit(calm, streaming=False)  # not slowed by the other's burst
    for _ in range(50):
        quotas.admit(roomy, streaming=False)


def test_streams_are_capped_until_released_and_other_callers_are_not_limited() -> None:
    quotas = Quotas(Quota(calls_per_second=100, burst=100, max_streams=1))
    importer = system("1")
    quotas.admit(importer, streaming=True)
    with pytest.raises(ResourceExhausted, match="1 streaming calls open"):
        quotas.admit(importer, streaming=True)
    quotas.release(importer)
    quotas.admit(importer, streaming=True)
    staff = Caller("s", Role.STAFF, "1")
    for _ in range(500):
        quotas.admit(staff, streaming=True)
