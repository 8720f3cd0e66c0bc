"""The TLS settings of a linli process (docs/configuration.md): its gRPC port's and channels' (LINLI_TLS_*) and the
Temporal client's (TEMPORAL_TLS*, TEMPORAL_API_KEY), read from PEM files at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.runtime.env import ConfigError, boolean, key_pair, pem_file, secret


@dataclass(frozen=True)
class TlsSettings:
    """linli's gRPC TLS (docs/configuration.md): a service's port, with a client CA for mTLS; channels when `enabled`."""

    cert_chain: bytes = b""
    private_key: bytes = field(default=b"", repr=False)
    ca: bytes = b""
    client_ca: bytes = b""
    server_name: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.cert_chain or self.ca)


def tls_settings(env: Mapping[str, str]) -> TlsSettings:
    cert, key = key_pair(env, "LINLI_TLS_CERT_FILE", "LINLI_TLS_KEY_FILE")
    client_ca = pem_file(env, "LINLI_TLS_CLIENT_CA_FILE", "CERTIFICATE")
    if client_ca and not cert:
        raise ConfigError(
            "LINLI_TLS_CLIENT_CA_FILE: client certificates are checked on a TLS port only; set LINLI_TLS_CERT_FILE"
        )
    return TlsSettings(
        cert_chain=cert,
        private_key=key,
        ca=pem_file(env, "LINLI_TLS_CA_FILE", "CERTIFICATE"),
        client_ca=client_ca,
        server_name=env.get("LINLI_TLS_SERVER_NAME", "").strip(),
    )


@dataclass(frozen=True)
class TemporalTls:
    """How a linli process reaches the Temporal frontend: TLS when `enabled`, a client certificate, an API key."""

    enabled: bool = False
    ca: bytes = b""
    cert_chain: bytes = b""
    private_key: bytes = field(default=b"", repr=False)
    server_name: str = ""
    api_key: str = field(default="", repr=False)


def temporal_tls(env: Mapping[str, str]) -> TemporalTls:
    cert, key = key_pair(env, "TEMPORAL_TLS_CERT_FILE", "TEMPORAL_TLS_KEY_FILE")
    ca = pem_file(env, "TEMPORAL_TLS_CA_FILE", "CERTIFICATE")
    server_name = env.get("TEMPORAL_TLS_SERVER_NAME", "").strip()
    api_key = secret(env, "TEMPORAL_API_KEY") or ""
    switch = boolean(env, "TEMPORAL_TLS", None)
    # Unset: on as soon as anything about TLS (or an API key, which must not travel in the clear) is given.
    enabled = switch if switch is not None else bool(ca or cert or server_name or api_key)
    return TemporalTls(enabled, ca, cert, key, server_name, api_key)
