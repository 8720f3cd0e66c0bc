"""TLS of linli's connections: a gRPC server's credentials, a channel's, the Temporal client's, and who the peer of
a call is by its verified client certificate.

Private keys pass from the settings to grpc and Temporal as bytes; nothing here logs or formats them.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from temporalio.service import TLSConfig

from services.runtime.tls_settings import TemporalTls, TlsSettings

# What grpc's auth context names the parts of a peer's certificate.
_COMMON_NAME = "x509_common_name"
_SUBJECT_ALTERNATIVE_NAME = "x509_subject_alternative_name"
_PEM_CERT = "x509_pem_cert"


def server_credentials(tls: TlsSettings) -> grpc.ServerCredentials:
    """The port's TLS: this service's certificate; with a client CA, a client certificate it signed is required."""
    return grpc.ssl_server_credentials(
        [(tls.private_key, tls.cert_chain)],
        root_certificates=tls.client_ca or None,
        require_client_auth=bool(tls.client_ca),
    )


def channel_credentials(tls: TlsSettings) -> grpc.ChannelCredentials:
    """A channel's TLS: the services' certificates checked against the CA (the system's roots without one), and this
    process's certificate presented to a service that asks for one."""
    return grpc.ssl_channel_credentials(
        root_certificates=tls.ca or None,
        private_key=tls.private_key or None,
        certificate_chain=tls.cert_chain or None,
    )


def channel_options(tls: TlsSettings) -> list[tuple[str, str]]:
    """The name a service's certificate is checked against, when it is not the host dialled."""
    return [("grpc.ssl_target_name_override", tls.server_name)] if tls.enabled and tls.server_name else []


def temporal_tls(tls: TemporalTls) -> bool | TLSConfig:
    """The Temporal client's `tls` argument: False for plaintext, else the CA, server name and client certificate."""
    if not tls.enabled:
        return False
    return TLSConfig(
        server_root_ca_cert=tls.ca or None,
        domain=tls.server_name or None,
        client_cert=tls.cert_chain or None,
        client_private_key=tls.private_key or None,
    )


@dataclass(frozen=True)
class PeerCertificate:
    """The client certificate a caller presented and the server verified against its client CA."""

    common_name: str
    subject_alternative_names: tuple[str, ...]
    pem: str


def peer_certificate(context: grpc.aio.ServicerContext[object, object]) -> PeerCertificate | None:
    """The verified client certificate of the call being handled; None on a plaintext port or a TLS port that asks
    for no client certificate (LINLI_TLS_CLIENT_CA_FILE unset). grpc asks for a client certificate only when it
    requires and verifies one, so whatever this returns was signed by the client CA."""
    auth = context.auth_context()
    pem = list(auth.get(_PEM_CERT, ()))
    if not pem:
        return None

    def texts(key: str) -> tuple[str, ...]:
        return tuple(value.decode() for value in auth.get(key, ()))

    names = texts(_COMMON_NAME)
    return PeerCertificate(
        common_name=names[0] if names else "",
        subject_alternative_names=texts(_SUBJECT_ALTERNATIVE_NAME),
        pem=pem[0].decode(),
    )
