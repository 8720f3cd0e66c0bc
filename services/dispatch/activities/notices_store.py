"""The activities' notices in SQL: each notice with a delivery row per recipient, their deliveries, recipients'
preferences for a daily digest (每日汇总), and the digests. In dispatch's own schema."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.dispatch.activities.domain import DIGEST_KINDS, Event, recipient_of
from services.runtime.auth import Caller
from services.runtime.db import Connection, one_row

EVENT_COLUMNS = """id, activity_id, version, kind, state, notice_kind, actor, note, recipients, at, sent_at,
    (select count(*) filter (where r.delivered_at is not null) from activity_notice_recipients r
     where r.event_id = activity_events.id) as delivered_count,
    (select count(*) filter (where r.failed_at is not null) from activity_notice_recipients r
     where r.event_id = activity_events.id) as failed_count"""


def event_row(row: asyncpg.Record) -> Event:
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
class PendingDelivery:
    """One recipient a notice has not yet reached."""

    delivery_id: int
    recipient: str


class NoticeStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

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
        """Records a notice once per request id — the caller's own, so nobody else's id answers for it or blocks it
        (the workflow's ids are predictable)."""
        key = caller.retry_key(request_id)
        async with self.pool.acquire() as conn, conn.transaction():
            earlier = await conn.fetchrow(
                f"select {EVENT_COLUMNS} from activity_events where activity_id = $1 and request_id = $2",
                activity_id,
                key,
            )
            if earlier:
                return event_row(earlier), False
            everyone = list(recipients)
            if include_signed_up:
                rows = await conn.fetch(
                    """select member_id, resident_ref, team_member_id from activity_signups
                       where activity_id = $1 and status <> 'cancelled' order by id""",
                    activity_id,
                )
                everyone += [recipient_of(r["member_id"], r["resident_ref"], r["team_member_id"]) for r in rows]
            return await self._notice(conn, caller, key, activity_id, kind, note, everyone), True

    async def _notice(
        self,
        conn: Connection,
        caller: Caller,
        key: str,
        activity_id: int,
        kind: str,
        note: str,
        recipients: list[str],
        *,
        relay: bool = False,
    ) -> Event:
        """Records a notice with a delivery row per recipient, under `key` (a caller's retry key, or one of the
        service's own). The workflow that records a notice delivers it itself; one recorded elsewhere (`relay`) is
        left for the relay to tell the workflow of."""
        unique = list(dict.fromkeys(recipients))
        row = await one_row(
            conn,
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
            key,
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

    async def _event_by_id(self, conn: Connection | asyncpg.Pool, event_id: int) -> Event:
        row = await one_row(conn, f"select {EVENT_COLUMNS} from activity_events where id = $1", event_id)
        return event_row(row)

    async def notice(self, activity_id: int, sequence: int) -> Event | None:
        row = await self.pool.fetchrow(
            f"select {EVENT_COLUMNS} from activity_events where activity_id = $1 and id = $2 and kind = 'notice'",
            activity_id,
            sequence,
        )
        return event_row(row) if row else None

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

    async def resident_organisers(self, resident_ref: str, limit: int) -> list[int]:
        """The organising units of the activities a resident (by a front end's reference) has signed up to."""
        rows = await self.pool.fetch(
            """select distinct a.org_unit_id from activity_signups s join activities a on a.id = s.activity_id
               where s.resident_ref = $1 order by a.org_unit_id limit $2""",
            resident_ref,
            limit,
        )
        return [r["org_unit_id"] for r in rows]
