"""The dispatch service's SQL for duty rosters (值班表), swaps and absences (请假), in the `dispatch` schema.

A roster write is claimed by its caller's request id first (duty_requests), so a retry changes nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

import asyncpg

from services.dispatch.duty.domain import Slot, Volunteer, duty_gaps, local_day, swap
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.db import Connection, one_row


@dataclass(frozen=True)
class Absence:
    """A declared absence (请假) of one volunteer: "member:12" or "volunteer:34"."""

    id: int
    community_id: int
    volunteer: str
    team_id: int | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    withdrawn_at: datetime | None


_ABSENCE_COLUMNS = "id, community_id, volunteer, team_id, starts_at, ends_at, reason, withdrawn_at"


class NotOnDuty(Exception):
    """The volunteer being swapped out has no duty that day."""


_SLOT_COLUMNS = "member_id, start_minute, end_minute, team_id, team_member_id"


def _slot(row: asyncpg.Record) -> Slot:
    return Slot(
        row["member_id"] or 0, row["start_minute"], row["end_minute"], row["team_id"] or 0, row["team_member_id"] or 0
    )


def _slots(rows: list[asyncpg.Record]) -> list[Slot]:
    return [_slot(row) for row in rows]


def _slot_values(s: Slot) -> tuple[int | None, int, int, int | None, int | None]:
    return (s.member_id or None, s.start_minute, s.end_minute, s.team_id or None, s.team_member_id or None)


def _volunteer_values(v: Volunteer) -> tuple[int | None, int | None, int | None]:
    return (v.member_id or None, v.team_id or None, v.team_member_id or None)


class DutyStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # -- rosters ----------------------------------------------------------------------------------------------

    async def _claim_request(
        self, conn: Connection, caller: Caller, request_id: str, community_id: int, day: date | None
    ) -> bool:
        """True the first time this caller uses the request id; a retry finds it taken."""
        inserted = await conn.fetchval(
            """insert into duty_requests (created_by, request_id, community_id, day) values ($1, $2, $3, $4)
               on conflict do nothing returning true""",
            caller.key,
            request_id,
            community_id,
            day,
        )
        return bool(inserted)

    async def _replace_day(
        self, conn: Connection, caller: Caller, community_id: int, day: date, slots: list[Slot]
    ) -> None:
        await conn.execute(
            """insert into duty_days (community_id, day, updated_by) values ($1, $2, $3)
               on conflict (community_id, day) do update set updated_by = $3, updated_at = now()""",
            community_id,
            day,
            caller.subject,
        )
        await conn.execute("delete from duty_slots where community_id = $1 and day = $2", community_id, day)
        await conn.executemany(
            f"""insert into duty_slots (community_id, day, position, {_SLOT_COLUMNS})
               values ($1, $2, $3, $4, $5, $6, $7, $8)""",
            [(community_id, day, i, *_slot_values(s)) for i, s in enumerate(slots)],
        )

    async def set_day(self, caller: Caller, request_id: str, community_id: int, day: date, slots: list[Slot]) -> bool:
        """Sets the day's roster; False when this request id did it before (nothing changes)."""
        async with self.pool.acquire() as conn, conn.transaction():
            if not await self._claim_request(conn, caller, request_id, community_id, day):
                return False
            await self._replace_day(conn, caller, community_id, day, slots)
            await write_audit(conn, caller, "set_duty_roster", "community", community_id, day=day.isoformat())
            return True

    async def set_pattern(
        self, caller: Caller, request_id: str, community_id: int, slots: list[tuple[int, Slot]]
    ) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            if not await self._claim_request(conn, caller, request_id, community_id, None):
                return False
            await conn.execute("delete from duty_pattern_slots where community_id = $1", community_id)
            positions: dict[int, int] = {}
            rows = []
            for weekday, s in slots:
                position = positions.get(weekday, 0)
                positions[weekday] = position + 1
                rows.append((community_id, weekday, position, *_slot_values(s)))
            await conn.executemany(
                f"""insert into duty_pattern_slots (community_id, weekday, position, {_SLOT_COLUMNS})
                   values ($1, $2, $3, $4, $5, $6, $7, $8)""",
                rows,
            )
            await write_audit(conn, caller, "set_weekly_duty_pattern", "community", community_id, slots=len(rows))
            return True

    async def pattern(self, community_id: int) -> list[tuple[int, Slot]]:
        rows = await self.pool.fetch(
            f"""select weekday, {_SLOT_COLUMNS} from duty_pattern_slots
               where community_id = $1 order by weekday, position""",
            community_id,
        )
        return [(row["weekday"], _slot(row)) for row in rows]

    async def _day(self, conn: Connection, community_id: int, day: date) -> tuple[str, list[Slot]]:
        own = await conn.fetchval("select true from duty_days where community_id = $1 and day = $2", community_id, day)
        if own:
            rows = await conn.fetch(
                f"""select {_SLOT_COLUMNS} from duty_slots
                   where community_id = $1 and day = $2 order by position""",
                community_id,
                day,
            )
            return "day", _slots(rows)
        rows = await conn.fetch(
            f"""select {_SLOT_COLUMNS} from duty_pattern_slots
               where community_id = $1 and weekday = $2 order by position""",
            community_id,
            day.isoweekday(),
        )
        return ("weekly_pattern" if rows else "none"), _slots(rows)

    async def day(self, community_id: int, day: date) -> tuple[str, list[Slot]]:
        """The roster in force: ('day' | 'weekly_pattern' | 'none', slots in order)."""
        async with self.pool.acquire() as conn:
            return await self._day(conn, community_id, day)

    async def days(self, community_id: int, first: date, last: date) -> dict[date, list[Slot]]:
        """The roster in force on every day of [first, last]."""
        own = await self.pool.fetch(
            """select d.day, s.member_id, s.start_minute, s.end_minute, s.team_id, s.team_member_id, s.position
               from duty_days d left join duty_slots s on s.community_id = d.community_id and s.day = d.day
               where d.community_id = $1 and d.day between $2 and $3 order by d.day, s.position""",
            community_id,
            first,
            last,
        )
        by_day: dict[date, list[Slot]] = {}
        for row in own:
            slots = by_day.setdefault(row["day"], [])
            if row["position"] is not None:
                slots.append(_slot(row))
        weekly: dict[int, list[Slot]] = {}
        for weekday, s in await self.pattern(community_id):
            weekly.setdefault(weekday, []).append(s)
        result: dict[date, list[Slot]] = {}
        day = first
        while day <= last:
            result[day] = by_day[day] if day in by_day else weekly.get(day.isoweekday(), [])
            day = date.fromordinal(day.toordinal() + 1)
        return result

    async def duty_gaps(
        self, community_id: int, first: date, last: date, zone: tzinfo
    ) -> dict[date, list[tuple[int, int]]]:
        """The stretches of every day of [first, last] nobody covers, absences counted (see domain.duty_gaps)."""
        days = await self.days(community_id, first, last)
        away = await self.away(community_id, local_day(first, zone)[0], local_day(last, zone)[1])
        return duty_gaps(days, away, zone)

    async def swap(
        self,
        caller: Caller,
        request_id: str,
        community_id: int,
        day: date,
        outgoing: Volunteer,
        incoming: Volunteer,
        reason: str,
    ) -> bool:
        """Hands `outgoing`'s slots of the day to `incoming` (copying the pattern's day first when the day has no
        roster of its own); False when this request id did it before. NotOnDuty when `outgoing` has no slot then."""
        async with self.pool.acquire() as conn, conn.transaction():
            if not await self._claim_request(conn, caller, request_id, community_id, day):
                return False
            # Lock the day, so two swaps of one day apply one after the other.
            await conn.execute(
                "insert into duty_days (community_id, day, updated_by) values ($1, $2, $3) on conflict do nothing",
                community_id,
                day,
                caller.subject,
            )
            await conn.execute(
                "select 1 from duty_days where community_id = $1 and day = $2 for update", community_id, day
            )
            has_own = await conn.fetchval(
                "select count(*) from duty_slots where community_id = $1 and day = $2", community_id, day
            )
            if has_own:
                _, slots = await self._day(conn, community_id, day)
            else:
                rows = await conn.fetch(
                    f"""select {_SLOT_COLUMNS} from duty_pattern_slots
                       where community_id = $1 and weekday = $2 order by position""",
                    community_id,
                    day.isoweekday(),
                )
                slots = _slots(rows)
            if not any(outgoing.stands(s) for s in slots):
                raise NotOnDuty()
            await self._replace_day(conn, caller, community_id, day, swap(slots, outgoing, incoming))
            await conn.execute(
                """insert into duty_swaps (community_id, day, from_member_id, from_team_id, from_team_member_id,
                       to_member_id, to_team_id, to_team_member_id, reason, actor)
                   values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
                community_id,
                day,
                *_volunteer_values(outgoing),
                *_volunteer_values(incoming),
                reason,
                caller.subject,
            )
            await write_audit(
                conn, caller, "swap_duty", "community", community_id, day=day.isoformat(), to=incoming.key
            )
            return True

    # -- absences (请假) --------------------------------------------------------------------------------------

    async def declare_absence(
        self,
        caller: Caller,
        request_id: str,
        community_id: int,
        volunteer: str,
        team_id: int | None,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
    ) -> Absence:
        """Records the absence, or returns the one this request id recorded before."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"""insert into unavailability (community_id, volunteer, team_id, starts_at, ends_at, reason,
                        created_by, request_id)
                    values ($1, $2, $3, $4, $5, $6, $7, $8)
                    on conflict (created_by, request_id) do nothing
                    returning {_ABSENCE_COLUMNS}""",
                community_id,
                volunteer,
                team_id,
                starts_at,
                ends_at,
                reason,
                caller.key,
                request_id,
            )
            if row is None:
                row = await one_row(
                    conn,
                    f"select {_ABSENCE_COLUMNS} from unavailability where created_by = $1 and request_id = $2",
                    caller.key,
                    request_id,
                )
                return Absence(**dict(row))
            await write_audit(conn, caller, "declare_unavailability", "community", community_id, who=volunteer)
            return Absence(**dict(row))

    async def absence(self, absence_id: int) -> Absence | None:
        row = await self.pool.fetchrow(f"select {_ABSENCE_COLUMNS} from unavailability where id = $1", absence_id)
        return Absence(**dict(row)) if row else None

    async def withdraw_absence(self, caller: Caller, request_id: str, absence_id: int) -> Absence:
        async with self.pool.acquire() as conn, conn.transaction():
            first = await conn.fetchval(
                """insert into unavailability_withdrawals (created_by, request_id, unavailability_id)
                   values ($1, $2, $3) on conflict do nothing returning true""",
                caller.key,
                request_id,
                absence_id,
            )
            if first:
                await conn.execute(
                    "update unavailability set withdrawn_at = coalesce(withdrawn_at, now()) where id = $1", absence_id
                )
                await write_audit(conn, caller, "withdraw_unavailability", "unavailability", absence_id)
            row = await one_row(conn, f"select {_ABSENCE_COLUMNS} from unavailability where id = $1", absence_id)
            return Absence(**dict(row))

    async def absences(
        self,
        community_id: int,
        start: datetime,
        end: datetime,
        after_id: int = 0,
        limit: int = 10_000,
        volunteer: str | None = None,
    ) -> list[Absence]:
        """Absences in force (not withdrawn) overlapping [start, end), in id order; only one volunteer's if given."""
        rows = await self.pool.fetch(
            f"""select {_ABSENCE_COLUMNS} from unavailability
                where community_id = $1 and withdrawn_at is null and ends_at > $2 and starts_at < $3 and id > $4
                  and ($6::text is null or volunteer = $6)
                order by id limit $5""",
            community_id,
            start,
            end,
            after_id,
            limit,
            volunteer,
        )
        return [Absence(**dict(row)) for row in rows]

    async def away(
        self, community_id: int, start: datetime, end: datetime
    ) -> dict[str, list[tuple[datetime, datetime]]]:
        """Who is away at some point of [start, end), with their absences."""
        by_volunteer: dict[str, list[tuple[datetime, datetime]]] = {}
        for a in await self.absences(community_id, start, end):
            by_volunteer.setdefault(a.volunteer, []).append((a.starts_at, a.ends_at))
        return by_volunteer

    async def away_members(self, at: datetime) -> set[str]:
        """Ids of the members away at the moment (an absence is the person's, whichever community declared it)."""
        rows = await self.pool.fetch(
            """select distinct volunteer from unavailability
               where withdrawn_at is null and ends_at > $1 and starts_at <= $1 and volunteer like 'member:%'""",
            at,
        )
        return {row["volunteer"].removeprefix("member:") for row in rows}

    async def rostered_communities(self) -> list[int]:
        rows = await self.pool.fetch(
            "select community_id from duty_pattern_slots union select community_id from duty_days order by 1 limit 5000"
        )
        return [row["community_id"] for row in rows]
