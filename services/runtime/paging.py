"""Opaque page tokens for keyset pagination.

A token carries the last key of the page and a fingerprint of the query it belongs to, so a token from
one query cannot be replayed against another. It is not secret, only opaque: callers must not build one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from services.runtime.errors import InvalidArgument


def _fingerprint(query: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:16]


def encode_page_token(query: dict[str, Any], last_key: list[Any]) -> str:
    payload = json.dumps({"q": _fingerprint(query), "k": last_key}, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_page_token(token: str, query: dict[str, Any], field: str = "page_token") -> list[Any] | None:
    """The last key of the previous page, or None for the first page."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        fingerprint, last_key = payload["q"], payload["k"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidArgument("is not a page token this service issued", field) from exc
    if fingerprint != _fingerprint(query) or not isinstance(last_key, list):
        raise InvalidArgument("belongs to a different query; start again without it", field)
    return last_key
