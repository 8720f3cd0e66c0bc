"""A mistake in the configuration stops a process at once with one line naming the variable, and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from devstack.stack import REPO, Secrets
from services.runtime.config import load_settings

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
