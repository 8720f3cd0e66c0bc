"""ExportWishes: every wish of an org subtree as CSV for the district office's spreadsheet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import grpc
from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime import validate
from services.runtime.auth import current_caller
from services.runtime.csv_export import csv_text
from services.runtime.errors import InvalidArgument
from services.wishes import domain
from services.wishes.domain import Wish
from services.wishes.handling import WishHandling

_EXPORT_BATCH = 500
_EXPORT_COLUMNS = (
    "id",
    "community_id",
    "state",
    "category",
    "source",
    "text",
    "resident_name",
    "resident_contact",
    "submit_time",
    "publish_time",
    "deadline",
    "claim_time",
    "claimant_member_id",
    "participant_member_ids",
    "group_team_id",
    "group_workplace_org",
    "fulfil_time",
    "hours",
    "rating",
    "close_time",
    "close_note",
    "duplicate_of",
    "referred_to",
    "hours_to_claim",
    "hours_to_close",
    "overdue",
    # Last, so the columns before keep their places in existing spreadsheets.
    "participant_team_member_ids",
)


class Exports(WishHandling):
    async def ExportWishes(
        self, request: pb.ExportWishesRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[pb.ExportWishesResponse]:
        caller = current_caller()
        validate.entity_id("org_unit_id", request.org_unit_id)
        state = validate.enum("state", request.state, pb.WishState, required=False)
        start = validate.optional_time("start_time", request.start_time)
        end = validate.optional_time("end_time", request.end_time)
        if start and end and start >= end:
            raise InvalidArgument("must lie after start_time", "end_time")
        unit = await self.org.require_in_scope(caller, request.org_unit_id.strip(), "org_unit_id")
        communities = await self.org.communities_under(unit.id, "org_unit_id")
        state_name = domain.STATES[state] if state else None
        # Audited before the first row leaves: a client that stops reading early still leaves its trace.
        await self.store.audit(
            caller,
            "export_wishes",
            "org_unit",
            unit.id,
            state=state_name,
            start_time=start.isoformat() if start else None,
            end_time=end.isoformat() if end else None,
        )
        total = await self.store.count_export(communities, state_name, start, end)
        after_id, header = 0, True
        now = datetime.now(UTC)
        while True:
            wishes = await self.store.export_page(communities, state_name, start, end, after_id, _EXPORT_BATCH)
            if not wishes:
                break
            yield pb.ExportWishesResponse(
                csv=_csv_rows(wishes, now, header), rows=len(wishes), total_rows=total if header else 0
            )
            header = False
            after_id = wishes[-1].id
        if header:  # nothing matched: the header alone
            yield pb.ExportWishesResponse(csv=_csv_rows([], now, True), rows=0)


def _hours_between(start: datetime | None, end: datetime | None) -> str:
    return f"{(end - start).total_seconds() / 3600:.2f}" if start and end else ""


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""


def _csv_rows(wishes: list[Wish], now: datetime, header: bool) -> str:
    """CSV rows of wishes, personal data masked as everywhere; times in UTC, ISO 8601; text that a spreadsheet would
    run as a formula (resident text, close notes) neutralised by the one CSV writer."""
    rows = [
        [
            w.id,
            w.community_id,
            w.state,
            w.category or "",
            w.source,
            w.text,
            w.resident_name_masked,
            w.resident_contact_masked,
            _when(w.submitted_at),
            _when(w.published_at),
            _when(w.deadline),
            _when(w.claimed_at),
            w.claimant_member_id or "",
            ";".join(map(str, w.participant_member_ids)),
            w.group_team_id or "",
            w.group_workplace_org or "",
            _when(w.fulfilled_at),
            f"{w.hours:g}" if w.hours is not None else "",
            w.rating or "",
            _when(w.closed_at),
            w.close_note or "",
            w.duplicate_of or "",
            w.referred_to or "",
            _hours_between(w.published_at, w.claimed_at),
            _hours_between(w.submitted_at, w.closed_at) if w.state == "closed" else "",
            "yes" if w.overdue(now) else "",
            ";".join(map(str, w.participant_team_member_ids)),
        ]
        for w in wishes
    ]
    return csv_text(rows, _EXPORT_COLUMNS if header else None)
