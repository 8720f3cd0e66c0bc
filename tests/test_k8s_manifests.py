"""deploy/k8s: the base and every district overlay, rendered with `kubectl kustomize` (no cluster), checked
against the Kubernetes schemas, and held to what linli's processes need to run safely there."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import kubernetes_validate

from services.runtime.config import RENAMED, SERVICES_WITH_PERSONAL_DATA
from services.runtime.env import parse_duration
from tests.helpers.k8s import (
    GRPC_APIS,
    IDENTITY,
    OVERLAYS,
    PROCESSES,
    SECRET_KEYS,
    SECRET_MOUNT,
    SECRET_NAME,
    SECRET_NAME_PATTERN,
    TLS_MOUNT,
    TLS_SECRET_KEYS,
    WORKERS,
    Doc,
    config_maps,
    container,
    deployments,
    effective_security,
    environment,
    is_operator_kind,
    name_of,
    of_kind,
    operator_schema_errors,
    overlays,
    pod_spec,
    port_named,
    render,
    trees,
)


def test_baoji_jintai_has_an_overlay() -> None:
    assert "baoji-jintai" in OVERLAYS


@trees
def test_every_manifest_matches_the_kubernetes_schema(tree: str) -> None:
    version = kubernetes_validate.latest_version()
    failures = []
    for doc in render(tree):
        if is_operator_kind(doc):  # a PodMonitor or PrometheusRule: the Prometheus Operator's CRD schema
            failures += [f"{doc['kind']}/{name_of(doc)}: {error}" for error in operator_schema_errors(doc)]
            continue
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            failures.append(f"{doc['kind']}/{name_of(doc)}: {where}: {error.message}")
    assert not failures, "\n".join(failures)


@trees
def test_every_process_runs_from_the_linli_image_by_its_command(tree: str) -> None:
    found = deployments(tree)
    assert set(found) == set(PROCESSES)
    for name, deployment in found.items():
        image = container(deployment)["image"]
        assert image.split("@")[0].rsplit("/", 1)[-1].split(":")[0] == "linli", f"{name} runs {image}"
        assert container(deployment)["command"] == ["python", "-m", PROCESSES[name]]


@trees
def test_every_container_runs_as_non_root_on_a_read_only_root(tree: str) -> None:
    for name, deployment in deployments(tree).items():
        security = effective_security(deployment)
        assert security.get("runAsNonRoot") is True, name
        assert security.get("runAsUser") == 10001, name
        assert security.get("readOnlyRootFilesystem") is True, name
        assert security.get("allowPrivilegeEscalation") is False, name
        assert "ALL" in security.get("capabilities", {}).get("drop", []), name
        assert security.get("seccompProfile", {}).get("type") == "RuntimeDefault", name
        # Python and its libraries still want a writable /tmp.
        volumes = {volume["name"]: volume for volume in pod_spec(deployment).get("volumes", [])}
        tmp = [mount for mount in container(deployment).get("volumeMounts", []) if mount["mountPath"] == "/tmp"]
        assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{name} has no emptyDir at /tmp"


@trees
def test_every_service_probes_its_grpc_health(tree: str) -> None:
    found = deployments(tree)
    for name in GRPC_APIS:
        deployment = found[name]
        env = environment(tree, deployment)
        grpc_port = port_named(deployment, "grpc")
        assert int(env["LINLI_GRPC_PORT"]) == grpc_port, name
        probed = grpc_port
        if "LINLI_TLS_CERT_FILE" in env:  # the kubelet's gRPC probes speak no TLS: the plaintext health port
            probed = port_named(deployment, "grpc-health")
            assert int(env["LINLI_HEALTH_PORT"]) == probed != grpc_port, name
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container(deployment)[probe].get("grpc", {}).get("port") == probed, f"{name} {probe}"
        # Start-up waits for the database and migrations; liveness must not restart the pod meanwhile.
        startup = container(deployment)["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 120, name


@trees
def test_worker_liveness_reads_its_metrics_endpoint(tree: str) -> None:
    for name in WORKERS:
        worker = deployments(tree)[name]
        metrics_port = port_named(worker, "metrics")
        assert int(environment(tree, worker)["LINLI_METRICS_PORT"]) == metrics_port == 9104, name
        probe = container(worker)["livenessProbe"]["httpGet"]
        assert (probe["path"], probe["port"]) == ("/metrics", metrics_port), name


@trees
def test_alerts_have_a_worker_of_their_own_and_the_worker_the_rest(tree: str) -> None:
    found = deployments(tree)
    emergency, bulk = (environment(tree, found[name]) for name in ("worker-emergency", "worker"))
    assert (emergency["LINLI_WORKER_QUEUES"], bulk["LINLI_WORKER_QUEUES"]) == ("emergency", "bulk")
    # One ConfigMap names both queues, so the services start alerts where worker-emergency polls.
    assert emergency["LINLI_EMERGENCY_TASK_QUEUE"] == bulk["LINLI_EMERGENCY_TASK_QUEUE"] != bulk["LINLI_TASK_QUEUE"]
    for service in GRPC_APIS:
        assert (
            environment(tree, found[service])["LINLI_EMERGENCY_TASK_QUEUE"] == emergency["LINLI_EMERGENCY_TASK_QUEUE"]
        )
    # Its own pods and resources: nothing the general worker does takes its CPU.
    selectors = {name: found[name]["spec"]["selector"]["matchLabels"] for name in WORKERS}
    for name in WORKERS:
        other = (WORKERS - {name}).pop()
        assert not selectors[name].items() <= found[other]["spec"]["template"]["metadata"]["labels"].items(), name
    assert container(found["worker-emergency"])["resources"]["requests"]["cpu"] == "250m"


@trees
def test_prometheus_scrapes_the_port_metrics_are_served_on(tree: str) -> None:
    for name, deployment in deployments(tree).items():
        annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
        metrics_port = port_named(deployment, "metrics")
        assert annotations.get("prometheus.io/scrape") == "true", name
        assert int(annotations["prometheus.io/port"]) == metrics_port, name
        assert int(environment(tree, deployment)["LINLI_METRICS_PORT"]) == metrics_port, name


@trees
def test_every_process_listens_beyond_loopback(tree: str) -> None:
    for name, deployment in deployments(tree).items():
        env = environment(tree, deployment)
        assert env.get("LINLI_METRICS_HOST") == "0.0.0.0", name
        if name in GRPC_APIS:
            assert env.get("LINLI_GRPC_HOST") == "0.0.0.0", name


@trees
def test_every_pod_carries_the_recommended_labels(tree: str) -> None:
    for name, deployment in deployments(tree).items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert labels.get("app.kubernetes.io/name") == name
        assert labels.get("app.kubernetes.io/part-of") == "linli", name
        assert labels.get("app.kubernetes.io/component") == ("grpc-api" if name in GRPC_APIS else "worker")


@trees
def test_every_service_selects_the_pods_of_one_deployment(tree: str) -> None:
    services = [service for service in of_kind(tree, "Service") if service["spec"].get("clusterIP") != "None"]
    assert {name_of(service) for service in services} == set(GRPC_APIS)
    for service in services:
        selector = service["spec"]["selector"]
        assert selector, f"{name_of(service)} selects nothing"
        matching = [
            deployment
            for deployment in deployments(tree).values()
            if deployment["metadata"].get("namespace") == service["metadata"].get("namespace")
            and selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(matching) == 1, f"{name_of(service)} selects {len(matching)} Deployments"
        (deployment,) = matching
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
        ports = {port["name"]: port for port in service["spec"]["ports"]}
        assert set(ports) == {"grpc", "metrics"}, name_of(service)
        assert ports["grpc"].get("appProtocol") == "grpc"
        for port in ports.values():
            target = port["targetPort"]
            served = port_named(deployment, target) if isinstance(target, str) else target
            assert served == port_named(deployment, port["name"]), f"{name_of(service)} port {port['name']}"


@trees
def test_each_grpc_api_has_a_headless_service_beside_its_cluster_ip_one(tree: str) -> None:
    services = {name_of(service): service for service in of_kind(tree, "Service")}
    for name in GRPC_APIS:
        headless, cluster_ip = services[f"{name}-headless"], services[name]
        assert headless["spec"]["clusterIP"] == "None", name
        assert "clusterIP" not in cluster_ip["spec"] and cluster_ip["spec"]["type"] == "ClusterIP", name
        # The same pods, and the gRPC port of the same number: only how a caller finds them differs.
        assert headless["spec"]["selector"] == cluster_ip["spec"]["selector"], name
        [port] = headless["spec"]["ports"]
        served = next(p for p in cluster_ip["spec"]["ports"] if p["name"] == "grpc")
        assert (port["name"], port["port"], port["targetPort"], port["appProtocol"]) == (
            "grpc",
            served["port"],
            served["targetPort"],
            "grpc",
        ), name


@trees
def test_service_addresses_in_the_config_reach_every_pod_of_the_services(tree: str) -> None:
    """linli's own calls dial the headless Services by DNS, so each channel balances over every pod (round robin)."""
    services = {name_of(service): service for service in of_kind(tree, "Service")}
    for deployment in deployments(tree).values():
        env = environment(tree, deployment)
        for name in GRPC_APIS:
            variable = f"LINLI_{name.upper()}_ADDRESS"
            scheme, _, target = env[variable].partition(":///")
            assert scheme == "dns", f"{variable} is no dns:/// target: {env[variable]}"
            host, _, port = target.rpartition(":")
            assert host == f"{name}-headless" and services[host]["spec"]["clusterIP"] == "None", variable
            assert int(port) == services[host]["spec"]["ports"][0]["port"], f"{variable} port"


@trees
def test_every_container_reads_a_rendered_config_map(tree: str) -> None:
    maps = config_maps(tree)
    for name, deployment in deployments(tree).items():
        sources = container(deployment).get("envFrom", [])
        assert sources, f"{name} reads no ConfigMap"
        for source in sources:
            assert source["configMapRef"]["name"] in maps, f"{name} reads a ConfigMap that is not rendered"


@trees
def test_termination_grace_outlasts_prestop_and_shutdown_grace(tree: str) -> None:
    for name, deployment in deployments(tree).items():
        shutdown = parse_duration("LINLI_SHUTDOWN_GRACE", environment(tree, deployment)["LINLI_SHUTDOWN_GRACE"])
        pre_stop = container(deployment).get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command")
        sleep = 0.0
        if pre_stop:
            # The image has /bin/sleep but no shell built-ins to lean on.
            assert pre_stop[0] == "sleep" and len(pre_stop) == 2, f"{name} preStop {pre_stop}"
            sleep = float(pre_stop[1])
        if name in GRPC_APIS:
            assert sleep > 0, f"{name} stops taking calls before its endpoint is removed"
        budget = pod_spec(deployment)["terminationGracePeriodSeconds"]
        assert budget > sleep + shutdown.total_seconds(), f"{name}: {budget}s <= {sleep}s + {shutdown}"


@trees
def test_every_process_keeps_the_one_time_zone_and_no_renamed_setting(tree: str) -> None:
    zones = set()
    for name, deployment in deployments(tree).items():
        env = environment(tree, deployment)
        assert not set(RENAMED) & set(env), f"{name} sets a renamed variable: it would not start"
        zones.add(str(ZoneInfo(env["LINLI_TIMEZONE"])))
    assert len(zones) == 1, f"processes disagree on the time zone: {zones}"


@trees
def test_no_manifest_carries_a_secret_value(tree: str) -> None:
    assert not of_kind(tree, "Secret"), "secrets are created in the namespace, never rendered"
    for name, deployment in deployments(tree).items():
        for var in container(deployment).get("env", []):
            if SECRET_NAME_PATTERN.search(var["name"]):
                assert "value" not in var, f"{name} sets {var['name']} to a literal"
                assert var["valueFrom"]["secretKeyRef"]["name"] == SECRET_NAME, f"{name} {var['name']}"
    for map_name, data in config_maps(tree).items():
        assert not [key for key in data if SECRET_NAME_PATTERN.search(key)], map_name
        assert urlsplit(data.get("DATABASE_URL", "")).password is None, f"{map_name} DATABASE_URL holds a password"


@trees
def test_secret_files_are_mounted_where_the_settings_read_them(tree: str) -> None:
    for name, deployment in deployments(tree).items():
        volumes = {volume["name"]: volume for volume in pod_spec(deployment)["volumes"]}
        mounts = [
            mount
            for mount in container(deployment)["volumeMounts"]
            if volumes[mount["name"]].get("secret", {}).get("secretName") == SECRET_NAME
        ]
        assert len(mounts) == 1 and mounts[0]["mountPath"] == SECRET_MOUNT, name
        assert mounts[0].get("readOnly") is True, name
        secret = volumes[mounts[0]["name"]]["secret"]
        # Root-owned files: uid 10001 reads them through fsGroup, so group read must be in the mode.
        assert pod_spec(deployment)["securityContext"].get("fsGroup") == 10001, name
        assert secret.get("defaultMode", 0o644) & 0o040, name
        files = {item["path"]: item["key"] for item in secret["items"]}
        assert set(files.values()) <= SECRET_KEYS, name

        file_settings = {key: value for key, value in environment(tree, deployment).items() if key.endswith("_FILE")}
        assert {"LINLI_TOKEN_KEYS_FILE", "LINLI_SIGNING_KEY_FILE"} <= set(file_settings), name
        # Each process holds its own signing key and no other: the worker's makes no admin tokens.
        assert files["signing-key"] == f"signing-key-{IDENTITY[name]}", name
        tls_files = tls_mount(deployment)
        for setting, path in file_settings.items():
            folder, _, file = path.rpartition("/")
            if folder == TLS_MOUNT:
                assert file in tls_files, f"{name} {setting}={path} is not a mounted key of its linli-tls Secret"
                continue
            assert folder == SECRET_MOUNT and file in files, f"{name} {setting}={path} is not a mounted key"


def tls_mount(deployment: Doc) -> dict[str, str]:
    """The files (path: Secret key) of the process's TLS Secret mounted at TLS_MOUNT; empty without one."""
    volumes = {volume["name"]: volume for volume in pod_spec(deployment)["volumes"]}
    for mount in container(deployment)["volumeMounts"]:
        secret = volumes[mount["name"]].get("secret", {})
        if mount["mountPath"] == TLS_MOUNT:
            assert secret.get("secretName") == f"linli-tls-{IDENTITY[name_of(deployment)]}", name_of(deployment)
            assert mount.get("readOnly") is True and secret.get("defaultMode", 0o644) & 0o040, name_of(deployment)
            return {item["path"]: item["key"] for item in secret["items"]}
    return {}


def test_baoji_jintai_takes_tls_everywhere_with_certificates_from_cert_manager_secrets() -> None:
    tree = "overlays/baoji-jintai"
    for name, deployment in deployments(tree).items():
        env = environment(tree, deployment)
        assert tls_mount(deployment) == {key: key for key in TLS_SECRET_KEYS}, name
        assert env["LINLI_TLS_CERT_FILE"] == f"{TLS_MOUNT}/tls.crt", name
        assert env["LINLI_TLS_KEY_FILE"] == f"{TLS_MOUNT}/tls.key", name
        assert env["LINLI_TLS_CA_FILE"] == env["TEMPORAL_TLS_CA_FILE"] == f"{TLS_MOUNT}/ca.crt", name
        if name in GRPC_APIS:  # asyncpg's libpq variables: the district's Postgres checked in full
            assert (env["PGSSLMODE"], env["PGSSLROOTCERT"]) == ("verify-full", f"{TLS_MOUNT}/ca.crt"), name
        # Nothing the process would refuse at start: every TLS file it names is one the Secret mounts.
        settings = {
            k: v for k, v in env.items() if k.startswith(("LINLI_TLS_", "TEMPORAL_TLS_")) and k.endswith("_FILE")
        }
        assert {path.rpartition("/")[2] for path in settings.values()} <= TLS_SECRET_KEYS, name


@trees
def test_only_processes_with_personal_data_get_its_keys(tree: str) -> None:
    for name, deployment in deployments(tree).items():
        env = environment(tree, deployment)
        (volume,) = [v for v in pod_spec(deployment)["volumes"] if v.get("secret", {}).get("secretName") == SECRET_NAME]
        keys = {item["key"] for item in volume["secret"]["items"]}
        holds_personal_data = name in SERVICES_WITH_PERSONAL_DATA
        for setting, key in (("LINLI_DATA_KEYS_FILE", "data-keys"), ("LINLI_LOOKUP_KEY_FILE", "lookup-key")):
            assert (setting in env) is holds_personal_data, f"{name} {setting}"
            assert (key in keys) is holds_personal_data, f"{name} mounts {key}"


@trees
def test_every_deployment_keeps_two_replicas_through_rollouts_and_drains(tree: str) -> None:
    autoscalers = {hpa["spec"]["scaleTargetRef"]["name"]: hpa for hpa in of_kind(tree, "HorizontalPodAutoscaler")}
    budgets = of_kind(tree, "PodDisruptionBudget")
    for name, deployment in deployments(tree).items():
        if name in autoscalers:
            # A fixed count beside an HPA would be reset on every apply.
            assert "replicas" not in deployment["spec"], f"{name} has replicas and an HPA"
            assert autoscalers[name]["spec"]["minReplicas"] >= 2, name
        else:
            assert deployment["spec"].get("replicas") == 2, name
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items() for budget in budgets), (
            f"{name} has no PodDisruptionBudget"
        )


@overlays
def test_district_runs_in_its_own_namespace_and_temporal_namespace(district: str) -> None:
    tree = f"overlays/{district}"
    for doc in render(tree):
        assert doc["metadata"].get("namespace") == f"linli-{district}", f"{doc['kind']}/{name_of(doc)}"
    for deployment in deployments(tree).values():
        assert environment(tree, deployment)["TEMPORAL_NAMESPACE"] == district, name_of(deployment)


def test_baoji_jintai_reaches_its_postgres_and_the_shared_temporal() -> None:
    tree = "overlays/baoji-jintai"
    for name, deployment in deployments(tree).items():
        env = environment(tree, deployment)
        assert env["DATABASE_URL"] == "postgresql://linli@postgres:5432/linli", name
        assert env["TEMPORAL_ADDRESS"] == "temporal-frontend.temporal:7233", name
        assert env["TEMPORAL_NAMESPACE"] == "baoji-jintai", name


def test_baoji_jintai_autoscales_each_grpc_api_and_the_emergency_worker_on_cpu() -> None:
    tree = "overlays/baoji-jintai"
    autoscalers = {name_of(hpa): hpa for hpa in of_kind(tree, "HorizontalPodAutoscaler")}
    assert set(autoscalers) == {*GRPC_APIS, "worker-emergency"}
    for name, hpa in autoscalers.items():
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert target["name"] in deployments(tree)
        assert [metric["resource"]["name"] for metric in hpa["spec"]["metrics"]] == ["cpu"]
        assert "cpu" in container(deployments(tree)[name])["resources"]["requests"], name
