"""Token keys for tests that run services in-process: an issuer for people and systems, and a service key."""

from __future__ import annotations

import json

from services.runtime.auth import WHOLE_DEPLOYMENT, Role, TokenVerifier, issue_token
from services.runtime.token_keys import KeySet, SigningKey

ISSUER = SigningKey.generate("test-issuer", ("admin", "staff", "member", "system"))
SERVICE = SigningKey.generate("test-service", ("service",))
KEYS = KeySet.of([ISSUER.public, SERVICE.public])

Metadata = tuple[tuple[str, str], ...]

# Tests make their tokens when their module is imported, at the start of the run: they must outlive the whole run.
RUN_TTL = 6 * 3600


def bearer(subject: str, role: Role, scope: str = WHOLE_DEPLOYMENT, ttl: int = RUN_TTL) -> Metadata:
    """Call metadata with a token for that caller, signed by the key that may sign for its role."""
    key = SERVICE if role is Role.SERVICE else ISSUER
    return (("authorization", f"Bearer {issue_token(key, subject, role, scope, ttl)}"),)


def verifier() -> TokenVerifier:
    return TokenVerifier(KEYS)


def token_environment(process: str = "registry") -> dict[str, str]:
    """LINLI_TOKEN_KEYS and LINLI_SIGNING_KEY as a process of that kind gets them."""
    own = ISSUER if process == "registry" else SERVICE
    return {"LINLI_TOKEN_KEYS": json.dumps(KEYS.as_jwks()), "LINLI_SIGNING_KEY": json.dumps(own.as_jwk())}
