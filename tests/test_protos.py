"""The API contract: protos lint clean and the committed Python code is what they generate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devstack.protogen import GENERATED_SUFFIXES, PROTO_ROOT, generate


def test_generated_code_matches_the_protos(tmp_path: Path) -> None:
    fresh = {p.relative_to(tmp_path): p.read_bytes() for p in generate(tmp_path)}
    committed = {
        p.relative_to(PROTO_ROOT): p.read_bytes() for p in PROTO_ROOT.rglob("*") if p.name.endswith(GENERATED_SUFFIXES)
    }
    assert fresh.keys() == committed.keys(), "generated files differ in name: run ./linli gen"
    stale = sorted(str(name) for name in fresh if fresh[name] != committed[name])
    assert not stale, f"stale generated code (run ./linli gen): {stale}"


def test_protos_pass_buf_lint() -> None:
    buf = Path(sys.executable).parent / "buf"
    result = subprocess.run([str(buf), "lint"], cwd=PROTO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_is_versioned_v1() -> None:
    packages = {p.parent.relative_to(PROTO_ROOT).as_posix() for p in PROTO_ROOT.rglob("*.proto")}
    assert packages == {"linli/registry/v1", "linli/wishes/v1", "linli/dispatch/v1"}
