"""Recurring activities: rows in dispatch's schema, each with a Temporal Schedule (recurring-activity-<id>).

Creation commits the row first, then creates the schedule and marks it created; a retry with the same
request id (after Temporal was unreachable) creates the schedule it is missing, so none is half-made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from google.protobuf import json_format
from linli.dispatch.v1 import activities_pb2 as pb
from temporalio.client import Client, ScheduleAlreadyRunningError
from temporalio.service import RPCError

from services.dispatch.activities.contract import (
    ActivityTemplate,
    RecurringRunInput,
    RoleNeed,
    schedule_for,
    schedule_id,
)
from services.dispatch.activities.store import NewActivity
from services.dispatch.scope import require_unit_in_scope
from services.runtime import validate
from services.runtime.auth import Caller
from services.runtime.convert import to_timestamp
from services.runtime.db import one_row
from services.runtime.errors import InvalidArgument, NotFound, Unavailable
from services.runtime.org_directory import OrgDirectory

# Checks a proposal field by field and in the caller's scope (the servicer's own check, passed in).
CheckProposal = Callable[[Caller, pb.ProposeActivityRequest], Awaitable[NewActivity]]

_COLUMNS = """id, org_unit_id, org_path, template, every_days, day_of_month, lead_hours, duration_minutes, paused,
    schedule_created, created_at"""


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
    schedule_created: bool
    created_at: datetime

    def message(self) -> pb.RecurringActivity:
        template = pb.ProposeActivityRequest()
        json_format.ParseDict(self.template, template)
        return pb.RecurringActivity(
            id=str(self.id),
            template=template,
            every_days=self.every_days,
            day_of_month=self.day_of_month,
            lead_hours=self.lead_hours,
            duration_minutes=self.duration_minutes,
            paused=self.paused,
            schedule_id=schedule_id(str(self.id)),
            create_time=to_timestamp(self.created_at),
        )

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


def _recurring(row: asyncpg.Record) -> Recurring:
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
        schedule_created=row["schedule_created"],
        created_at=row["created_at"],
    )


class RecurringActivities:
    def __init__(self, pool: asyncpg.Pool, temporal: Client, task_queue: str, org: OrgDirectory) -> None:
        self.pool = pool
        self.temporal = temporal
        self.task_queue = task_queue
        self.org = org

    async def _row(self, raw_id: str) -> Recurring:
        recurring_id = validate.entity_id("recurring_activity_id", raw_id)
        row = await self.pool.fetchrow(f"select {_COLUMNS} from recurring_activities where id = $1", recurring_id)
        if row is None:
            raise NotFound(f"no recurring activity {recurring_id}", "recurring_activity_id")
        return _recurring(row)

    async def _require_in_scope(self, caller: Caller, recurring: Recurring, field: str) -> None:
        """The recurring activity's organising unit, where it is in the tree now, lies in the caller's scope."""
        await require_unit_in_scope(self.org, caller, recurring.org_unit_id, field)

    async def create(
        self, caller: Caller, request: pb.CreateRecurringActivityRequest, check_proposal: CheckProposal
    ) -> pb.CreateRecurringActivityResponse:
        request_id = validate.request_id(request.request_id)
        given = request.recurring_activity
        if bool(given.every_days) == bool(given.day_of_month):
            raise InvalidArgument("give exactly one of every_days and day_of_month", "recurring_activity.every_days")
        if given.every_days and not 1 <= given.every_days <= 365:
            raise InvalidArgument("must be between 1 and 365", "recurring_activity.every_days")
        if given.day_of_month and not 1 <= given.day_of_month <= 28:
            raise InvalidArgument("must be between 1 and 28", "recurring_activity.day_of_month")
        if not 24 <= given.lead_hours <= 2160:
            raise InvalidArgument("must be between 24 and 2160", "recurring_activity.lead_hours")
        if not 15 <= given.duration_minutes <= 1440:
            raise InvalidArgument("must be between 15 and 1440", "recurring_activity.duration_minutes")
        # The template is checked as the proposal its first run will make.
        template = pb.ProposeActivityRequest()
        template.CopyFrom(given.template)
        template.ClearField("request_id")
        template.ClearField("recurring_activity_id")
        first_start = datetime.now(UTC) + timedelta(hours=given.lead_hours)
        for name, moment in (
            ("start_time", first_start),
            ("end_time", first_start + timedelta(minutes=given.duration_minutes)),
            ("signup_deadline", first_start - timedelta(hours=2)),
        ):
            getattr(template, name).CopyFrom(to_timestamp(moment))
        try:
            new = await check_proposal(caller, template)
        except InvalidArgument as exc:
            raise InvalidArgument(exc.message, f"recurring_activity.template.{exc.field}") from exc
        for name in ("start_time", "end_time", "signup_deadline"):
            template.ClearField(name)
        row = await self.pool.fetchrow(
            f"""insert into recurring_activities (org_unit_id, org_path, template, every_days, day_of_month, lead_hours,
                    duration_minutes, created_by, request_id)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                on conflict (created_by, request_id) do nothing
                returning {_COLUMNS}""",
            new.org_unit_id,
            list(new.org_path),
            json_format.MessageToDict(template, preserving_proto_field_name=True, use_integers_for_enums=True),
            given.every_days,
            given.day_of_month,
            given.lead_hours,
            given.duration_minutes,
            caller.key,
            request_id,
        )
        if row is None:  # this caller's retry: its answer is checked as a fresh call would be
            row = await one_row(
                self.pool,
                f"select {_COLUMNS} from recurring_activities where created_by = $1 and request_id = $2",
                caller.key,
                request_id,
            )
        recurring = _recurring(row)
        if recurring.org_unit_id != new.org_unit_id:
            await self._require_in_scope(caller, recurring, "request_id")
        if not recurring.schedule_created:
            await self._create_schedule(recurring)
            recurring = _recurring(
                await one_row(
                    self.pool,
                    f"update recurring_activities set schedule_created = true where id = $1 returning {_COLUMNS}",
                    recurring.id,
                )
            )
        return pb.CreateRecurringActivityResponse(recurring_activity=recurring.message())

    async def _create_schedule(self, recurring: Recurring) -> None:
        schedule = schedule_for(
            recurring.run_input(), recurring.every_days, recurring.day_of_month, self.task_queue, recurring.paused
        )
        try:
            await self.temporal.create_schedule(schedule_id(str(recurring.id)), schedule)
        except ScheduleAlreadyRunningError:
            pass  # created by an earlier attempt whose reply was lost
        except (RPCError, RuntimeError, OSError) as exc:
            raise Unavailable("Temporal is unreachable; retry with the same request_id") from exc

    async def get(self, caller: Caller, request: pb.GetRecurringActivityRequest) -> pb.GetRecurringActivityResponse:
        recurring = await self._row(request.recurring_activity_id)
        await self._require_in_scope(caller, recurring, "recurring_activity_id")
        runs, next_times = 0, []
        if recurring.schedule_created:
            try:
                described = await self.temporal.get_schedule_handle(schedule_id(str(recurring.id))).describe()
            except (RPCError, RuntimeError, OSError) as exc:
                raise Unavailable("Temporal is unreachable; retry later") from exc
            runs = described.info.num_actions
            next_times = [to_timestamp(t) for t in described.info.next_action_times[:5]]
        return pb.GetRecurringActivityResponse(
            recurring_activity=recurring.message(), runs=runs, next_run_times=next_times
        )

    async def set_paused(
        self, caller: Caller, request: pb.SetRecurringActivityPausedRequest
    ) -> pb.SetRecurringActivityPausedResponse:
        validate.request_id(request.request_id)  # pausing twice is pausing: the retry is safe
        note = validate.text("note", request.note, max_length=500, required=False)
        recurring = await self._row(request.recurring_activity_id)
        await self._require_in_scope(caller, recurring, "recurring_activity_id")
        if not recurring.schedule_created:
            await self._create_schedule(recurring)
            await self.pool.execute(
                "update recurring_activities set schedule_created = true where id = $1", recurring.id
            )
        handle = self.temporal.get_schedule_handle(schedule_id(str(recurring.id)))
        text = note or f"{'paused' if request.paused else 'resumed'} by {caller.subject}"
        try:
            if request.paused:
                await handle.pause(note=text)
            else:
                await handle.unpause(note=text)
        except (RPCError, RuntimeError, OSError) as exc:
            raise Unavailable("Temporal is unreachable; retry with the same request_id") from exc
        row = await one_row(
            self.pool,
            f"update recurring_activities set paused = $2 where id = $1 returning {_COLUMNS}",
            recurring.id,
            request.paused,
        )
        return pb.SetRecurringActivityPausedResponse(recurring_activity=_recurring(row).message())
