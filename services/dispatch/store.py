"""The dispatch service's SQL (rosters and alerts). Everything here runs against the `dispatch` schema.

An alert's state change is one transaction: a conditional UPDATE (only from the states it may start from,
so of two volunteers acknowledging at once exactly one matches) and the insert of its timeline event,
which is also the outbox row the relay later delivers to the alert's workflow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

import asyncpg

from services.dispatch.domain import (
    ADDRESS_FIELD,
    DEVICE_ID_FIELD,
    AlertMove,
    Slot,
    Volunteer,
    duty_gaps,
    local_day,
    mask_address,
    mask_device_id,
    swap,
)
from services.runtime.audit import write_audit
from services.runtime.auth import Caller
from services.runtime.pii import PersonalDataCipher

log = logging.getLogger(__name__)

# The address and device id only masked: the sealed values are read by `reveal`, which audits the read.
_ALERT_COLUMNS = """id, kind, state, unit_id, unit_path, community_id, street_id, grid_id, building_id,
    address_masked, device_id_masked, note, responder, outcome, outcome_note, escalation, raised_at, acknowledged_at,
    arrived_at, closed_at, version, call_list"""


@dataclass(frozen=True)
class Alert:
    id: int
    kind: str
    state: str
    unit_id: int
    unit_path: tuple[str, ...]
    community_id: int
    street_id: int | None
    grid_id: int | None
    building_id: int | None
    address_masked: str
    device_id_masked: str
    note: str
    responder: str | None
    outcome: str | None
    outcome_note: str
    escalation: str
    raised_at: datetime
    acknowledged_at: datetime | None
    arrived_at: datetime | None
    closed_at: datetime | None
    version: int
    # [[volunteer, nearness], ...] worked out at the raise; None for alerts raised before it was.
    call_list: list[list[str]] | None = None


@dataclass(frozen=True)
class AlertEventRow:
    id: int
    kind: str
    recipient: str
    actor: str
    note: str
    at: datetime


@dataclass(frozen=True)
class NewAlert:
    kind: str
    unit_id: int
    unit_path: tuple[str, ...]
    community_id: int
    street_id: int | None
    grid_id: int | None
    building_id: int | None
    # Personal data: sealed (None when not given) and masked; never in the clear here.
    address_sealed: bytes | None
    address_masked: str
    device_id_sealed: bytes | None
    device_id_masked: str
    data_key_id: str
    note: str
    raised_at: datetime
    call_list: list[list[str]]


@dataclass(frozen=True)
class SealedAlertData:
    address: bytes | None
    device_id: bytes | None


@dataclass(frozen=True)
class AlertStats:
    raised: int
    acknowledged: int
    escalated: int
    resolved: int
    median_seconds: float
    p90_seconds: float


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


class WrongAlertState(Exception):
    def __init__(self, alert: Alert) -> None:
        self.alert = alert


class NotOnDuty(Exception):
    """The volunteer being swapped out has no duty that day."""


def _alert(row: asyncpg.Record) -> Alert:
    return Alert(**{**dict(row), "unit_path": tuple(row["unit_path"])})


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


class DispatchStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # -- rosters ----------------------------------------------------------------------------------------------

    async def _claim_request(
        self, conn: asyncpg.Connection, caller: Caller, request_id: str, community_id: int, day: date | None
    ) -> bool:
        """True the first time this caller uses the request id; a retry finds it taken."""
        inserted = await conn.fetchval(
            """insert into duty_requests (created_by, request_id, community_id, day) values ($1, $2, $3, $4)
               on conflict do nothing returning true""",
            caller.subject,
            request_id,
            community_id,
            day,
        )
        return bool(inserted)

    async def _replace_day(
        self, conn: asyncpg.Connection, caller: Caller, community_id: int, day: date, slots: list[Slot]
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

    async def _day(self, conn: asyncpg.Connection, community_id: int, day: date) -> tuple[str, list[Slot]]:
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
                caller.subject,
                request_id,
            )
            if row is None:
                row = await conn.fetchrow(
                    f"select {_ABSENCE_COLUMNS} from unavailability where created_by = $1 and request_id = $2",
                    caller.subject,
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
                caller.subject,
                request_id,
                absence_id,
            )
            if first:
                await conn.execute(
                    "update unavailability set withdrawn_at = coalesce(withdrawn_at, now()) where id = $1", absence_id
                )
                await write_audit(conn, caller, "withdraw_unavailability", "unavailability", absence_id)
            row = await conn.fetchrow(f"select {_ABSENCE_COLUMNS} from unavailability where id = $1", absence_id)
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

    # -- alerts -----------------------------------------------------------------------------------------------

    async def alert(self, alert_id: int) -> Alert | None:
        row = await self.pool.fetchrow(f"select {_ALERT_COLUMNS} from alerts where id = $1", alert_id)
        return _alert(row) if row else None

    async def alert_by_request(self, caller: Caller, request_id: str) -> Alert | None:
        row = await self.pool.fetchrow(
            f"select {_ALERT_COLUMNS} from alerts where created_by = $1 and request_id = $2", caller.subject, request_id
        )
        return _alert(row) if row else None

    async def raise_alert(self, caller: Caller, request_id: str, new: NewAlert) -> tuple[Alert, bool]:
        """Inserts the alert and its first event; on a retry returns the first alert. True when created now."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"""insert into alerts (kind, state, unit_id, unit_path, community_id, street_id, grid_id, building_id,
                        address_sealed, address_masked, device_id_sealed, device_id_masked, data_key_id, note,
                        created_by, request_id, raised_at, call_list)
                    values ($1, 'raised', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                    on conflict (created_by, request_id) do nothing
                    returning {_ALERT_COLUMNS}""",
                new.kind,
                new.unit_id,
                list(new.unit_path),
                new.community_id,
                new.street_id,
                new.grid_id,
                new.building_id,
                new.address_sealed,
                new.address_masked,
                new.device_id_sealed,
                new.device_id_masked,
                new.data_key_id,
                new.note,
                caller.subject,
                request_id,
                new.raised_at,
                new.call_list,
            )
            if row is None:
                row = await conn.fetchrow(
                    f"select {_ALERT_COLUMNS} from alerts where created_by = $1 and request_id = $2",
                    caller.subject,
                    request_id,
                )
                return _alert(row), False
            alert = _alert(row)
            await conn.execute(
                """insert into alert_events (alert_id, version, kind, actor, note, request_id)
                   values ($1, 1, 'raised', $2, $3, $4)""",
                alert.id,
                caller.subject,
                f"{new.kind} alert from a device" if new.device_id_sealed else f"{new.kind} alert",
                request_id,
            )
            return alert, True

    async def move(
        self, caller: Caller, request_id: str, alert_id: int, move: AlertMove, note: str = "", **changes: Any
    ) -> tuple[Alert, bool]:
        """Moves the alert if it is in one of move.from_states; (alert, False) when this request id did it before.
        Raises WrongAlertState when it is in another state."""
        assignments = "".join(f", {column} = ${index}" for index, column in enumerate(changes, start=4))
        async with self.pool.acquire() as conn, conn.transaction():
            if await self._seen(conn, alert_id, request_id):
                return await self._current(conn, alert_id), False
            row = await conn.fetchrow(
                f"""update alerts set state = $2, version = version + 1, {move.time_column} = now(){assignments}
                    where id = $1 and state = any($3::text[])
                    returning {_ALERT_COLUMNS}""",
                alert_id,
                move.to_state,
                list(move.from_states),
                *changes.values(),
            )
            if row is None:
                if await self._seen(conn, alert_id, request_id):
                    return await self._current(conn, alert_id), False
                raise WrongAlertState(await self._current(conn, alert_id))
            alert = _alert(row)
            await conn.execute(
                """insert into alert_events (alert_id, version, kind, recipient, actor, note, request_id)
                   values ($1, $2, $3, $4, $5, $6, $7)""",
                alert.id,
                alert.version,
                alert.state,
                alert.responder or "",
                caller.subject,
                note,
                request_id,
            )
            return alert, True

    async def _seen(self, conn: asyncpg.Connection, alert_id: int, request_id: str) -> bool:
        return bool(
            await conn.fetchval(
                "select 1 from alert_events where alert_id = $1 and request_id = $2", alert_id, request_id
            )
        )

    async def _current(self, conn: asyncpg.Connection, alert_id: int) -> Alert:
        row = await conn.fetchrow(f"select {_ALERT_COLUMNS} from alerts where id = $1", alert_id)
        if row is None:
            raise LookupError(alert_id)
        return _alert(row)

    async def reveal(self, caller: Caller, alert_id: int, purpose: str) -> SealedAlertData:
        """The alert's sealed personal data, with the read written to the audit log (the caller opens it)."""
        async with self.pool.acquire() as conn, conn.transaction():
            return await self._reveal(conn, caller, alert_id, purpose)

    async def _reveal(self, conn: asyncpg.Connection, caller: Caller, alert_id: int, purpose: str) -> SealedAlertData:
        row = await conn.fetchrow("select address_sealed, device_id_sealed from alerts where id = $1", alert_id)
        if row is None:
            raise LookupError(alert_id)
        await write_audit(conn, caller, "reveal_alert_personal_data", "alert", alert_id, purpose=purpose)
        return SealedAlertData(row["address_sealed"], row["device_id_sealed"])

    async def record_event(
        self,
        caller: Caller,
        request_id: str,
        alert_id: int,
        kind: str,
        recipient: str,
        note: str,
        escalation: str,
        reveal_for: str = "",
    ) -> tuple[bool, SealedAlertData | None]:
        """Records a step of the dispatch once per request id; an escalation also raises the alert's level. With
        reveal_for (the notice's recipient), also returns the sealed address, the read audited in the same
        transaction — on a retry too, since a retried notice needs the address again."""
        async with self.pool.acquire() as conn, conn.transaction():
            # The sealed values come along: a call's notice needs the address, and it is one round trip fewer.
            alert = await conn.fetchrow(
                "select version, address_sealed, device_id_sealed from alerts where id = $1 for share", alert_id
            )
            if alert is None:
                raise LookupError(alert_id)
            version = alert["version"]
            inserted = await conn.fetchval(
                """insert into alert_events (alert_id, version, kind, recipient, actor, note, request_id)
                   values ($1, $2, $3, $4, $5, $6, $7)
                   on conflict (alert_id, request_id) do nothing
                   returning id""",
                alert_id,
                version,
                kind,
                recipient,
                caller.subject,
                note,
                request_id,
            )
            if inserted is not None and kind == "escalated" and escalation:
                await conn.execute("update alerts set escalation = $2 where id = $1", alert_id, escalation)
            sealed = None
            if reveal_for:
                await write_audit(
                    conn, caller, "reveal_alert_personal_data", "alert", alert_id, purpose=f"notice to {reveal_for}"
                )
                sealed = SealedAlertData(alert["address_sealed"], alert["device_id_sealed"])
            return inserted is not None, sealed

    async def timeline(self, alert_id: int, limit: int) -> list[AlertEventRow]:
        rows = await self.pool.fetch(
            """select id, kind, recipient, actor, note, at from alert_events where alert_id = $1
               order by id limit $2""",
            alert_id,
            limit,
        )
        return [AlertEventRow(**dict(row)) for row in rows]

    async def called(self, alert_id: int) -> set[str]:
        rows = await self.pool.fetch(
            "select distinct recipient from alert_events where alert_id = $1 and kind = 'called'", alert_id
        )
        return {row["recipient"] for row in rows}

    async def open_alerts_by_responder(self, community_id: int | None = None) -> dict[str, int]:
        rows = await self.pool.fetch(
            """select responder, count(*) as n from alerts
               where state in ('acknowledged', 'arrived') and responder is not null
                 and ($1::bigint is null or community_id = $1)
               group by responder""",
            community_id,
        )
        return {row["responder"]: row["n"] for row in rows}

    async def stats(self, org_unit_id: str, start: datetime | None, end: datetime | None) -> AlertStats:
        row = await self.pool.fetchrow(
            """select count(*) as raised,
                      count(acknowledged_at) as acknowledged,
                      count(*) filter (where escalation <> 'volunteers') as escalated,
                      count(*) filter (where state = 'resolved') as resolved,
                      percentile_cont(0.5) within group (
                          order by extract(epoch from acknowledged_at - raised_at)) as median,
                      percentile_cont(0.9) within group (
                          order by extract(epoch from acknowledged_at - raised_at)) as p90
               from alerts
               where unit_path @> array[$1]::text[]
                 and ($2::timestamptz is null or raised_at >= $2)
                 and ($3::timestamptz is null or raised_at < $3)""",
            org_unit_id,
            start,
            end,
        )
        return AlertStats(
            raised=row["raised"],
            acknowledged=row["acknowledged"],
            escalated=row["escalated"],
            resolved=row["resolved"],
            median_seconds=float(row["median"] or 0.0),
            p90_seconds=float(row["p90"] or 0.0),
        )

    async def count_open(self) -> list[tuple[str, str, int]]:
        rows = await self.pool.fetch(
            """select state, escalation, count(*) as n from alerts
               where state in ('raised', 'acknowledged', 'arrived') group by 1, 2"""
        )
        return [(row["state"], row["escalation"], row["n"]) for row in rows]

    async def rostered_communities(self) -> list[int]:
        rows = await self.pool.fetch(
            "select community_id from duty_pattern_slots union select community_id from duty_days order by 1 limit 5000"
        )
        return [row["community_id"] for row in rows]

    # -- personal data at rest ---------------------------------------------------------------------------------

    async def seal_at_rest(self, cipher: PersonalDataCipher) -> None:
        """Run once at start: seals alerts stored in the clear by an older version, and reseals those sealed under a
        key that is no longer the active one (a rotation: the new key first in LINLI_DATA_KEYS, the old kept after
        it until this is done)."""

        def reseal(blob: bytes, field: str) -> bytes:
            return cipher.seal(cipher.open(blob, field), field)

        sealed = resealed = 0
        while n := await self.seal_clear_personal_data(cipher.seal, cipher.active_key_id, 500):
            sealed += n
        while n := await self.reseal_batch(cipher.active_key_id, reseal, 500):
            resealed += n
        if sealed or resealed:
            log.info("alert personal data sealed", extra={"sealed": sealed, "resealed": resealed})

    async def seal_clear_personal_data(self, seal: Callable[[str, str], bytes], key_id: str, batch: int) -> int:
        """Seals a batch of alerts stored before addresses were sealed (and blanks their clear columns); returns how
        many it sealed."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """select id, address, device_id from alerts where address <> '' or device_id <> ''
                   order by id limit $1 for update skip locked""",
                batch,
            )
            await conn.executemany(
                """update alerts set address = '', device_id = '', address_sealed = $2, address_masked = $3,
                       device_id_sealed = $4, device_id_masked = $5, data_key_id = $6
                   where id = $1""",
                [
                    (
                        row["id"],
                        seal(row["address"], ADDRESS_FIELD) if row["address"] else None,
                        mask_address(row["address"]),
                        seal(row["device_id"], DEVICE_ID_FIELD) if row["device_id"] else None,
                        mask_device_id(row["device_id"]),
                        key_id,
                    )
                    for row in rows
                ],
            )
            return len(rows)

    async def reseal_batch(self, active_key_id: str, reseal: Callable[[bytes, str], bytes], batch: int) -> int:
        """Reseals a batch of alerts sealed under an older key with the active one; returns how many."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """select id, address_sealed, device_id_sealed from alerts
                   where data_key_id is not null and data_key_id <> $1
                   order by id limit $2 for update skip locked""",
                active_key_id,
                batch,
            )
            await conn.executemany(
                "update alerts set address_sealed = $2, device_id_sealed = $3, data_key_id = $4 where id = $1",
                [
                    (
                        row["id"],
                        reseal(row["address_sealed"], ADDRESS_FIELD) if row["address_sealed"] else None,
                        reseal(row["device_id_sealed"], DEVICE_ID_FIELD) if row["device_id_sealed"] else None,
                        active_key_id,
                    )
                    for row in rows
                ],
            )
            return len(rows)
