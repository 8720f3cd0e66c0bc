"""The docs stay true: CI runs the README's test command, and docs/configuration.md lists every variable."""

from __future__ import annotations

import re

from devstack.stack import REPO

README = (REPO / "README.md").read_text()
CONFIGURATION = (REPO / "docs/configuration.md").read_text()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [line for line in (REPO / ".ci/run").read_text().splitlines() if line and not line.startswith("#")]
    command = lines[-1].removeprefix("exec ").strip()
    assert command == "./linli test"
    assert f"```sh\n{command}\n```" in README


def test_the_configuration_table_lists_every_variable_the_code_reads() -> None:
    source = "".join((REPO / "services/runtime" / name).read_text() for name in ("config.py", "tls_settings.py"))
    read = set(re.findall(r'"((?:LINLI|DATABASE|TEMPORAL)_[A-Z_]+)"', source))
    documented = set(re.findall(r"^\| `([A-Z_]+)`", CONFIGURATION, flags=re.MULTILINE))
    assert read - documented == set()
    assert documented - read == set()
