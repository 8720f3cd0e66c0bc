"""The reports' SQL, in the registry's schema. A report is stored once per unit (member) and period: the
unique key decides, so of two runs storing the same week concurrently exactly one row results."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.registry.domain import OrgUnit
from services.registry.rows import IN_SUBTREE, subtree_end
from services.runtime.auth import Caller


class ReportStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def store_weekly(
        self, caller: Caller, request_id: str, org_unit_id: int, week: date, report: dict[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """Stores the report unless the unit's week is stored; returns the stored one and whether it is new."""
        async with self.pool.acquire() as conn, conn.transaction():
            created = await conn.fetchval(
                """insert into weekly_reports (org_unit_id, week_start, report, created_by, request_id)
                   values ($1, $2, $3, $4, $5)
                   on conflict (org_unit_id, week_start) do nothing
                   returning id""",
                org_unit_id,
                week,
                report,
                caller.subject,
                request_id,
            )
            stored = await conn.fetchval(
                "select report from weekly_reports where org_unit_id = $1 and week_start = $2", org_unit_id, week
            )
            return stored, created is not None

    async def weekly(self, org_unit_id: int, week: date) -> dict[str, Any] | None:
        report: dict[str, Any] | None = await self.pool.fetchval(
            "select report from weekly_reports where org_unit_id = $1 and week_start = $2", org_unit_id, week
        )
        return report

    async def weekly_in_subtree(self, org_unit_id: int, week: date) -> list[dict[str, Any]]:
        """The unit's and its subtree's reports of the week, level by level, siblings by id: ltree compares labels
        as text, which put unit 10 before unit 9."""
        rows = await self.pool.fetch(
            """select r.report from weekly_reports r join org_units u on u.id = r.org_unit_id
               where r.week_start = $2
                 and u.path operator(public.<@) (select path from org_units where id = $1)
               order by public.nlevel(u.path), string_to_array(u.path::text, '.')::bigint[]""",
            org_unit_id,
            week,
        )
        return [r["report"] for r in rows]

    async def count_weekly(self, org_unit_id: int, week: date) -> int:
        count: int = await self.pool.fetchval(
            "select count(*) from weekly_reports where org_unit_id = $1 and week_start = $2", org_unit_id, week
        )
        return count

    async def store_yearly(
        self, reports: list[tuple[int, int, dict[str, Any]]], *, team_volunteers: bool = False
    ) -> int:
        """Stores (member_id, year, report) rows not stored yet — with team_volunteers, (team_member_id, year,
        report) rows of team volunteers who are not members; returns how many were new."""
        if not reports:
            return 0
        table, who = "yearly_service_reports", "member_id"
        if team_volunteers:
            table, who = "yearly_team_volunteer_reports", "team_member_id"
        async with self.pool.acquire() as conn:
            new: int = await conn.fetchval(
                f"""with given as (
                       select * from unnest($1::bigint[], $2::integer[], $3::jsonb[]) as g({who}, year, report)),
                   stored as (
                       insert into {table} ({who}, year, report)
                       select {who}, year, report from given
                       on conflict ({who}, year) do nothing
                       returning 1)
                   select count(*) from stored""",
                [r[0] for r in reports],
                [r[1] for r in reports],
                [r[2] for r in reports],
            )
            return new

    async def yearly(self, member_id: int, year: int, *, team_volunteer: bool = False) -> dict[str, Any] | None:
        """A member's stored yearly report, or with team_volunteer a team volunteer's (member_id their TeamMember id)."""
        query = (
            "select report from yearly_team_volunteer_reports where team_member_id = $1 and year = $2"
            if team_volunteer
            else "select report from yearly_service_reports where member_id = $1 and year = $2"
        )
        report: dict[str, Any] | None = await self.pool.fetchval(query, member_id, year)
        return report

    async def count_yearly_in_subtree(self, subtree: OrgUnit, year: int) -> int:
        """Stored yearly reports of the members living in the subtree now (as the yearly run chooses them)."""
        path = subtree.path
        count: int = await self.pool.fetchval(
            f"""select count(*) from yearly_service_reports y join members on members.id = y.member_id
                where {IN_SUBTREE} and y.year = $3""",
            path,
            subtree_end(path),
            year,
        )
        return count

    async def yearly_in_subtree(
        self, subtree: OrgUnit, year: int, after_member_id: int, limit: int
    ) -> list[tuple[int, str, int, dict[str, Any]]]:
        """(member id, name, community id, report) by member id, after `after_member_id`."""
        path = subtree.path
        rows = await self.pool.fetch(
            f"""select members.id, members.name, members.community_id, y.report
                from yearly_service_reports y join members on members.id = y.member_id
                where {IN_SUBTREE} and y.year = $3 and members.id > $4
                order by members.id limit $5""",
            path,
            subtree_end(path),
            year,
            after_member_id,
            limit,
        )
        return [(r["id"], r["name"], r["community_id"], r["report"]) for r in rows]
