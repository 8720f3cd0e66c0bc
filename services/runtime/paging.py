"""Opaque page tokens for keyset pagination: bounded in size, signed, and bound to the query they page.

A token carries the last key of the page and a fingerprint of its query, signed with HMAC-SHA256, so a caller can
neither build one nor replay one against another query. Anything else — too long, not ours, tampered with, from
another query — is INVALID_ARGUMENT naming `page_token`, and is refused before it is parsed.

Every replica of a service must accept the tokens of the others: the signing key is derived from a secret they
share (`use_signing_key`, called once at start-up with the deployment's look-up key); until then a process signs
with a key of its own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from typing import Any

from services.runtime.errors import InvalidArgument

MAX_TOKEN_LENGTH = 512  # characters; a last key is an id or two, a time and a fingerprint
_SIGNATURE_BYTES = 16
_DERIVATION_LABEL = b"linli page tokens v1"


class _Signer:
    key: bytes = os.urandom(32)


def use_signing_key(shared_secret: bytes) -> None:
    """Signs and checks tokens with a key derived from a secret every replica holds."""
    _Signer.key = hmac.digest(shared_secret, _DERIVATION_LABEL, hashlib.sha256)


def _fingerprint(query: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _signature(payload: bytes) -> bytes:
    return hmac.digest(_Signer.key, payload, hashlib.sha256)[:_SIGNATURE_BYTES]


def encode_page_token(query: dict[str, Any], last_key: list[Any]) -> str:
    payload = json.dumps({"q": _fingerprint(query), "k": last_key}, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(_signature(payload) + payload).decode().rstrip("=")


def decode_page_token(token: str, query: dict[str, Any], field: str = "page_token") -> list[Any] | None:
    """The last key of the previous page, or None for the first page."""
    if not token:
        return None
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidArgument(f"is not a page token this service issued (longer than {MAX_TOKEN_LENGTH})", field)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidArgument("is not a page token this service issued", field) from exc
    signature, payload = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
    if not hmac.compare_digest(signature, _signature(payload)):
        raise InvalidArgument("is not a page token this service issued", field)
    # Signed by us, so it is what encode_page_token wrote: small, flat JSON.
    content = json.loads(payload)
    if content["q"] != _fingerprint(query) or not isinstance(content["k"], list):
        raise InvalidArgument("belongs to a different query; start again without it", field)
    return content["k"]
