"""The Prometheus the local run and the tests start: linli's rules (for tests, with only their `for:` shortened) and
loopback targets by job."""

from __future__ import annotations

from pathlib import Path

import yaml

from devstack.monitoring.prometheus import JOBS, RULES, rule_files, write_config
from tests.helpers.promql import rules


def test_shortened_rules_differ_from_linlis_only_in_their_for(tmp_path: Path) -> None:
    original = rules(rule_files(tmp_path))
    shortened = rules(rule_files(tmp_path / "short", shorten_for="1s"))
    assert [r.get("alert") or r.get("record") for r in shortened] == [
        r.get("alert") or r.get("record") for r in original
    ]
    assert any("for" in r for r in original)
    for before, after in zip(original, shortened, strict=True):
        assert {k: v for k, v in after.items() if k != "for"} == {k: v for k, v in before.items() if k != "for"}
        assert after.get("for") == ("1s" if "for" in before else None)
    assert rule_files(tmp_path) == sorted(RULES.glob("*.yaml"))  # unshortened: the files themselves


def test_the_configuration_scrapes_each_job_on_loopback_and_loads_the_rules(tmp_path: Path) -> None:
    targets = {job: [9100 + n] for n, job in enumerate(JOBS.values(), start=1)}
    path = write_config(tmp_path / "prometheus.yaml", targets, rule_files(tmp_path), interval="1s")
    config = yaml.safe_load(path.read_text())
    assert config["global"]["evaluation_interval"] == "1s"
    assert config["rule_files"] == [str(p) for p in sorted(RULES.glob("*.yaml"))]
    scraped = {c["job_name"]: c["static_configs"][0]["targets"] for c in config["scrape_configs"]}
    assert scraped == {
        "linli-registry": ["127.0.0.1:9101"],
        "linli-wishes": ["127.0.0.1:9102"],
        "linli-dispatch": ["127.0.0.1:9103"],
        "linli-worker": ["127.0.0.1:9104"],
    }
