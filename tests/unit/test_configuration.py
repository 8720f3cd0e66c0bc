"""Configuration, read once into typed settings: local defaults and overrides, secrets from mounted files, durations
and key lists; and a mistake stops a process at once with one line naming the variable, and exit code 2."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from devstack.certificates import LocalCertificates
from devstack.stack import REPO, Secrets
from services.runtime.config import load_settings, parse_data_keys
from services.runtime.env import ConfigError, parse_duration
from services.runtime.token_keys import SigningKey
from tests.helpers.tokens import ISSUER, SERVICE, token_environment

STRANGER = SigningKey.generate("stranger", ("admin",))
SECRETS = Secrets()


def good(process: str) -> dict[str, str]:
    """A whole, good configuration of one process ('registry', ..., or its module 'services.registry')."""
    name = process.rpartition(".")[2]
    return {**SECRETS.as_environment(name), "DATABASE_URL": "postgresql://linli:pw@127.0.0.1:1/linli"}


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
    result = _run(module, **{**good(module), variable: value})
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert variable in line and "Traceback" not in result.stderr


def test_one_time_zone_setting_reaches_every_process() -> None:
    for service in ("registry", "wishes", "dispatch", "worker"):
        assert load_settings(service, {**good(service), "LINLI_TIMEZONE": "Asia/Urumqi"}).timezone == "Asia/Urumqi"
    assert load_settings("worker", good("worker")).timezone == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("module", "variable"),
    [("services.dispatch", "LINLI_DUTY_TIMEZONE"), ("services.registry", "LINLI_REPORT_TIMEZONE")],
)
def test_a_time_zone_variable_of_an_older_release_stops_the_start_naming_its_successor(
    module: str, variable: str
) -> None:
    result = _run(module, **{**good(module), variable: "Asia/Shanghai"})
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert f"{variable}: renamed to LINLI_TIMEZONE" in line


def test_a_service_without_a_database_url_says_so() -> None:
    result = _run("services.registry", **SECRETS.as_environment("registry"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "linli registry: DATABASE_URL is required: postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
    ]


def test_the_local_run_checks_the_configuration_before_starting_anything(tmp_path: object) -> None:
    result = _run("devstack", "up", "--home", str(tmp_path), "--any-ports", LINLI_ALERT_ACK_TIMEOUT="soon")
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if "LINLI_ALERT_ACK_TIMEOUT" in line]
    assert "starting" not in result.stdout


def _env(process: str = "registry", **extra: str) -> dict[str, str]:
    key = base64.b64encode(os.urandom(32)).decode()
    return {**token_environment(process), "LINLI_DATA_KEYS": f"k1:{key}", "LINLI_LOOKUP_KEY": key, **extra}


def test_settings_have_local_defaults_and_take_overrides() -> None:
    settings = load_settings("wishes", _env("wishes", LINLI_WISH_CLAIM_LIMIT="36h", LINLI_GRPC_PORT="6000"))
    assert settings.grpc_port == 6000 and settings.metrics_port == 9102
    assert settings.wish_limits.claim == timedelta(hours=36)
    assert settings.temporal_address == "127.0.0.1:7233"


def test_secrets_can_come_from_mounted_files(tmp_path) -> None:
    env = _env()
    for name in ("LINLI_TOKEN_KEYS", "LINLI_SIGNING_KEY"):
        (tmp_path / name).write_text(env.pop(name) + "\n")
        env[f"{name}_FILE"] = str(tmp_path / name)
    settings = load_settings("registry", env)
    assert settings.signing_key is not None and settings.signing_key.kid == ISSUER.kid
    assert set(settings.token_keys.keys) == {ISSUER.kid, SERVICE.kid}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LINLI_AUTH_SECRET": "x" * 40}, "LINLI_AUTH_SECRET: replaced by LINLI_TOKEN_KEYS"),
        ({"LINLI_TOKEN_KEYS": "{}"}, "LINLI_TOKEN_KEYS: is not a key set"),
        ({"LINLI_TOKEN_KEYS": json.dumps({"keys": [{"kty": "RSA", "kid": "r"}]})}, "not an Ed25519 key"),
        ({"LINLI_SIGNING_KEY": "{"}, "LINLI_SIGNING_KEY: is not JSON"),
        ({"LINLI_SIGNING_KEY": json.dumps(STRANGER.as_jwk())}, "key stranger is not in LINLI_TOKEN_KEYS"),
        ({"LINLI_TOKEN_MAX_LIFETIME": "forever"}, "LINLI_TOKEN_MAX_LIFETIME"),
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
    assert load_settings("worker", token_environment("worker")).data_keys == {}


def test_a_process_that_calls_services_signs_only_as_a_service() -> None:
    with pytest.raises(ConfigError, match="LINLI_SIGNING_KEY .* is required: worker calls services"):
        load_settings("worker", {"LINLI_TOKEN_KEYS": token_environment()["LINLI_TOKEN_KEYS"]})
    with pytest.raises(ConfigError, match="worker signs only as service; key test-issuer may sign for admin"):
        load_settings("worker", token_environment("registry"))
    assert load_settings("registry", {**_env(), "LINLI_SIGNING_KEY": ""}).signing_key is None


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
    result = _run("services.registry", **{**good("registry"), **env})
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert named in line and "Traceback" not in result.stderr


def test_temporal_tls_is_on_with_a_ca_or_an_api_key_and_can_be_forced_off(authority: LocalCertificates) -> None:
    assert not load_settings("worker", _env("worker")).temporal_tls.enabled
    with_ca = load_settings("worker", _env("worker", TEMPORAL_TLS_CA_FILE=str(authority.ca_file)))
    assert with_ca.temporal_tls.enabled and with_ca.temporal_tls.ca == authority.ca_file.read_bytes()
    keyed = load_settings("worker", _env("worker", TEMPORAL_API_KEY="k-123"))
    assert keyed.temporal_tls.enabled and keyed.temporal_tls.api_key == "k-123" and "k-123" not in repr(keyed)
    forced_off = _env("worker", TEMPORAL_API_KEY="k", TEMPORAL_TLS="false")
    assert not load_settings("worker", forced_off).temporal_tls.enabled


def test_a_verify_full_database_url_with_a_readable_ca_is_taken_as_it_is(authority: LocalCertificates) -> None:
    url = f"postgresql://linli@db.example:5432/linli?sslmode=verify-full&sslrootcert={authority.ca_file}"
    assert load_settings("registry", _env(DATABASE_URL=url)).database_url == url


def test_report_units_are_ids_or_paths_of_names_and_a_path_with_an_empty_name_stops_the_start() -> None:
    env = {**good("registry"), "LINLI_REPORT_UNITS": " 42, 陕西省 / 宝鸡市/金台区 ,42,"}
    assert load_settings("registry", env).report_units == ("42", "陕西省/宝鸡市/金台区")
    assert load_settings("registry", good("registry")).report_units == ()
    with pytest.raises(ConfigError, match="LINLI_REPORT_UNITS"):
        load_settings("registry", {**good("registry"), "LINLI_REPORT_UNITS": "陕西省//金台区"})
