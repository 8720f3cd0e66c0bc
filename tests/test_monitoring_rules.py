"""linli's Prometheus rules (deploy/monitoring/rules/), checked by the real tools: `promtool check rules`, and
`promtool test rules` with a unit test of every alert (deploy/monitoring/tests/), each alert with its runbook."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from devstack.stack import REPO
from tests.helpers.promql import base_metrics, check_expressions_parse, metric_names, promtool, recording_rules, rules

MONITORING = REPO / "deploy/monitoring"
RULE_FILES = sorted((MONITORING / "rules").glob("*.yaml"))
TEST_FILES = sorted((MONITORING / "tests").glob("*.yaml"))
ALERTS = {str(rule["alert"]): rule for rule in rules(RULE_FILES) if "alert" in rule}
# Every replica reports these alike from the database: rules read them through the linli:*:max recording rules.
DATABASE_GAUGES = {
    "linli_wishes",
    "linli_wishes_overdue",
    "linli_alerts_open",
    "linli_alert_oldest_unacknowledged_timestamp_seconds",
    "linli_alert_acknowledge_limit_seconds",
    "linli_duty_gap_seconds",
    "linli_duty_uncovered_tomorrow",
    "linli_activities",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool(), *args], capture_output=True, text=True, check=False, cwd=REPO)


def test_every_rule_file_passes_promtool_check_rules() -> None:
    assert RULE_FILES and ALERTS
    result = run("check", "rules", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_behaves_as_its_unit_tests_say() -> None:
    result = run("test", "rules", *map(str, TEST_FILES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(TEST_FILES)


def test_every_alert_has_unit_tests_that_see_it_fire_and_stay_quiet() -> None:
    fired: set[str] = set()
    quiet: set[str] = set()
    for path in TEST_FILES:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (fired if check.get("exp_alerts") else quiet).add(check["alertname"])
    assert sorted(set(ALERTS) - fired) == [], "alerts no test sees fire"
    assert sorted(set(ALERTS) - quiet) == [], "alerts no test sees stay quiet"


def test_promtool_fails_a_unit_test_whose_alert_does_not_fire(tmp_path: Path) -> None:
    case = {
        "rule_files": [str(MONITORING / "rules/linli-availability.yaml")],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": 'up{job="linli-wishes", instance="a"}', "values": "1 1 1 1 1"}],
                "alert_rule_test": [
                    {"eval_time": "4m", "alertname": "LinliProcessDown", "exp_alerts": [{"exp_labels": {}}]}
                ],
            }
        ],
    }
    (tmp_path / "wrong.yaml").write_text(yaml.safe_dump(case))
    result = run("test", "rules", str(tmp_path / "wrong.yaml"))
    assert result.returncode != 0 and "FAILED" in result.stdout + result.stderr


@pytest.mark.parametrize("alert", sorted(ALERTS))
def test_every_alert_has_a_severity_a_summary_and_a_runbook(alert: str) -> None:
    rule = ALERTS[alert]
    labels, annotations = rule["labels"], rule["annotations"]
    assert isinstance(labels, dict) and isinstance(annotations, dict)
    assert labels["severity"] in {"page", "ticket"}
    assert annotations["summary"] and annotations["description"]
    assert annotations["runbook_url"] == f"docs/runbooks/{alert}.md"
    runbook = (REPO / annotations["runbook_url"]).read_text()
    assert runbook.startswith(f"# {alert}\n")
    for part in ("**What it means.**", "**Look at.**", "**What to do.**"):
        assert part in runbook, f"{alert}'s runbook lacks {part}"


def test_every_runbook_belongs_to_an_alert() -> None:
    assert sorted(p.stem for p in (REPO / "docs/runbooks").glob("*.md")) == sorted(ALERTS)


def test_rules_read_the_database_gauges_only_combined_across_replicas() -> None:
    recorded = recording_rules(RULE_FILES)
    for rule in rules(RULE_FILES):
        if rule.get("record") and str(rule["record"]).endswith(":max"):
            continue
        raw = metric_names(str(rule["expr"])) & DATABASE_GAUGES
        assert raw == set(), f"{rule.get('alert') or rule.get('record')} reads {raw} without max by (...)"
    for name, expr in recorded.items():
        if name.endswith(":max"):
            assert expr.startswith("max"), name


def test_metric_names_are_the_metrics_an_expression_reads() -> None:
    expr = (
        'sum by (job, grpc_method) (rate(grpc_server_handled_total{grpc_code=~"Internal|Unknown", job!="x"}[5m]))'
        " / on (job) group_left (instance) sum without (le) (linli:grpc_server_handled:rate5m offset 1h)"
        ' > bool 0.5 and label_replace(up, "dst", "$1", "src", "(.*)") unless {__name__="linli_wishes"}'
        " or histogram_quantile(0.99, rate(x_bucket[5m:1m])) > 1e3 or vector(1) or topk(3, linli_outbox_pending)"
    )
    assert metric_names(expr) == {
        "grpc_server_handled_total",
        "linli:grpc_server_handled:rate5m",
        "up",
        "linli_wishes",
        "x_bucket",
        "linli_outbox_pending",
    }


def test_recording_rules_are_followed_down_to_the_metrics_they_come_from() -> None:
    recorded = recording_rules(RULE_FILES)
    expr = str(ALERTS["LinliEmergencyAlertUnacknowledged"]["expr"])
    assert base_metrics(metric_names(expr), recorded) == {
        "linli_alert_oldest_unacknowledged_timestamp_seconds",
        "linli_alert_acknowledge_limit_seconds",
    }


def test_expressions_that_do_not_parse_are_named_by_promtool() -> None:
    check_expressions_parse(["sum(rate(grpc_server_handled_total[5m]))", "max by (state) (linli_wishes)"])
    with pytest.raises(AssertionError, match="promtool check rules"):
        check_expressions_parse(["sum(rate(grpc_server_handled_total[5m])"])
