"""ExportServiceRecords: a member's or a subtree's service records (纪实) as CSV for the district office's spreadsheet,
oldest first, in chunks, audited before the first row leaves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import grpc
from linli.registry.v1 import registry_pb2 as pb

from services.registry.service_records.servicer import RecordCalls
from services.registry.service_records.store import ExportedRecord
from services.runtime.auth import current_caller
from services.runtime.csv_export import csv_text

EXPORT_BATCH = 1000
COLUMNS = (
    "id",
    "member_id",
    "member_name",
    "residence_unit_id",
    "kind",
    "source_id",
    "category",
    "hours",
    "served_at",
    "note",
    "record_time",
    # Last, so the columns before keep their places: a team volunteer's record (member_id and member_name empty).
    "team_id",
    "team_member_id",
)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def records_csv(rows: list[ExportedRecord], header: bool) -> str:
    """CSV rows of service records; times in UTC, ISO 8601; a note or category that a spreadsheet would run as a
    formula is neutralised by the one CSV writer (services/runtime/csv_export.py)."""
    return csv_text(
        (
            [
                r.record.id,
                "" if r.record.member_id is None else r.record.member_id,
                r.member_name,
                r.residence_unit_id,
                r.record.kind,
                r.record.source_id,
                r.record.category,
                f"{r.record.hours:g}",
                _when(r.record.served_at),
                r.record.note,
                _when(r.record.recorded_at),
                "" if r.record.team_id is None else r.record.team_id,
                "" if r.record.team_member_id is None else r.record.team_member_id,
            ]
            for r in rows
        ),
        COLUMNS if header else None,
    )


class RecordExports(RecordCalls):
    async def ExportServiceRecords(
        self, request: pb.ExportServiceRecordsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[pb.ExportServiceRecordsResponse]:
        caller = current_caller()
        chosen = await self._record_query(
            caller, request.member_id, request.org_unit_id, request.kind, request.start_time, request.end_time
        )
        if chosen.member_id is not None:
            subject_kind, subject_id = "member", chosen.member_id
        else:
            assert chosen.subtree is not None  # _record_query gives one of the two
            subject_kind, subject_id = "org_unit", chosen.subtree.id
        # Audited before the first row leaves: a client that stops reading early still leaves its trace.
        await self.store.audit(
            caller,
            "export_service_records",
            subject_kind,
            subject_id,
            kind=chosen.kind,
            start_time=chosen.start.isoformat() if chosen.start else None,
            end_time=chosen.end.isoformat() if chosen.end else None,
        )
        total = await self.store.count_service_records(chosen)
        after: tuple[datetime, int] | None = None
        first = True
        while True:
            rows = await self.store.export_service_records(chosen, after, EXPORT_BATCH)
            if not rows and not first:
                break
            yield pb.ExportServiceRecordsResponse(
                csv=records_csv(rows, first), rows=len(rows), total_rows=total if first else 0
            )
            if len(rows) < EXPORT_BATCH:
                break
            first = False
            after = rows[-1].record.served_at, rows[-1].record.id
