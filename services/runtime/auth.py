"""Who is calling: bearer tokens in the `authorization` metadata give identity, role and org scope.

Tokens are JWTs signed with EdDSA (services/runtime/token_keys.py): a token verifies only with a public key of the
deployment's key set that may sign for the token's role, and only with this deployment's issuer and audience, a
token id, and a lifetime no longer than the deployment allows. The scope is an org unit id: the caller may act on
that unit and everything below it; "*" is the whole deployment. A calling system's token also names its credential
and the methods it may call; a revoked credential's tokens are refused (Revocations).
"""

from __future__ import annotations

import contextvars
import enum
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from services.runtime.errors import Unauthenticated, Unavailable
from services.runtime.token_keys import ALGORITHM, KeySet, SigningKey

WHOLE_DEPLOYMENT = "*"
_LEEWAY_SECONDS = 30  # clocks of the issuer and the verifier may differ this much


class Role(enum.StrEnum):
    ADMIN = "admin"  # platform operator: everything in scope
    STAFF = "staff"  # community or street staff: review, publish, assign, read personal data in scope
    MEMBER = "member"  # a registered party member acting for themselves
    SYSTEM = "system"  # another government system: the 12345 hotline, the party-member information system
    SERVICE = "service"  # linli's own services and workflow worker calling each other


@dataclass(frozen=True)
class Quota:
    """What one calling system may ask of each replica; a 0 takes the deployment's default."""

    calls_per_second: float = 0.0
    burst: int = 0
    max_streams: int = 0


@dataclass(frozen=True)
class Caller:
    subject: str
    role: Role
    scope: str
    token_id: str = ""
    credential: str = ""  # a calling system's credential id ("" for other callers)
    methods: frozenset[str] | None = None  # the methods a calling system's credential names (None: not narrowed)
    quota: Quota | None = None  # a calling system's quota (None: the deployment's default)
    actor: str = ""  # the front end that obtained this user's token ("system:<name>"), if one did

    @property
    def key(self) -> str:
        """Who this caller is, for keys that must belong to one caller (retry keys): the subject *and* its role and
        scope, so a token for the same subject with another role or scope never shares them."""
        return json.dumps([self.role.value, self.scope, self.subject], ensure_ascii=False, separators=(",", ":"))

    def retry_key(self, request_id: str) -> str:
        """A request id as this caller's own: one caller's retry never answers, or collides with, another's."""
        return json.dumps(
            [self.role.value, self.scope, self.subject, request_id], ensure_ascii=False, separators=(",", ":")
        )

    def covers(self, org_unit_id: str, ancestor_ids: Iterable[str]) -> bool:
        """True when the unit (given with its ancestors) lies inside this caller's scope. Handlers ask through
        services/runtime/access.py, which records that the call's scope was checked."""
        return self.scope == WHOLE_DEPLOYMENT or self.scope == org_unit_id or self.scope in set(ancestor_ids)


@dataclass(frozen=True)
class TokenPolicy:
    """What every token of this deployment must carry besides a good signature."""

    issuer: str = "linli"
    audience: str = "linli"
    max_lifetime_seconds: int = 400 * 86400


DEFAULT_POLICY = TokenPolicy()


def issue_token(
    key: SigningKey,
    subject: str,
    role: Role,
    scope: str,
    ttl_seconds: int,
    *,
    policy: TokenPolicy = DEFAULT_POLICY,
    token_id: str = "",
    credential: str = "",
    methods: Sequence[str] | None = None,
    actor: str = "",
    issued_at: int | None = None,
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """A token signed with `key`, which must be one that may sign for `role`. Given the same arguments and
    `issued_at`, it is the same token (Ed25519 signatures are deterministic)."""
    if role.value not in key.roles:
        raise ValueError(f"key {key.kid} may not sign tokens for role {role.value}")
    now = int(time.time()) if issued_at is None else issued_at
    claims: dict[str, Any] = {
        **(extra_claims or {}),
        "iss": policy.issuer,
        "aud": policy.audience,
        "sub": subject,
        "role": role.value,
        "scope": scope,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": token_id or uuid.uuid4().hex,
    }
    if credential:
        claims["cred"] = credential
    if methods is not None:
        claims["methods"] = sorted(methods)
    if actor:
        claims["act"] = {"sub": actor}  # RFC 8693: who obtained the token for its subject
    return jwt.encode(claims, key.key, algorithm=ALGORITHM, headers={"kid": key.kid})


class Revocations:
    """Token ids refused from a moment on (a revoked or rotated credential's tokens), as last read.

    A calling system's token is accepted only while the list is fresh (read within `max_age` seconds): a process that
    cannot read it answers UNAVAILABLE to credential tokens rather than let a revoked one through."""

    def __init__(self, max_age: float = 60.0) -> None:
        self.max_age = max_age
        self._from: dict[str, float] = {}
        self._credentials: frozenset[str] = frozenset()
        self._by_certificate: dict[str, Caller] = {}
        self._read_at: float | None = None

    def replace(
        self,
        entries: Mapping[str, float],
        read_at: float | None = None,
        credentials: Iterable[str] = (),
        by_certificate: Mapping[str, Caller] | None = None,
    ) -> None:
        """The revoked token ids (each refused from a moment on) and the revoked credentials, whose every token
        is refused — the users' tokens a front end obtained with it included; and the credentials in force that a
        client certificate may stand for, by system name."""
        self._from = dict(entries)
        self._credentials = frozenset(credentials)
        self._by_certificate = dict(by_certificate or {})
        self._read_at = time.time() if read_at is None else read_at

    def certificate_caller(self, common_name: str, now: float) -> Caller:
        """The calling system a verified client certificate names, while its credential is in force."""
        if not self.fresh(now):
            raise Unavailable(f"the credentials could not be read in the last {self.max_age:g} s; retry shortly")
        caller = self._by_certificate.get(common_name)
        if caller is None:
            raise Unauthenticated(
                f"the client certificate names '{common_name}', which has no credential in force that accepts "
                "certificates, and the call has no bearer token"
            )
        return caller

    def revoked(self, caller: Caller, now: float) -> bool:
        since = self._from.get(caller.token_id)
        return (since is not None and now >= since) or caller.credential in self._credentials

    def fresh(self, now: float) -> bool:
        return self._read_at is not None and now - self._read_at <= self.max_age


class Revoked(Unauthenticated):
    """A revoked token was used: the refusal names the caller, so it can be audited."""

    def __init__(self, caller: Caller) -> None:
        super().__init__("the bearer token has been revoked")
        self.caller = caller


def _verified(keys: KeySet, policy: TokenPolicy, token: str) -> tuple[Caller, float]:
    """The token's caller and its expiry (seconds since the epoch), once its signature and claims check out."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated("the bearer token is malformed: not a signed JWT") from exc
    if header.get("alg") != ALGORITHM:
        raise Unauthenticated(f"the bearer token is not signed with {ALGORITHM}")
    kid = header.get("kid")
    public = keys.get(kid) if isinstance(kid, str) else None
    if public is None:
        raise Unauthenticated(f"the bearer token is signed by key {kid!r}, which this deployment does not trust")
    try:
        claims = jwt.decode(
            token,
            public.key,
            algorithms=[ALGORITHM],
            audience=policy.audience,
            issuer=policy.issuer,
            leeway=_LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "sub", "iat", "exp", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("the bearer token has expired") from exc
    except jwt.InvalidSignatureError as exc:
        raise Unauthenticated("the bearer token's signature does not verify") from exc
    except jwt.InvalidAudienceError as exc:
        raise Unauthenticated(f"the bearer token is not for this deployment (audience {policy.audience})") from exc
    except jwt.InvalidIssuerError as exc:
        raise Unauthenticated(f"the bearer token was not issued by {policy.issuer}") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise Unauthenticated(f"the bearer token lacks the claim '{exc.claim}'") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated(f"the bearer token is not valid: {exc}") from exc
    try:
        role = Role(claims.get("role", ""))
    except ValueError as exc:
        raise Unauthenticated("the bearer token names no known role") from exc
    if role.value not in public.roles:
        raise Unauthenticated(f"the bearer token's key {public.kid} may not sign tokens for role {role.value}")
    scope = claims.get("scope")
    if not isinstance(scope, str) or not scope:
        raise Unauthenticated("the bearer token names no org scope")
    issued, expires = claims["iat"], claims["exp"]
    if not isinstance(issued, int | float) or expires - issued > policy.max_lifetime_seconds:
        raise Unauthenticated(f"the bearer token lives longer than {policy.max_lifetime_seconds} seconds")
    methods = claims.get("methods")
    if methods is not None and not (isinstance(methods, list) and all(isinstance(m, str) for m in methods)):
        raise Unauthenticated("the bearer token's methods are not a list of method names")
    quota = claims.get("quota")
    if quota is not None:
        if not (isinstance(quota, list) and len(quota) == 3 and all(isinstance(q, int | float) for q in quota)):
            raise Unauthenticated("the bearer token's quota is not [calls per second, burst, streams]")
        quota = Quota(float(quota[0]), int(quota[1]), int(quota[2]))
    caller = Caller(
        subject=str(claims["sub"]),
        role=role,
        scope=scope,
        token_id=str(claims["jti"]),
        credential=str(claims.get("cred", "")),
        methods=None if methods is None else frozenset(methods),
        quota=quota,
        actor=str(actor.get("sub", "")) if isinstance(actor := claims.get("act"), dict) else "",
    )
    return caller, float(expires)


def has_bearer_token(metadata: Iterable[tuple[str, str | bytes]] | None) -> bool:
    return any(key == "authorization" for key, _ in metadata or ())


def _bearer_token(metadata: Iterable[tuple[str, str | bytes]] | None) -> str:
    for key, value in metadata or ():
        if key == "authorization":
            text = value.decode() if isinstance(value, bytes) else value
            scheme, _, token = text.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise Unauthenticated("authorization metadata must be 'Bearer <token>'")
            return token.strip()
    raise Unauthenticated("no bearer token in the authorization metadata")


class TokenVerifier:
    """Verifies bearer tokens and remembers each verified one with its caller until the token expires.

    A token is signed and immutable, so the same token gives the same caller until its `exp`: checking the
    signature again on every call (about 50-80 µs) tells nothing new. Revocation is checked on every call. Tokens
    that fail are not remembered.
    """

    def __init__(
        self,
        keys: KeySet,
        policy: TokenPolicy = DEFAULT_POLICY,
        revocations: Revocations | None = None,
        max_tokens: int = 10_000,
    ) -> None:
        self._keys = keys
        self._policy = policy
        self.revocations = revocations or Revocations()
        self._max_tokens = max_tokens
        self._verified: dict[str, tuple[Caller, float]] = {}

    def caller(self, metadata: Iterable[tuple[str, str | bytes]] | None) -> Caller:
        token = _bearer_token(metadata)
        now = time.time()
        known = self._verified.get(token)
        if known is not None and now < known[1]:
            caller = known[0]
        else:
            caller, expires = _verified(self._keys, self._policy, token)
            if len(self._verified) >= self._max_tokens:
                # Rare (that many live tokens at once): start afresh rather than keep an LRU's bookkeeping per call.
                self._verified.clear()
            self._verified[token] = (caller, expires)
        if self.revocations.revoked(caller, now):
            raise Revoked(caller)
        if caller.credential and not self.revocations.fresh(now):
            raise Unavailable(
                f"the revoked credentials could not be read in the last {self.revocations.max_age:g} s; retry shortly"
            )
        return caller


_current_caller: contextvars.ContextVar[Caller] = contextvars.ContextVar("linli_caller")


def set_current_caller(caller: Caller) -> contextvars.Token[Caller]:
    return _current_caller.set(caller)


def reset_current_caller(token: contextvars.Token[Caller]) -> None:
    _current_caller.reset(token)


def current_caller() -> Caller:
    """The authenticated caller of the call being handled (set by the call interceptor)."""
    return _current_caller.get()
