"""The local run's certificates: a CA of its own and a certificate for loopback it signed, made with `cryptography`
into one folder (`.linli/tls/` for `./linli up`) and reused by later runs.

| file | holds |
|---|---|
| `ca.pem` | the CA's certificate: what clients trust (`grpcurl -cacert .linli/tls/ca.pem`, `sslrootcert=`) |
| `ca.key` | the CA's private key (mode 0600), to sign more (a client certificate for mTLS) |
| `server.pem`, `server.key` | localhost, 127.0.0.1 and ::1, for serving and as a client certificate (mode 0600) |

The server certificate is issued anew when it has less than 30 days left or was not signed by the CA in the folder.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from devstack.files import write_private, write_public

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
CA_LIFETIME = timedelta(days=3650)
LIFETIME = timedelta(days=397)
RENEW_BEFORE = timedelta(days=30)
# The local run's CA (`./linli up` makes it in .linli/tls/), which the commands that call the running platform trust.
LOCAL_RUN_CA = Path(__file__).resolve().parent.parent / ".linli" / "tls" / "ca.pem"


def local_run_ca() -> Path | None:
    return LOCAL_RUN_CA if LOCAL_RUN_CA.exists() else None


def trusted_ca(cacert: str | None, plaintext: bool) -> Path | None:
    """The CA a command trusts from its `--cacert` / `--plaintext` options: the one given, none (plaintext), or the
    local run's when it exists."""
    return Path(cacert) if cacert else None if plaintext else local_run_ca()


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "linli"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    )


def _alternative_names(names: tuple[str, ...]) -> list[x509.GeneralName]:
    result: list[x509.GeneralName] = []
    for name in names:
        try:
            result.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            result.append(x509.DNSName(name))
    return result


@dataclass(frozen=True)
class LocalCertificates:
    folder: Path

    @property
    def ca_file(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def ca_key_file(self) -> Path:
        return self.folder / "ca.key"

    @property
    def cert_file(self) -> Path:
        return self.folder / "server.pem"

    @property
    def key_file(self) -> Path:
        return self.folder / "server.key"

    @classmethod
    def load_or_create(cls, folder: Path, common_name: str = "linli local CA") -> LocalCertificates:
        """The folder's CA and server certificate, made the first time and renewed when due."""
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        made = cls(folder)
        if not (made.ca_file.exists() and made.ca_key_file.exists()):
            made._create_ca(common_name)
        if made._server_certificate_due():
            made.issue("server", "localhost", LOOPBACK_NAMES)
        return made

    def environment(self, *, client_ca: bool = False) -> dict[str, str]:
        """The variables that give a linli process these files (docs/configuration.md)."""
        env = {
            "LINLI_TLS_CERT_FILE": str(self.cert_file),
            "LINLI_TLS_KEY_FILE": str(self.key_file),
            "LINLI_TLS_CA_FILE": str(self.ca_file),
        }
        if client_ca:
            env["LINLI_TLS_CLIENT_CA_FILE"] = str(self.ca_file)
        return env

    def credentials(self, *, client_certificate: bool = True) -> grpc.ChannelCredentials:
        """A channel's TLS that trusts this CA and, unless told otherwise, presents the server certificate as its
        client certificate (so a service that requires one, LINLI_TLS_CLIENT_CA_FILE, takes the call)."""
        if not client_certificate:
            return grpc.ssl_channel_credentials(self.ca_file.read_bytes())
        return grpc.ssl_channel_credentials(
            self.ca_file.read_bytes(), self.key_file.read_bytes(), self.cert_file.read_bytes()
        )

    def _create_ca(self, common_name: str) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + CA_LIFETIME)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )  # fmt: skip
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        write_private(self.ca_key_file, _key_pem(key))
        write_public(self.ca_file, certificate.public_bytes(serialization.Encoding.PEM))

    def _ca(self) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        certificate = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
        key = serialization.load_pem_private_key(self.ca_key_file.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey), f"{self.ca_key_file} is not the EC key linli makes"
        return certificate, key

    def _server_certificate_due(self) -> bool:
        if not (self.cert_file.exists() and self.key_file.exists()):
            return True
        certificate = x509.load_pem_x509_certificate(self.cert_file.read_bytes())
        ca, _ = self._ca()
        if certificate.issuer != ca.subject:
            return True
        try:
            certificate.verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            return True
        return certificate.not_valid_after_utc - datetime.now(UTC) < RENEW_BEFORE

    def issue(self, name: str, common_name: str, alternative_names: tuple[str, ...] = ()) -> tuple[Path, Path]:
        """A certificate the CA signs for serving and for calling (both key usages), as `name`.pem and `name`.key
        in the folder; returns their paths."""
        ca, ca_key = self._ca()
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + LIFETIME)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        )
        if alternative_names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(_alternative_names(alternative_names)), critical=False
            )
        certificate = builder.sign(ca_key, hashes.SHA256())
        cert_file, key_file = self.folder / f"{name}.pem", self.folder / f"{name}.key"
        write_private(key_file, _key_pem(key))
        write_public(cert_file, certificate.public_bytes(serialization.Encoding.PEM))
        return cert_file, key_file
