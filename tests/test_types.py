"""The code type-checks: mypy, strict, configured in pyproject.toml ([tool.mypy]), over services/, workflows/,
devstack/ and bench/. Modules that do not pass yet are named on one exempt list (the override with
`ignore_errors` that is not the generated code's), and that list only shrinks: a module on it that passes must
leave it."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

# The generated code in protos/ (`./linli gen` writes it): followed for its types, its own errors ignored.
GENERATED = ["linli.*"]
ERROR = re.compile(r"^(?P<path>[^:\s]+\.pyi?):\d+(?::\d+)?: error: ", re.MULTILINE)


def _mypy(repo_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", *args], cwd=repo_root, capture_output=True, text=True, timeout=300
    )


def _config(repo_root: Path) -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((repo_root / "pyproject.toml").read_text())["tool"]["mypy"]
    return config


def _modules(override: dict[str, Any]) -> list[str]:
    module = override["module"]
    return [module] if isinstance(module, str) else list(module)


def _is_exempt_list(override: dict[str, Any]) -> bool:
    return bool(override.get("ignore_errors")) and _modules(override) != GENERATED


def _exempt(config: dict[str, Any]) -> list[str]:
    return [m for o in config.get("overrides", []) if _is_exempt_list(o) for m in _modules(o)]


def _ini_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _ini_without_exempt_list(config: dict[str, Any]) -> str:
    """The same configuration in mypy's ini form, less the exempt list."""
    lines = ["[mypy]", *(f"{k} = {_ini_value(v)}" for k, v in config.items() if k != "overrides")]
    for override in config.get("overrides", []):
        if _is_exempt_list(override):
            continue
        lines.append(f"[mypy-{','.join(_modules(override))}]")
        lines += [f"{k} = {_ini_value(v)}" for k, v in override.items() if k != "module"]
    return "\n".join(lines) + "\n"


def _module_of(path: str) -> str:
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_mypy_reports_nothing(repo_root: Path) -> None:
    result = _mypy(repo_root)
    if result.returncode != 0 or not result.stdout.startswith("Success:"):
        pytest.fail(result.stdout + result.stderr, pytrace=False)


def test_every_exempt_module_still_has_errors(repo_root: Path, tmp_path: Path) -> None:
    exempt = _exempt(_config(repo_root))
    if not exempt:
        return  # nothing is exempt: the first test holds every module to strict
    ini = tmp_path / "mypy.ini"
    ini.write_text(_ini_without_exempt_list(_config(repo_root)))
    # A cache of its own: the exempt modules' options differ from the main run's, which keeps its cache warm.
    result = _mypy(repo_root, "--config-file", str(ini), "--cache-dir", str(repo_root / ".mypy_cache" / "unexempt"))
    if result.returncode not in (0, 1):  # 2: mypy could not run (a bad configuration, a crash)
        pytest.fail(result.stdout + result.stderr, pytrace=False)
    failing = {_module_of(m["path"]) for m in ERROR.finditer(result.stdout)}
    passing = sorted(set(exempt) - failing)
    if passing:
        pytest.fail(
            "these modules pass mypy now: take them off the exempt list in pyproject.toml ([tool.mypy]): "
            + ", ".join(passing),
            pytrace=False,
        )
