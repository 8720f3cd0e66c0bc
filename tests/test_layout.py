"""The layout stays readable: no hand-written file over 500 lines, no import cycle between files, and services/ never
imports workflows/ (a workflow's contract — its id, signals and inputs — lives with the service that starts it, and
the workflow imports it from there, so each change to a contract lands in one folder)."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from devstack.stack import REPO

MAX_LINES = 500
PACKAGES = ("services", "workflows", "devstack", "bench")


def _tracked_python() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [REPO / p for p in listed.split() if not p.startswith("protos/linli/") and (REPO / p).exists()]


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules a file imports (a `from package import name` counts the module `name` when it is one)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in modules}


def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for p in _tracked_python() if _module(p).split(".")[0] in PACKAGES}
    modules = set(files)
    return {name: _imports(path, modules) - {name} for name, path in files.items()}


def test_no_hand_written_source_file_is_over_500_lines() -> None:
    long = {
        str(p.relative_to(REPO)): n for p in _tracked_python() if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_services_never_import_workflows() -> None:
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        if module.startswith("services.")
        for target in targets
        if target.startswith("workflows")
    )
    assert upward == []


def test_no_import_cycle_between_files() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            # A package's __init__ importing its own modules is how a package is put together, not a cycle.
            if target.startswith(f"{module}."):
                continue
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
