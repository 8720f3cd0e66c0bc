"""PromQL in tests: Debian's promtool, the metric names an expression reads, and checking expressions parse.

Shared by the alert rules' tests and the dashboards' (keep `promtool`, `metric_names` and `check_expressions_parse`
as they are). docs/monitoring.md says how to get promtool.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

# Debian's `prometheus` package puts both here; PATH is looked at first.
_DEBIAN_BIN = Path("/usr/bin")
HOW_TO_GET = "install Debian's prometheus package (sudo apt-get install -y prometheus); see docs/monitoring.md"

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_NAME_MATCHER = re.compile(r'__name__\s*=\s*"([^"]+)"')
_RANGES = re.compile(r"\[[^\]]*\]")
_OFFSET = re.compile(r"\boffset\s+-?[0-9a-z]+", re.IGNORECASE)
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", re.IGNORECASE)
_IDENTIFIER = re.compile(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")
_KEYWORDS = frozenset(
    {
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
        "quantile", "limitk", "limit_ratio", "inf", "nan", "start", "end",
    }
)  # fmt: skip


def _binary(name: str) -> str:
    found = shutil.which(name) or (str(_DEBIAN_BIN / name) if (_DEBIAN_BIN / name).is_file() else None)
    assert found, f"{name} is not installed: {HOW_TO_GET}"
    return found


def promtool() -> str:
    """The path of promtool; fails the test with how to get it when it is missing."""
    return _binary("promtool")


def prometheus() -> str:
    """The path of the Prometheus server from the same package."""
    return _binary("prometheus")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: not its functions, keywords, label names or strings."""
    names = set(_NAME_MATCHER.findall(expr))
    text = _STRINGS.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _OFFSET.sub(" ", text)
    text = _LABEL_LISTS.sub(" ", text)
    for name, call in _IDENTIFIER.findall(text):
        if not call and name.lower() not in _KEYWORDS:
            names.add(name)
    return names


def base_metrics(names: Iterable[str], recorded: Mapping[str, str]) -> set[str]:
    """`names` with each recording rule's name replaced by the metrics its expression reads, down to scraped ones."""
    found: set[str] = set()
    pending = list(names)
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in recorded:
            pending.extend(metric_names(recorded[name]))
        else:
            found.add(name)
    return found


def rules(paths: Iterable[Path]) -> list[dict[str, object]]:
    """Every rule (alerting and recording) of Prometheus rule files."""
    found: list[dict[str, object]] = []
    for path in paths:
        for group in yaml.safe_load(path.read_text())["groups"]:
            found.extend(group["rules"])
    return found


def recording_rules(paths: Iterable[Path]) -> dict[str, str]:
    """Recording rules' names and expressions."""
    return {str(rule["record"]): str(rule["expr"]) for rule in rules(paths) if "record" in rule}


def check_expressions_parse(exprs: list[str]) -> None:
    """Fails, with promtool's message, unless every expression parses (written as recording rules and checked by
    `promtool check rules`)."""
    assert exprs, "no expressions to check"
    groups = [
        {"name": "expressions", "rules": [{"record": f"check:expression_{i}", "expr": e} for i, e in enumerate(exprs)]}
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "expressions.yaml"
        path.write_text(yaml.safe_dump({"groups": groups}, allow_unicode=True))
        result = subprocess.run([promtool(), "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"promtool check rules:\n{result.stdout}{result.stderr}"
