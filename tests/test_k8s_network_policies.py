"""deploy/k8s's network policies: linli's pods reach each other, their own Postgres, the Temporal frontend and DNS,
and nothing else; Prometheus scrapes them; an overlay may name its Postgres or Temporal by address range."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from tests.helpers.k8s import GRPC_APIS, K8S, Peer, connects, deployments, kubectl, of_kind, port_named


def pods(tree: str) -> dict[str, Peer]:
    return {
        name: Peer(
            deployment["metadata"]["namespace"],
            tuple(sorted(deployment["spec"]["template"]["metadata"]["labels"].items())),
        )
        for name, deployment in deployments(tree).items()
    }


NAMESPACE = "linli-baoji-jintai"
POSTGRES = Peer(NAMESPACE, (("app.kubernetes.io/name", "postgresql"),))
TEMPORAL = Peer("temporal", (("app.kubernetes.io/component", "frontend"), ("app.kubernetes.io/name", "temporal")))
FRONT_END = Peer(NAMESPACE, (("app", "gateway"),))
ELSEWHERE = Peer("default", (("app", "curious"),))
INTERNET = Peer(None, address="203.0.113.7")


def test_baoji_jintai_network_policies_let_linli_talk_and_nothing_more() -> None:
    tree = "overlays/baoji-jintai"
    policies = of_kind(tree, "NetworkPolicy")
    assert policies, "the overlay uses the network-policies component"
    linli = pods(tree)
    grpc_ports = {name: port_named(deployments(tree)[name], "grpc") for name in GRPC_APIS}
    dns = Peer("kube-system", (("k8s-app", "kube-dns"),))
    prometheus = Peer("monitoring", (("app.kubernetes.io/name", "prometheus"),))

    for name, source in linli.items():
        for api, port in grpc_ports.items():
            assert connects(policies, source, linli[api], port), f"{name} -> {api}:{port}"
        assert connects(policies, source, TEMPORAL, 7233), f"{name} -> temporal"
        assert connects(policies, source, dns, 53, "UDP") and connects(policies, source, dns, 53, "TCP"), name
        assert not connects(policies, source, INTERNET, 443), f"{name} reaches the internet"
        assert not connects(policies, source, TEMPORAL, 8080), f"{name} reaches another port"
        metrics_port = port_named(deployments(tree)[name], "metrics")
        assert connects(policies, prometheus, source, metrics_port), f"prometheus -> {name}"
        assert not connects(policies, FRONT_END, source, metrics_port), f"namespace -> {name} metrics"
    for api, port in grpc_ports.items():
        assert connects(policies, FRONT_END, linli[api], port), f"namespace -> {api}"
        assert not connects(policies, ELSEWHERE, linli[api], port), f"another namespace -> {api}"
        assert not connects(policies, INTERNET, linli[api], port), f"internet -> {api}"
    # The district's own Postgres is left alone by linli's policies.
    assert connects(policies, FRONT_END, POSTGRES, 5432)


def test_only_the_services_reach_postgres_and_only_their_own() -> None:
    tree = "overlays/baoji-jintai"
    policies = of_kind(tree, "NetworkPolicy")
    another_districts = Peer("linli-other", (("app.kubernetes.io/name", "postgresql"),))
    for name, source in pods(tree).items():
        assert connects(policies, source, POSTGRES, 5432) is (name in GRPC_APIS), f"{name} -> postgres"
        for stranger in (another_districts, ELSEWHERE, FRONT_END, INTERNET, Peer(NAMESPACE, (("app", "any"),))):
            assert not connects(policies, source, stranger, 5432), f"{name} -> {stranger} on 5432"


def test_every_process_reaches_the_temporal_frontend_and_nothing_else_on_its_port() -> None:
    tree = "overlays/baoji-jintai"
    policies = of_kind(tree, "NetworkPolicy")
    history = Peer("temporal", (("app.kubernetes.io/component", "history"), ("app.kubernetes.io/name", "temporal")))
    look_alike = Peer("default", TEMPORAL.labels)
    for name, source in pods(tree).items():
        assert connects(policies, source, TEMPORAL, 7233), f"{name} -> temporal"
        for stranger in (history, look_alike, ELSEWHERE, INTERNET, POSTGRES):
            assert not connects(policies, source, stranger, 7233), f"{name} -> {stranger} on 7233"


def test_an_overlay_may_name_its_postgres_and_temporal_by_address_range(tmp_path: Path) -> None:
    """As the component's README shows: the selectors replaced by the ranges of a managed database and of a
    Temporal outside the cluster; only those ranges are reached on those ports."""
    overlay = tmp_path / "external"
    overlay.mkdir()
    base = os.path.relpath(K8S / "overlays" / "baoji-jintai", overlay)
    patches = ""
    for policy, cidr in (("linli-allow-postgres", "10.20.0.0/24"), ("linli-allow-temporal", "10.30.0.0/28")):
        patches += f"""  - target:
      kind: NetworkPolicy
      name: {policy}
    patch: |-
      - op: replace
        path: /spec/egress/0/to
        value:
          - ipBlock:
              cidr: {cidr}
"""
    (overlay / "kustomization.yaml").write_text(
        f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - {base}\npatches:\n{patches}"
    )
    result = subprocess.run([kubectl(), "kustomize", str(overlay)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    policies = [doc for doc in yaml.safe_load_all(result.stdout) if doc and doc["kind"] == "NetworkPolicy"]
    database, temporal = Peer(None, address="10.20.0.5"), Peer(None, address="10.30.0.9")
    for name, source in pods("overlays/baoji-jintai").items():
        assert connects(policies, source, database, 5432) is (name in GRPC_APIS), name
        assert connects(policies, source, temporal, 7233), name
        assert not connects(policies, source, Peer(None, address="10.20.1.5"), 5432), name
        assert not connects(policies, source, database, 7233) and not connects(policies, source, temporal, 5432), name
        assert not connects(policies, source, POSTGRES, 5432), f"{name}: the selector was replaced"
