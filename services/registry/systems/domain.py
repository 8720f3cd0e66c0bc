"""Calling systems' credentials: what a credential may name, and the token that carries it.

A credential's token is made again, byte for byte, from what is stored (Ed25519 signatures are deterministic), so a
retried IssueCredential returns the same token while linli keeps no copy of any token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.catalogue import rules
from services.runtime.auth import Quota, Role, TokenPolicy, issue_token
from services.runtime.errors import InvalidArgument
from services.runtime.token_keys import SigningKey

SYSTEM_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
MAX_DESCRIPTION = 500
DEFAULT_LIFETIME = timedelta(days=365)
MAX_OVERLAP = timedelta(days=1)
MAX_CALLS_PER_SECOND = 10_000.0
MAX_BURST = 100_000
MAX_STREAMS = 100
USER_SUBJECT = re.compile(r"^[\w.@-]{1,100}$")
USER_TOKEN_LIFETIME = timedelta(hours=1)
MAX_USER_TOKEN_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class Credential:
    id: int
    system: str
    description: str
    scope: str
    methods: tuple[str, ...]
    quota: Quota
    issued_at: datetime
    issued_by: str
    expires_at: datetime
    generation: int
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    client_certificate: bool = False  # its system may call with a client certificate instead of a token

    @property
    def subject(self) -> str:
        return f"system:{self.system}"


@dataclass(frozen=True)
class IssuedToken:
    """One token a credential was given: its id and its lifetime."""

    token_id: str
    issued_at: datetime
    expires_at: datetime


def token_id(credential_id: int, generation: int) -> str:
    return f"cred-{credential_id}-g{generation}"


def _system_methods() -> dict[str, str]:
    """Every method calling systems may call at all, by its name ("SubmitWish"), from the authorisation table."""
    return {full.rpartition("/")[2]: full for full, rule in rules().items() if Role.SYSTEM in rule.roles}


def checked_methods(names: Iterable[str]) -> tuple[str, ...]:
    """The methods a credential may name: each one the authorisation table lets calling systems call."""
    allowed = _system_methods()
    methods: list[str] = []
    for raw in names:
        name = raw.strip().rpartition("/")[2]
        if name not in allowed:
            raise InvalidArgument(
                f"'{raw}' is not a method calling systems may call (docs/authorisation.md, column system)", "methods"
            )
        if name not in methods:
            methods.append(name)
    if not methods:
        raise InvalidArgument("is required: at least one method the system may call", "methods")
    return tuple(sorted(methods))


def checked_quota(calls_per_second: float, burst: int, max_streams: int) -> Quota:
    if not 0 <= calls_per_second <= MAX_CALLS_PER_SECOND:
        raise InvalidArgument(f"must lie between 0 and {MAX_CALLS_PER_SECOND:g}", "quota.calls_per_second")
    if not 0 <= burst <= MAX_BURST:
        raise InvalidArgument(f"must lie between 0 and {MAX_BURST}", "quota.burst")
    if not 0 <= max_streams <= MAX_STREAMS:
        raise InvalidArgument(f"must lie between 0 and {MAX_STREAMS}", "quota.max_streams")
    return Quota(calls_per_second, burst, max_streams)


def token_for(
    key: SigningKey, policy: TokenPolicy, credential: Credential, issued: IssuedToken, methods: Sequence[str]
) -> str:
    """The bearer token of one of a credential's tokens, the same every time it is made."""
    issued_at = int(issued.issued_at.timestamp())
    quota = credential.quota
    return issue_token(
        key,
        credential.subject,
        Role.SYSTEM,
        credential.scope,
        int(issued.expires_at.timestamp()) - issued_at,
        policy=policy,
        token_id=issued.token_id,
        credential=str(credential.id),
        methods=methods,
        issued_at=issued_at,
        extra_claims={"quota": [quota.calls_per_second, quota.burst, quota.max_streams]},
    )
