"""Recurring activities: rows in dispatch's schema (recurring_store.py), each with a Temporal Schedule
(recurring-activity-<id>) that follows the row.

Every change — creation, a new template or rhythm, pausing, deletion — commits a new version of the row first; then
the Schedule is brought to it (created, updated, or deleted). While Temporal cannot be reached the call still
answers, its record saying `schedule_pending`, and the Schedule is brought up to date as soon as Temporal answers:
by the next read of it, or by the loop every dispatch replica runs (`keep_schedules_in_step`), so no recurring
activity is left without its Schedule, nor a deleted one with one. A row is locked while its Schedule is brought to
it, so replicas never apply two versions out of order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from google.protobuf import json_format
from linli.dispatch.v1 import activities_pb2 as pb
from temporalio.client import Client, ScheduleAlreadyRunningError, ScheduleUpdate, ScheduleUpdateInput
from temporalio.service import RPCError, RPCStatusCode

from services.dispatch.activities.contract import schedule_for, schedule_id
from services.dispatch.activities.recurring_store import COLUMNS, Recurring, RecurringStore, Stored, recurring_of
from services.dispatch.activities.store import NewActivity
from services.dispatch.scope import require_unit_in_scope
from services.runtime import access, validate
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.convert import to_timestamp
from services.runtime.db import one_row
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from services.runtime.org_directory import OrgDirectory, OrgUnitInfo
from services.runtime.paging import decode_page_token, encode_page_token

log = logging.getLogger(__name__)

# Checks a proposal field by field and in the caller's scope (the servicer's own check, passed in).
CheckProposal = Callable[[Caller, pb.ProposeActivityRequest], Awaitable[NewActivity]]
# The communities and streets under an org unit as the tree is now (the servicer's, passed in).
OrganisersUnder = Callable[[OrgUnitInfo], Awaitable[list[int]]]

_TEMPORAL_DOWN = (RPCError, RuntimeError, OSError)
_RPC_TIMEOUT = timedelta(seconds=5)
_BEHIND_BATCH = 100
MAX_NOTE = 500


class RecurringActivities:
    def __init__(self, pool: asyncpg.Pool, temporal: Client, task_queue: str, org: OrgDirectory) -> None:
        self.pool = pool
        self.store = RecurringStore(pool)
        self.temporal = temporal
        self.task_queue = task_queue
        self.org = org

    async def _row(self, raw_id: str, field: str = "recurring_activity_id") -> Recurring:
        recurring_id = validate.entity_id(field, raw_id)
        assert recurring_id is not None
        recurring = await self.store.get(recurring_id)
        if recurring is None:
            raise NotFound(f"no recurring activity {recurring_id}", field)
        return recurring

    async def _require_in_scope(self, caller: Caller, org_unit_id: int, field: str) -> None:
        """The recurring activity's organising unit, where it is in the tree now, lies in the caller's scope."""
        await require_unit_in_scope(self.org, caller, org_unit_id, field)

    async def _checked(
        self, caller: Caller, given: pb.RecurringActivity, check_proposal: CheckProposal
    ) -> tuple[NewActivity, dict[str, Any]]:
        """The rhythm and the template checked as the proposal its first run will make, and the template to keep."""
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
        kept = json_format.MessageToDict(template, preserving_proto_field_name=True, use_integers_for_enums=True)
        return new, kept

    async def create(
        self, caller: Caller, request: pb.CreateRecurringActivityRequest, check_proposal: CheckProposal
    ) -> pb.CreateRecurringActivityResponse:
        request_id = validate.request_id(request.request_id)
        given = request.recurring_activity
        new, template = await self._checked(caller, given, check_proposal)
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"""insert into recurring_activities (org_unit_id, org_path, template, every_days, day_of_month,
                        lead_hours, duration_minutes, created_by, request_id)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    on conflict (created_by, request_id) do nothing
                    returning {COLUMNS}""",
                new.org_unit_id,
                list(new.org_path),
                template,
                given.every_days,
                given.day_of_month,
                given.lead_hours,
                given.duration_minutes,
                caller.key,
                request_id,
            )
            if row is not None:
                await write_audit(conn, caller, "create_recurring_activity", "recurring_activity", row["id"], version=1)
        if row is None:  # this caller's retry: its answer is checked as a fresh call would be
            row = await one_row(
                self.pool,
                f"select {COLUMNS} from recurring_activities where created_by = $1 and request_id = $2",
                caller.key,
                request_id,
            )
        recurring = recurring_of(row)
        if recurring.org_unit_id != new.org_unit_id:
            await self._require_in_scope(caller, recurring.org_unit_id, "request_id")
        recurring = await self._in_step(recurring)
        return pb.CreateRecurringActivityResponse(recurring_activity=recurring.message())

    async def get(self, caller: Caller, request: pb.GetRecurringActivityRequest) -> pb.GetRecurringActivityResponse:
        recurring = await self._row(request.recurring_activity_id)
        await self._require_in_scope(caller, recurring.org_unit_id, "recurring_activity_id")
        recurring = await self._in_step(recurring)  # a read repairs what Temporal missed, when it can
        runs, next_times = 0, []
        if not recurring.schedule_behind and recurring.deleted_at is None:
            try:
                described = await self.temporal.get_schedule_handle(schedule_id(str(recurring.id))).describe(
                    rpc_timeout=_RPC_TIMEOUT
                )
            except _TEMPORAL_DOWN as exc:
                raise Unavailable("Temporal is unreachable; retry later") from exc
            runs = described.info.num_actions
            next_times = [to_timestamp(t) for t in described.info.next_action_times[:5]]
        return pb.GetRecurringActivityResponse(
            recurring_activity=recurring.message(), runs=runs, next_run_times=next_times
        )

    async def list_page(
        self, caller: Caller, request: pb.ListRecurringActivitiesRequest, organisers_under: OrganisersUnder
    ) -> pb.ListRecurringActivitiesResponse:
        validate.entity_id("org_unit_id", request.org_unit_id)
        page_size = validate.page_size("page_size", request.page_size, default=50, maximum=200)
        unit = await self.org.unit(request.org_unit_id.strip(), "org_unit_id")
        access.require_scope(caller, unit.id, unit.ancestor_ids)
        # Bound to the unit and the filter; the tree may move between pages, the ids keep their order.
        query = {"recurring": unit.id, "include_deleted": request.include_deleted}
        last_key = decode_page_token(request.page_token, query)
        after = last_key[0] if last_key and isinstance(last_key[0], int) else 0
        found = await self.store.page(await organisers_under(unit), request.include_deleted, after, page_size + 1)
        token = encode_page_token(query, [found[page_size - 1].id]) if len(found) > page_size else ""
        return pb.ListRecurringActivitiesResponse(
            recurring_activities=[r.message() for r in found[:page_size]], next_page_token=token
        )

    async def _earlier(self, caller: Caller, request_id: str) -> pb.RecurringActivity | None:
        """This caller's first answer to the same request, checked against its scope as a fresh call would be."""
        stored = await self.store.stored_change(caller, request_id)
        if stored is None:
            return None
        recurring = await self.store.get(stored.recurring_activity_id)
        assert recurring is not None  # a change's row is never removed
        await self._require_in_scope(caller, recurring.org_unit_id, "request_id")
        # The answer as first given, but whether its Schedule has caught up with it is as it is now.
        recurring = await self._in_step(recurring)
        answer = stored.answer
        answer.schedule_pending = recurring.schedule_version < answer.version
        return answer

    async def _changed(self, caller: Caller, request_id: str, recurring: Recurring | Stored) -> pb.RecurringActivity:
        if isinstance(recurring, Stored):  # the same request, committed concurrently
            earlier = await self._earlier(caller, request_id)
            assert earlier is not None
            return earlier
        return (await self._in_step(recurring)).message()

    async def update(
        self, caller: Caller, request: pb.UpdateRecurringActivityRequest, check_proposal: CheckProposal
    ) -> pb.UpdateRecurringActivityResponse:
        request_id = validate.request_id(request.request_id)
        if request.expected_version < 0:
            raise InvalidArgument("must be a version read, or 0", "expected_version")
        recurring = await self._row(request.recurring_activity.id, "recurring_activity.id")
        await self._require_in_scope(caller, recurring.org_unit_id, "recurring_activity.id")
        earlier = await self._earlier(caller, request_id)
        if earlier is not None:
            return pb.UpdateRecurringActivityResponse(recurring_activity=earlier)
        new, template = await self._checked(caller, request.recurring_activity, check_proposal)
        given = request.recurring_activity
        changed = await self.store.change(
            caller,
            request_id,
            recurring.id,
            "updated",
            {
                "org_unit_id": new.org_unit_id,
                "org_path": list(new.org_path),
                "template": template,
                "every_days": given.every_days,
                "day_of_month": given.day_of_month,
                "lead_hours": given.lead_hours,
                "duration_minutes": given.duration_minutes,
            },
            expected_version=request.expected_version,
            field="recurring_activity.id",
        )
        return pb.UpdateRecurringActivityResponse(recurring_activity=await self._changed(caller, request_id, changed))

    async def set_paused(
        self, caller: Caller, request: pb.SetRecurringActivityPausedRequest
    ) -> pb.SetRecurringActivityPausedResponse:
        request_id = validate.request_id(request.request_id)
        note = validate.text("note", request.note, max_length=MAX_NOTE, required=False)
        recurring = await self._row(request.recurring_activity_id)
        await self._require_in_scope(caller, recurring.org_unit_id, "recurring_activity_id")
        earlier = await self._earlier(caller, request_id)
        if earlier is not None:
            return pb.SetRecurringActivityPausedResponse(recurring_activity=earlier)
        if recurring.deleted_at is not None:
            raise FailedPrecondition(f"recurring activity {recurring.id} was deleted", "recurring_activity_id")
        if recurring.paused == request.paused:  # pausing twice is pausing: nothing changes
            return pb.SetRecurringActivityPausedResponse(recurring_activity=(await self._in_step(recurring)).message())
        kind = "paused" if request.paused else "resumed"
        changed = await self.store.change(
            caller,
            request_id,
            recurring.id,
            kind,
            {"paused": request.paused},
            note=note or f"{kind} by {caller.subject}",
        )
        return pb.SetRecurringActivityPausedResponse(
            recurring_activity=await self._changed(caller, request_id, changed)
        )

    async def delete(
        self, caller: Caller, request: pb.DeleteRecurringActivityRequest
    ) -> pb.DeleteRecurringActivityResponse:
        request_id = validate.request_id(request.request_id)
        note = validate.text("note", request.note, max_length=MAX_NOTE, required=False)
        recurring = await self._row(request.recurring_activity_id)
        await self._require_in_scope(caller, recurring.org_unit_id, "recurring_activity_id")
        earlier = await self._earlier(caller, request_id)
        if earlier is not None:
            return pb.DeleteRecurringActivityResponse(recurring_activity=earlier)
        changed = await self.store.change(
            caller, request_id, recurring.id, "deleted", {"deleted_at": datetime.now(UTC)}, note=note
        )
        return pb.DeleteRecurringActivityResponse(recurring_activity=await self._changed(caller, request_id, changed))

    # ---- the Schedules following the rows --------------------------------------------------------------------

    async def _in_step(self, recurring: Recurring) -> Recurring:
        """The recurring activity with its Schedule brought to its last change, when Temporal answers; as it was,
        its Schedule still pending, when not (the loop or the next read brings it)."""
        if not recurring.schedule_behind:
            return recurring
        try:
            return await self.bring_schedule(recurring.id, wait=True) or recurring
        except _TEMPORAL_DOWN as exc:
            log.warning(
                "recurring activity's schedule pending",
                extra={"recurring_activity_id": recurring.id, "error": type(exc).__name__},
            )
            return recurring

    async def bring_schedule(self, recurring_id: int, *, wait: bool) -> Recurring | None:
        """Brings the Schedule to the row's last version under the row's lock; the row as it then stands, or None
        when another replica holds the lock (and `wait` is false). Raises what Temporal raised."""
        async with self.store.locked(recurring_id, wait=wait) as (conn, recurring):
            if recurring is None or not recurring.schedule_behind:
                return recurring
            await self._apply(recurring)
            await self.store.mark_in_step(conn, recurring)
        return await self.store.get(recurring_id)

    async def _apply(self, recurring: Recurring) -> None:
        handle = self.temporal.get_schedule_handle(schedule_id(str(recurring.id)))
        if recurring.deleted_at is not None:
            try:
                await handle.delete(rpc_timeout=_RPC_TIMEOUT)
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:  # never made, or deleted by an earlier attempt
                    raise
            return
        schedule = schedule_for(
            recurring.run_input(), recurring.every_days, recurring.day_of_month, self.task_queue, recurring.paused
        )
        try:
            await self.temporal.create_schedule(handle.id, schedule, rpc_timeout=_RPC_TIMEOUT)
        except ScheduleAlreadyRunningError:
            # Made before (an earlier version, or an attempt whose reply was lost): it becomes this version.
            def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
                return ScheduleUpdate(schedule=schedule)

            await handle.update(replace, rpc_timeout=_RPC_TIMEOUT)

    async def keep_schedules_in_step(self, every: timedelta) -> None:
        """Dispatch's loop: at start-up and then every `every`, the Schedules of recurring activities changed while
        Temporal could not be reached are brought to their rows (each replica takes the rows no other holds)."""
        while True:
            try:
                for recurring_id in await self.store.behind(_BEHIND_BATCH):
                    brought = await self.bring_schedule(recurring_id, wait=False)
                    if brought is not None and not brought.schedule_behind:
                        log.info(
                            "recurring activity's schedule brought up to date",
                            extra={"recurring_activity_id": recurring_id},
                        )
            except _TEMPORAL_DOWN as exc:
                log.warning("recurring activities' schedules wait for Temporal", extra={"error": type(exc).__name__})
            except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("recurring activities' schedules wait for Postgres", extra={"error": type(exc).__name__})
            await asyncio.sleep(every.total_seconds())
