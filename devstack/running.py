"""What `./linli up` shows of a running local platform, and how it watches it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from devstack.stack import REPO, LocalStack


def print_endpoints(stack: LocalStack, token: str, monitoring: bool = False) -> None:
    """What runs where, and a development token."""
    p = stack.ports
    lines = [
        "",
        "linli is running. Ctrl-C stops everything.",
        "",
        f"  registry   gRPC 127.0.0.1:{p.registry}   metrics http://127.0.0.1:{p.registry_metrics}/metrics",
        f"  wishes     gRPC 127.0.0.1:{p.wishes}   metrics http://127.0.0.1:{p.wishes_metrics}/metrics",
        f"  dispatch   gRPC 127.0.0.1:{p.dispatch}   metrics http://127.0.0.1:{p.dispatch_metrics}/metrics",
        f"  worker                          metrics http://127.0.0.1:{p.worker_metrics}/metrics",
        f"  Postgres   {redact(stack.database_url or '')}",
        f"  Temporal   {stack.temporal_address}"
        + (f"   web UI http://127.0.0.1:{p.temporal_ui}" if stack.temporal is not None else ""),
        *(
            [f"  Prometheus http://127.0.0.1:{p.prometheus}   with linli's alert rules (its Alerts page: /alerts)"]
            if monitoring
            else []
        ),
        f"  logs       {stack.logs}",
        "",
        "Development token (admin, whole deployment, 7 days; `./linli token` prints another):",
        "",
        f"  export TOKEN={token}",
        "",
        f'  .venv/bin/grpcurl -cacert {_shown(stack.ca_file)} -H "authorization: Bearer $TOKEN" 127.0.0.1:{p.wishes} list'
        if stack.ca_file
        else f'  .venv/bin/grpcurl -plaintext -H "authorization: Bearer $TOKEN" 127.0.0.1:{p.wishes} list',
        "  ./linli demo    walks one wish through submit → review → publish → claim",
        "",
    ]
    print("\n".join(lines), flush=True)


def _shown(path: Path) -> str:
    """A path as the user may type it: relative to the checkout when it lies inside."""
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def redact(url: str) -> str:
    """A database URL without its password, for printing."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"


def watch(stack: LocalStack) -> None:
    """Waits for Ctrl-C; if a process dies on its own, says so and stops the rest."""
    while True:
        time.sleep(1)
        for name, child in stack.processes.items():
            if not child.alive():
                print(f"\nlinli: {name} exited unexpectedly; its log ends:\n{child.log_tail(2000)}", file=sys.stderr)
                return
        if stack.temporal is not None and not stack.temporal.alive():
            print("\nlinli: the Temporal dev server exited unexpectedly", file=sys.stderr)
            return
        if stack.postgres_front is not None and not stack.postgres_front.alive():
            print(
                f"\nlinli: Postgres' TLS front exited; its log ends:\n{stack.postgres_front.log_tail(2000)}",
                file=sys.stderr,
            )
            return
