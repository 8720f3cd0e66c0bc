"""Bearer tokens: identity, role and org scope, signed with EdDSA keys that may sign only for their roles."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from services.runtime import access
from services.runtime.auth import Caller, Revocations, Role, TokenPolicy, TokenVerifier, issue_token
from services.runtime.errors import PermissionDenied, Unauthenticated, Unavailable
from services.runtime.token_keys import ALGORITHM, KeySet, SigningKey
from tests.helpers.tokens import ISSUER, KEYS, SERVICE

Metadata = tuple[tuple[str, str], ...]


def _bearer(token: str) -> Metadata:
    return (("authorization", f"Bearer {token}"),)


def _caller(token: str, verifier: TokenVerifier | None = None) -> Caller:
    return (verifier or TokenVerifier(KEYS)).caller(_bearer(token))


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": "linli", "aud": "linli", "sub": "x", "role": "admin", "scope": "*", "iat": now}
    return {**claims, "exp": now + 60, "jti": "t1", **overrides}


def _signed(claims: dict[str, Any], key: SigningKey = ISSUER, kid: str | None = None) -> str:
    return jwt.encode(claims, key.key, algorithm=ALGORITHM, headers={"kid": kid or key.kid})


def test_a_token_carries_subject_role_scope_and_its_id() -> None:
    token = issue_token(ISSUER, "hotline-12345", Role.SYSTEM, "42", 60, token_id="t9", methods=["SubmitWish"])
    caller = _caller(token)
    assert (caller.subject, caller.role, caller.scope, caller.token_id) == ("hotline-12345", Role.SYSTEM, "42", "t9")
    assert caller.methods == frozenset({"SubmitWish"})
    assert _caller(issue_token(ISSUER, "ops", Role.ADMIN, "*", 60)).methods is None


# Made when the test runs, not when it is collected: a token made at collection would expire before a long run ends.
BAD_TOKENS: dict[str, Callable[[], str]] = {
    "malformed": lambda: "not-a-jwt",
    "not signed with EdDSA": lambda: jwt.encode(_claims(), "s" * 40, algorithm="HS256"),
    "'stranger', which this deployment does not": lambda: _signed(
        _claims(), SigningKey.generate("stranger", ("admin",))
    ),
    "signature does not verify": lambda: _signed(_claims(), SigningKey.generate("x", ("admin",)), kid=ISSUER.kid),
    "expired": lambda: _signed(_claims(exp=int(time.time()) - 120)),
    "not for this deployment": lambda: _signed(_claims(aud="another-district")),
    "not issued by linli": lambda: _signed(_claims(iss="someone-else")),
    "lacks the claim 'jti'": lambda: _signed({k: v for k, v in _claims().items() if k != "jti"}),
    "lives longer than": lambda: _signed(_claims(exp=int(time.time()) + 401 * 86400)),
    "no known role": lambda: _signed(_claims(role="mayor")),
    "no org scope": lambda: _signed(_claims(scope="")),
}


@pytest.mark.parametrize("reason", BAD_TOKENS)
def test_a_bad_token_is_unauthenticated_saying_why(reason: str) -> None:
    with pytest.raises(Unauthenticated, match=reason):
        _caller(BAD_TOKENS[reason]())


def test_a_service_key_cannot_make_an_admin_token() -> None:
    with pytest.raises(ValueError, match="may not sign tokens for role admin"):
        issue_token(SERVICE, "service:worker", Role.ADMIN, "*", 60)
    # Signed by hand with the worker's key, the token is refused: the key set says what the key may sign for.
    with pytest.raises(Unauthenticated, match="key test-service may not sign tokens for role admin"):
        _caller(_signed(_claims(role="admin"), SERVICE))
    assert _caller(issue_token(SERVICE, "service:worker", Role.SERVICE, "*", 60)).role is Role.SERVICE


def test_tokens_of_an_old_and_a_new_key_both_verify_while_both_are_trusted() -> None:
    old, new = SigningKey.generate("k-old", ("admin",)), SigningKey.generate("k-new", ("admin",))
    both = TokenVerifier(KeySet.of([old.public, new.public]))
    old_token, new_token = (issue_token(k, "ops", Role.ADMIN, "*", 60) for k in (old, new))
    assert _caller(old_token, both).subject == _caller(new_token, both).subject == "ops"
    after = TokenVerifier(KeySet.of([new.public]))  # the old key dropped once its tokens have expired
    assert _caller(new_token, after).subject == "ops"
    with pytest.raises(Unauthenticated, match="k-old"):
        _caller(old_token, after)


def test_the_deployment_sets_issuer_audience_and_the_longest_lifetime() -> None:
    policy = TokenPolicy(issuer="baoji", audience="jintai", max_lifetime_seconds=3600)
    verifier = TokenVerifier(KEYS, policy)
    assert _caller(issue_token(ISSUER, "ops", Role.ADMIN, "*", 3600, policy=policy), verifier).subject == "ops"
    with pytest.raises(Unauthenticated, match="lives longer than 3600"):
        _caller(issue_token(ISSUER, "ops", Role.ADMIN, "*", 3601, policy=policy), verifier)
    with pytest.raises(Unauthenticated, match="audience jintai"):
        _caller(issue_token(ISSUER, "ops", Role.ADMIN, "*", 60, policy=TokenPolicy(issuer="baoji")), verifier)
    with pytest.raises(Unauthenticated, match="not issued by baoji"):
        _caller(issue_token(ISSUER, "ops", Role.ADMIN, "*", 60, policy=TokenPolicy(audience="jintai")), verifier)


def test_a_revoked_token_is_refused_even_when_remembered() -> None:
    verifier = TokenVerifier(KEYS)
    token = issue_token(ISSUER, "system:hotline", Role.SYSTEM, "42", 600, token_id="cred-1-g1")
    assert _caller(token, verifier).subject == "system:hotline"
    verifier.revocations.replace({"cred-1-g1": time.time() + 3600})  # revoked from an hour on: still good now
    assert _caller(token, verifier).subject == "system:hotline"
    verifier.revocations.replace({"cred-1-g1": time.time() - 1})
    with pytest.raises(Unauthenticated, match="revoked"):
        _caller(token, verifier)


@pytest.mark.parametrize(
    "metadata", [(), (("authorization", "Basic abc"),), (("authorization", "Bearer"),), (("x-other", "Bearer t"),)]
)
def test_missing_or_malformed_authorization_is_unauthenticated(metadata: Metadata) -> None:
    with pytest.raises(Unauthenticated):
        TokenVerifier(KEYS).caller(metadata)


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
    token = issue_token(ISSUER, "hotline-12345", Role.SYSTEM, "42", 60, token_id="t1")
    metadata = _bearer(token)
    tokens = TokenVerifier(KEYS)
    decoded: list[str] = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *args, **kwargs: decoded.append("x") or real_decode(*args, **kwargs))
    assert tokens.caller(metadata) == tokens.caller(metadata) == Caller("hotline-12345", Role.SYSTEM, "42", "t1")
    assert len(decoded) == 1  # the signature was checked once
    # Past its expiry the remembered answer no longer holds: the token is checked again (and PyJWT, on its own
    # clock, refuses it once it has really expired).
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    tokens.caller(metadata)
    assert len(decoded) == 2


def test_a_refused_token_is_not_remembered() -> None:
    tokens = TokenVerifier(KEYS)
    forged = _bearer(_signed(_claims(), SigningKey.generate("x", ("admin",)), kid=ISSUER.kid))
    for _ in range(2):
        with pytest.raises(Unauthenticated, match="does not verify"):
            tokens.caller(forged)
    with pytest.raises(Unauthenticated):
        tokens.caller((("authorization", "Basic abc"),))


def test_a_credential_token_needs_a_fresh_list_of_revocations() -> None:
    verifier = TokenVerifier(KEYS)
    token = issue_token(ISSUER, "system:hotline", Role.SYSTEM, "42", 600, token_id="cred-7-g1", credential="7")
    with pytest.raises(Unavailable, match="revoked credentials could not be read"):
        _caller(token, verifier)  # never read: a revoked one could pass, so none does
    verifier.revocations.replace({}, read_at=time.time())
    assert _caller(token, verifier).credential == "7"
    verifier.revocations.replace({}, read_at=time.time() - 61)  # the registry has not answered for a minute
    with pytest.raises(Unavailable):
        _caller(token, verifier)
    # Tokens that are not a calling system's credential do not depend on the list.
    assert _caller(issue_token(ISSUER, "ops", Role.ADMIN, "*", 60), verifier).subject == "ops"


def test_a_client_certificate_stands_for_its_systems_credential_while_in_force() -> None:
    revocations = Revocations()
    monitor = Caller("system:elderly-care", Role.SYSTEM, "42", "certificate-9", "9", frozenset({"RaiseAlert"}))
    with pytest.raises(Unavailable):
        revocations.certificate_caller("elderly-care", time.time())  # nothing read yet
    revocations.replace({}, by_certificate={"elderly-care": monitor})
    assert revocations.certificate_caller("elderly-care", time.time()) == monitor
    with pytest.raises(Unauthenticated, match="names 'hotline', which has no credential in force"):
        revocations.certificate_caller("hotline", time.time())
    revocations.replace({}, by_certificate={})  # revoked: the registry no longer lists it
    with pytest.raises(Unauthenticated):
        revocations.certificate_caller("elderly-care", time.time())
