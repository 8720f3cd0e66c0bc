"""The daily digest (每日汇总) in SQL: what waits for it — activity notices' deliveries held for a recipient who asked
for it, and other processes' notices (a wish's) that RouteNotice held — and how each notice of another process is
routed: at once, held, or not sent past its purpose's cap for the day. In dispatch's own schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from services.dispatch.activities.notices_store import NoticeStore

ROUTES = ("send", "held", "capped")


@dataclass(frozen=True)
class DigestItem:
    """An activity notice's delivery held for a recipient's daily digest."""

    delivery_id: int
    activity_id: int
    org_unit_id: int
    title: str
    place: str
    start_time: datetime
    notice_kind: str
    note: str


@dataclass(frozen=True)
class HeldNotice:
    """Another process's notice held for a recipient's daily digest."""

    held_id: int
    purpose: str
    text: str
    held_at: datetime


@dataclass
class Digest:
    items: list[DigestItem] = field(default_factory=list)
    held: list[HeldNotice] = field(default_factory=list)


class DigestStore(NoticeStore):
    async def route_notice(
        self,
        key: str,
        purpose: str,
        text: str,
        recipients: list[str],
        *,
        may_hold: bool,
        daily_cap: int,
        day: date,
    ) -> dict[str, str]:
        """Each recipient's route ("send", "held" or "capped"), decided once per key and recipient: a retry gets the
        routes first given. A capped purpose counts every notice of the day (the deployment's `day`) sent or held."""
        async with self.pool.acquire() as conn, conn.transaction():
            if daily_cap:
                # One notice of a capped purpose decided at a time: two wishes cannot both take a member's last slot.
                await conn.execute("select pg_advisory_xact_lock(hashtext('routed_notices/' || $1))", purpose)
            rows = await conn.fetch(
                "select recipient, route from routed_notices where request_key = $1 and recipient = any($2::text[])",
                key,
                recipients,
            )
            earlier = {r["recipient"]: r["route"] for r in rows}
            todo = [r for r in recipients if r not in earlier]
            digest = set()
            if may_hold and todo:
                rows = await conn.fetch(
                    """select recipient from activity_notice_preferences
                       where recipient = any($1::text[]) and daily_digest""",
                    todo,
                )
                digest = {r["recipient"] for r in rows}
            today: dict[str, int] = {}
            if daily_cap and todo:
                rows = await conn.fetch(
                    """select recipient, count(*) as n from routed_notices
                       where recipient = any($1::text[]) and purpose = $2 and day = $3 and route <> 'capped'
                       group by recipient""",
                    todo,
                    purpose,
                    day,
                )
                today = {r["recipient"]: r["n"] for r in rows}
            routes = {
                r: "capped" if daily_cap and today.get(r, 0) >= daily_cap else "held" if r in digest else "send"
                for r in todo
            }
            # A recipient sent at once needs no row, except under a cap, where the day's count needs it.
            kept = [r for r, route in routes.items() if route != "send" or daily_cap]
            await conn.execute(
                """insert into routed_notices (request_key, recipient, purpose, text, route, day)
                   select $1, r.recipient, $2, $3, r.route, $4 from unnest($5::text[], $6::text[]) as r(recipient, route)
                   on conflict (request_key, recipient) do nothing""",
                key,
                purpose,
                text,
                day,
                kept,
                [routes[r] for r in kept],
            )
        return {r: earlier.get(r) or routes[r] for r in recipients}

    async def held_for_digest(self, before: datetime, recipients: int) -> dict[str, Digest]:
        """The first `recipients` recipients (by reference) with notices held for their digest before `before`, each
        with those notices in the order they were held."""
        async with self.pool.acquire() as conn:
            due = [
                r["recipient"]
                for r in await conn.fetch(
                    """select recipient from (
                           select n.recipient from activity_notice_recipients n
                           join activity_events e on e.id = n.event_id
                           where n.digest and n.delivered_at is null and n.failed_at is null and e.at < $1
                           union
                           select recipient from routed_notices
                           where route = 'held' and delivered_at is null and failed_at is null and held_at < $1
                       ) as waiting order by recipient limit $2""",
                    before,
                    recipients,
                )
            ]
            items = await conn.fetch(
                """select n.id, n.recipient, e.activity_id, a.org_unit_id, a.title, a.place, a.start_time,
                          e.notice_kind, e.note
                   from activity_notice_recipients n
                   join activity_events e on e.id = n.event_id
                   join activities a on a.id = e.activity_id
                   where n.recipient = any($2::text[])
                     and n.digest and n.delivered_at is null and n.failed_at is null and e.at < $1
                   order by n.recipient, n.id""",
                before,
                due,
            )
            held = await conn.fetch(
                """select id, recipient, purpose, text, held_at from routed_notices
                   where recipient = any($2::text[])
                     and route = 'held' and delivered_at is null and failed_at is null and held_at < $1
                   order by recipient, id""",
                before,
                due,
            )
        digests = {recipient: Digest() for recipient in due}
        for r in items:
            digests[r["recipient"]].items.append(
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
        for r in held:
            digests[r["recipient"]].held.append(HeldNotice(r["id"], r["purpose"], r["text"], r["held_at"]))
        return digests

    async def record_digest(
        self,
        delivered: list[int],
        failed: list[tuple[int, str]],
        held_delivered: Sequence[int] = (),
        held_failed: Sequence[tuple[int, str]] = (),
    ) -> None:
        """Marks held deliveries and held notices as taken or refused (each keeps its first outcome); an activity
        notice with nothing left to deliver is sent."""
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
            await conn.execute(
                """update routed_notices set delivered_at = now()
                   where id = any($1::bigint[]) and route = 'held' and delivered_at is null and failed_at is null""",
                list(held_delivered),
            )
            await conn.execute(
                """update routed_notices r set failed_at = now(), failure = f.reason
                   from unnest($1::bigint[], $2::text[]) as f(id, reason)
                   where r.id = f.id and r.route = 'held' and r.delivered_at is null and r.failed_at is null""",
                [held_id for held_id, _ in held_failed],
                [reason for _, reason in held_failed],
            )
