"""The steps of the report workflows (their Temporal activities): the figures come from each service's stats call over gRPC, and the
reports go to the registry's ReportService, which stores each once per unit and period."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypedDict

import grpc
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import activities_pb2, activities_pb2_grpc, dispatch_pb2, dispatch_pb2_grpc
from linli.registry.v1 import care_pb2, care_pb2_grpc, registry_pb2, registry_pb2_grpc, reports_pb2, reports_pb2_grpc
from linli.wishes.v1 import wishes_pb2, wishes_pb2_grpc
from temporalio import activity

from services.registry.reports.contract import WeeklyReportInput
from services.registry.reports.domain import week_before, week_bounds, year_bounds
from services.runtime.enums import name_of
from workflows.steps import TIMEOUT_SECONDS, call, schedule_runs, step_failure

_PAGE = 500
_YEARLY_CONCURRENCY = 16
_STATSTIMEOUT_SECONDS = 60


@dataclass
class WeeklyPlanRequest:
    org_unit_id: str
    week_start: str  # "" for the last full week before run_time
    timezone: str
    run_time: float  # seconds since the epoch


@dataclass
class WeeklyPlan:
    week_start: str
    unit_ids: list[str] = field(default_factory=list)


@dataclass
class StoreWeeklyRequest:
    request_id: str
    report: dict[str, Any]


@dataclass
class StoredWeekly:
    created: bool
    report: dict[str, Any]


@dataclass
class YearlyReportsRequest:
    org_unit_id: str
    year: int
    timezone: str


class _Period(TypedDict):
    """What every service's stats request takes for one unit's week."""

    org_unit_id: str
    start_time: Timestamp
    end_time: Timestamp


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


class ReportSteps:
    def __init__(
        self,
        registry: registry_pb2_grpc.RegistryServiceStub,
        reports: reports_pb2_grpc.ReportServiceStub,
        wishes: wishes_pb2_grpc.WishServiceStub,
        dispatch: dispatch_pb2_grpc.DispatchServiceStub,
        activities: activities_pb2_grpc.ActivityServiceStub,
        care: care_pb2_grpc.CarePairServiceStub | None = None,
    ) -> None:
        self.registry = registry
        self.reports = reports
        self.wishes = wishes
        self.dispatch = dispatch
        self.activities = activities
        self.care = care

    @activity.defn
    async def plan_weekly_reports(self, request: WeeklyPlanRequest) -> WeeklyPlan:
        """The week, and the units to report on: the unit and the districts and streets/towns below it."""
        week = (
            request.week_start
            or week_before(datetime.fromtimestamp(request.run_time, UTC), request.timezone).isoformat()
        )
        unit = (
            await call(
                self.registry.GetOrgUnit(
                    registry_pb2.GetOrgUnitRequest(org_unit_id=request.org_unit_id), timeout=TIMEOUT_SECONDS
                )
            )
        ).org_unit
        units = [unit.id]
        # Below a city its districts and streets/towns report too; below a district its streets/towns.
        kinds = {
            registry_pb2.ORG_UNIT_KIND_CITY: (registry_pb2.ORG_UNIT_KIND_DISTRICT, registry_pb2.ORG_UNIT_KIND_STREET),
            registry_pb2.ORG_UNIT_KIND_DISTRICT: (registry_pb2.ORG_UNIT_KIND_STREET,),
        }.get(unit.kind, ())
        for kind in kinds:
            token = ""
            while True:
                page = await call(
                    self.registry.ListOrgUnitSubtree(
                        registry_pb2.ListOrgUnitSubtreeRequest(
                            org_unit_id=unit.id, kind=kind, page_size=_PAGE, page_token=token
                        ),
                        timeout=TIMEOUT_SECONDS,
                    )
                )
                units += [u.id for u in page.org_units if u.id != unit.id]
                token = page.next_page_token
                if not token:
                    break
        return WeeklyPlan(week_start=week, unit_ids=units)

    @activity.defn
    async def gather_weekly_figures(self, params: WeeklyReportInput) -> dict[str, Any]:
        """Asks every service for its figures of the unit's week, at once; a service that does not offer them
        is named in missing_sections rather than reported as zero."""
        start, end = week_bounds(datetime.fromisoformat(params.week_start).date(), params.timezone)
        period: _Period = {"org_unit_id": params.org_unit_id, "start_time": _stamp(start), "end_time": _stamp(end)}
        unit, registry, wishes, alerts, pairings, activities, care = await asyncio.gather(
            call(
                self.registry.GetOrgUnit(
                    registry_pb2.GetOrgUnitRequest(org_unit_id=params.org_unit_id), timeout=TIMEOUT_SECONDS
                )
            ),
            _optional(
                self.registry.GetRegistryStats(
                    registry_pb2.GetRegistryStatsRequest(**period), timeout=_STATSTIMEOUT_SECONDS
                )
            ),
            _optional(
                # Wishes by state as they stood at the week's end, not when the report runs.
                self.wishes.GetWishStats(
                    wishes_pb2.GetWishStatsRequest(**period, as_of_time=_stamp(end)), timeout=_STATSTIMEOUT_SECONDS
                )
            ),
            _optional(
                self.dispatch.GetAlertStats(dispatch_pb2.GetAlertStatsRequest(**period), timeout=_STATSTIMEOUT_SECONDS)
            ),
            self._pairings(params.org_unit_id, params.week_start),
            _optional(
                self.activities.GetActivityStats(
                    activities_pb2.GetActivityStatsRequest(**period), timeout=_STATSTIMEOUT_SECONDS
                )
            ),
            self._care_stats(period),
        )
        report = reports_pb2.WeeklyReport(
            org_unit_id=params.org_unit_id,
            org_unit_name=unit.org_unit.name,
            week_start=params.week_start,
            start_time=_stamp(start),
            end_time=_stamp(end),
        )
        missing = []
        if registry is None:
            missing.append("registry")
        else:
            report.members_registered = registry.members_registered
            report.members_active = registry.members_active
            report.services = registry.services
            report.service_hours = registry.hours
            report.service_totals.extend(registry.totals)
            report.team_volunteer_services = registry.team_volunteer_services
            report.team_volunteer_hours = registry.team_volunteer_hours
        if wishes is None:
            missing.append("wishes")
        else:
            report.wishes_by_state.extend(
                reports_pb2.NamedCount(name=name_of(wishes_pb2.WishState, c.state), count=c.count)
                for c in wishes.by_state
            )
            report.wishes_submitted = wishes.submitted
            report.wishes_closed = wishes.closed
            report.wishes_overdue = wishes.overdue
            report.average_hours_to_claim = wishes.average_hours_to_claim
            report.average_hours_to_close = wishes.average_hours_to_close
        if alerts is None:
            missing.append("alerts")
        else:
            report.alerts_raised = alerts.raised
            report.alerts_acknowledged = alerts.acknowledged
            report.alerts_escalated = alerts.escalated
            report.alerts_resolved = alerts.resolved
            report.median_seconds_to_acknowledge = alerts.median_seconds_to_acknowledge
            report.p90_seconds_to_acknowledge = alerts.p90_seconds_to_acknowledge
        if activities is None:
            missing.append("activities")
        else:
            report.activities_proposed = activities.proposed
            report.activities_held = activities.held
            report.activities_cancelled = activities.cancelled
            report.activity_sign_ups = activities.signed_up
            report.activity_check_ins = activities.checked_in
        report.pairings_active, report.pairings_started = pairings
        if care is None:
            missing.append("care")
        else:
            report.care_pairs_active, report.care_people = care.pairs_active, care.people_cared_for
            report.care_visits_due, report.care_visits_made = care.visits_due, care.visits_made
            report.care_visits_missed = care.visits_missed
        report.missing_sections.extend(missing)
        return json_format.MessageToDict(report, preserving_proto_field_name=True)

    async def _care_stats(self, period: _Period) -> care_pb2.GetCareStatsResponse | None:
        """Care pairs' figures (结对帮扶); None when this worker was given no CarePairService."""
        if self.care is None:
            return None
        response: care_pb2.GetCareStatsResponse | None = await _optional(
            self.care.GetCareStats(care_pb2.GetCareStatsRequest(**period), timeout=_STATSTIMEOUT_SECONDS)
        )
        return response

    async def _pairings(self, org_unit_id: str, week_start: str) -> tuple[int, int]:
        """Pairings (结对共建) in force on the week's last day in the subtree, and how many of them began in the week."""
        last_day = (date.fromisoformat(week_start) + timedelta(days=6)).isoformat()
        active = started = 0
        token = ""
        while True:
            page = await call(
                self.registry.ListPairings(
                    registry_pb2.ListPairingsRequest(
                        org_unit_id=org_unit_id, active_on=last_day, page_size=_PAGE, page_token=token
                    ),
                    timeout=_STATSTIMEOUT_SECONDS,
                )
            )
            active += len(page.pairings)
            started += sum(1 for p in page.pairings if p.start_date >= week_start)
            token = page.next_page_token
            if not token:
                return active, started

    @activity.defn
    async def store_weekly_report(self, request: StoreWeeklyRequest) -> StoredWeekly:
        runs = schedule_runs()
        try:
            response = await call(
                self.reports.StoreWeeklyReport(
                    reports_pb2.StoreWeeklyReportRequest(
                        request_id=request.request_id,
                        report=json_format.ParseDict(request.report, reports_pb2.WeeklyReport()),
                    ),
                    timeout=TIMEOUT_SECONDS,
                )
            )
        except Exception:
            runs.add(1, {"schedule": "weekly_report", "outcome": "failed"})
            raise
        runs.add(1, {"schedule": "weekly_report", "outcome": "stored" if response.created else "already_stored"})
        return StoredWeekly(
            created=response.created,
            report=json_format.MessageToDict(response.report, preserving_proto_field_name=True),
        )

    @activity.defn
    async def produce_yearly_reports(self, request: YearlyReportsRequest) -> int:
        """The yearly service report (年报) of every member of the subtree, and of every volunteer who is not a member
        on a team of it (apart); returns how many were stored now."""
        start, end = year_bounds(request.year, request.timezone)
        limit = asyncio.Semaphore(_YEARLY_CONCURRENCY)

        async def summary(member_id: str, team_member_id: str = "") -> reports_pb2.YearlyServiceReport:
            async with limit:
                got = await call(
                    self.registry.GetMemberServiceSummary(
                        registry_pb2.GetMemberServiceSummaryRequest(
                            member_id=member_id,
                            team_member_id=team_member_id,
                            start_time=_stamp(start),
                            end_time=_stamp(end),
                        ),
                        timeout=TIMEOUT_SECONDS,
                    )
                )
            return reports_pb2.YearlyServiceReport(
                member_id=member_id,
                team_member_id=team_member_id,
                year=request.year,
                services=got.count,
                hours=got.hours,
                totals=got.totals,
            )

        async def store(page_key: str, made: list[reports_pb2.YearlyServiceReport]) -> int:
            stored: reports_pb2.StoreYearlyServiceReportsResponse = await call(
                self.reports.StoreYearlyServiceReports(
                    reports_pb2.StoreYearlyServiceReportsRequest(
                        request_id=f"{activity.info().workflow_id}/{page_key}", reports=made
                    ),
                    timeout=TIMEOUT_SECONDS,
                )
            )
            return stored.created

        created, token, page_number = 0, "", 0
        while True:
            page = await call(
                self.registry.SearchMembers(
                    registry_pb2.SearchMembersRequest(
                        org_unit_id=request.org_unit_id, page_size=_PAGE, page_token=token
                    ),
                    timeout=TIMEOUT_SECONDS,
                )
            )
            made = await asyncio.gather(*(summary(m.id) for m in page.members))
            created += await store(f"page-{page_number}", list(made))
            page_number += 1
            activity.heartbeat(page_number)
            token = page.next_page_token
            if not token:
                break
        created += await self._yearly_of_team_volunteers(request.org_unit_id, summary, store)
        schedule_runs().add(1, {"schedule": "yearly_report", "outcome": "stored"})
        return created

    async def _yearly_of_team_volunteers(
        self,
        org_unit_id: str,
        summary: Callable[[str, str], Awaitable[reports_pb2.YearlyServiceReport]],
        store: Callable[[str, list[reports_pb2.YearlyServiceReport]], Awaitable[int]],
    ) -> int:
        """The yearly reports of the subtree's teams' volunteers who are not members, a team's page at a time."""
        created, teams_token = 0, ""
        while True:
            teams = await call(
                self.registry.ListTeams(
                    registry_pb2.ListTeamsRequest(org_unit_id=org_unit_id, page_size=_PAGE, page_token=teams_token),
                    timeout=TIMEOUT_SECONDS,
                )
            )
            for team in teams.teams:
                token, page_number = "", 0
                while True:
                    page = await call(
                        self.registry.ListTeamMembers(
                            registry_pb2.ListTeamMembersRequest(team_id=team.id, page_size=_PAGE, page_token=token),
                            timeout=TIMEOUT_SECONDS,
                        )
                    )
                    made = await asyncio.gather(*(summary("", v.id) for v in page.team_members if not v.member_id))
                    if made:
                        created += await store(f"team-{team.id}-page-{page_number}", list(made))
                    page_number += 1
                    activity.heartbeat(f"team {team.id}")
                    token = page.next_page_token
                    if not token:
                        break
            teams_token = teams.next_page_token
            if not teams_token:
                return created


async def _optional(rpc: Any) -> Any:
    """The response, or None when the service does not offer the call (UNIMPLEMENTED); other errors retry."""
    try:
        return await rpc
    except grpc.aio.AioRpcError as exc:
        if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
            return None
        raise step_failure(exc) from None
