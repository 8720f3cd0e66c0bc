"""ReportService over gRPC: reads and exports stored reports, starts report workflows and their schedules, and
stores what the workflows produce (once per unit and period)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import grpc
from google.protobuf import json_format
from linli.registry.v1 import reports_pb2 as pb
from linli.registry.v1 import reports_pb2_grpc
from temporalio.client import Client, ScheduleAlreadyRunningError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from services.registry.commitments.yearly import fill_commitments
from services.registry.domain import OrgUnit
from services.registry.lookups import require_member_in_scope, require_unit_in_scope
from services.registry.reports import contract
from services.registry.reports.domain import parse_week, weekly_csv, yearly_csv
from services.registry.reports.metrics import REPORTS_STORED
from services.registry.reports.store import ReportStore
from services.registry.store import RegistryStore
from services.runtime import access, validate
from services.runtime.auth import Caller, Role, current_caller
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable

_REPORTING_KINDS = ("city", "district", "street")
MAX_YEARLY_BATCH = 1000
YEARLY_EXPORT_BATCH = 1000


def _as_dict(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _weekly_message(stored: dict[str, Any]) -> pb.WeeklyReport:
    return json_format.ParseDict(stored, pb.WeeklyReport(), ignore_unknown_fields=True)


class ReportServicer(reports_pb2_grpc.ReportServiceServicer):
    def __init__(
        self, reports: ReportStore, registry: RegistryStore, temporal: Client, task_queue: str, zone: str
    ) -> None:
        self.reports = reports
        self.registry = registry
        self.temporal = temporal
        self.task_queue = task_queue
        self.zone = zone

    async def _unit(self, caller: Caller, raw_id: str, field: str = "org_unit_id") -> OrgUnit:
        unit_id = validate.entity_id(field, raw_id)
        assert unit_id is not None
        unit = await self.registry.org_unit(unit_id)
        if unit is None:
            raise NotFound(f"no org unit {unit_id}", field)
        require_unit_in_scope(caller, unit)
        return unit

    async def GetWeeklyReport(
        self, request: pb.GetWeeklyReportRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetWeeklyReportResponse:
        caller = current_caller()
        week = parse_week("week_start", request.week_start)
        unit = await self._unit(caller, request.org_unit_id)
        stored = await self.reports.weekly(unit.id, week)
        if stored is None:
            raise NotFound(f"no weekly report of org unit {unit.id} for the week of {week} (yet)", "week_start")
        return pb.GetWeeklyReportResponse(report=_weekly_message(stored))

    async def ExportWeeklyReports(
        self, request: pb.ExportWeeklyReportsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ExportWeeklyReportsResponse:
        caller = current_caller()
        week = parse_week("week_start", request.week_start)
        unit = await self._unit(caller, request.org_unit_id)
        # Audited before anything is read, so an export whose caller goes away early still leaves its trace.
        await self.registry.audit(caller, "export_weekly_reports", "org_unit", unit.id, week_start=week.isoformat())
        stored = await self.reports.weekly_in_subtree(unit.id, week)
        # Stored reports carry every field; a missing number in JSON form means zero.
        return pb.ExportWeeklyReportsResponse(csv=weekly_csv(stored), rows=len(stored))

    async def ExportYearlyServiceReports(
        self, request: pb.ExportYearlyServiceReportsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[pb.ExportYearlyServiceReportsResponse]:  # 年报
        caller = current_caller()
        if not 2000 <= request.year <= 2100:
            raise InvalidArgument("must be a year between 2000 and 2100", "year")
        unit = await self._unit(caller, request.org_unit_id)
        # Audited before the first row leaves: a client that stops reading early still leaves its trace.
        await self.registry.audit(caller, "export_yearly_service_reports", "org_unit", unit.id, year=request.year)
        total = await self.reports.count_yearly_in_subtree(unit, request.year)
        after, first = 0, True
        while True:
            rows = await self.reports.yearly_in_subtree(unit, request.year, after, YEARLY_EXPORT_BATCH)
            if not rows and not first:
                break
            yield pb.ExportYearlyServiceReportsResponse(
                csv=yearly_csv(rows, first), rows=len(rows), total_rows=total if first else 0
            )
            if len(rows) < YEARLY_EXPORT_BATCH:
                break
            first, after = False, rows[-1][0]

    async def ProduceWeeklyReports(
        self, request: pb.ProduceWeeklyReportsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ProduceWeeklyReportsResponse:
        caller = current_caller()
        validate.request_id(request.request_id)  # the workflow id makes the retry safe
        week = parse_week("week_start", request.week_start)
        unit = await self._unit(caller, request.org_unit_id)
        if unit.kind not in _REPORTING_KINDS:
            raise InvalidArgument(
                f"org unit {unit.id} is a {unit.kind}; reports are by street/town and up", "org_unit_id"
            )
        today = datetime.now(ZoneInfo(self.zone)).date()
        if week + timedelta(days=7) > today:
            raise FailedPrecondition(f"the week of {week} has not ended yet", "week_start")
        workflow_id = contract.weekly_reports_workflow_id(str(unit.id), week.isoformat())
        try:
            await self.temporal.start_workflow(
                contract.WEEKLY_REPORTS_WORKFLOW,
                contract.WeeklyReportsInput(org_unit_id=str(unit.id), week_start=week.isoformat(), timezone=self.zone),
                id=workflow_id,
                task_queue=self.task_queue,
                # Producing again is allowed (the stored reports are kept); never two at once.
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                rpc_timeout=timedelta(seconds=5),
            )
        except WorkflowAlreadyStartedError:
            pass  # running now: the caller waits for that one
        except (RPCError, RuntimeError, OSError) as exc:
            raise Unavailable("Temporal is unreachable; retry later") from exc
        return pb.ProduceWeeklyReportsResponse(workflow_id=workflow_id)

    async def ProduceYearlyServiceReports(
        self, request: pb.ProduceYearlyServiceReportsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ProduceYearlyServiceReportsResponse:
        caller = current_caller()
        validate.request_id(request.request_id)  # the workflow id makes the retry safe
        if not 2000 <= request.year < datetime.now(ZoneInfo(self.zone)).year:
            raise InvalidArgument("must be a year that has ended, 2000 or later", "year")
        unit = await self._unit(caller, request.org_unit_id)
        workflow_id = contract.yearly_reports_workflow_id(str(unit.id), request.year)
        try:
            await self.temporal.start_workflow(
                contract.YEARLY_REPORTS_WORKFLOW,
                contract.YearlyReportsInput(org_unit_id=str(unit.id), year=request.year, timezone=self.zone),
                id=workflow_id,
                task_queue=self.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                rpc_timeout=timedelta(seconds=5),
            )
        except WorkflowAlreadyStartedError:
            pass
        except (RPCError, RuntimeError, OSError) as exc:
            raise Unavailable("Temporal is unreachable; retry later") from exc
        return pb.ProduceYearlyServiceReportsResponse(workflow_id=workflow_id)

    async def GetYearlyServiceReport(
        self, request: pb.GetYearlyServiceReportRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetYearlyServiceReportResponse:
        caller = current_caller()
        if request.team_member_id.strip():
            return await self._yearly_of_team_volunteer(caller, request)
        member_id = validate.entity_id("member_id", request.member_id)
        assert member_id is not None
        if not 2000 <= request.year <= 2100:
            raise InvalidArgument("must be a year between 2000 and 2100", "year")
        member = await self.registry.member(member_id)
        if member is None:
            raise NotFound(f"no member {member_id}", "member_id")
        if caller.role == Role.MEMBER:
            access.require_self(caller, member_id, "member_id", "read only their own yearly report")
        else:
            require_member_in_scope(caller, member)
        stored = await self.reports.yearly(member_id, request.year)
        if stored is None:
            raise NotFound(f"no yearly report of member {member_id} for {request.year} (yet)", "year")
        return pb.GetYearlyServiceReportResponse(
            report=json_format.ParseDict(stored, pb.YearlyServiceReport(), ignore_unknown_fields=True)
        )

    async def _yearly_of_team_volunteer(
        self, caller: Caller, request: pb.GetYearlyServiceReportRequest
    ) -> pb.GetYearlyServiceReportResponse:
        """A team volunteer's year, for staff and systems in the team's scope; a member reads only their own."""
        if request.member_id.strip():
            raise InvalidArgument("give a member_id or a team_member_id, not both", "team_member_id")
        team_member_id = validate.entity_id("team_member_id", request.team_member_id)
        if not 2000 <= request.year <= 2100:
            raise InvalidArgument("must be a year between 2000 and 2100", "year")
        access.require_self(caller, "", "team_member_id", "read only their own yearly report")
        volunteer = await self.registry.team_member(team_member_id)
        if volunteer is None or volunteer.member_id is not None:
            raise NotFound(f"no team volunteer {team_member_id} who is not a member", "team_member_id")
        team = await self.registry.team(volunteer.team_id)
        unit = await self.registry.org_unit(team.org_unit_id) if team is not None else None
        assert unit is not None  # a team and its unit are never deleted
        require_unit_in_scope(caller, unit, "the team's unit")
        stored = await self.reports.yearly(team_member_id, request.year, team_volunteer=True)
        if stored is None:
            raise NotFound(f"no yearly report of team volunteer {team_member_id} for {request.year} (yet)", "year")
        return pb.GetYearlyServiceReportResponse(
            report=json_format.ParseDict(stored, pb.YearlyServiceReport(), ignore_unknown_fields=True)
        )

    async def ScheduleReports(
        self, request: pb.ScheduleReportsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ScheduleReportsResponse:
        caller = current_caller()
        validate.request_id(request.request_id)  # schedule ids make the retry safe
        unit = await self._unit(caller, request.org_unit_id)
        if unit.kind not in _REPORTING_KINDS:
            raise InvalidArgument(
                f"org unit {unit.id} is a {unit.kind}; reports are by street/town and up", "org_unit_id"
            )
        created = []
        for schedule_id, schedule in contract.report_schedules(str(unit.id), self.zone, self.task_queue):
            try:
                await self.temporal.create_schedule(schedule_id, schedule)
            except ScheduleAlreadyRunningError:
                pass
            except (RPCError, RuntimeError, OSError) as exc:
                raise Unavailable("Temporal is unreachable; retry with the same request_id") from exc
            created.append(schedule_id)
        return pb.ScheduleReportsResponse(schedule_ids=created)

    async def StoreWeeklyReport(
        self, request: pb.StoreWeeklyReportRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.StoreWeeklyReportResponse:
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        week = parse_week("report.week_start", request.report.week_start)
        unit = await self._unit(caller, request.report.org_unit_id, "report.org_unit_id")
        report = pb.WeeklyReport()
        report.CopyFrom(request.report)
        report.produce_time.FromDatetime(datetime.now(UTC))
        stored, created = await self.reports.store_weekly(caller, request_id, unit.id, week, _as_dict(report))
        if created:
            REPORTS_STORED.labels("weekly").inc()
        return pb.StoreWeeklyReportResponse(report=_weekly_message(stored), created=created)

    async def StoreYearlyServiceReports(
        self, request: pb.StoreYearlyServiceReportsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.StoreYearlyServiceReportsResponse:
        caller = current_caller()
        access.require_whole_deployment(caller, "store yearly reports")
        validate.request_id(request.request_id)
        if len(request.reports) > MAX_YEARLY_BATCH:
            raise InvalidArgument(f"at most {MAX_YEARLY_BATCH} reports a call", "reports")
        now = datetime.now(UTC)
        reports: list[pb.YearlyServiceReport] = []
        volunteer_rows: list[tuple[int, int, dict[str, Any]]] = []
        for i, given in enumerate(request.reports):
            # A member's, or a team volunteer's who is not a member (kept apart).
            volunteer = bool(given.team_member_id.strip())
            if volunteer and given.member_id.strip():
                raise InvalidArgument("give a member_id or a team_member_id, not both", f"reports[{i}].team_member_id")
            field = f"reports[{i}].team_member_id" if volunteer else f"reports[{i}].member_id"
            who = validate.entity_id(field, given.team_member_id if volunteer else given.member_id)
            if not 2000 <= given.year <= 2100:
                raise InvalidArgument("must be a year between 2000 and 2100", f"reports[{i}].year")
            report = pb.YearlyServiceReport()
            report.CopyFrom(given)
            report.produce_time.FromDatetime(now)
            if volunteer:
                # A team volunteer who is not a member makes no service commitment (服务承诺 is a member's).
                report.ClearField("commitment")
                report.commitment_met = False
                volunteer_rows.append((who, given.year, _as_dict(report)))
            else:
                report.member_id = str(who)
                reports.append(report)
        await fill_commitments(self.registry, reports)  # 服务承诺: what was committed, and whether it was met
        rows = [(int(r.member_id), r.year, _as_dict(r)) for r in reports]
        try:
            created = await self.reports.store_yearly(rows)
            created += await self.reports.store_yearly(volunteer_rows, team_volunteers=True)
        except asyncpg.ForeignKeyViolationError as exc:
            raise NotFound("a report names a member who does not exist", "reports") from exc
        if created:
            REPORTS_STORED.labels("yearly").inc(created)
        return pb.StoreYearlyServiceReportsResponse(created=created)
