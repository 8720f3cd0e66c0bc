"""Reading one setting from the environment: durations, whole numbers, secrets (from NAME or the file NAME_FILE
points to), PEM files. A malformed value raises ConfigError naming the variable (services/runtime/config.py)."""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path


class ConfigError(ValueError):
    """A variable is missing or malformed; the process cannot start."""


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(name: str, text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise ConfigError(f"{name}: '{text}' is not a duration such as 90s, 30m, 48h or 2d")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def format_duration(seconds: float) -> str:
    """A span as parse_duration reads it, in its largest whole unit: 172800 → "2d", 5400 → "90m", 1.5 → "1.5s"."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def secret(env: Mapping[str, str], name: str) -> str | None:
    """A secret comes from NAME, or from the file NAME_FILE points to (a mounted Kubernetes secret)."""
    if env.get(name):
        return env[name].strip()
    path = env.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {path}: {exc.strerror}") from exc
    return None


def integer(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: '{raw}' is not a whole number") from exc


def positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = integer(env, name, default)
    if value < 1:
        raise ConfigError(f"{name}: must be 1 or more, got {value}")
    return value


def duration(env: Mapping[str, str], name: str, default: str) -> timedelta:
    return parse_duration(name, env.get(name) or default)


def pem_file(env: Mapping[str, str], name: str, kind: str) -> bytes:
    """The contents of the PEM file the variable `name` points to (b"" when unset), which must hold a `kind`."""
    path = env.get(name, "").strip()
    if not path:
        return b""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read {path}: {exc.strerror}") from exc
    if f"-----BEGIN {kind}".encode() not in data and not (kind == "PRIVATE KEY" and b"PRIVATE KEY-----" in data):
        raise ConfigError(f"{name}: {path} holds no PEM {kind.lower()}")
    return data


def key_pair(env: Mapping[str, str], cert_name: str, key_name: str) -> tuple[bytes, bytes]:
    """A certificate and its private key, both or neither, the key the certificate's (checked as TLS will use them)."""
    cert = pem_file(env, cert_name, "CERTIFICATE")
    key = pem_file(env, key_name, "PRIVATE KEY")
    if bool(cert) != bool(key):
        raise ConfigError(f"{cert_name} and {key_name}: set both (certificate and its key) or neither")
    if cert:
        try:  # an empty password: an encrypted key fails here instead of prompting for one
            ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(env[cert_name], env[key_name], password="")
        except ssl.SSLError as exc:
            raise ConfigError(
                f"{key_name}: not an unencrypted private key of the certificate in {cert_name} ({exc.reason})"
            ) from None
    return cert, key


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def boolean(env: Mapping[str, str], name: str, default: bool | None) -> bool | None:
    """true/false (1/0, yes/no, on/off); `default` when unset, None to let the caller decide."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in _TRUE + _FALSE:
        raise ConfigError(f"{name}: '{raw}' must be true or false")
    return raw in _TRUE
