"""Who is calling: bearer tokens in the `authorization` metadata give identity, role and org scope.

Tokens are HS256 JWTs signed with LINLI_AUTH_SECRET. The scope is an org unit id: the caller may act on
that unit and everything below it; "*" is the whole deployment.
"""

from __future__ import annotations

import contextvars
import enum
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

import jwt

from services.runtime.errors import Unauthenticated

WHOLE_DEPLOYMENT = "*"
_ALGORITHM = "HS256"


class Role(enum.StrEnum):
    ADMIN = "admin"  # platform operator: everything in scope
    STAFF = "staff"  # community or street staff: review, publish, assign, read personal data in scope
    MEMBER = "member"  # a registered party member acting for themselves
    SYSTEM = "system"  # another government system: the 12345 hotline, the party-member information system
    SERVICE = "service"  # linli's own services and workflow worker calling each other


@dataclass(frozen=True)
class Caller:
    subject: str
    role: Role
    scope: str

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


def issue_token(secret: str, subject: str, role: Role, scope: str, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {"sub": subject, "role": role.value, "scope": scope, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def _verified(secret: str, token: str) -> tuple[Caller, float]:
    """The token's caller and its expiry (seconds since the epoch), once its signature and claims check out."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("the bearer token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated("the bearer token is not valid") from exc
    try:
        role = Role(claims.get("role", ""))
    except ValueError as exc:
        raise Unauthenticated("the bearer token names no known role") from exc
    scope = claims.get("scope")
    if not isinstance(scope, str) or not scope:
        raise Unauthenticated("the bearer token names no org scope")
    return Caller(subject=str(claims["sub"]), role=role, scope=scope), float(claims["exp"])


def verify_token(secret: str, token: str) -> Caller:
    return _verified(secret, token)[0]


def _bearer_token(metadata: Iterable[tuple[str, str | bytes]] | None) -> str:
    for key, value in metadata or ():
        if key == "authorization":
            text = value.decode() if isinstance(value, bytes) else value
            scheme, _, token = text.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise Unauthenticated("authorization metadata must be 'Bearer <token>'")
            return token.strip()
    raise Unauthenticated("no bearer token in the authorization metadata")


def caller_from_metadata(secret: str, metadata: Iterable[tuple[str, str | bytes]] | None) -> Caller:
    return verify_token(secret, _bearer_token(metadata))


class TokenVerifier:
    """Verifies bearer tokens and remembers each verified one with its caller until the token expires.

    A token is signed and immutable, so the same token gives the same caller until its `exp`: checking the
    signature again on every call (about 50-80 µs) tells nothing new. Tokens that fail are not remembered.
    """

    def __init__(self, secret: str, max_tokens: int = 10_000) -> None:
        self._secret = secret
        self._max_tokens = max_tokens
        self._verified: dict[str, tuple[Caller, float]] = {}

    def caller(self, metadata: Iterable[tuple[str, str | bytes]] | None) -> Caller:
        token = _bearer_token(metadata)
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        caller, expires = _verified(self._secret, token)
        if len(self._verified) >= self._max_tokens:
            # Rare (that many live tokens at once): start afresh rather than keep an LRU's bookkeeping per call.
            self._verified.clear()
        self._verified[token] = (caller, expires)
        return caller


_current_caller: contextvars.ContextVar[Caller] = contextvars.ContextVar("linli_caller")


def set_current_caller(caller: Caller) -> contextvars.Token[Caller]:
    return _current_caller.set(caller)


def reset_current_caller(token: contextvars.Token[Caller]) -> None:
    _current_caller.reset(token)


def current_caller() -> Caller:
    """The authenticated caller of the call being handled (set by the call interceptor)."""
    return _current_caller.get()
