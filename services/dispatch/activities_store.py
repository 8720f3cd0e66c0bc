"""The activities' SQL, in dispatch's own schema.

Every change is one transaction. Sign-ups lock the activity's row first, so of two people taking the last
place exactly one gets it and the other joins the waiting list; a withdrawal promotes the first waiting
sign-up in the same transaction. Sign-ups are inserted under that lock, so their ids are the order they came
in: the waiting list is in id order (not by time, whose transaction start may precede an earlier commit). A transition is committed with its history event, which is also the outbox
row the relay delivers to the activity's workflow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.dispatch.activities_domain import (
    CLOSE_OUT,
    DIGEST_KINDS,
    Activity,
    Event,
    Move,
    Role,
    RoleAttendance,
    SignUp,
    summary,
    volunteer_hours,
)
from services.runtime.auth import Caller

_ACTIVITY_COLUMNS = """a.id, a.org_unit_id, a.org_path, a.title, a.kind, a.place, a.start_time, a.end_time,
    a.signup_deadline, a.capacity, a.state, a.reject_reason, a.cancel_reason, a.summary, a.recurring_activity_id,
    a.created_at, a.updated_at, a.version"""
_SIGN_UP_COLUMNS = """s.id, s.activity_id, s.member_id, s.resident_ref, s.role, s.status, s.signed_up_at,
    s.checked_in_at, s.checked_out_at, s.service_hours,
    case when s.status = 'waitlisted' then (
        select count(*) from activity_signups w
        where w.activity_id = s.activity_id and w.status = 'waitlisted'
          and w.id <= s.id) else 0 end as waitlist_position"""
_EVENT_COLUMNS = """id, activity_id, version, kind, state, notice_kind, actor, note, recipients, at, sent_at,
    (select count(*) filter (where r.delivered_at is not null) from activity_notice_recipients r
     where r.event_id = activity_events.id) as delivered_count,
    (select count(*) filter (where r.failed_at is not null) from activity_notice_recipients r
     where r.event_id = activity_events.id) as failed_count"""


def _sign_up(row: asyncpg.Record) -> SignUp:
    return SignUp(
        id=row["id"],
        activity_id=row["activity_id"],
        member_id=row["member_id"],
        resident_ref=row["resident_ref"],
        role=row["role"],
        status=row["status"],
        waitlist_position=int(row["waitlist_position"]),
        signed_up_at=row["signed_up_at"],
        checked_in_at=row["checked_in_at"],
        checked_out_at=row["checked_out_at"],
        service_hours=float(row["service_hours"]) if row["service_hours"] is not None else None,
    )


def _event(row: asyncpg.Record) -> Event:
    return Event(
        id=row["id"],
        activity_id=row["activity_id"],
        version=row["version"],
        kind=row["kind"],
        state=row["state"],
        notice_kind=row["notice_kind"],
        actor=row["actor"],
        note=row["note"],
        at=row["at"],
        recipients=tuple(row["recipients"]),
        sent_at=row["sent_at"],
        delivered=int(row["delivered_count"]),
        failed=int(row["failed_count"]),
    )


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


@dataclass(frozen=True)
class PendingDelivery:
    """One recipient a notice has not yet reached."""

    delivery_id: int
    recipient: str


@dataclass(frozen=True)
class DigestItem:
    """A notice held for a recipient's daily digest."""

    delivery_id: int
    activity_id: int
    org_unit_id: int
    title: str
    place: str
    start_time: datetime
    notice_kind: str
    note: str


@dataclass(frozen=True)
class Stats:
    by_state: dict[str, int]
    proposed: int
    held: int
    signed_up: int
    checked_in: int
    cancelled: int
    volunteer_hours: float = 0.0


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


class ActivityStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # Reading

    async def activity(self, activity_id: int, conn: asyncpg.Connection | None = None) -> Activity | None:
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
            "select id from activities where created_by = $1 and request_id = $2", caller.subject, request_id
        )
        return await self.activity(activity_id) if activity_id else None

    async def sign_up_of(
        self, activity_id: int, sign_up_id: int, conn: asyncpg.Connection | None = None
    ) -> SignUp | None:
        row = await (conn or self.pool).fetchrow(
            f"select {_SIGN_UP_COLUMNS} from activity_signups s where s.activity_id = $1 and s.id = $2",
            activity_id,
            sign_up_id,
        )
        return _sign_up(row) if row else None

    async def sign_ups(self, activity_id: int, after: int | None, limit: int) -> list[SignUp]:
        rows = await self.pool.fetch(
            f"""select {_SIGN_UP_COLUMNS} from activity_signups s
                where s.activity_id = $1 and s.id > $2 order by s.id limit $3""",
            activity_id,
            after or 0,
            limit,
        )
        return [_sign_up(r) for r in rows]

    async def history(self, activity_id: int, after: int | None, limit: int) -> list[Event]:
        rows = await self.pool.fetch(
            f"""select {_EVENT_COLUMNS} from activity_events
                where activity_id = $1 and id > $2 order by id limit $3""",
            activity_id,
            after or 0,
            limit,
        )
        return [_event(r) for r in rows]

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
                caller.subject,
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
                    request_id,
                )
            else:
                activity_id = await conn.fetchval(
                    "select id from activities where created_by = $1 and request_id = $2", caller.subject, request_id
                )
            activity = await self.activity(activity_id, conn)
            assert activity is not None
            return activity, created

    async def move(
        self, caller: Caller, request_id: str, activity_id: int, move: Move, note: str = "", **changes: Any
    ) -> tuple[Activity, bool]:
        """Moves the activity if it is in one of move.from_states, setting `changes` (column: value).

        (activity, True) when moved now, (activity, False) when this request id moved it before; WrongState
        when it is in another state; LookupError when there is no such activity.
        """
        async with self.pool.acquire() as conn, conn.transaction():
            if await self._seen(conn, activity_id, request_id):
                return await self._current(conn, activity_id), False
            if move is CLOSE_OUT:
                changes = {**changes, **await self._close_out_changes(conn, activity_id)}
            assignments = "".join(f", {column} = ${index}" for index, column in enumerate(changes, start=4))
            moved_id = await conn.fetchval(
                f"""update activities set state = $2, version = version + 1, updated_at = now(){assignments}
                    where id = $1 and state = any($3::text[])
                    returning id""",
                activity_id,
                move.to_state,
                list(move.from_states),
                *changes.values(),
            )
            if moved_id is None:
                if await self._seen(conn, activity_id, request_id):
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
                request_id,
            )
            return activity, True

    async def _close_out_changes(self, conn: asyncpg.Connection, activity_id: int) -> dict[str, Any]:
        """Fixes each volunteer's hours from their check-in and check-out (in the close-out's transaction) and
        writes the summary with attendance per role."""
        activity = await self._current(conn, activity_id)
        counts = await conn.fetchrow(
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
            f"""select {_SIGN_UP_COLUMNS} from activity_signups s
                where s.activity_id = $1 and s.status = 'confirmed' and s.role <> '' and s.checked_in_at is not null
                order by s.id""",
            activity_id,
        )
        return [_sign_up(r) for r in rows]

    async def _seen(self, conn: asyncpg.Connection, activity_id: int, request_id: str) -> bool:
        return bool(
            await conn.fetchval(
                "select 1 from activity_events where activity_id = $1 and request_id = $2", activity_id, request_id
            )
        )

    async def _current(self, conn: asyncpg.Connection, activity_id: int) -> Activity:
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
        member_id: int | None,
        resident_ref: str | None,
        role: str,
    ) -> tuple[SignUp, bool]:
        """Takes a place, a place in a role, or a place on the waiting list. True when signed up now."""
        async with self.pool.acquire() as conn, conn.transaction():
            earlier = await conn.fetchval(
                "select id from activity_signups where activity_id = $1 and created_by = $2 and request_id = $3",
                activity_id,
                caller.subject,
                request_id,
            )
            if earlier:
                return await self._sign_up(conn, activity_id, earlier), False
            # The lock that makes taking the last place safe: sign-ups of one activity queue here.
            state, capacity = await conn.fetchrow(
                "select state, capacity from activities where id = $1 for update", activity_id
            )
            if state != "published":
                raise SignUpRefused(
                    f"activity {activity_id} is {state}; sign-ups are open only while published", "activity_id"
                )
            live = await conn.fetchval(
                """select id from activity_signups where activity_id = $1 and status <> 'cancelled'
                   and (member_id = $2 or resident_ref = $3)""",
                activity_id,
                member_id,
                resident_ref,
            )
            if live:
                field = "member_id" if member_id is not None else "resident_ref"
                raise SignUpRefused(f"already signed up (sign-up {live})", field, duplicate=True)
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
                """insert into activity_signups (activity_id, member_id, resident_ref, role, status, waitlisted_at,
                        created_by, request_id)
                   values ($1, $2, $3, $4, $5, case when $5 = 'waitlisted' then clock_timestamp() end, $6, $7)
                   returning id""",
                activity_id,
                member_id,
                resident_ref,
                role,
                status,
                caller.subject,
                request_id,
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
                    # Recorded here, not by the workflow: the relay tells the workflow, which delivers it.
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

    async def _sign_up(self, conn: asyncpg.Connection, activity_id: int, sign_up_id: int) -> SignUp:
        found = await self.sign_up_of(activity_id, sign_up_id, conn)
        if found is None:
            raise LookupError(sign_up_id)
        return found

    # Notices

    async def notify(
        self,
        caller: Caller,
        request_id: str,
        activity_id: int,
        kind: str,
        note: str,
        recipients: list[str],
        include_signed_up: bool,
    ) -> tuple[Event, bool]:
        async with self.pool.acquire() as conn, conn.transaction():
            earlier = await conn.fetchrow(
                f"select {_EVENT_COLUMNS} from activity_events where activity_id = $1 and request_id = $2",
                activity_id,
                request_id,
            )
            if earlier:
                return _event(earlier), False
            everyone = list(recipients)
            if include_signed_up:
                rows = await conn.fetch(
                    """select member_id, resident_ref from activity_signups
                       where activity_id = $1 and status <> 'cancelled' order by id""",
                    activity_id,
                )
                everyone += [
                    f"member:{r['member_id']}" if r["member_id"] is not None else f"resident:{r['resident_ref']}"
                    for r in rows
                ]
            return await self._notice(conn, caller, request_id, activity_id, kind, note, everyone), True

    async def _notice(
        self,
        conn: asyncpg.Connection,
        caller: Caller,
        request_id: str,
        activity_id: int,
        kind: str,
        note: str,
        recipients: list[str],
        *,
        relay: bool = False,
    ) -> Event:
        """Records a notice with a delivery row per recipient. The workflow that records a notice delivers it
        itself; one recorded elsewhere (`relay`) is left for the relay to tell the workflow of."""
        unique = list(dict.fromkeys(recipients))
        row = await conn.fetchrow(
            """insert into activity_events (activity_id, version, kind, state, notice_kind, actor, note, recipients,
                    request_id, delivered_at)
                select id, version, 'notice', state, $2, $3, $4, $5, $6, case when $7 then null else now() end
                from activities where id = $1
                returning id""",
            activity_id,
            kind,
            caller.subject,
            note,
            unique,
            request_id,
            relay,
        )
        # A recipient who asked for the daily digest gets a non-urgent notice there (held), not at once.
        await conn.execute(
            """insert into activity_notice_recipients (event_id, recipient, digest)
               select $1, r.recipient, $3 and coalesce(p.daily_digest, false)
               from unnest($2::text[]) with ordinality as r(recipient, n)
               left join activity_notice_preferences p on p.recipient = r.recipient
               order by r.n""",
            row["id"],
            unique,
            kind in DIGEST_KINDS,
        )
        if not unique:  # nobody to tell: sent as it is recorded
            await conn.execute("update activity_events set sent_at = now() where id = $1", row["id"])
        return await self._event_by_id(conn, row["id"])

    async def _event_by_id(self, conn: asyncpg.Connection | asyncpg.Pool, event_id: int) -> Event:
        row = await conn.fetchrow(f"select {_EVENT_COLUMNS} from activity_events where id = $1", event_id)
        return _event(row)

    async def notice(self, activity_id: int, sequence: int) -> Event | None:
        row = await self.pool.fetchrow(
            f"select {_EVENT_COLUMNS} from activity_events where activity_id = $1 and id = $2 and kind = 'notice'",
            activity_id,
            sequence,
        )
        return _event(row) if row else None

    async def pending_deliveries(self, event_id: int, limit: int) -> list[PendingDelivery]:
        rows = await self.pool.fetch(
            """select id, recipient from activity_notice_recipients
               where event_id = $1 and delivered_at is null and failed_at is null and not digest
               order by id limit $2""",
            event_id,
            limit,
        )
        return [PendingDelivery(r["id"], r["recipient"]) for r in rows]

    async def record_deliveries(
        self, event_id: int, delivered: list[int], failed: list[tuple[int, str]]
    ) -> tuple[int, int, int, Event]:
        """Marks deliveries as taken or refused (a delivery already settled keeps its first outcome); the notice
        is sent once none is left. Returns how many were marked delivered and refused now, the recipients still
        waiting, and the notice."""
        async with self.pool.acquire() as conn, conn.transaction():
            marked = await conn.execute(
                """update activity_notice_recipients set delivered_at = now()
                   where event_id = $1 and id = any($2::bigint[]) and delivered_at is null and failed_at is null""",
                event_id,
                delivered,
            )
            refused = await conn.execute(
                """update activity_notice_recipients r set failed_at = now(), failure = f.reason
                   from unnest($2::bigint[], $3::text[]) as f(id, reason)
                   where r.event_id = $1 and r.id = f.id and r.delivered_at is null and r.failed_at is null""",
                event_id,
                [delivery_id for delivery_id, _ in failed],
                [reason for _, reason in failed],
            )
            pending = await conn.fetchval(
                """select count(*) from activity_notice_recipients
                   where event_id = $1 and delivered_at is null and failed_at is null""",
                event_id,
            )
            if pending == 0:
                await conn.execute(
                    "update activity_events set sent_at = coalesce(sent_at, now()) where id = $1", event_id
                )
            notice = await self._event_by_id(conn, event_id)
            return int(marked.split()[-1]), int(refused.split()[-1]), int(pending), notice

    # The daily digest

    async def set_notice_preference(self, caller: Caller, recipient: str, daily_digest: bool) -> None:
        await self.pool.execute(
            """insert into activity_notice_preferences (recipient, daily_digest, updated_by) values ($1, $2, $3)
               on conflict (recipient) do update set daily_digest = $2, updated_by = $3, updated_at = now()""",
            recipient,
            daily_digest,
            caller.subject,
        )

    async def held_for_digest(self, before: datetime, recipients: int) -> dict[str, list[DigestItem]]:
        """The first `recipients` recipients (by reference) with notices held for their digest, recorded before
        `before`, each with those notices in the order they were recorded."""
        rows = await self.pool.fetch(
            """with due as (
                   select distinct n.recipient from activity_notice_recipients n
                   join activity_events e on e.id = n.event_id
                   where n.digest and n.delivered_at is null and n.failed_at is null and e.at < $1
                   order by n.recipient limit $2)
               select n.id, n.recipient, e.activity_id, a.org_unit_id, a.title, a.place, a.start_time,
                      e.notice_kind, e.note
               from activity_notice_recipients n
               join activity_events e on e.id = n.event_id
               join activities a on a.id = e.activity_id
               where n.recipient in (select recipient from due)
                 and n.digest and n.delivered_at is null and n.failed_at is null and e.at < $1
               order by n.recipient, n.id""",
            before,
            recipients,
        )
        digests: dict[str, list[DigestItem]] = {}
        for r in rows:
            digests.setdefault(r["recipient"], []).append(
                DigestItem(
                    r["id"],
                    r["activity_id"],
                    r["org_unit_id"],
                    r["title"],
                    r["place"],
                    r["start_time"],
                    r["notice_kind"],
                    r["note"],
                )
            )
        return digests

    async def record_digest(self, delivered: list[int], failed: list[tuple[int, str]]) -> None:
        """Marks held deliveries as taken or refused; a notice with nothing left to deliver is sent."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """update activity_notice_recipients set delivered_at = now()
                   where id = any($1::bigint[]) and digest and delivered_at is null and failed_at is null""",
                delivered,
            )
            await conn.execute(
                """update activity_notice_recipients r set failed_at = now(), failure = f.reason
                   from unnest($1::bigint[], $2::text[]) as f(id, reason)
                   where r.id = f.id and r.digest and r.delivered_at is null and r.failed_at is null""",
                [delivery_id for delivery_id, _ in failed],
                [reason for _, reason in failed],
            )
            await conn.execute(
                """update activity_events e set sent_at = now()
                   where e.sent_at is null and e.id in (
                       select event_id from activity_notice_recipients where id = any($1::bigint[]))
                     and not exists (
                       select 1 from activity_notice_recipients r
                       where r.event_id = e.id and r.delivered_at is null and r.failed_at is null)""",
                delivered + [delivery_id for delivery_id, _ in failed],
            )

    # Statistics

    async def stats(self, org_unit_id: str, start: datetime, end: datetime) -> Stats:
        async with self.pool.acquire() as conn:
            by_state = await conn.fetch(
                "select state, count(*) as n from activities where org_path @> array[$1::text] group by state",
                org_unit_id,
            )
            row = await conn.fetchrow(
                """select count(*) filter (where a.created_at >= $2 and a.created_at < $3) as proposed,
                          count(*) filter (where a.state = 'closed' and a.closed_at >= $2 and a.closed_at < $3) as held,
                          count(*) filter (where a.state = 'cancelled' and a.cancelled_at >= $2 and a.cancelled_at < $3)
                              as cancelled
                   from activities a where a.org_path @> array[$1::text]""",
                org_unit_id,
                start,
                end,
            )
            attendance = await conn.fetchrow(
                """select count(*) as signed_up, count(s.checked_in_at) as checked_in,
                          coalesce(sum(s.service_hours), 0) as volunteer_hours
                   from activities a join activity_signups s on s.activity_id = a.id and s.status = 'confirmed'
                   where a.org_path @> array[$1::text] and a.state = 'closed' and a.closed_at >= $2
                     and a.closed_at < $3""",
                org_unit_id,
                start,
                end,
            )
        return Stats(
            by_state={r["state"]: int(r["n"]) for r in by_state},
            proposed=int(row["proposed"]),
            held=int(row["held"]),
            signed_up=int(attendance["signed_up"]),
            checked_in=int(attendance["checked_in"]),
            cancelled=int(row["cancelled"]),
            volunteer_hours=float(attendance["volunteer_hours"]),
        )

    async def count_by_state(self) -> list[tuple[str, str, int]]:
        rows = await self.pool.fetch("select state, kind, count(*) as n from activities group by state, kind")
        return [(r["state"], r["kind"], int(r["n"])) for r in rows]
