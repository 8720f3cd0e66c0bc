"""Members from a CSV export of the party-member information system, streamed to ImportMembers.

The file is UTF-8 (a BOM is fine) with a header row naming these columns, in any order:
name, workplace_org, residence_unit_id, skills, tags, management_level, phone, id_number.
`skills` and `tags` hold several values separated by ";" (skills by name: legal;medical); `management_level`
is city, district or other. A value the registry does not know is sent as it is, so the registry reports it
against its row instead of the whole file failing here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

from linli.registry.v1 import registry_pb2 as pb

from services.registry import domain

COLUMNS = ("name", "workplace_org", "residence_unit_id", "skills", "tags", "management_level", "phone", "id_number")
ROWS_PER_MESSAGE = 1000
_UNKNOWN = -1  # not a value of any enum: the registry names the field and the row


class CsvError(ValueError):
    """The file as a whole cannot be read (no header, a required column missing)."""


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def import_row(record: dict[str, str]) -> pb.ImportRow:
    skills = [domain.SKILL_NUMBERS.get(s.lower().replace(" ", "_"), _UNKNOWN) for s in _split(record["skills"])]
    level_text = record["management_level"].strip().lower()
    level = domain.MANAGEMENT_LEVEL_NUMBERS.get(level_text, _UNKNOWN if level_text else 0)
    # The generated types take only an enum's values; proto3 enums are open, and _UNKNOWN goes through as it is.
    return pb.ImportRow(
        name=record["name"],
        workplace_org=record["workplace_org"],
        residence_unit_id=record["residence_unit_id"].strip(),
        skills=skills,  # type: ignore[arg-type]
        tags=_split(record["tags"]),
        management_level=level,  # type: ignore[arg-type]
        phone=record["phone"],
        id_number=record["id_number"],
    )


def read_rows(stream: io.TextIOBase) -> Iterator[tuple[int, pb.ImportRow]]:
    """(line number in the file, row) for each data row."""
    reader = csv.DictReader(stream)
    header = [name.strip().lstrip("\ufeff") for name in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CsvError(f"the header lacks the column(s): {', '.join(missing)}")
    reader.fieldnames = header
    for record in reader:
        values = {c: (record.get(c) or "") for c in COLUMNS}
        yield reader.line_num, import_row(values)


async def requests(
    path: Path, request_id: str, line_numbers: list[int], progress: Callable[[int, int], None] | None = None
) -> AsyncIterator[pb.ImportMembersRequest]:
    """ImportMembers messages of ROWS_PER_MESSAGE rows. Fills `line_numbers` (row number - 1 → file line) and
    calls progress(bytes read, file size) after each message."""
    size = path.stat().st_size
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as stream:
        batch: list[pb.ImportRow] = []
        for line, row in read_rows(stream):
            line_numbers.append(line)
            batch.append(row)
            if len(batch) == ROWS_PER_MESSAGE:
                yield pb.ImportMembersRequest(request_id=request_id, rows=batch)
                batch = []
                if progress:
                    progress(raw.tell(), size)
        if batch or not line_numbers:
            yield pb.ImportMembersRequest(request_id=request_id, rows=batch)
        if progress:
            progress(size, size)
