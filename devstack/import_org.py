"""./linli import-org FILE: a part of the org tree, its party organisations and teams, from a YAML or CSV file, in
one ImportOrgTree call (all or nothing; a file sent again changes nothing and says so).

YAML nests units in `units:` (each `name`, `kind`, and optionally `units`, `party_organisations`, `teams`);
CSV is flat, one row a record: `record,path,kind,name,focus,custom_kind`, `path` the unit's names joined by `/`
(for a party organisation or a team, the unit it hangs on). Paths start below `--root` (docs/registry.md).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import grpc
import yaml
from google.rpc import error_details_pb2, status_pb2
from linli.registry.v1 import registry_pb2 as pb
from linli.registry.v1 import registry_pb2_grpc

from devstack.certificates import trusted_ca
from devstack.stack import Ports, open_channel
from services.registry import domain


class FileError(Exception):
    """The file cannot be read as an org tree: the line and what is wrong."""


def _kind(names: Mapping[str, int], text: object) -> int:
    # An unknown kind is sent as 0, so the service names it with the others (all the file's mistakes at once).
    return names.get(str(text or "").strip().lower(), 0)


def _add(request: pb.ImportOrgTreeRequest, record: str, line: int, path: list[str], row: dict[str, Any]) -> None:
    kind = row.get("kind")
    if record == "unit":
        request.units.add(line=line, path=path, kind=_kind(domain.ORG_KIND_NUMBERS, kind))
    elif record == "party_organisation":
        request.party_organisations.add(
            line=line,
            unit_path=path,
            kind=_kind(domain.PARTY_ORG_KIND_NUMBERS, kind),
            name=str(row.get("name") or ""),
            focus=str(row.get("focus") or ""),
        )
    elif record == "team":
        request.teams.add(
            line=line,
            unit_path=path,
            kind=_kind(domain.TEAM_KIND_NUMBERS, kind),
            name=str(row.get("name") or ""),
            custom_kind=str(row.get("custom_kind") or ""),
        )
    else:
        raise FileError(f"line {line}: record: {record!r} is none of unit, party_organisation, team")


def _scalars(node: yaml.MappingNode) -> dict[str, Any]:
    return {k.value: v.value for k, v in node.value if isinstance(v, yaml.ScalarNode)}


def _children(node: yaml.MappingNode, key: str) -> list[yaml.MappingNode]:
    for k, v in node.value:
        if k.value == key:
            if not isinstance(v, yaml.SequenceNode) or not all(isinstance(i, yaml.MappingNode) for i in v.value):
                raise FileError(f"line {v.start_mark.line + 1}: {key}: must be a list of mappings")
            return list(v.value)
    return []


def read_yaml(text: str, request: pb.ImportOrgTreeRequest) -> None:
    """Walks the nested units with each mapping's line, so the service can name it."""
    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise FileError(f"not YAML: {error}") from error
    if not isinstance(document, yaml.MappingNode):
        raise FileError("line 1: the file must be a mapping with `units:` (and optionally `party_organisations:`)")

    def walk(node: yaml.MappingNode, path: list[str]) -> None:
        for kind in ("party_organisations", "teams"):
            for child in _children(node, kind):
                _add(request, kind.removesuffix("s"), child.start_mark.line + 1, path, _scalars(child))
        for child in _children(node, "units"):
            fields = _scalars(child)
            child_path = [*path, str(fields.get("name") or "")]
            _add(request, "unit", child.start_mark.line + 1, child_path, fields)
            walk(child, child_path)

    walk(document, [])


def read_csv(text: str, request: pb.ImportOrgTreeRequest) -> None:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"record", "path", "kind"} - set(reader.fieldnames or [])
    if missing:
        raise FileError(f"line 1: the header lacks {', '.join(sorted(missing))}")
    for row in reader:
        path = [name for name in (row.get("path") or "").split("/")] if row.get("path") else []
        _add(request, (row.get("record") or "").strip(), reader.line_num, path, row)


def read_file(path: Path, request: pb.ImportOrgTreeRequest) -> None:
    text = path.read_text(encoding="utf-8-sig")
    (read_csv if path.suffix.lower() == ".csv" else read_yaml)(text, request)


def _violations(error: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    trailers: dict[str, Any] = dict(error.trailing_metadata() or ())  # type: ignore[arg-type]
    details = trailers.get("grpc-status-details-bin")
    if not isinstance(details, bytes):
        return []
    bad = error_details_pb2.BadRequest()
    for detail in status_pb2.Status.FromString(details).details:
        if detail.Unpack(bad):
            return [(v.field, v.description) for v in bad.field_violations]
    return []


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser("import-org", help=import_org.__doc__)
    parser.add_argument("file", help="YAML (.yaml, .yml) or CSV (.csv), UTF-8 (see docs/registry.md)")
    parser.add_argument("--root", default="", help="the id of the unit the file's paths start below")
    parser.add_argument("--address", help="the registry's gRPC address (default: the local run's)")
    parser.add_argument("--token", help="bearer token (default: a development admin token)")
    parser.add_argument("--request-id", help="makes a retried import return the first result")
    parser.add_argument("--cacert", help="the CA of the registry's certificate (default: the local run's)")
    parser.add_argument("--plaintext", action="store_true", help="call a registry that takes no TLS")
    return parser


def import_org(args: argparse.Namespace, dev_token: str | None) -> int:
    """Sets up org units, party organisations and teams from a YAML or CSV file (ImportOrgTree, all or nothing)."""
    path = Path(args.file)
    request = pb.ImportOrgTreeRequest(
        request_id=args.request_id or f"org-{uuid.uuid4().hex}", root_org_unit_id=args.root
    )
    try:
        read_file(path, request)
    except OSError as error:
        print(f"linli: {path}: {error.strerror or error}", file=sys.stderr)
        return 2
    except (FileError, UnicodeDecodeError, csv.Error) as error:
        print(f"linli: {path}: {error}", file=sys.stderr)
        return 2
    bearer = args.token or dev_token
    if not bearer:
        print("linli: give --token, or start the local platform (./linli up) for a development token", file=sys.stderr)
        return 2
    address = args.address or f"127.0.0.1:{Ports().registry}"

    async def run() -> int:
        async with open_channel(address, trusted_ca(args.cacert, args.plaintext)) as channel:
            stub = registry_pb2_grpc.RegistryServiceStub(channel)
            try:
                result = await stub.ImportOrgTree(request, metadata=(("authorization", f"Bearer {bearer}"),))
            except grpc.aio.AioRpcError as error:
                print(f"linli: import failed, nothing written: {error.code().name}: {error.details()}", file=sys.stderr)
                for field, description in _violations(error):
                    print(f"  {description} ({field})", file=sys.stderr)
                return 3 if error.code() == grpc.StatusCode.INVALID_ARGUMENT else 1
        counts = (
            f"units {result.units_created} new, {result.units_unchanged} unchanged; "
            f"party organisations {result.party_organisations_created} new, "
            f"{result.party_organisations_unchanged} unchanged; "
            f"teams {result.teams_created} new, {result.teams_unchanged} unchanged"
        )
        print(counts if result.changed else f"nothing to change: the tree has it all already ({counts})")
        return 0

    return asyncio.run(run())
