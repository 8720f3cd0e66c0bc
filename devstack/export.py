"""`./linli export members|services|wishes|weekly|yearly`: CSV files from the services' export calls, with a progress
bar on stderr (rows so far, and of how many when the service says).

Every export is audited by the service before its first row leaves; personal data arrives masked, as on every read.
Members arrive as messages and are written here with the one CSV writer (services/runtime/csv_export.py); the others
arrive as CSV. The file is written beside its name and renamed into place only when the export is complete, so a
failed or interrupted export never leaves a file that looks whole.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import registry_pb2_grpc, reports_pb2_grpc
from linli.registry.v1 import reports_pb2 as rep
from linli.wishes.v1 import wishes_pb2 as wsh
from linli.wishes.v1 import wishes_pb2_grpc

from devstack.certificates import trusted_ca
from devstack.stack import Ports, open_channel
from services.runtime.csv_export import csv_text
from services.runtime.enums import E, name_of, names_of

Metadata = tuple[tuple[str, str], ...]
KINDS = ("members", "services", "wishes", "weekly", "yearly")
DEFAULT_ZONE = "Asia/Shanghai"  # LINLI_TIMEZONE's default: report weeks and dates of a period are read in it
MEMBER_COLUMNS = (
    "id",
    "name",
    "workplace_org",
    "community_id",
    "residence_unit_id",
    "skills",
    "tags",
    "management_level",
    "phone",
    "id_number",
    "status",
    "register_time",
    "deregister_time",
)


class ExportError(Exception):
    """A mistake in the command's options, said in a line."""


@dataclass(frozen=True)
class Chunk:
    csv: str
    rows: int
    total: int | None = None  # of the whole export, when the service counted it


class Progress:
    """A one-line progress bar on a terminal (or any stream): rows so far, and of how many when known."""

    WIDTH = 30

    def __init__(self, out: IO[str], what: str) -> None:
        self.out, self.what = out, what
        self.rows = 0
        self.total: int | None = None

    def line(self) -> str:
        if self.total is None:
            return f"{self.what}: {self.rows:,} rows"
        filled = self.WIDTH * min(self.rows, self.total) // max(self.total, 1)
        return f"{self.what}: [{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.rows:,} of {self.total:,} rows"

    def advance(self, rows: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        self.rows += rows
        print("\r" + self.line(), end="", file=self.out, flush=True)

    def done(self) -> None:
        print("\r" + self.line(), file=self.out, flush=True)


def parse_moment(text: str, zone: ZoneInfo, option: str) -> datetime:
    """A date (its midnight in the zone) or an ISO 8601 time (in the zone unless it names an offset)."""
    try:
        moment = (
            datetime.combine(date.fromisoformat(text), time(0)) if len(text) == 10 else datetime.fromisoformat(text)
        )
    except ValueError:
        raise ExportError(f"{option}: '{text}' is not a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _stamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


MAX_WEEKS = 530  # ten years of weekly reports, one call a week


def mondays(start: date, end: date) -> list[date]:
    """The Mondays of the weeks that begin in [start, end): a week is named by its Monday."""
    day = start + timedelta(days=-start.weekday() % 7)
    found: list[date] = []
    while day < end:
        found.append(day)
        day += timedelta(weeks=1)
    return found


def member_rows(members: list[reg.Member], header: bool) -> str:
    """Members as CSV, personal data as the registry sent it (masked); names of skills and levels, not numbers."""
    return csv_text(
        (
            [
                m.id,
                m.name,
                m.workplace_org,
                m.community_id,
                m.residence_unit_id,
                ";".join(name_of(reg.Skill, s) for s in m.skills),
                ";".join(m.tags),
                name_of(reg.ManagementLevel, m.management_level),
                m.phone,
                m.id_number,
                name_of(reg.MemberStatus, m.status),
                m.register_time.ToDatetime().isoformat(timespec="seconds") + "Z" if m.HasField("register_time") else "",
                m.deregister_time.ToDatetime().isoformat(timespec="seconds") + "Z"
                if m.HasField("deregister_time")
                else "",
            ]
            for m in members
        ),
        MEMBER_COLUMNS if header else None,
    )


def _choice(enum_type: type[E], text: str | None, option: str) -> E | None:
    """The enum value named on the command line (its stored name: `active`, `service_post`), or None."""
    if not text:
        return None
    numbers = names_of(enum_type).numbers
    if text not in numbers:
        raise ExportError(f"{option}: '{text}' is not one of {', '.join(numbers)}")
    return numbers[text]


def _without_header(csv: str) -> str:
    """A chunk's rows without its header line (each weekly answer starts with one)."""
    return csv.split("\n", 1)[1] if "\n" in csv else ""


async def chunks(args: argparse.Namespace, channel: grpc.aio.Channel, metadata: Metadata) -> AsyncIterator[Chunk]:
    """The export's CSV, chunk by chunk, from the service that keeps it."""
    zone = ZoneInfo(args.timezone)
    start = parse_moment(args.start, zone, "--from") if args.start else None
    end = parse_moment(args.end, zone, "--to") if args.end else None
    if start and end and start >= end:
        raise ExportError("--to must lie after --from")
    if args.what != "services" and not args.org_unit:
        raise ExportError(f"{args.what} needs --org-unit")
    if args.what == "members":
        status = _choice(reg.MemberStatus, args.status, "--status")
        registry = registry_pb2_grpc.RegistryServiceStub(channel)
        request = reg.ExportMembersRequest(org_unit_id=args.org_unit, status=status)
        header = True
        async for batch in registry.ExportMembers(request, metadata=metadata):
            yield Chunk(member_rows(list(batch.members), header), len(batch.members), batch.total_rows or None)
            header = False
        if header:
            yield Chunk(member_rows([], True), 0)
    elif args.what == "services":
        if bool(args.org_unit) == bool(args.member):
            raise ExportError("give exactly one of --org-unit and --member")
        registry = registry_pb2_grpc.RegistryServiceStub(channel)
        records = reg.ExportServiceRecordsRequest(
            member_id=args.member or "",
            org_unit_id=args.org_unit or "",
            kind=_choice(reg.ServiceKind, args.kind, "--kind"),
            start_time=_stamp(start),
            end_time=_stamp(end),
        )
        async for part in registry.ExportServiceRecords(records, metadata=metadata):
            yield Chunk(part.csv, part.rows, part.total_rows or None)
    elif args.what == "wishes":
        wishes = wishes_pb2_grpc.WishServiceStub(channel)
        request_w = wsh.ExportWishesRequest(
            org_unit_id=args.org_unit,
            state=_choice(wsh.WishState, args.state, "--state"),
            start_time=_stamp(start),
            end_time=_stamp(end),
        )
        async for part_w in wishes.ExportWishes(request_w, metadata=metadata):
            yield Chunk(part_w.csv, part_w.rows, part_w.total_rows or None)
    elif args.what == "weekly":
        if not (start and end):
            raise ExportError("weekly needs --from and --to (the weeks that begin between them)")
        weeks = mondays(start.astimezone(zone).date(), end.astimezone(zone).date())
        if not weeks or len(weeks) > MAX_WEEKS:
            raise ExportError(f"between --from and --to must begin 1 to {MAX_WEEKS} weeks (found {len(weeks)})")
        reports = reports_pb2_grpc.ReportServiceStub(channel)
        for number, monday in enumerate(weeks):
            week = await reports.ExportWeeklyReports(
                rep.ExportWeeklyReportsRequest(org_unit_id=args.org_unit, week_start=monday.isoformat()),
                metadata=metadata,
            )
            yield Chunk(week.csv if number == 0 else _without_header(week.csv), week.rows)
    else:
        if not args.year:
            raise ExportError("yearly needs --year")
        reports = reports_pb2_grpc.ReportServiceStub(channel)
        yearly = rep.ExportYearlyServiceReportsRequest(org_unit_id=args.org_unit, year=args.year)
        async for part_y in reports.ExportYearlyServiceReports(yearly, metadata=metadata):
            yield Chunk(part_y.csv, part_y.rows, part_y.total_rows or None)


async def write_export(args: argparse.Namespace, token: str, out: IO[str], progress: Progress) -> int:
    """Writes the export to `out` as it arrives; returns how many rows it held."""
    ports = Ports()
    address = args.address or f"127.0.0.1:{ports.wishes if args.what == 'wishes' else ports.registry}"
    metadata = (("authorization", f"Bearer {token}"),)
    async with open_channel(address, trusted_ca(args.cacert, args.plaintext)) as channel:
        async for chunk in chunks(args, channel, metadata):
            out.write(chunk.csv)
            progress.advance(chunk.rows, chunk.total)
    progress.done()
    return progress.rows


def export(args: argparse.Namespace, default_token: str | None) -> int:
    """Writes members, service records, wishes, weekly or yearly reports as CSV (audited), with a progress bar."""
    token = args.token or default_token
    if not token:
        print("linli export: give --token, or start the local platform (./linli up)", file=sys.stderr)
        return 2
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"linli export: --timezone: no time zone '{args.timezone}'", file=sys.stderr)
        return 2
    what = f"{args.what} {args.org_unit or args.member or ''}".strip()
    progress = Progress(sys.stderr, what)
    target = Path(args.output) if args.output else None
    partial = target.with_name(f".{target.name}.part") if target else None
    try:
        if target is None or partial is None:
            rows = asyncio.run(write_export(args, token, sys.stdout, progress))
        else:
            with partial.open("w", encoding="utf-8", newline="") as out:
                rows = asyncio.run(write_export(args, token, out, progress))
            os.replace(partial, target)
    except ExportError as error:
        print(f"linli export: {error}", file=sys.stderr)
        return 2
    except grpc.aio.AioRpcError as error:
        print(f"\nlinli export: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"\nlinli export: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nlinli export: interrupted; no file written", file=sys.stderr)
        return 130
    finally:
        if partial is not None and partial.exists():
            partial.unlink()
    if target is not None:
        print(f"linli export: {rows:,} rows in {target}", file=sys.stderr)
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = commands.add_parser("export", help=export.__doc__)
    parser.add_argument("what", choices=KINDS, help="what to export")
    parser.add_argument("--org-unit", help="the org subtree (a district, street, community, …)")
    parser.add_argument("--member", help="services: one member's records instead of a subtree's")
    parser.add_argument("--from", dest="start", help="the period's start: a date YYYY-MM-DD or a time (inclusive)")
    parser.add_argument("--to", dest="end", help="the period's end (exclusive)")
    parser.add_argument("--year", type=int, help="yearly: the year of the reports")
    parser.add_argument("--kind", help="services: only one kind (wish, alert, activity, service_post, other)")
    parser.add_argument("--state", help="wishes: only one state (submitted, published, claimed, closed, …)")
    parser.add_argument("--status", help="members: active (the default) or deregistered")
    parser.add_argument("--timezone", default=DEFAULT_ZONE, help="the zone dates are read in (LINLI_TIMEZONE)")
    parser.add_argument("--output", "-o", help="the CSV file to write (default: stdout)")
    parser.add_argument("--address", help="the service's gRPC address (default: the local run's registry or wishes)")
    parser.add_argument("--token", help="bearer token (default: a development admin token)")
    parser.add_argument("--cacert", help="the CA of the service's certificate (default: the local run's)")
    parser.add_argument("--plaintext", action="store_true", help="call a service that takes no TLS")
    return parser
