"""The authorisation matrix's requests for the ledger (纪实 lists and exports, the yearly reports' export) and for every
service's audit log (see __init__.py)."""

from __future__ import annotations

from linli.dispatch.v1 import audit_pb2 as dispatch_audit
from linli.registry.v1 import audit_pb2 as registry_audit
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import reports_pb2 as rep
from linli.wishes.v1 import audit_pb2 as wishes_audit

from services.runtime.auth import Role
from tests.e2e.helpers.authorisation_cases import Place, World, case
from tests.e2e.helpers.authorisation_cases.registry import REPORTS, YEAR, R


@case(R + "ListServiceRecords")
async def list_service_records(world: World, place: Place, role: Role) -> reg.ListServiceRecordsRequest:
    # A member asks for their own records (the only ones a member may list); everyone else for the street's.
    if role == Role.MEMBER:
        return reg.ListServiceRecordsRequest(member_id=place.member_id)
    return reg.ListServiceRecordsRequest(org_unit_id=place.street_id, kind=reg.SERVICE_KIND_OTHER)


@case(R + "ExportServiceRecords")
async def export_service_records(world: World, place: Place, role: Role) -> reg.ExportServiceRecordsRequest:
    return reg.ExportServiceRecordsRequest(org_unit_id=place.community_id)


@case(REPORTS + "ExportYearlyServiceReports")
async def export_yearly(world: World, place: Place, role: Role) -> rep.ExportYearlyServiceReportsRequest:
    return rep.ExportYearlyServiceReportsRequest(org_unit_id=place.street_id, year=YEAR)


@case(R + "ListAuditEvents")
async def registry_audit_events(world: World, place: Place, role: Role) -> registry_audit.ListAuditEventsRequest:
    return registry_audit.ListAuditEventsRequest(action="export_members", page_size=5)


@case("linli.wishes.v1.WishService/ListAuditEvents")
async def wishes_audit_events(world: World, place: Place, role: Role) -> wishes_audit.ListAuditEventsRequest:
    return wishes_audit.ListAuditEventsRequest(object_type="wish", page_size=5)


@case("linli.dispatch.v1.DispatchService/ListAuditEvents")
async def dispatch_audit_events(world: World, place: Place, role: Role) -> dispatch_audit.ListAuditEventsRequest:
    return dispatch_audit.ListAuditEventsRequest(actor="matrix-admin-everywhere", page_size=5)
