"""The keys of bearer tokens: Ed25519 (EdDSA) key pairs, each with a key id and the roles it may sign for.

Every process verifies with the deployment's public keys (LINLI_TOKEN_KEYS, a JSON Web Key Set); a process that
signs holds one private key (LINLI_SIGNING_KEY, a JWK). The public key set is the one that decides what a key may
sign: a key listed with roles ["service"] cannot make an admin token, whatever its holder writes into the token.
So the worker and the services, which call each other as `service`, hold keys that make nothing else; only the
issuer of credentials (the registry) and the operator's key sign for people and calling systems.

Rotation: add the new public key to the set, move the signer to the new private key, and drop the old public key
once its tokens have expired; tokens of both keys verify in between.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class BadKey(ValueError):
    """A key or key set that cannot be read; the message names what is wrong, never the key's bytes."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise BadKey(f"{what} is not base64url") from exc


@dataclass(frozen=True)
class PublicKey:
    kid: str
    roles: frozenset[str]
    key: Ed25519PublicKey = field(repr=False, compare=False)

    def as_jwk(self) -> dict[str, Any]:
        raw = self.key.public_bytes_raw()
        return {"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "x": _b64url(raw), "roles": sorted(self.roles)}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    roles: frozenset[str]
    key: Ed25519PrivateKey = field(repr=False, compare=False)

    @classmethod
    def generate(cls, kid: str, roles: Iterable[str]) -> SigningKey:
        return cls(_checked_kid(kid), frozenset(roles), Ed25519PrivateKey.generate())

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.kid, self.roles, self.key.public_key())

    def as_jwk(self) -> dict[str, Any]:
        return {**self.public.as_jwk(), "d": _b64url(self.key.private_bytes_raw())}

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r}, roles={sorted(self.roles)})"


@dataclass(frozen=True)
class KeySet:
    """The public keys tokens are verified with, by key id."""

    keys: Mapping[str, PublicKey]

    @classmethod
    def of(cls, keys: Iterable[PublicKey]) -> KeySet:
        return cls({key.kid: key for key in keys})

    def get(self, kid: str) -> PublicKey | None:
        return self.keys.get(kid)

    def as_jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_jwk() for key in self.keys.values()]}


def _checked_kid(kid: object) -> str:
    if not isinstance(kid, str) or not _KEY_ID.match(kid):
        raise BadKey("a key's kid must be 1-64 letters, digits, '.', '_' or '-'")
    return kid


def _jwk_parts(jwk: object, what: str) -> tuple[str, frozenset[str], dict[str, Any]]:
    if not isinstance(jwk, dict):
        raise BadKey(f"{what} is not a JSON object")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise BadKey(f"{what} is not an Ed25519 key (kty OKP, crv Ed25519)")
    kid = _checked_kid(jwk.get("kid"))
    roles = jwk.get("roles")
    if not isinstance(roles, list) or not roles or not all(isinstance(role, str) for role in roles):
        raise BadKey(f"key {kid} names no roles it may sign for")
    return kid, frozenset(roles), jwk


def parse_key_set(text: str) -> KeySet:
    """A JSON Web Key Set ({"keys": [...]}) of Ed25519 public keys, each with its "kid" and "roles"."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadKey("is not JSON") from exc
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise BadKey('is not a key set: {"keys": [...]} with at least one key')
    keys: dict[str, PublicKey] = {}
    for index, entry in enumerate(entries):
        kid, roles, jwk = _jwk_parts(entry, f"key {index + 1}")
        if kid in keys:
            raise BadKey(f"key id {kid} appears twice")
        raw = _unb64url(str(jwk.get("x", "")), f"key {kid}'s x")
        if len(raw) != 32:
            raise BadKey(f"key {kid}'s x is not 32 bytes")
        keys[kid] = PublicKey(kid, roles, Ed25519PublicKey.from_public_bytes(raw))
    return KeySet(keys)


def parse_signing_key(text: str) -> SigningKey:
    """One Ed25519 private key as a JWK, with its "kid", "roles" and "d"."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadKey("is not JSON") from exc
    kid, roles, jwk = _jwk_parts(document, "the signing key")
    raw = _unb64url(str(jwk.get("d", "")), f"key {kid}'s d")
    if len(raw) != 32:
        raise BadKey(f"key {kid} holds no private part (d, 32 bytes)")
    return SigningKey(kid, roles, Ed25519PrivateKey.from_private_bytes(raw))
