"""The developer commands behind ./linli: up, demo, token, gen, bench (systems, keys, export and import-org in their own
modules)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import grpc

from devstack.certificates import local_run_ca, trusted_ca
from devstack.client import connect
from devstack.demo_data import REPORT_UNITS as DEMO_REPORT_UNITS
from devstack.demo_data import load_demo_data
from devstack.demo_walks import WALKS
from devstack.export import add_parser as add_export_parser
from devstack.export import export
from devstack.import_org import add_parser as add_import_org_parser
from devstack.import_org import import_org
from devstack.keys import add_parser as add_keys_parser
from devstack.monitoring.prometheus import (
    HOW_TO_GET,
    JOBS,
    prometheus_binary,
    rule_files,
    start_prometheus,
    write_config,
)
from devstack.processes import port_open
from devstack.running import print_endpoints, redact, watch
from devstack.stack import REPO, SERVICES, LocalStack, Ports, Secrets, open_channel
from devstack.systems import add_parser as add_systems_parser
from devstack.systems import systems
from services.runtime.auth import DEFAULT_POLICY, WHOLE_DEPLOYMENT, Role, TokenPolicy, issue_token
from services.runtime.config import load_settings
from services.runtime.env import ConfigError
from services.runtime.token_keys import BadKey, parse_signing_key

HOME = REPO / ".linli"
BENCH = REPO / "bench"
SECRETS = HOME / "secrets.json"
DEV_TOKEN_TTL = 7 * 24 * 3600


def dev_token(
    secrets: Secrets,
    role: Role = Role.ADMIN,
    scope: str = WHOLE_DEPLOYMENT,
    subject: str = "linli-dev",
    ttl: int = DEV_TOKEN_TTL,
) -> str:
    return issue_token(secrets.issuer, subject, role, scope, ttl)


# What the local run sets itself for each process; the rest of docs/configuration.md's variables pass through from the
# environment of `./linli up` to every process.
STACK_VARIABLES = frozenset(
    {
        "DATABASE_URL",
        "TEMPORAL_ADDRESS",
        "LINLI_GRPC_PORT",
        "LINLI_METRICS_PORT",
        "LINLI_REGISTRY_ADDRESS",
        "LINLI_WISHES_ADDRESS",
        "LINLI_DISPATCH_ADDRESS",
        "LINLI_TOKEN_KEYS",
        "LINLI_TOKEN_KEYS_FILE",
        "LINLI_SIGNING_KEY",
        "LINLI_SIGNING_KEY_FILE",
        "LINLI_DATA_KEYS",
        "LINLI_DATA_KEYS_FILE",
        "LINLI_LOOKUP_KEY",
        "LINLI_LOOKUP_KEY_FILE",
        "LINLI_TLS_CERT_FILE",
        "LINLI_TLS_KEY_FILE",
        "LINLI_TLS_CA_FILE",
        "LINLI_TLS_CLIENT_CA_FILE",
    }
)


def configuration_from(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The configuration variables to pass on to every process, and those set that the local run sets itself."""
    named = {
        k: v
        for k, v in environ.items()
        if k.startswith(("LINLI_", "TEMPORAL_TLS", "TEMPORAL_API_KEY")) or k == "TEMPORAL_NAMESPACE"
    }
    return {k: v for k, v in named.items() if k not in STACK_VARIABLES}, sorted(set(named) & STACK_VARIABLES)


def up(args: argparse.Namespace) -> int:
    """Starts everything, loads the demo data, and runs until Ctrl-C (or SIGTERM)."""
    home = Path(args.home).resolve() if args.home else HOME
    database_url = os.environ.get("DATABASE_URL") or None
    temporal_address = os.environ.get("TEMPORAL_ADDRESS") or None
    passed_on, ignored = configuration_from(os.environ)
    # The demo's districts get their report Schedules, unless the environment names other units.
    configuration = {"LINLI_REPORT_UNITS": DEMO_REPORT_UNITS, **passed_on}
    for process in (*SERVICES, "worker"):  # a mistake in the configuration stops here, named, before anything runs
        try:
            load_settings(process, {**configuration, **Secrets().as_environment(process)})
        except ConfigError as error:
            print(f"linli: {error}", file=sys.stderr)
            return 2

    ports = Ports.pick() if args.any_ports else Ports()
    wanted = {name: getattr(ports, name) for name in Ports.__dataclass_fields__}
    if database_url:
        wanted.pop("postgres")
    if temporal_address:
        wanted.pop("temporal"), wanted.pop("temporal_ui")
    prometheus = prometheus_binary() if args.monitoring else None
    if args.monitoring and not prometheus:
        print(f"linli: --monitoring: Prometheus is not installed; {HOW_TO_GET}. Starting without it.", file=sys.stderr)
    if not prometheus:
        wanted.pop("prometheus")
    taken = [f"{name} ({port})" for name, port in wanted.items() if port_open(port)]
    if taken:
        print(f"linli: ports already in use: {', '.join(taken)}. Is linli already running?", file=sys.stderr)
        return 1

    secrets = Secrets.load_or_create(home / "secrets.json")
    stack = LocalStack(
        home,
        ports,
        secrets,
        database_url,
        temporal_address,
        durable=True,
        temporal_ui=True,
        fixed_ports=not args.any_ports,
        extra_env=configuration,
    )
    if ignored:
        print(f"linli: the local run sets these itself, so they are not passed on: {', '.join(ignored)}")
    changed = [f"{k}={'…' if 'SECRET' in k or 'KEY' in k else v}" for k, v in sorted(passed_on.items())]
    if database_url:
        changed.insert(0, f"DATABASE_URL={redact(database_url)}")
    if temporal_address:
        changed.insert(0, f"TEMPORAL_ADDRESS={temporal_address}")
    if changed:
        print("linli: settings from the environment (the rest are the defaults):\n  " + "\n  ".join(changed))
    # Ctrl-C, and SIGTERM from a process manager, stop the stack in order.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        step("Postgres", stack.start_postgres)
        step("Temporal", stack.start_temporal)
        for process in (*SERVICES, "worker"):
            step(process, lambda p=process: stack.start_process(p))

        async def load() -> None:
            async with connect(stack.ports, secrets, stack.ca_file) as api:
                await load_demo_data(api)

        asyncio.run(load())
        if prometheus:
            step("Prometheus", lambda: monitor(stack, prometheus))
        print_endpoints(stack, dev_token(stack.secrets), monitoring=bool(prometheus))
        watch(stack)
    except KeyboardInterrupt:
        pass
    finally:
        print("\nlinli: stopping", flush=True)
        stack.stop()
        print("linli: stopped", flush=True)
    return 0


def monitor(stack: LocalStack, binary: str) -> None:
    """Prometheus with linli's rules, scraping the local run, its data in .linli/prometheus (kept across runs)."""
    home = stack.home / "prometheus"
    targets = {job: [stack.ports.metrics(process)] for process, job in JOBS.items()}
    config = write_config(home / "prometheus.yaml", targets, rule_files(home))
    stack.processes["prometheus"] = start_prometheus(binary, home, stack.ports.prometheus, config)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def step(name: str, start: object) -> None:
    began = time.monotonic()
    print(f"linli: starting {name} …", end="", flush=True)
    start()  # type: ignore[operator]
    print(f" ok ({time.monotonic() - began:.1f}s)", flush=True)


def demo(args: argparse.Namespace) -> int:
    """Walks the field's work through the running platform: a wish (the default), an alert, an activity, a report."""
    if not SECRETS.exists():
        print("linli: no local platform found; start it with ./linli up", file=sys.stderr)
        return 1
    return asyncio.run(_demo(Secrets.load_or_create(SECRETS), Ports(), local_run_ca(), args.walk))


async def _demo(secrets: Secrets, ports: Ports, ca_file: Path | None, walk: str = "wish") -> int:
    async with connect(ports, secrets, ca_file) as api:
        try:
            data = await load_demo_data(api, say=lambda _: None)
        except grpc.aio.AioRpcError as error:
            print(
                f"linli: the platform does not answer ({error.code().name}); start it with ./linli up", file=sys.stderr
            )
            return 1
        return await WALKS[walk](api, data, uuid.uuid4().hex[:8], ports.temporal_ui)


def token(args: argparse.Namespace) -> int:
    if args.key:  # a deployment's own key (./linli keys), for its first admin token
        try:
            key = parse_signing_key(Path(args.key).read_text())
            policy = TokenPolicy(issuer=args.issuer, audience=args.audience)
            print(issue_token(key, args.subject, Role(args.role), args.scope, args.ttl, policy=policy))
        except (OSError, BadKey, ValueError) as error:
            print(f"linli token: {args.key}: {error}", file=sys.stderr)
            return 2
        return 0
    if not SECRETS.exists():
        print("linli: no local secrets yet; ./linli up creates them", file=sys.stderr)
        return 1
    print(dev_token(Secrets.load_or_create(SECRETS), Role(args.role), args.scope, args.subject, args.ttl))
    return 0


def gen(_: argparse.Namespace) -> int:
    from devstack.monitoring.kubernetes import write_all
    from devstack.protogen import main

    status = main()
    for path in write_all() if status == 0 else []:
        print(path.relative_to(REPO))
    return status


def bench(args: argparse.Namespace) -> int:
    """Lists the benchmarks in bench/, or runs one and appends its JSON line to bench/results/NAME.jsonl."""
    names = sorted(p.stem for p in BENCH.glob("*.py") if not p.stem.startswith("_"))
    if not args.name:
        print("\n".join(names))
        return 0
    if args.name not in names:
        print(f"linli: no benchmark {args.name!r}; there are: {', '.join(names)}", file=sys.stderr)
        return 2
    # The benchmark runs as a child, its output passed through as it comes; its result is the last line that
    # parses as a JSON object (a benchmark may print progress before it).
    child = subprocess.Popen(
        [sys.executable, "-m", f"bench.{args.name}", *args.options], cwd=BENCH.parent, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    result: dict[str, object] | None = None
    try:
        for line in child.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                result = parsed
    except KeyboardInterrupt:
        # Ctrl-C reached the child too; an interrupted run records nothing.
        child.wait()
        return 130
    returncode = child.wait()
    if returncode != 0:
        return returncode  # a failed run leaves the results as they were
    if result is None:
        print(f"linli: {args.name} printed no JSON line; nothing recorded", file=sys.stderr)
        return 1
    result.setdefault("date", datetime.now(UTC).isoformat(timespec="seconds"))
    results = BENCH / "results" / f"{args.name}.jsonl"
    results.parent.mkdir(exist_ok=True)
    with results.open("a", encoding="utf-8") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    print(f"linli: appended to {results.relative_to(BENCH.parent)}", file=sys.stderr)
    return 0


def import_members(args: argparse.Namespace) -> int:
    """Imports members from a CSV file into the registry with ImportMembers, showing progress."""
    from linli.registry.v1 import registry_pb2_grpc

    from services.registry.imports import member_csv as member_csv

    path = Path(args.file)
    if not path.is_file():
        print(f"linli: no file {path}", file=sys.stderr)
        return 2
    if args.token:
        bearer = args.token
    elif SECRETS.exists():
        bearer = dev_token(Secrets.load_or_create(SECRETS), ttl=3600)
    else:
        print("linli: give --token, or start the local platform (./linli up) for a development token", file=sys.stderr)
        return 2
    address = args.address or f"127.0.0.1:{Ports().registry}"
    request_id = args.request_id or f"csv-{uuid.uuid4().hex}"
    lines: list[int] = []

    def progress(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {len(lines):>9} rows sent", end="", file=sys.stderr)

    async def run() -> int:
        async with open_channel(address, trusted_ca(args.cacert, args.plaintext)) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)
            try:
                result = await stub.ImportMembers(
                    member_csv.requests(path, request_id, lines, progress),
                    metadata=(("authorization", f"Bearer {bearer}"),),
                )
            except member_csv.CsvError as error:
                print(f"\nlinli: {path}: {error}", file=sys.stderr)
                return 2
            except grpc.aio.AioRpcError as error:
                print(f"\nlinli: import failed: {error.code().name}: {error.details()}", file=sys.stderr)
                return 1
        print(file=sys.stderr)
        print(
            f"{result.rows_received} rows: {result.inserted} new, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.failed} rejected"
        )
        for bad in result.errors:
            print(f"  line {lines[bad.row_number - 1]}: {bad.field}: {bad.reason}")
        if result.failed > len(result.errors):
            print(f"  … and {result.failed - len(result.errors)} more")
        return 0 if result.failed == 0 else 3

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./linli")
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser("up", help=up.__doc__)
    up_parser.add_argument("--home", help="where its data, logs and secrets live (default: .linli in the checkout)")
    up_parser.add_argument(
        "--any-ports", action="store_true", help="ports picked free instead of the fixed ones, for a second local run"
    )
    up_parser.add_argument("--monitoring", action="store_true", help="also Prometheus with linli's alert rules")
    up_parser.set_defaults(run=up)
    demo_parser = commands.add_parser("demo", help=demo.__doc__)
    demo_parser.add_argument("walk", nargs="?", choices=sorted(WALKS), default="wish")
    demo_parser.set_defaults(run=demo)
    token_parser = commands.add_parser("token", help="prints a development bearer token")
    token_parser.add_argument("--role", default=Role.ADMIN.value, choices=[r.value for r in Role])
    token_parser.add_argument("--scope", default=WHOLE_DEPLOYMENT, help="an org unit id, or * for everything")
    token_parser.add_argument("--subject", default="linli-dev")
    token_parser.add_argument("--ttl", type=int, default=DEV_TOKEN_TTL, help="seconds")
    token_parser.add_argument("--key", help="sign with this key file (a deployment's signing-key-registry)")
    token_parser.add_argument("--issuer", default=DEFAULT_POLICY.issuer, help="with --key: LINLI_TOKEN_ISSUER")
    token_parser.add_argument("--audience", default=DEFAULT_POLICY.audience, help="with --key: LINLI_TOKEN_AUDIENCE")
    token_parser.set_defaults(run=token)
    add_keys_parser(commands)
    add_systems_parser(commands).set_defaults(
        run=lambda args: systems(args, dev_token(Secrets.load_or_create(SECRETS)) if SECRETS.exists() else None)
    )
    add_export_parser(commands).set_defaults(
        run=lambda args: export(
            args, dev_token(Secrets.load_or_create(SECRETS), ttl=3600) if SECRETS.exists() else None
        )
    )
    add_import_org_parser(commands).set_defaults(
        run=lambda args: import_org(
            args, dev_token(Secrets.load_or_create(SECRETS), ttl=3600) if SECRETS.exists() else None
        )
    )
    commands.add_parser("gen", help="regenerates code, docs and dashboards").set_defaults(run=gen)
    bench_parser = commands.add_parser("bench", help=bench.__doc__)
    bench_parser.add_argument("name", nargs="?")
    bench_parser.add_argument("options", nargs=argparse.REMAINDER)
    bench_parser.set_defaults(run=bench)
    import_parser = commands.add_parser("import-members", help=import_members.__doc__)
    import_parser.add_argument("file", help="UTF-8 CSV with a header row (columns: see docs/registry.md)")
    import_parser.add_argument("--address", help="the registry's gRPC address (default: the local run's)")
    import_parser.add_argument("--token", help="bearer token (default: a development admin token)")
    import_parser.add_argument("--request-id", help="makes a retried import return the first result")
    import_parser.add_argument("--cacert", help="the CA of the registry's certificate (default: the local run's)")
    import_parser.add_argument("--plaintext", action="store_true", help="call a registry that takes no TLS")
    import_parser.set_defaults(run=import_members)
    args = parser.parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] if len(sys.argv) > 1 else None))
