"""RegistryService's bulk import (ImportMembers, a client stream) from the party-member information system.

The stream is received and checked with nothing held: each row is checked and sealed as it arrives, and checked
rows are staged a chunk at a time on a pooled connection that goes back to the pool after each COPY. Only when the
stream has ended does one transaction take the org tree's lock (shared) and merge the staged rows. So a slow or
hostile client holds no lock, no transaction and no connection; and an import is bounded in rows, bytes and the
time it may take to arrive (ImportLimits), each refused with INVALID_ARGUMENT naming the limit, nothing written.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
import grpc
from linli.registry.v1 import registry_pb2 as pb

from services.registry import domain
from services.registry.domain import OrgUnit
from services.registry.lookups import Lookups
from services.registry.messages import skill_codes
from services.registry.store import ImportCounts, StagedChunk
from services.runtime import access, validate
from services.runtime.audit import write_audit
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, current_caller
from services.runtime.db import Connection
from services.runtime.errors import InvalidArgument, PermissionDenied
from services.runtime.pii import mask_id_number, mask_phone

log = logging.getLogger("linli.registry.import")

Place = tuple[OrgUnit, int] | str  # a residence unit and its community, or why a row cannot live there


@dataclass(frozen=True)
class ImportLimits:
    rows: int = domain.MAX_IMPORT_ROWS
    bytes: int = domain.MAX_IMPORT_BYTES
    receive_seconds: float = domain.IMPORT_RECEIVE_SECONDS
    chunk_rows: int = 10_000  # rows staged, and later merged, at a time


@dataclass
class _Received:
    """What the stream brought: rows received and staged, the chunks staged, and the rows refused on arrival."""

    rows: int = 0
    staged: int = 0
    chunks: list[StagedChunk] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)


class ImportCalls(Lookups):
    import_limits: ImportLimits

    async def ImportMembers(
        self, request_iterator: AsyncIterator[pb.ImportMembersRequest], context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ImportMembersResponse:
        caller = current_caller()
        limits = self.import_limits
        messages = aiter(request_iterator)
        deadline = asyncio.get_running_loop().time() + limits.receive_seconds
        try:
            async with asyncio.timeout_at(deadline):
                first_message = await anext(messages, None)
        except TimeoutError:
            raise _too_slow(limits) from None
        request_id = validate.request_id(first_message.request_id if first_message is not None else "")
        if caller.scope != WHOLE_DEPLOYMENT and not caller.scope.isdigit():
            raise PermissionDenied("the caller's scope is not an org unit")
        # Each row is checked against the caller's scope as it arrives, and again (by the tree then) at the merge.
        # A retry is answered at once: the answer holds counts and row numbers only, and is this caller's own.
        earlier = await self.store.earlier_answer(caller, request_id, "ImportMembers", pb.ImportMembersResponse)
        if earlier is not None:
            return earlier
        assert first_message is not None
        import_id = await self.store.start_staging(timedelta(seconds=limits.receive_seconds, hours=1))
        try:
            received = await self._receive(caller, import_id, first_message, messages, deadline)

            async def merge(conn: Connection) -> pb.ImportMembersResponse:
                return await self._merge(conn, caller, request_id, import_id, received)

            return await self.store.once(caller, request_id, "ImportMembers", pb.ImportMembersResponse, merge)
        finally:
            try:
                await self.store.forget_staged(import_id)
            except (OSError, asyncpg.PostgresError):
                # Left for the next import's clean-up of abandoned staging (ImportStore.start_staging).
                log.warning("could not drop an import's staged rows", extra={"import_id": str(import_id)})

    async def _receive(
        self,
        caller: Caller,
        import_id: uuid.UUID,
        first_message: pb.ImportMembersRequest,
        messages: AsyncIterator[pb.ImportMembersRequest],
        deadline: float,
    ) -> _Received:
        """Reads the rest of the stream, checking and sealing each row and staging checked rows a chunk at a time
        (the next chunk is checked while the last one is copied)."""
        limits = self.import_limits
        done = _Received()
        received_bytes = 0
        places: dict[str, Place] = {}
        chunk: list[tuple[Any, ...]] = []
        first_row_of: dict[bytes, int] = {}
        staging: asyncio.Task[None] | None = None

        async def stage(rows: list[tuple[Any, ...]]) -> None:
            nonlocal staging
            if staging is not None:
                await staging
            done.chunks.append(StagedChunk(rows[0][0], rows[-1][0], len(rows)))
            done.staged += len(rows)
            staging = asyncio.create_task(self.store.stage(import_id, rows))
            await asyncio.sleep(0)  # let the COPY start before the next chunk's checks

        try:
            async with asyncio.timeout_at(deadline):
                message: pb.ImportMembersRequest | None = first_message
                while message is not None:
                    received_bytes += message.ByteSize()
                    if received_bytes > limits.bytes:
                        raise InvalidArgument(
                            f"an import is at most {limits.bytes} bytes; send the rest in another import", "rows"
                        )
                    if done.rows + len(message.rows) > limits.rows:
                        raise InvalidArgument(f"at most {limits.rows} rows in one import", "rows")
                    new_places = {row.residence_unit_id.strip() for row in message.rows} - places.keys()
                    if new_places:
                        places.update(await self._import_places(caller, new_places))
                    for number, row in enumerate(message.rows, start=done.rows + 1):
                        try:
                            record = self._import_record(number, row, places)
                        except InvalidArgument as exc:
                            done.errors.append((number, exc.field or "", exc.message))
                            continue
                        first = first_row_of.setdefault(record[13], number)
                        if first != number:
                            done.errors.append((number, "id_number", f"the same person is in row {first} already"))
                            continue
                        chunk.append(record)
                    done.rows += len(message.rows)
                    if len(chunk) >= limits.chunk_rows:
                        await stage(chunk)
                        chunk = []
                    # Checking a message is one stretch of work with no await: give the COPY a turn (the next
                    # message may be waiting already, and reading it need not yield).
                    await asyncio.sleep(0)
                    message = await anext(messages, None)
                if chunk:
                    await stage(chunk)
                if staging is not None:
                    await staging
        except TimeoutError:
            raise _too_slow(limits) from None
        finally:
            if staging is not None and not staging.done():
                # The staged rows are dropped by the caller; a COPY under way finishes first.
                await asyncio.wait([staging])
            if staging is not None and staging.done() and not staging.cancelled():
                staging.exception()  # the error that brought us here is the one to report
        return done

    async def _merge(
        self, conn: Connection, caller: Caller, request_id: str, import_id: uuid.UUID, received: _Received
    ) -> pb.ImportMembersResponse:
        """Merges the staged chunks in the import's one transaction, under the tree's lock (shared)."""
        scope_path = await self.store.begin_merge(conn, caller)
        counts = ImportCounts()
        for chunk in received.chunks:
            counts.add(await self.store.merge_chunk(conn, caller, import_id, chunk, scope_path))
        all_errors = sorted(
            received.errors
            + [(n, "id_number", "this person lives outside the caller's scope") for n in counts.outside_scope]
            + [(n, "residence_unit_id", "the org unit was closed during the import") for n in counts.unit_closed]
            + [
                (n, "residence_unit_id", "the org unit moved out of the caller's scope during the import")
                for n in counts.unit_moved_out
            ]
        )
        await write_audit(
            conn,
            caller,
            "import_members",
            "import",
            request_id,
            rows=received.rows,
            inserted=counts.inserted,
            updated=counts.updated,
            failed=len(all_errors),
        )
        refused = len(counts.outside_scope) + len(counts.unit_closed) + len(counts.unit_moved_out)
        return pb.ImportMembersResponse(
            rows_received=received.rows,
            inserted=counts.inserted,
            updated=counts.updated,
            unchanged=received.staged - refused - counts.inserted - counts.updated,
            failed=len(all_errors),
            errors=[
                pb.ImportRowError(row_number=n, field=f, reason=r) for n, f, r in all_errors[: domain.MAX_IMPORT_ERRORS]
            ],
        )

    async def _import_places(self, caller: Caller, wanted: set[str]) -> dict[str, Place]:
        """Each residence id named in the rows: the unit and its community, or why a row cannot live there."""
        parsed = {raw: int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18 else None for raw in wanted}
        units = await self.store.org_units([i for i in parsed.values() if i])
        ancestors = {a for u in units.values() for a in u.ancestor_ids}
        kinds = await self.store.org_unit_kinds(tuple(ancestors)) if ancestors else {}
        places: dict[str, Place] = {}
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

    def _import_record(self, number: int, row: pb.ImportRow, places: dict[str, Place]) -> tuple[Any, ...]:
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


def _too_slow(limits: ImportLimits) -> InvalidArgument:
    return InvalidArgument(
        f"an import must arrive within {limits.receive_seconds:g} s; send it again faster, or in smaller imports",
        "rows",
    )
