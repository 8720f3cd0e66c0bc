"""Configuration, read once into typed settings: local defaults and overrides, secrets from mounted files, durations
and key lists; and a mistake stops a process at once with one line naming the variable, and exit code 2."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from devstack.certificates import LocalCertificates
from devstack.stack import REPO, Secrets
from services.runtime.config import ConfigError, load_settings, parse_data_keys, parse_duration

GOOD = {**Secrets().as_environment(), "DATABASE_URL": "postgresql://linli:pw@127.0.0.1:1/linli"}


def _run(module: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'protos'}", **env}
    return subprocess.run(
        [sys.executable, "-m", module, *args], env=environ, cwd=REPO, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("module", "variable", "value"),
    [
        ("services.wishes", "LINLI_WISH_REVIEW_LIMIT", "two days"),
        ("services.registry", "LINLI_DATA_KEYS", "k1:not-base64"),
        ("services.dispatch", "LINLI_NOTIFY_WEBHOOK_URL", "gateway.example"),
        ("workflows.worker", "LINLI_TIMEZONE", "Mars/Olympus"),
        ("services.wishes", "LINLI_WISH_MAX_OPEN_CLAIMS", "0"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it_and_exit_code_2(module: str, variable: str, value: str) -> None:
    result = _run(module, **{**GOOD, variable: value})
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert variable in line and "Traceback" not in result.stderr


def test_one_time_zone_setting_reaches_every_process() -> None:
    for service in ("registry", "wishes", "dispatch", "worker"):
        assert load_settings(service, {**GOOD, "LINLI_TIMEZONE": "Asia/Urumqi"}).timezone == "Asia/Urumqi"
    assert load_settings("worker", GOOD).timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("module", "variable"),
    [("services.dispatch", "LINLI_DUTY_TIMEZONE"), ("services.registry", "LINLI_REPORT_TIMEZONE")],
)
def test_a_time_zone_variable_of_an_older_release_stops_the_start_naming_its_successor(
    module: str, variable: str
) -> None:
    result = _run(module, **{**GOOD, variable: "Asia/Shanghai"})
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert f"{variable}: renamed to LINLI_TIMEZONE" in line


def test_a_service_without_a_database_url_says_so() -> None:
    result = _run("services.registry", **Secrets().as_environment())
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "linli registry: DATABASE_URL is required: postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
    ]


def test_the_local_run_checks_the_configuration_before_starting_anything(tmp_path: object) -> None:
    result = _run("devstack", "up", "--home", str(tmp_path), "--any-ports", LINLI_ALERT_ACK_TIMEOUT="soon")
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if "LINLI_ALERT_ACK_TIMEOUT" in line]
    assert "starting" not in result.stdout


def _env(**extra: str) -> dict[str, str]:
    key = base64.b64encode(os.urandom(32)).decode()
    return {"LINLI_AUTH_SECRET": "a" * 32, "LINLI_DATA_KEYS": f"k1:{key}", "LINLI_LOOKUP_KEY": key, **extra}


def test_settings_have_local_defaults_and_take_overrides() -> None:
    settings = load_settings("wishes", _env(LINLI_WISH_CLAIM_LIMIT="36h", LINLI_GRPC_PORT="6000"))
    assert settings.grpc_port == 6000 and settings.metrics_port == 9102
    assert settings.wish_limits.claim == timedelta(hours=36)
    assert settings.temporal_address == "127.0.0.1:7233"


def test_secrets_can_come_from_mounted_files(tmp_path) -> None:
    secret_file = tmp_path / "auth"
    secret_file.write_text("f" * 40 + "\n")
    env = _env()
    del env["LINLI_AUTH_SECRET"]
    env["LINLI_AUTH_SECRET_FILE"] = str(secret_file)
    assert load_settings("registry", env).auth_secret == "f" * 40


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LINLI_AUTH_SECRET": "short"}, "LINLI_AUTH_SECRET"),
        ({"LINLI_DATA_KEYS": "k1:notbase64!"}, "base64"),
        ({"LINLI_DATA_KEYS": "k1:" + base64.b64encode(b"x" * 16).decode()}, "32 bytes"),
        ({"LINLI_WISH_REVIEW_LIMIT": "soon"}, "duration"),
        ({"LINLI_GRPC_PORT": "http"}, "whole number"),
    ],
)
def test_bad_settings_stop_start_up_with_the_variable_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings("registry", _env(**env))


def test_the_worker_needs_no_personal_data_keys() -> None:
    assert load_settings("worker", {"LINLI_AUTH_SECRET": "a" * 32}).data_keys == {}


def test_durations_and_key_lists_parse() -> None:
    assert parse_duration("X", "90s") == timedelta(seconds=90)
    assert parse_duration("X", "2d") == timedelta(days=2)
    key = base64.b64encode(b"k" * 32).decode()
    keys, active = parse_data_keys("X", f"new:{key}, old:{key}")
    assert active == "new" and set(keys) == {"new", "old"}


@pytest.fixture
def authority(tmp_path: Path) -> LocalCertificates:
    return LocalCertificates.load_or_create(tmp_path / "tls")


def test_tls_files_are_read_at_start_and_the_key_stays_out_of_the_settings_repr(authority: LocalCertificates) -> None:
    settings = load_settings("registry", _env(**authority.environment(client_ca=True)))
    assert settings.tls.cert_chain == authority.cert_file.read_bytes() and settings.tls.enabled
    assert settings.tls.ca == settings.tls.client_ca == authority.ca_file.read_bytes()
    assert settings.tls.private_key == authority.key_file.read_bytes()
    assert b"PRIVATE KEY" not in repr(settings).encode() and "PRIVATE KEY" not in repr(settings)
    assert not load_settings("registry", _env()).tls.enabled  # plaintext unless configured


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"LINLI_TLS_CERT_FILE": "cert"}, "LINLI_TLS_CERT_FILE and LINLI_TLS_KEY_FILE"),
        ({"LINLI_TLS_KEY_FILE": "key"}, "LINLI_TLS_CERT_FILE and LINLI_TLS_KEY_FILE"),
        ({"LINLI_TLS_CA_FILE": "/nonexistent/ca.pem"}, "LINLI_TLS_CA_FILE: cannot read /nonexistent/ca.pem"),
        ({"LINLI_TLS_CA_FILE": "key"}, "LINLI_TLS_CA_FILE: "),
        ({"LINLI_TLS_CLIENT_CA_FILE": "ca"}, "LINLI_TLS_CLIENT_CA_FILE: "),
        ({"LINLI_TLS_CERT_FILE": "cert", "LINLI_TLS_KEY_FILE": "ca-key"}, "LINLI_TLS_KEY_FILE: not an unencrypted"),
        ({"TEMPORAL_TLS_CERT_FILE": "cert"}, "TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE"),
        ({"TEMPORAL_TLS": "maybe"}, "TEMPORAL_TLS: 'maybe'"),
        ({"DATABASE_URL": "postgresql://u@h/d?sslmode=verify"}, "DATABASE_URL: sslmode 'verify'"),
        ({"DATABASE_URL": "postgresql://u@h/d?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"}, "sslrootcert"),
    ],
)
def test_a_tls_mistake_is_one_line_naming_the_variable_and_exit_code_2(
    authority: LocalCertificates, variables: dict[str, str], named: str
) -> None:
    files = {
        "cert": authority.cert_file,
        "key": authority.key_file,
        "ca": authority.ca_file,
        "ca-key": authority.ca_key_file,
    }
    env = {name: str(files.get(value, value)) for name, value in variables.items()}
    result = _run("services.registry", **{**GOOD, **env})
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert named in line and "Traceback" not in result.stderr


def test_temporal_tls_is_on_with_a_ca_or_an_api_key_and_can_be_forced_off(authority: LocalCertificates) -> None:
    assert not load_settings("worker", _env()).temporal_tls.enabled
    with_ca = load_settings("worker", _env(TEMPORAL_TLS_CA_FILE=str(authority.ca_file)))
    assert with_ca.temporal_tls.enabled and with_ca.temporal_tls.ca == authority.ca_file.read_bytes()
    keyed = load_settings("worker", _env(TEMPORAL_API_KEY="k-123"))
    assert keyed.temporal_tls.enabled and keyed.temporal_tls.api_key == "k-123" and "k-123" not in repr(keyed)
    assert not load_settings("worker", _env(TEMPORAL_API_KEY="k", TEMPORAL_TLS="false")).temporal_tls.enabled


def test_a_verify_full_database_url_with_a_readable_ca_is_taken_as_it_is(authority: LocalCertificates) -> None:
    url = f"postgresql://linli@db.example:5432/linli?sslmode=verify-full&sslrootcert={authority.ca_file}"
    assert load_settings("registry", _env(DATABASE_URL=url)).database_url == url
