"""The local run's CA and loopback certificate (devstack/certificates.py): made once with private keys only their
owner may read, kept across runs, renewed when signed by another CA, naming every loopback address."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

from cryptography import x509

from devstack.certificates import LOOPBACK_NAMES, LocalCertificates


def test_keys_are_private_and_the_certificates_are_kept_across_runs(tmp_path: Path) -> None:
    first = LocalCertificates.load_or_create(tmp_path / "tls")
    for key in (first.ca_key_file, first.key_file):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key
    assert stat.S_IMODE(first.folder.stat().st_mode) == 0o700
    kept = {path: path.read_bytes() for path in (first.ca_file, first.cert_file, first.key_file)}
    again = LocalCertificates.load_or_create(tmp_path / "tls")
    assert {path: path.read_bytes() for path in (again.ca_file, again.cert_file, again.key_file)} == kept


def test_the_server_certificate_names_every_loopback_address_and_serves_both_ends(tmp_path: Path) -> None:
    made = LocalCertificates.load_or_create(tmp_path / "tls")
    certificate = x509.load_pem_x509_certificate(made.cert_file.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    listed = [*names.get_values_for_type(x509.DNSName), *map(str, names.get_values_for_type(x509.IPAddress))]
    assert sorted(listed) == sorted(str(ipaddress.ip_address(n)) if n != "localhost" else n for n in LOOPBACK_NAMES)
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert {usage.dotted_string for usage in usages} == {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"}
    ca = x509.load_pem_x509_certificate(made.ca_file.read_bytes())
    certificate.verify_directly_issued_by(ca)


def test_a_server_certificate_of_another_ca_is_issued_anew(tmp_path: Path) -> None:
    made = LocalCertificates.load_or_create(tmp_path / "tls")
    other = LocalCertificates.load_or_create(tmp_path / "other", "another CA")
    made.cert_file.write_bytes(other.cert_file.read_bytes())
    renewed = LocalCertificates.load_or_create(tmp_path / "tls")
    certificate = x509.load_pem_x509_certificate(renewed.cert_file.read_bytes())
    certificate.verify_directly_issued_by(x509.load_pem_x509_certificate(renewed.ca_file.read_bytes()))
