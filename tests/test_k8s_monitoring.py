"""deploy/k8s/components/monitoring: its generated files are what `./linli gen` writes (the PrometheusRule from
deploy/monitoring/rules/, the dashboards' copies), every process is scraped on the port it serves metrics on under
the job the rules name it by, Grafana's sidecar finds every dashboard, and the Prometheus Operator's schemas take it
all."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml

from devstack.monitoring import dashboards, kubernetes
from tests.helpers.k8s import (
    IDENTITY,
    K8S,
    OVERLAYS,
    PROCESSES,
    Doc,
    Peer,
    connects,
    deployments,
    environment,
    kubectl,
    name_of,
    of_kind,
    operator_schema_errors,
    port_named,
)

TREE = "overlays/baoji-jintai"


def pod_monitors() -> dict[str, Doc]:
    return {name_of(doc): doc for doc in of_kind(TREE, "PodMonitor")}


def test_baoji_jintai_uses_the_monitoring_component() -> None:
    overlay = yaml.safe_load((OVERLAYS["baoji-jintai"] / "kustomization.yaml").read_text())
    assert "../../components/monitoring" in overlay["components"]
    assert set(pod_monitors()) == {f"linli-{name}" for name in PROCESSES}


def test_the_committed_prometheus_rule_is_what_the_generator_writes() -> None:
    assert kubernetes.PROMETHEUS_RULE.read_text() == kubernetes.render_prometheus_rule(), (
        "deploy/k8s/components/monitoring/prometheus-rules.yaml is stale: run ./linli gen"
    )


def test_the_prometheus_rule_holds_every_group_of_every_rule_file(tmp_path: Path) -> None:
    (tmp_path / "a-alerts.yaml").write_text(
        "groups:\n"
        "  - name: one\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n"
        "        labels: {severity: page}\n        annotations: {summary: down}\n"
        "  - name: two\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n"
    )
    (tmp_path / "b-recording.yaml").write_text("groups:\n  - name: three\n    rules: []\n")
    # promtool's unit tests beside the rules are no rule files.
    (tmp_path / "c-alerts-test.yaml").write_text("rule_files: [a-alerts.yaml]\ntests: []\n")
    rule = yaml.safe_load(kubernetes.render_prometheus_rule(tmp_path))
    assert [group["name"] for group in rule["spec"]["groups"]] == ["one", "two", "three"]
    assert rule["spec"]["groups"][0]["rules"][0]["for"] == "5m"
    assert operator_schema_errors(rule) == []


def test_the_operator_s_schema_refuses_a_misspelt_rule() -> None:
    rule = kubernetes.prometheus_rule()
    rule["spec"]["groups"] = [{"name": "g", "rules": [{"alert": "A", "exrp": "up == 0"}]}]
    assert operator_schema_errors(rule), "the vendored PrometheusRule schema took an unknown field"


def test_the_component_s_dashboards_are_the_generator_s() -> None:
    copies = {path.name: path.read_text() for path in sorted(kubernetes.DASHBOARD_COPIES.glob("*.json"))}
    assert copies == dashboards.render(), "deploy/k8s/components/monitoring/dashboards/ is stale: run ./linli gen"


def test_grafana_s_sidecar_finds_every_dashboard_under_a_stable_name() -> None:
    maps = [doc for doc in of_kind(TREE, "ConfigMap") if doc["metadata"].get("labels", {}).get("grafana_dashboard")]
    assert all(doc["metadata"]["labels"]["grafana_dashboard"] == "1" for doc in maps)
    files = {key: text for doc in maps for key, text in doc["data"].items()}
    assert files == dashboards.render()
    for doc in maps:
        (key,) = doc["data"]
        # No hash suffix: an apply replaces the dashboard instead of leaving the old one beside it for the sidecar.
        assert name_of(doc) == f"linli-dashboard-{key.removesuffix('.json')}"
        # kubectl apply keeps the whole object in an annotation of at most 256 KiB.
        assert len(doc["data"][key].encode()) < 200_000, name_of(doc)


def test_every_process_is_scraped_on_its_metrics_port_under_its_job() -> None:
    monitors = pod_monitors()
    for name, deployment in deployments(TREE).items():
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        selecting = [
            monitor
            for monitor in monitors.values()
            if monitor["metadata"]["namespace"] == deployment["metadata"]["namespace"]
            and monitor["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        ]
        assert len(selecting) == 1, f"{name} is scraped by {len(selecting)} PodMonitors"
        (endpoint,) = selecting[0]["spec"]["podMetricsEndpoints"]
        assert endpoint["path"] == "/metrics"
        served = int(environment(TREE, deployment)["LINLI_METRICS_PORT"])
        assert endpoint["port"] == "metrics" and port_named(deployment, "metrics") == served, name
        jobs = [r["replacement"] for r in endpoint.get("relabelings", []) if r.get("targetLabel") == "job"]
        # The emergency worker is a worker to the rules and dashboards: the worker's job, its own pods.
        assert jobs == [f"linli-{IDENTITY[name]}"], name


def test_pod_monitors_select_pods_only_in_their_own_namespace() -> None:
    for monitor in pod_monitors().values():
        # Without a namespaceSelector the operator looks in the PodMonitor's namespace: the district's.
        assert "namespaceSelector" not in monitor["spec"], name_of(monitor)


def test_prometheus_in_monitoring_may_reach_every_scraped_port() -> None:
    policies = of_kind(TREE, "NetworkPolicy")
    prometheus = Peer("monitoring", (("app.kubernetes.io/name", "prometheus"),))
    for name, deployment in deployments(TREE).items():
        pod = Peer(
            deployment["metadata"]["namespace"], tuple(deployment["spec"]["template"]["metadata"]["labels"].items())
        )
        assert connects(policies, prometheus, pod, port_named(deployment, "metrics")), name
        assert not connects(policies, Peer("elsewhere"), pod, port_named(deployment, "metrics")), name


def test_every_pod_monitor_and_the_prometheus_rule_match_the_operator_s_schemas() -> None:
    found = of_kind(TREE, "PodMonitor") + of_kind(TREE, "PrometheusRule")
    assert len(found) == len(PROCESSES) + 1
    failures = [f"{doc['kind']}/{name_of(doc)}: {error}" for doc in found for error in operator_schema_errors(doc)]
    assert failures == []


def test_the_readme_s_patch_labels_the_operator_s_objects_alone(tmp_path: Path) -> None:
    """The component's README shows how to add the label a Prometheus selects by: it reaches the PodMonitors and the
    PrometheusRule, not the Deployments."""
    readme = (kubernetes.COMPONENT / "README.md").read_text()
    (example,) = re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL)
    overlay = tmp_path / "labelled"
    overlay.mkdir()
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [os.path.relpath(K8S / "overlays" / "baoji-jintai", overlay)],
        "patches": yaml.safe_load(example)["patches"],
    }
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    result = subprocess.run([kubectl(), "kustomize", str(overlay)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    docs = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    labelled = {f"{d['kind']}/{name_of(d)}" for d in docs if d["metadata"].get("labels", {}).get("release")}
    assert labelled == {f"PodMonitor/linli-{name}" for name in PROCESSES} | {"PrometheusRule/linli"}
