"""Bearer tokens: identity, role and org scope."""

from __future__ import annotations

import time

import jwt
import pytest

from services.runtime import access
from services.runtime.auth import Caller, Role, TokenVerifier, caller_from_metadata, issue_token, verify_token
from services.runtime.errors import PermissionDenied, Unauthenticated

SECRET = "s" * 40


def test_a_token_carries_subject_role_and_scope() -> None:
    token = issue_token(SECRET, "hotline-12345", Role.SYSTEM, "42", 60)
    assert verify_token(SECRET, token) == Caller("hotline-12345", Role.SYSTEM, "42")


def test_an_expired_token_is_unauthenticated() -> None:
    token = issue_token(SECRET, "x", Role.STAFF, "1", -10)
    with pytest.raises(Unauthenticated, match="expired"):
        verify_token(SECRET, token)


def test_a_token_signed_with_another_secret_is_unauthenticated() -> None:
    token = issue_token("o" * 40, "x", Role.ADMIN, "*", 60)
    with pytest.raises(Unauthenticated, match="not valid"):
        verify_token(SECRET, token)


def test_a_token_with_an_unknown_role_is_unauthenticated() -> None:
    token = jwt.encode({"sub": "x", "role": "mayor", "scope": "*", "exp": 2**40}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthenticated, match="role"):
        verify_token(SECRET, token)


@pytest.mark.parametrize(
    "metadata", [(), (("authorization", "Basic abc"),), (("authorization", "Bearer"),), (("x-other", "Bearer t"),)]
)
def test_missing_or_malformed_authorization_is_unauthenticated(metadata: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(Unauthenticated):
        caller_from_metadata(SECRET, metadata)


def test_scope_covers_the_unit_and_everything_below_it() -> None:
    street_staff = Caller("s", Role.STAFF, "7")
    assert street_staff.covers("7", ["1", "3"])  # the street itself
    assert street_staff.covers("90", ["1", "3", "7", "12"])  # a community under it
    assert not street_staff.covers("91", ["1", "3", "8"])  # a community under another street
    with pytest.raises(PermissionDenied, match="91 is outside"):
        access.require_scope(street_staff, "91", ["1", "3", "8"])
    assert Caller("a", Role.ADMIN, "*").covers("91", ["1"])


def test_a_role_outside_the_rule_is_denied_naming_the_method() -> None:
    with pytest.raises(PermissionDenied, match="'member' may not call ImportMembers"):
        access.require_role(Caller("5", Role.MEMBER, "9"), access.rule(access.STAFF, access.PUBLIC), "ImportMembers")


def test_retry_keys_belong_to_one_caller_its_role_and_scope_included() -> None:
    hotline = Caller("hotline-12345", Role.SYSTEM, "42")
    keys = {
        c.retry_key("r1")
        for c in (hotline, Caller("hotline-12345", Role.SYSTEM, "43"), Caller("hotline-12345", Role.STAFF, "42"))
    }
    assert len(keys) == 3 and hotline.retry_key("r1") == hotline.retry_key("r1") != hotline.retry_key("r2")


def test_a_verified_token_is_remembered_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = issue_token(SECRET, "hotline-12345", Role.SYSTEM, "42", 60)
    metadata = (("authorization", f"Bearer {token}"),)
    tokens = TokenVerifier(SECRET)
    decoded: list[str] = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *args, **kwargs: decoded.append("x") or real_decode(*args, **kwargs))
    assert tokens.caller(metadata) == tokens.caller(metadata) == Caller("hotline-12345", Role.SYSTEM, "42")
    assert len(decoded) == 1  # the signature was checked once
    # Past its expiry the remembered answer no longer holds: the token is checked again (and PyJWT, on its own
    # clock, refuses it once it has really expired).
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    tokens.caller(metadata)
    assert len(decoded) == 2


def test_a_refused_token_is_not_remembered() -> None:
    tokens = TokenVerifier(SECRET)
    forged = (("authorization", f"Bearer {issue_token('o' * 40, 'x', Role.ADMIN, '*', 60)}"),)
    for _ in range(2):
        with pytest.raises(Unauthenticated, match="not valid"):
            tokens.caller(forged)
    with pytest.raises(Unauthenticated):
        tokens.caller((("authorization", "Basic abc"),))
