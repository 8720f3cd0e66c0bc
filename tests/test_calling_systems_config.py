"""Every deployment's calling systems (deploy/k8s/overlays/*/calling-systems.yaml) are checked as the registry would
check them when `./linli systems apply` issues them: names, scopes, methods calling systems may call, lifetimes and
quotas."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.stack import REPO
from devstack.systems import load_plan

PLANS = sorted((REPO / "deploy/k8s/overlays").glob("*/calling-systems.yaml"))


def test_every_overlay_declares_its_calling_systems() -> None:
    overlays = sorted(p for p in (REPO / "deploy/k8s/overlays").iterdir() if p.is_dir())
    assert [p.parent for p in PLANS] == overlays


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.parent.name)
def test_a_deployments_calling_systems_are_valid(path: Path) -> None:
    plan = load_plan(path)
    assert {"hotline-12345", "party-member-info"} <= {system.name for system in plan}
    hotline = next(system for system in plan if system.name == "hotline-12345")
    assert "ImportMembers" not in hotline.methods and "SubmitWish" in hotline.methods


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("name: Hotline\n    scope: '2'\n    methods: [SubmitWish]", "name 'Hotline'"),
        ("name: hotline\n    scope: district\n    methods: [SubmitWish]", "scope must be an org unit id"),
        ("name: hotline\n    scope: '2'\n    methods: [RecordService]", "RecordService"),
        ("name: hotline\n    scope: '2'\n    methods: [SubmitWish]\n    expires: soon", "expires"),
        ("name: hotline\n    scope: '2'\n    methods: [SubmitWish]\n    quota: {burst: -1}", "quota.burst"),
        ("name: hotline\n    scope: '2'\n    methods: [SubmitWish]\n    owner: x", "unknown keys"),
    ],
)
def test_a_mistake_is_named_with_the_entry(tmp_path: Path, entry: str, says: str) -> None:
    path = tmp_path / "calling-systems.yaml"
    path.write_text(f"systems:\n  - {entry}\n")
    with pytest.raises(ValueError, match=says):
        load_plan(path)
