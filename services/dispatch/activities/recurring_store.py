"""The SQL of recurring activities: their rows (a version per change, the version their Schedule has reached), the
changes made to them (each also the answer to its retry), pages by organising unit, and the rows whose Schedule is
behind — what services/dispatch/activities/recurring.py brings Temporal to."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from google.protobuf import json_format
from linli.dispatch.v1 import activities_pb2 as pb

from services.dispatch.activities.contract import ActivityTemplate, RecurringRunInput, RoleNeed, schedule_id
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.convert import to_timestamp
from services.runtime.db import Connection, one_row
from services.runtime.errors import Aborted, FailedPrecondition

COLUMNS = """id, org_unit_id, org_path, template, every_days, day_of_month, lead_hours, duration_minutes, paused,
    created_at, version, schedule_version, updated_at, deleted_at"""


@dataclass(frozen=True)
class Recurring:
    id: int
    org_unit_id: int
    org_path: tuple[str, ...]
    template: dict[str, Any]
    every_days: int
    day_of_month: int
    lead_hours: int
    duration_minutes: int
    paused: bool
    created_at: datetime
    version: int = 1
    schedule_version: int = 0  # the version the Temporal Schedule was last brought to; 0: none made yet
    updated_at: datetime | None = None
    deleted_at: datetime | None = None

    @property
    def schedule_behind(self) -> bool:
        return self.schedule_version < self.version

    def message(self) -> pb.RecurringActivity:
        template = pb.ProposeActivityRequest()
        json_format.ParseDict(self.template, template)
        message = pb.RecurringActivity(
            id=str(self.id),
            template=template,
            every_days=self.every_days,
            day_of_month=self.day_of_month,
            lead_hours=self.lead_hours,
            duration_minutes=self.duration_minutes,
            paused=self.paused,
            schedule_id=schedule_id(str(self.id)),
            create_time=to_timestamp(self.created_at),
            version=self.version,
            update_time=to_timestamp(self.updated_at or self.created_at),
            schedule_pending=self.schedule_behind,
        )
        if self.deleted_at is not None:
            message.delete_time.CopyFrom(to_timestamp(self.deleted_at))
        return message

    def run_input(self) -> RecurringRunInput:
        roles = [
            RoleNeed(
                name=r["name"], needed=int(r.get("count", 0)), filled=0, skills=[int(s) for s in r.get("skills", [])]
            )
            for r in self.template.get("roles", [])
        ]
        return RecurringRunInput(
            recurring_activity_id=str(self.id),
            template=ActivityTemplate(
                org_unit_id=str(self.org_unit_id),
                title=self.template["title"],
                kind=int(self.template["kind"]),
                place=self.template["place"],
                capacity=int(self.template["capacity"]),
                roles=roles,
            ),
            lead_hours=self.lead_hours,
            duration_minutes=self.duration_minutes,
        )


def recurring_of(row: asyncpg.Record) -> Recurring:
    return Recurring(
        id=row["id"],
        org_unit_id=row["org_unit_id"],
        org_path=tuple(row["org_path"]),
        template=row["template"],
        every_days=row["every_days"],
        day_of_month=row["day_of_month"],
        lead_hours=row["lead_hours"],
        duration_minutes=row["duration_minutes"],
        paused=row["paused"],
        created_at=row["created_at"],
        version=row["version"],
        schedule_version=row["schedule_version"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
    )


def answer_of(recurring: Recurring) -> dict[str, Any]:
    return json_format.MessageToDict(recurring.message(), preserving_proto_field_name=True)


def message_of(answer: dict[str, Any]) -> pb.RecurringActivity:
    return json_format.ParseDict(answer, pb.RecurringActivity(), ignore_unknown_fields=True)


@dataclass(frozen=True)
class Stored:
    """The first answer to a change this caller sent before, and the recurring activity it changed."""

    answer: pb.RecurringActivity
    recurring_activity_id: int


class RecurringStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def get(self, recurring_id: int, conn: Connection | None = None) -> Recurring | None:
        row = await (conn or self.pool).fetchrow(
            f"select {COLUMNS} from recurring_activities where id = $1", recurring_id
        )
        return recurring_of(row) if row else None

    async def stored_change(self, caller: Caller, request_id: str) -> Stored | None:
        row = await self.pool.fetchrow(
            "select recurring_activity_id, answer from recurring_activity_changes where request_key = $1",
            caller.retry_key(request_id),
        )
        return Stored(message_of(row["answer"]), row["recurring_activity_id"]) if row else None

    async def change(
        self,
        caller: Caller,
        request_id: str,
        recurring_id: int,
        kind: str,
        columns: dict[str, object],
        *,
        expected_version: int = 0,
        note: str = "",
        field: str = "recurring_activity_id",
    ) -> Recurring | Stored:
        """Commits one change (the columns given, a new version) with its record and audit row; a retry of this
        caller's gets its first answer instead (Stored). Refused for a deleted recurring activity, and ABORTED when
        it is no longer at expected_version (when given)."""
        assignments = "".join(f", {name} = ${i}" for i, name in enumerate(columns, start=2))
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                current = await one_row(
                    conn, f"select {COLUMNS} from recurring_activities where id = $1 for update", recurring_id
                )
                before = recurring_of(current)
                if before.deleted_at is not None:
                    raise FailedPrecondition(f"recurring activity {recurring_id} was deleted", field)
                if expected_version and before.version != expected_version:
                    raise Aborted(
                        f"recurring activity {recurring_id} is at version {before.version}, not {expected_version}",
                        "expected_version",
                    )
                changed = recurring_of(
                    await one_row(
                        conn,
                        f"""update recurring_activities set version = version + 1, updated_at = now(){assignments}
                            where id = $1 returning {COLUMNS}""",
                        recurring_id,
                        *columns.values(),
                    )
                )
                await conn.execute(
                    """insert into recurring_activity_changes
                           (recurring_activity_id, version, kind, actor, note, request_key, answer)
                       values ($1, $2, $3, $4, $5, $6, $7)""",
                    recurring_id,
                    changed.version,
                    kind,
                    caller.subject,
                    note,
                    caller.retry_key(request_id),
                    answer_of(changed),
                )
                await write_audit(
                    conn,
                    caller,
                    f"{kind}_recurring_activity",
                    "recurring_activity",
                    recurring_id,
                    version=changed.version,
                )
                return changed
        except asyncpg.UniqueViolationError:
            # The same request of this caller's committed first, concurrently: its answer stands.
            stored = await self.stored_change(caller, request_id)
            if stored is None:
                raise
            return stored

    async def page(
        self, organisers: Sequence[int], include_deleted: bool, after_id: int, limit: int
    ) -> list[Recurring]:
        rows = await self.pool.fetch(
            f"""select {COLUMNS} from recurring_activities
                where org_unit_id = any($1::bigint[]) and ($2 or deleted_at is null) and id > $3
                order by id limit $4""",
            list(organisers),
            include_deleted,
            after_id,
            limit,
        )
        return [recurring_of(row) for row in rows]

    async def behind(self, limit: int) -> list[int]:
        """Recurring activities whose Schedule has not reached their last change, oldest first."""
        rows = await self.pool.fetch(
            "select id from recurring_activities where schedule_version < version order by id limit $1", limit
        )
        return [row["id"] for row in rows]

    @asynccontextmanager
    async def locked(self, recurring_id: int, *, wait: bool) -> AsyncIterator[tuple[Connection, Recurring | None]]:
        """The row locked for bringing its Schedule up to it, so two replicas never apply two versions out of order;
        None when another holds it (and `wait` is false)."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"select {COLUMNS} from recurring_activities where id = $1 for update{'' if wait else ' skip locked'}",
                recurring_id,
            )
            yield conn, recurring_of(row) if row else None

    async def mark_in_step(self, conn: Connection, recurring: Recurring) -> None:
        # schedule_created is kept true while a Schedule exists, for replicas of the release before.
        await conn.execute(
            """update recurring_activities set schedule_version = $2, schedule_created = $3
               where id = $1 and schedule_version < $2""",
            recurring.id,
            recurring.version,
            recurring.deleted_at is None,
        )
