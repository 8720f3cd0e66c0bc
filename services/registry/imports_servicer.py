"""RegistryService's bulk import (ImportMembers, a client stream) from the party-member information system: rows
checked and sealed as they arrive and merged a chunk at a time in the import's one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import grpc
from linli.registry.v1 import registry_pb2 as pb

from services.registry import domain
from services.registry.domain import OrgUnit
from services.registry.lookups import Lookups
from services.registry.messages import skill_codes
from services.registry.store import ImportCounts
from services.runtime import access, validate
from services.runtime.audit import write_audit
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, current_caller
from services.runtime.errors import InvalidArgument, PermissionDenied
from services.runtime.pii import mask_id_number, mask_phone


class ImportCalls(Lookups):
    import_chunk_rows: int

    async def ImportMembers(
        self, request_iterator: AsyncIterator[pb.ImportMembersRequest], context: grpc.aio.ServicerContext
    ) -> pb.ImportMembersResponse:
        caller = current_caller()
        messages = aiter(request_iterator)
        first_message = await anext(messages, None)
        request_id = validate.request_id(first_message.request_id if first_message is not None else "")

        # Each row is checked against the caller's scope (public in the table: the request names no org unit).
        scope_path = None
        if caller.scope != WHOLE_DEPLOYMENT:
            scope = await self.store.org_unit(int(caller.scope)) if caller.scope.isdigit() else None
            if scope is None:
                raise PermissionDenied("the caller's scope is not an org unit")
            scope_path = scope.path

        async def run(conn: asyncpg.Connection) -> pb.ImportMembersResponse:
            # The rows are merged a chunk at a time, in this one transaction, while the client sends the rest: the
            # database writes one chunk while this process checks and seals the next.
            await self.store.begin_import(conn)
            counts = ImportCounts()
            merging: asyncio.Task[ImportCounts] | None = None

            async def settle() -> None:
                """Waits for the chunk being merged: the connection runs one statement at a time."""
                nonlocal merging
                if merging is not None:
                    counts.add(await merging)
                    merging = None

            async def merge(chunk: list[tuple[Any, ...]]) -> None:
                nonlocal merging
                await settle()
                merging = asyncio.create_task(self.store.import_members(conn, caller, chunk, scope_path))
                await asyncio.sleep(0)  # let it send its first statement before the next chunk's checks

            received = 0
            places: dict[str, tuple[OrgUnit, int] | str] = {}
            chunk: list[tuple[Any, ...]] = []
            merged_rows = 0
            errors: list[tuple[int, str, str]] = []
            first_row_of: dict[bytes, int] = {}
            try:
                message = first_message
                while message is not None:
                    if received + len(message.rows) > domain.MAX_IMPORT_ROWS:
                        raise InvalidArgument(f"at most {domain.MAX_IMPORT_ROWS} rows in one import", "rows")
                    new_places = {row.residence_unit_id.strip() for row in message.rows} - places.keys()
                    if new_places:
                        # On the import's own connection: a second one per import could exhaust the pool.
                        await settle()
                        places.update(await self._import_places(caller, new_places, conn))
                    for number, row in enumerate(message.rows, start=received + 1):
                        try:
                            record = self._import_record(number, row, places)
                        except InvalidArgument as exc:
                            errors.append((number, exc.field or "", exc.message))
                            continue
                        first = first_row_of.setdefault(record[13], number)
                        if first != number:
                            errors.append((number, "id_number", f"the same person is in row {first} already"))
                            continue
                        chunk.append(record)
                    received += len(message.rows)
                    if len(chunk) >= self.import_chunk_rows:
                        merged_rows += len(chunk)
                        await merge(chunk)
                        chunk = []
                    # Checking a message is one stretch of work with no await: give the merge a turn to send its
                    # next statement (the next message may be waiting already, and reading it need not yield).
                    await asyncio.sleep(0)
                    message = await anext(messages, None)
                if chunk:
                    merged_rows += len(chunk)
                    await merge(chunk)
                await settle()
            finally:
                if merging is not None:
                    # The transaction cannot roll back while a statement runs on its connection; the error that
                    # brought us here is the one to report.
                    await asyncio.wait([merging])
                    if not merging.cancelled():
                        merging.exception()
            all_errors = sorted(
                errors
                + [(n, "id_number", "this person lives outside the caller's scope") for n in counts.outside_scope]
                + [(n, "residence_unit_id", "the org unit was closed during the import") for n in counts.unit_closed]
            )
            await write_audit(
                conn,
                caller,
                "import_members",
                "import",
                request_id,
                rows=received,
                inserted=counts.inserted,
                updated=counts.updated,
                failed=len(all_errors),
            )
            refused = len(counts.outside_scope) + len(counts.unit_closed)
            return pb.ImportMembersResponse(
                rows_received=received,
                inserted=counts.inserted,
                updated=counts.updated,
                unchanged=merged_rows - refused - counts.inserted - counts.updated,
                failed=len(all_errors),
                errors=[
                    pb.ImportRowError(row_number=n, field=f, reason=r)
                    for n, f, r in all_errors[: domain.MAX_IMPORT_ERRORS]
                ],
            )

        return await self.store.once(caller, request_id, "ImportMembers", pb.ImportMembersResponse, run)

    async def _import_places(
        self, caller: Caller, wanted: set[str], conn: asyncpg.Connection
    ) -> dict[str, tuple[OrgUnit, int] | str]:
        """Each residence id named in the rows: the unit and its community, or why a row cannot live there."""
        parsed = {raw: int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18 else None for raw in wanted}
        units = await self.store.org_units([i for i in parsed.values() if i], conn)
        ancestors = {a for u in units.values() for a in u.ancestor_ids}
        kinds = await self.store.org_unit_kinds(tuple(ancestors), conn) if ancestors else {}
        places: dict[str, tuple[OrgUnit, int] | str] = {}
        for raw, unit_id in parsed.items():
            unit = units.get(unit_id) if unit_id else None
            if unit is None:
                places[raw] = "is required" if not raw else f"no org unit {raw[:40]}"
            elif unit.closed_at is not None:
                places[raw] = f"org unit {unit.id} is closed"
            elif unit.kind not in domain.RESIDENCE_KINDS:
                places[raw] = f"must be a community, grid or building, not a {unit.kind}"
            elif not access.covers(caller, str(unit.id), map(str, unit.ancestor_ids)):
                places[raw] = f"org unit {unit.id} is outside the caller's scope"
            else:
                community = (
                    unit.id
                    if unit.kind == "community"
                    else next(i for i in reversed(unit.ancestor_ids) if kinds.get(i) == "community")
                )
                places[raw] = (unit, community)
        return places

    def _import_record(
        self, number: int, row: pb.ImportRow, places: dict[str, tuple[OrgUnit, int] | str]
    ) -> tuple[Any, ...]:
        """One row checked and sealed, as (row_number, *IMPORT_COLUMNS); InvalidArgument names the field."""
        name = validate.text("name", row.name, max_length=domain.MAX_NAME)
        workplace = validate.text("workplace_org", row.workplace_org, max_length=domain.MAX_WORKPLACE)
        place = places[row.residence_unit_id.strip()]
        if isinstance(place, str):
            raise InvalidArgument(place, "residence_unit_id")
        unit, community_id = place
        # Known values are looked up directly; validate.enum (slower) runs only to word the error.
        skills = [domain.SKILLS.get(s) or skill_codes("skills", list(row.skills))[0] for s in row.skills]
        if len(set(skills)) != len(skills):
            skills = list(dict.fromkeys(skills))
        tags = domain.normalise_tags("tags", list(row.tags)) if row.tags else ()
        level = (
            domain.MANAGEMENT_LEVELS.get(row.management_level)
            or domain.MANAGEMENT_LEVELS[validate.enum("management_level", row.management_level, pb.ManagementLevel)]
        )
        phone = domain.normalise_phone("phone", row.phone)
        id_number = domain.normalise_id_number("id_number", row.id_number)
        cipher = self.cipher
        return (
            number,
            name,
            workplace,
            community_id,
            unit.id,
            unit.path,
            skills,
            list(tags),
            level,
            cipher.seal(phone, "member.phone"),
            cipher.lookup_hash(phone, "member.phone"),
            mask_phone(phone),
            cipher.seal(id_number, "member.id_number"),
            cipher.lookup_hash(id_number, "member.id_number"),
            mask_id_number(id_number),
        )
