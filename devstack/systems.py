"""`./linli systems add|list|rotate|revoke`: calling systems' credentials, through the registry's
CallingSystemService, as an admin of the whole deployment (the local run's development token by default)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import timedelta

import grpc
from google.protobuf.duration_pb2 import Duration
from linli.registry.v1 import systems_pb2 as pb
from linli.registry.v1 import systems_pb2_grpc

from services.runtime.config import ConfigError, parse_duration


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
    async with grpc.aio.insecure_channel(args.address) as channel:
        stub = systems_pb2_grpc.CallingSystemServiceStub(channel)
        request_id = args.request_id or uuid.uuid4().hex
        if args.action == "add":
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
    except ConfigError as error:
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
    listing = actions.add_parser("list", help="the credentials in force, newest first")
    listing.add_argument("--all", action="store_true", help="revoked ones too")
    rotate = actions.add_parser("rotate", help="a new token; the old one is refused after --overlap")
    rotate.add_argument("id")
    rotate.add_argument("--overlap", default="0s", help="how long the old token stays good (at most 1d)")
    revoke = actions.add_parser("revoke", help="refuses every token of the credential from now on")
    revoke.add_argument("id")
    revoke.add_argument("--reason", required=True)
    return parser
