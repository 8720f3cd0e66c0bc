"""`./linli systems add|list|rotate|revoke`: calling systems' credentials, through the registry's
CallingSystemService, as an admin of the whole deployment (the local run's development token by default)."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

import grpc
import yaml
from google.protobuf.duration_pb2 import Duration
from linli.registry.v1 import systems_pb2 as pb
from linli.registry.v1 import systems_pb2_grpc

from devstack.certificates import trusted_ca
from devstack.files import write_private
from devstack.stack import open_channel
from services.registry.systems.domain import SYSTEM_NAME, checked_methods, checked_quota
from services.runtime.auth import Quota
from services.runtime.env import ConfigError, parse_duration
from services.runtime.errors import ServiceError

Metadata = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PlannedSystem:
    """One entry of a deployment's calling-systems.yaml, checked as the registry would check it."""

    name: str
    description: str
    scope: str
    methods: tuple[str, ...]
    lifetime: timedelta
    quota: Quota
    client_certificate: bool = False


def load_plan(path: Path) -> list[PlannedSystem]:
    """A deployment's calling systems (deploy/k8s/overlays/*/calling-systems.yaml); ValueError names what is wrong."""
    document = yaml.safe_load(path.read_text())
    entries = document.get("systems") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: needs a list `systems`")
    plan: list[PlannedSystem] = []
    for number, entry in enumerate(entries, 1):
        where = f"{path}: system {number}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: is not a mapping")
        unknown = set(entry) - {"name", "description", "scope", "methods", "expires", "quota", "client_certificate"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        name = str(entry.get("name", ""))
        if not SYSTEM_NAME.match(name):
            raise ValueError(f"{where}: name '{name}' must be lower-case letters, digits or '-'")
        scope = str(entry.get("scope", ""))
        if scope != "*" and not scope.isdigit():
            raise ValueError(f"{where} ({name}): scope must be an org unit id or *")
        limits = entry.get("quota") or {}
        if not isinstance(limits, dict) or set(limits) - {"calls_per_second", "burst", "max_streams"}:
            raise ValueError(f"{where} ({name}): quota takes calls_per_second, burst and max_streams")
        try:
            methods = checked_methods(entry.get("methods") or [])
            quota = checked_quota(
                float(limits.get("calls_per_second", 0)), int(limits.get("burst", 0)), int(limits.get("max_streams", 0))
            )
        except ServiceError as error:
            raise ValueError(f"{where} ({name}): {error.details}") from None
        try:
            lifetime = parse_duration("expires", str(entry.get("expires", "365d")))
        except ConfigError as error:
            raise ValueError(f"{where} ({name}): {error}") from None
        certificate = entry.get("client_certificate", False)
        if not isinstance(certificate, bool):
            raise ValueError(f"{where} ({name}): client_certificate is true or false")
        description = str(entry.get("description", ""))
        plan.append(PlannedSystem(name, description, scope, methods, lifetime, quota, certificate))
    names = [p.name for p in plan]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: a system is named twice")
    return plan


async def _apply(stub: systems_pb2_grpc.CallingSystemServiceStub, metadata: Metadata, args: argparse.Namespace) -> None:
    plan = load_plan(Path(args.file))
    in_force: set[str] = set()
    page_token = ""
    while True:
        page = await stub.ListCredentials(pb.ListCredentialsRequest(page_token=page_token), metadata=metadata)
        in_force |= {c.system for c in page.credentials}
        page_token = page.next_page_token
        if not page_token:
            break
    folder = Path(args.tokens)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for planned in plan:
        if planned.name in in_force:
            print(f"{planned.name}: in force, kept")
            continue
        entry = json.dumps([planned.name, planned.scope, planned.methods, planned.lifetime.total_seconds()])
        lifetime = Duration()
        lifetime.FromTimedelta(planned.lifetime)
        issued = await stub.IssueCredential(
            pb.IssueCredentialRequest(
                request_id="apply-" + hashlib.sha256(entry.encode()).hexdigest()[:32],  # a re-run is a retry
                system=planned.name,
                description=planned.description,
                scope_org_unit_id=planned.scope,
                methods=list(planned.methods),
                lifetime=lifetime,
                quota=pb.Quota(**asdict(planned.quota)),
                client_certificate=planned.client_certificate,
            ),
            metadata=metadata,
        )
        token_file = folder / f"{planned.name}.token"
        write_private(token_file, issued.token + "\n")
        print(f"{planned.name}: issued credential {issued.credential.id}, token in {token_file}")


def _duration(text: str, name: str) -> Duration:
    span: timedelta = parse_duration(name, text)
    duration = Duration()
    duration.FromTimedelta(span)
    return duration


def _show(credential: pb.Credential) -> str:
    state = (
        f"revoked {credential.revoked_at.ToDatetime():%Y-%m-%d %H:%M}"
        if credential.HasField("revoked_at")
        else (f"until {credential.expires_at.ToDatetime():%Y-%m-%d}")
    )
    return (
        f"{credential.id}\t{credential.system}\tscope {credential.scope_org_unit_id}\tg{credential.generation}\t"
        f"{state}\t{','.join(credential.methods)}"
    )


async def _run(args: argparse.Namespace, token: str) -> int:
    metadata = (("authorization", f"Bearer {token}"),)
    async with open_channel(args.address, trusted_ca(args.cacert, args.plaintext)) as channel:
        stub = systems_pb2_grpc.CallingSystemServiceStub(channel)
        request_id = args.request_id or uuid.uuid4().hex
        if args.action == "apply":
            await _apply(stub, metadata, args)
        elif args.action == "add":
            quota = pb.Quota(calls_per_second=args.rate, burst=args.burst, max_streams=args.streams)
            issued = await stub.IssueCredential(
                pb.IssueCredentialRequest(
                    request_id=request_id,
                    system=args.name,
                    description=args.description,
                    scope_org_unit_id=args.scope,
                    methods=[m for m in args.methods.split(",") if m.strip()],
                    lifetime=_duration(args.expires, "--expires"),
                    quota=quota,
                    client_certificate=args.client_certificate,
                ),
                metadata=metadata,
            )
            print(_show(issued.credential), file=sys.stderr)
            print(issued.token)  # alone on stdout, for a pipe into the system's secret store
        elif args.action == "list":
            page_token = ""
            while True:
                page = await stub.ListCredentials(
                    pb.ListCredentialsRequest(page_token=page_token, include_revoked=args.all), metadata=metadata
                )
                for credential in page.credentials:
                    print(_show(credential))
                page_token = page.next_page_token
                if not page_token:
                    break
        elif args.action == "rotate":
            rotated = await stub.RotateCredential(
                pb.RotateCredentialRequest(
                    request_id=request_id, credential_id=args.id, overlap=_duration(args.overlap, "--overlap")
                ),
                metadata=metadata,
            )
            print(_show(rotated.credential), file=sys.stderr)
            print(rotated.token)
        else:
            revoked = await stub.RevokeCredential(
                pb.RevokeCredentialRequest(request_id=request_id, credential_id=args.id, reason=args.reason),
                metadata=metadata,
            )
            print(_show(revoked.credential))
    return 0


def systems(args: argparse.Namespace, default_token: str | None) -> int:
    """Issues, lists, rotates and revokes calling systems' credentials."""
    token = args.token or default_token
    if not token:
        print("linli systems: give --token (an admin of the whole deployment), or start ./linli up", file=sys.stderr)
        return 1
    try:
        return asyncio.run(_run(args, token))
    except (ConfigError, ValueError, OSError) as error:
        print(f"linli systems: {error}", file=sys.stderr)
        return 2
    except grpc.aio.AioRpcError as error:
        print(f"linli systems: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser("systems", help=systems.__doc__)
    parser.add_argument("--address", default="127.0.0.1:50051", help="the registry (default: the local run's)")
    parser.add_argument("--token", help="an admin token (default: the local run's development token)")
    parser.add_argument("--request-id", help="makes a retried command return the first answer")
    parser.add_argument("--cacert", help="the CA of the registry's certificate (default: the local run's)")
    parser.add_argument("--plaintext", action="store_true", help="call a registry that takes no TLS")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="issues a credential; prints its token on stdout")
    add.add_argument("name", help="the system's name, e.g. hotline-12345")
    add.add_argument("--scope", required=True, help="the org unit id it may act on (its subtree), or *")
    add.add_argument("--methods", required=True, help="comma-separated, e.g. SubmitWish,GetWish,ListWishes")
    add.add_argument("--expires", default="365d", help="how long it is valid (e.g. 365d)")
    add.add_argument("--description", default="")
    add.add_argument("--rate", type=float, default=0, help="calls a second on each replica (0: the default)")
    add.add_argument("--burst", type=int, default=0, help="calls at once after a quiet spell (0: the default)")
    add.add_argument("--streams", type=int, default=0, help="streaming calls at once (0: the default)")
    add.add_argument(
        "--client-certificate", action="store_true", help="it may also call with a client certificate named NAME"
    )
    apply = actions.add_parser("apply", help="issues the systems of a calling-systems.yaml not yet in force")
    apply.add_argument("file", help="e.g. deploy/k8s/overlays/baoji-jintai/calling-systems.yaml")
    apply.add_argument("--tokens", required=True, help="folder for the new tokens (made 0700; files 0600)")
    listing = actions.add_parser("list", help="the credentials in force, newest first")
    listing.add_argument("--all", action="store_true", help="revoked ones too")
    rotate = actions.add_parser("rotate", help="a new token; the old one is refused after --overlap")
    rotate.add_argument("id")
    rotate.add_argument("--overlap", default="0s", help="how long the old token stays good (at most 1d)")
    revoke = actions.add_parser("revoke", help="refuses every token of the credential from now on")
    revoke.add_argument("id")
    revoke.add_argument("--reason", required=True)
    return parser
