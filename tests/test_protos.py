"""The API contract: protos lint clean, the committed Python code is what they generate, and the released API holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from google.protobuf import descriptor_pb2

from devstack.protogen import GENERATED_SUFFIXES, PROTO_ROOT, generate

BUF = Path(sys.executable).parent / "buf"
RELEASED = Path("released/v1.binpb")  # relative to PROTO_ROOT, where buf runs


def test_generated_code_matches_the_protos(tmp_path: Path) -> None:
    fresh = {p.relative_to(tmp_path): p.read_bytes() for p in generate(tmp_path)}
    committed = {
        p.relative_to(PROTO_ROOT): p.read_bytes() for p in PROTO_ROOT.rglob("*") if p.name.endswith(GENERATED_SUFFIXES)
    }
    assert fresh.keys() == committed.keys(), "generated files differ in name: run ./linli gen"
    stale = sorted(str(name) for name in fresh if fresh[name] != committed[name])
    assert not stale, f"stale generated code (run ./linli gen): {stale}"


def test_protos_pass_buf_lint() -> None:
    result = subprocess.run([str(BUF), "lint"], cwd=PROTO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_is_versioned_v1() -> None:
    packages = {p.parent.relative_to(PROTO_ROOT).as_posix() for p in PROTO_ROOT.rglob("*.proto")}
    assert packages == {"linli/registry/v1", "linli/wishes/v1", "linli/dispatch/v1"}


def test_the_released_api_is_not_broken() -> None:
    """The protos stay wire- and source-compatible with the released API (buf's FILE rules, protos/buf.yaml):
    no field renumbered, retyped or removed, no message, rpc or service removed or renamed.

    protos/released/v1.binpb is the released API as a buf image. When an API version is released, rebuild it
    deliberately and commit it with the release, so what was added since is protected too:

        cd protos && ../.venv/bin/buf build --exclude-source-info -o released/v1.binpb

    A change that must break the API belongs in a new package (linli/<service>/v2), not in an edit of v1.
    """
    image = descriptor_pb2.FileDescriptorSet.FromString((PROTO_ROOT / RELEASED).read_bytes())
    released = {f.package for f in image.file if f.package.startswith("linli.")}
    # An empty or partial image would let everything pass.
    assert released == {"linli.registry.v1", "linli.wishes.v1", "linli.dispatch.v1"}, released
    result = subprocess.run(
        [str(BUF), "breaking", "--against", str(RELEASED)],
        cwd=PROTO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"the protos break the released API:\n{result.stdout}{result.stderr}"
