"""The activities' SQL, in dispatch's own schema.

Every change is one transaction. Sign-ups lock the activity's row first, so of two people taking the last
place exactly one gets it and the other joins the waiting list; a withdrawal promotes the first waiting
sign-up in the same transaction. Sign-ups are inserted under that lock, so their ids are the order they came
in: the waiting list is in id order (not by time, whose transaction start may precede an earlier commit). A transition is committed with its history event, which is also the outbox
row the relay delivers to the activity's workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import assert_never

import asyncpg

from services.dispatch.activities.digest_store import DigestStore
from services.dispatch.activities.domain import (
    CLOSE_OUT,
    Activity,
    ActivityChange,
    Cancellation,
    Event,
    Move,
    Rejection,
    Role,
    RoleAttendance,
    Signer,
    SignUp,
    summary,
    volunteer_hours,
)
from services.dispatch.activities.notices_store import EVENT_COLUMNS, event_row
from services.dispatch.activities.sign_up_rows import SIGN_UP_COLUMNS, sign_up_row
from services.dispatch.activities.stats_store import ActivityStatsStore
from services.runtime.auth import Caller
from services.runtime.db import Connection, assignments, one_row

_ACTIVITY_COLUMNS = """a.id, a.org_unit_id, a.org_path, a.title, a.kind, a.place, a.start_time, a.end_time,
    a.signup_deadline, a.capacity, a.state, a.reject_reason, a.cancel_reason, a.summary, a.recurring_activity_id,
    a.created_at, a.updated_at, a.version"""


@dataclass(frozen=True)
class NewActivity:
    org_unit_id: int
    org_path: tuple[str, ...]
    title: str
    kind: str
    place: str
    start_time: datetime
    end_time: datetime
    signup_deadline: datetime
    capacity: int
    roles: tuple[Role, ...]
    recurring_activity_id: int | None = None


@dataclass(frozen=True)
class PendingTransition:
    """A committed transition its workflow has not yet been told of (an outbox row)."""

    event_id: int
    activity_id: int
    version: int
    state: str
    committed_at: datetime


class WrongState(Exception):
    def __init__(self, activity: Activity) -> None:
        self.activity = activity


class SignUpRefused(Exception):
    """The sign-up cannot be taken: `reason` says why, `field` which request field is at fault."""

    def __init__(self, reason: str, field: str, *, duplicate: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.duplicate = duplicate


def _columns(change: ActivityChange | None) -> dict[str, object]:
    """The columns a move's change sets besides the state: the one place changes meet the table."""
    match change:
        case None:
            return {}
        case Rejection():
            return {"reject_reason": change.reason}
        case Cancellation():
            return {"cancel_reason": change.reason, "cancelled_at": datetime.now(UTC)}
    assert_never(change)


class ActivityStore(DigestStore, ActivityStatsStore):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # Reading

    async def activity(self, activity_id: int, conn: Connection | None = None) -> Activity | None:
        db = conn or self.pool
        row = await db.fetchrow(
            f"""select {_ACTIVITY_COLUMNS},
                    count(*) filter (where s.status = 'confirmed' and s.role = '') as participants,
                    count(*) filter (where s.status = 'waitlisted') as waitlisted,
                    count(*) filter (where s.status = 'confirmed' and s.checked_in_at is not null) as checked_in
                from activities a left join activity_signups s on s.activity_id = a.id
                where a.id = $1 group by a.id""",
            activity_id,
        )
        if row is None:
            return None
        roles = await db.fetch(
            """select r.name, r.needed, r.skills,
                   count(s.id) as filled, count(s.checked_in_at) as came, coalesce(sum(s.service_hours), 0) as hours
               from activity_roles r
               left join activity_signups s on s.activity_id = r.activity_id and s.role = r.name
                   and s.status = 'confirmed'
               where r.activity_id = $1 group by r.activity_id, r.name order by r.name""",
            activity_id,
        )
        return Activity(
            id=row["id"],
            org_unit_id=row["org_unit_id"],
            org_path=tuple(row["org_path"]),
            title=row["title"],
            kind=row["kind"],
            place=row["place"],
            start_time=row["start_time"],
            end_time=row["end_time"],
            signup_deadline=row["signup_deadline"],
            capacity=row["capacity"],
            state=row["state"],
            reject_reason=row["reject_reason"],
            cancel_reason=row["cancel_reason"],
            summary=row["summary"],
            recurring_activity_id=row["recurring_activity_id"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            version=row["version"],
            roles=tuple(
                Role(r["name"], r["needed"], tuple(r["skills"]), int(r["filled"]), int(r["came"]), float(r["hours"]))
                for r in roles
            ),
            participants=int(row["participants"]),
            waitlisted=int(row["waitlisted"]),
            checked_in=int(row["checked_in"]),
        )

    async def activity_by_request(self, caller: Caller, request_id: str) -> Activity | None:
        activity_id = await self.pool.fetchval(
            "select id from activities where created_by = $1 and request_id = $2", caller.key, request_id
        )
        return await self.activity(activity_id) if activity_id else None

    async def sign_up_of(self, activity_id: int, sign_up_id: int, conn: Connection | None = None) -> SignUp | None:
        row = await (conn or self.pool).fetchrow(
            f"select {SIGN_UP_COLUMNS} from activity_signups s where s.activity_id = $1 and s.id = $2",
            activity_id,
            sign_up_id,
        )
        return sign_up_row(row) if row else None

    async def sign_ups(self, activity_id: int, after: int | None, limit: int) -> list[SignUp]:
        rows = await self.pool.fetch(
            f"""select {SIGN_UP_COLUMNS} from activity_signups s
                where s.activity_id = $1 and s.id > $2 order by s.id limit $3""",
            activity_id,
            after or 0,
            limit,
        )
        return [sign_up_row(r) for r in rows]

    async def history(self, activity_id: int, after: int | None, limit: int) -> list[Event]:
        rows = await self.pool.fetch(
            f"""select {EVENT_COLUMNS} from activity_events
                where activity_id = $1 and id > $2 order by id limit $3""",
            activity_id,
            after or 0,
            limit,
        )
        return [event_row(r) for r in rows]

    # Proposing and moving

    async def propose(self, caller: Caller, request_id: str, new: NewActivity) -> tuple[Activity, bool]:
        """Inserts the activity, its roles and its first event; a retry returns the first. True when created now."""
        async with self.pool.acquire() as conn, conn.transaction():
            activity_id = await conn.fetchval(
                """insert into activities (org_unit_id, org_path, title, kind, place, start_time, end_time,
                        signup_deadline, capacity, state, recurring_activity_id, created_by, request_id)
                   values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'proposed', $10, $11, $12)
                   on conflict (created_by, request_id) do nothing
                   returning id""",
                new.org_unit_id,
                list(new.org_path),
                new.title,
                new.kind,
                new.place,
                new.start_time,
                new.end_time,
                new.signup_deadline,
                new.capacity,
                new.recurring_activity_id,
                caller.key,
                request_id,
            )
            created = activity_id is not None
            if created:
                await conn.executemany(
                    "insert into activity_roles (activity_id, name, needed, skills) values ($1, $2, $3, $4)",
                    [(activity_id, r.name, r.needed, list(r.skills)) for r in new.roles],
                )
                await conn.execute(
                    """insert into activity_events (activity_id, version, kind, state, actor, request_id)
                       values ($1, 1, 'transition', 'proposed', $2, $3)""",
                    activity_id,
                    caller.subject,
                    caller.retry_key(request_id),
                )
            else:
                activity_id = await conn.fetchval(
                    "select id from activities where created_by = $1 and request_id = $2", caller.key, request_id
                )
            activity = await self.activity(activity_id, conn)
            assert activity is not None
            return activity, created

    async def move(
        self,
        caller: Caller,
        request_id: str,
        activity_id: int,
        move: Move,
        note: str = "",
        change: ActivityChange | None = None,
    ) -> tuple[Activity, bool]:
        """Moves the activity if it is in one of move.from_states, recording `change`.

        (activity, True) when moved now, (activity, False) when this request id moved it before; WrongState
        when it is in another state; LookupError when there is no such activity. Request ids are the caller's own
        (a workflow's are predictable): another caller's id never answers for this one, nor blocks it.
        """
        key = caller.retry_key(request_id)
        async with self.pool.acquire() as conn, conn.transaction():
            if await self._seen(conn, activity_id, key):
                return await self._current(conn, activity_id), False
            changes = _columns(change)
            if move is CLOSE_OUT:
                changes |= await self._close_out_changes(conn, activity_id)
            columns, values = assignments(changes, first=4)
            moved_id = await conn.fetchval(
                f"""update activities set state = $2, version = version + 1, updated_at = now(){columns}
                    where id = $1 and state = any($3::text[])
                    returning id""",
                activity_id,
                move.to_state,
                list(move.from_states),
                *values,
            )
            if moved_id is None:
                if await self._seen(conn, activity_id, key):
                    return await self._current(conn, activity_id), False
                raise WrongState(await self._current(conn, activity_id))
            activity = await self._current(conn, activity_id)
            await conn.execute(
                """insert into activity_events (activity_id, version, kind, state, actor, note, request_id)
                   values ($1, $2, 'transition', $3, $4, $5, $6)""",
                activity.id,
                activity.version,
                activity.state,
                caller.subject,
                note,
                key,
            )
            return activity, True

    async def _close_out_changes(self, conn: Connection, activity_id: int) -> dict[str, object]:
        """Fixes each volunteer's hours from their check-in and check-out (in the close-out's transaction) and
        writes the summary with attendance per role."""
        activity = await self._current(conn, activity_id)
        counts = await one_row(
            conn,
            """select count(*) as signed, count(checked_in_at) as came from activity_signups
               where activity_id = $1 and status = 'confirmed' and role = ''""",
            activity_id,
        )
        volunteers = await conn.fetch(
            """select id, role, checked_in_at, checked_out_at from activity_signups
               where activity_id = $1 and status = 'confirmed' and role <> ''""",
            activity_id,
        )
        hours = {
            v["id"]: volunteer_hours(activity.start_time, activity.end_time, v["checked_in_at"], v["checked_out_at"])
            for v in volunteers
            if v["checked_in_at"] is not None
        }
        await conn.executemany("update activity_signups set service_hours = $2 where id = $1", list(hours.items()))
        roles = []
        for role in activity.roles:
            ids = [v["id"] for v in volunteers if v["role"] == role.name]
            came = [hours[i] for i in ids if i in hours]
            roles.append(RoleAttendance(role.name, len(ids), len(came), sum(came)))
        text = summary(activity, counts["signed"], counts["came"], roles)
        return {"summary": text, "closed_at": datetime.now(activity.start_time.tzinfo)}

    async def checked_in_volunteers(self, activity_id: int) -> list[SignUp]:
        rows = await self.pool.fetch(
            f"""select {SIGN_UP_COLUMNS} from activity_signups s
                where s.activity_id = $1 and s.status = 'confirmed' and s.role <> '' and s.checked_in_at is not null
                order by s.id""",
            activity_id,
        )
        return [sign_up_row(r) for r in rows]

    async def _seen(self, conn: Connection, activity_id: int, key: str) -> bool:
        return bool(
            await conn.fetchval(
                "select 1 from activity_events where activity_id = $1 and request_id = $2", activity_id, key
            )
        )

    async def _current(self, conn: Connection, activity_id: int) -> Activity:
        activity = await self.activity(activity_id, conn)
        if activity is None:
            raise LookupError(activity_id)
        return activity

    # Sign-ups

    async def sign_up(
        self,
        caller: Caller,
        request_id: str,
        activity_id: int,
        who: Signer,
        role: str,
    ) -> tuple[SignUp, bool]:
        """Takes a place, a place in a role, or a place on the waiting list. True when signed up now."""
        async with self.pool.acquire() as conn, conn.transaction():
            earlier = await conn.fetchval(
                "select id from activity_signups where activity_id = $1 and created_by = $2 and request_id = $3",
                activity_id,
                caller.key,
                request_id,
            )
            if earlier:
                return await self._sign_up(conn, activity_id, earlier), False
            # The lock that makes taking the last place safe: sign-ups of one activity queue here.
            state, capacity = await one_row(
                conn, "select state, capacity from activities where id = $1 for update", activity_id
            )
            if state != "published":
                raise SignUpRefused(
                    f"activity {activity_id} is {state}; sign-ups are open only while published", "activity_id"
                )
            live = await conn.fetchval(
                """select id from activity_signups where activity_id = $1 and status <> 'cancelled'
                   and (member_id = $2 or resident_ref = $3 or team_member_id = $4)""",
                activity_id,
                who.member_id,
                who.resident_ref,
                who.team_member_id,
            )
            if live:
                raise SignUpRefused(f"already signed up (sign-up {live})", who.field, duplicate=True)
            if role:
                needed = await conn.fetchval(
                    "select needed from activity_roles where activity_id = $1 and name = $2", activity_id, role
                )
                if needed is None:
                    raise SignUpRefused(f"activity {activity_id} has no role '{role}'", "role")
                filled = await conn.fetchval(
                    "select count(*) from activity_signups where activity_id = $1 and role = $2 and status = 'confirmed'",
                    activity_id,
                    role,
                )
                if filled >= needed:
                    raise SignUpRefused(f"role '{role}' already has its {needed} volunteers", "role")
                status = "confirmed"
            else:
                taken = await conn.fetchval(
                    "select count(*) from activity_signups where activity_id = $1 and role = '' and status = 'confirmed'",
                    activity_id,
                )
                status = "confirmed" if taken < capacity else "waitlisted"
            sign_up_id = await conn.fetchval(
                """insert into activity_signups (activity_id, member_id, resident_ref, team_id, team_member_id, role,
                        status, waitlisted_at, created_by, request_id)
                   values ($1, $2, $3, $8, $9, $4, $5, case when $5 = 'waitlisted' then clock_timestamp() end, $6, $7)
                   returning id""",
                activity_id,
                who.member_id,
                who.resident_ref,
                role,
                status,
                caller.key,
                request_id,
                who.team_id,
                who.team_member_id,
            )
            return await self._sign_up(conn, activity_id, sign_up_id), True

    async def cancel_sign_up(
        self, caller: Caller, request_id: str, activity_id: int, sign_up_id: int
    ) -> tuple[SignUp, SignUp | None, bool]:
        """Withdraws the sign-up; a freed participant's place goes to the first waiting. True when withdrawn now."""
        async with self.pool.acquire() as conn, conn.transaction():
            state = await conn.fetchval("select state from activities where id = $1 for update", activity_id)
            current = await self._sign_up(conn, activity_id, sign_up_id)
            if current.status == "cancelled":  # a retry, or withdrawn before: the first answer
                promoted_id = await conn.fetchval(
                    "select id from activity_signups where promoted_from = $1", sign_up_id
                )
                promoted = await self._sign_up(conn, activity_id, promoted_id) if promoted_id else None
                return current, promoted, False
            if state not in ("published", "signups_closed"):
                raise WrongState(await self._current(conn, activity_id))
            await conn.execute(
                "update activity_signups set status = 'cancelled', cancelled_at = now() where id = $1", sign_up_id
            )
            promoted = None
            if current.status == "confirmed" and current.role == "":
                next_id = await conn.fetchval(
                    """update activity_signups set status = 'confirmed', promoted_from = $2
                       where id = (select id from activity_signups where activity_id = $1 and status = 'waitlisted'
                                   order by id limit 1)
                       returning id""",
                    activity_id,
                    sign_up_id,
                )
                if next_id:
                    promoted = await self._sign_up(conn, activity_id, next_id)
                    # Recorded here, not by the workflow: the relay tells the workflow, which delivers it. Its key
                    # is the service's own: callers' keys are retry keys (JSON arrays), so none can take it first.
                    await self._notice(
                        conn,
                        caller,
                        f"promote/{sign_up_id}",
                        activity_id,
                        "promoted",
                        f"a place came free: sign-up {next_id} moved from the waiting list",
                        [promoted.recipient],
                        relay=True,
                    )
            return await self._sign_up(conn, activity_id, sign_up_id), promoted, True

    async def check_in(self, activity_id: int, sign_up_id: int) -> tuple[SignUp, bool]:
        """Marks a confirmed sign-up as come (签到); checking in twice keeps the first time."""
        async with self.pool.acquire() as conn, conn.transaction():
            updated = await conn.fetchval(
                """update activity_signups set checked_in_at = now()
                   where activity_id = $1 and id = $2 and status = 'confirmed' and checked_in_at is null
                   returning id""",
                activity_id,
                sign_up_id,
            )
            return await self._sign_up(conn, activity_id, sign_up_id), updated is not None

    async def check_out(self, activity_id: int, sign_up_id: int, at: datetime) -> tuple[SignUp, bool]:
        """Marks a checked-in sign-up as gone (签退); checking out twice keeps the first time."""
        async with self.pool.acquire() as conn, conn.transaction():
            updated = await conn.fetchval(
                """update activity_signups set checked_out_at = greatest($3, checked_in_at)
                   where activity_id = $1 and id = $2 and checked_in_at is not null and checked_out_at is null
                   returning id""",
                activity_id,
                sign_up_id,
                at,
            )
            return await self._sign_up(conn, activity_id, sign_up_id), updated is not None

    async def _sign_up(self, conn: Connection, activity_id: int, sign_up_id: int) -> SignUp:
        found = await self.sign_up_of(activity_id, sign_up_id, conn)
        if found is None:
            raise LookupError(sign_up_id)
        return found
