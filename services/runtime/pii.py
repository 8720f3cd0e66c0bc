"""Personal data (ID numbers, phones, resident names): encrypted at rest, looked up by keyed hash, masked.

Values are sealed with AES-256-GCM under the active key; the key id travels with the ciphertext, so old
keys keep decrypting after a rotation. The field's name is bound in as associated data, so a ciphertext
copied into another column does not decrypt. Look-ups and de-duplication use an HMAC-SHA256 of the
normalised value under a separate key: equal values match without the clear value being stored.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_FORMAT_VERSION = 1
_NONCE_BYTES = 12


class PersonalDataError(Exception):
    """A ciphertext could not be opened: unknown key id or tampered data."""


class PersonalDataCipher:
    def __init__(self, keys: dict[str, bytes], active_key_id: str, lookup_key: bytes) -> None:
        if active_key_id not in keys:
            raise ValueError("the active key id must be one of the keys")
        self._aeads = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._active = active_key_id
        self._active_aead = self._aeads[active_key_id]
        self._header = bytes([_FORMAT_VERSION, len(active_key_id.encode())]) + active_key_id.encode()
        # The keyed HMAC state, copied for each hash: keying it anew costs more than hashing (bulk imports hash
        # two values a row; hmac.digest() keys it anew each time too).
        self._lookup_hmac = hmac.new(lookup_key, digestmod=hashlib.sha256)

    @property
    def active_key_id(self) -> str:
        return self._active

    def seal(self, value: str, field: str) -> bytes:
        """version | key id length | key id | nonce | ciphertext+tag."""
        nonce = os.urandom(_NONCE_BYTES)
        return self._header + nonce + self._active_aead.encrypt(nonce, value.encode(), field.encode())

    def open(self, blob: bytes, field: str) -> str:
        if len(blob) < 2 or blob[0] != _FORMAT_VERSION:
            raise PersonalDataError(f"{field}: unknown ciphertext format")
        id_end = 2 + blob[1]
        key_id = blob[2:id_end].decode(errors="replace")
        aead = self._aeads.get(key_id)
        if aead is None:
            raise PersonalDataError(f"{field}: sealed with key '{key_id}', which is not configured")
        nonce, sealed = blob[id_end : id_end + _NONCE_BYTES], blob[id_end + _NONCE_BYTES :]
        try:
            return aead.decrypt(nonce, sealed, field.encode()).decode()
        except InvalidTag as exc:
            raise PersonalDataError(f"{field}: ciphertext failed authentication") from exc

    def key_id_of(self, blob: bytes) -> str:
        return blob[2 : 2 + blob[1]].decode(errors="replace")

    def lookup_hash(self, value: str, field: str) -> bytes:
        normalised = "".join(value.split()).upper()
        keyed = self._lookup_hmac.copy()
        keyed.update(f"{field}\x00{normalised}".encode())
        return keyed.digest()


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; anything short is starred but for its last two characters."""
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_id_number(id_number: str) -> str:
    """11010519491231002X -> 110105********002X: the region stays, the birth date and sequence go."""
    if len(id_number) >= 10:
        return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]
    return "*" * len(id_number)


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***, Li Lei -> L*****."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)
