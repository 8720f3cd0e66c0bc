"""DispatchService over gRPC: matching, duty rosters and emergency alerts, each in its own module.

Handlers check the request and the caller's scope (the authorisation table, access.py, decides the roles), then
commit; an alert's state change also wakes the relay that tells the alert's EmergencyDispatch workflow.
"""

from __future__ import annotations

from typing import Any

import grpc
from linli.dispatch.v1 import audit_pb2, dispatch_pb2, dispatch_pb2_grpc

from services.dispatch.alerts.servicer import AlertServicer
from services.dispatch.duty.servicer import DutyServicer
from services.dispatch.matching.servicer import MatchingServicer
from services.runtime import access, validate
from services.runtime.audit import list_audit_events
from services.runtime.auth import current_caller
from services.runtime.config import Retention
from services.runtime.retention import ERASED, Erasure, erase_expired

ALERT_ADDRESS_ERASURE = Erasure(
    service="dispatch",
    kind="alert_address",
    subject_kind="alert",
    pick="""select id from alerts
            where personal_data_erased_at is null and closed_at is not null
              and closed_at < now() - make_interval(days => $1) and state in ('resolved', 'cancelled')
            order by closed_at, id""",
    erase=f"""update alerts set address = '', device_id = '', address_sealed = null, device_id_sealed = null,
                 address_masked = case when address_masked = '' then '' else '{ERASED}' end,
                 device_id_masked = case when device_id_masked = '' then '' else '{ERASED}' end,
                 personal_data_erased_at = now()
             where id = any($1::bigint[])""",
)


class DispatchServicer(MatchingServicer, DutyServicer, AlertServicer, dispatch_pb2_grpc.DispatchServiceServicer):
    """The whole service: every handler of the three sub-domains."""

    retention = Retention()  # the deployment's, set at start-up (services/dispatch/__main__.py)

    async def EraseExpiredPersonalData(
        self, request: dispatch_pb2.EraseExpiredPersonalDataRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> dispatch_pb2.EraseExpiredPersonalDataResponse:
        """Closed alerts' addresses and device ids, LINLI_RETAIN_ALERT_ADDRESS_DAYS after closing."""
        caller = current_caller()
        access.require_whole_deployment(caller, "erase expired personal data")
        batch = validate.page_size("batch_size", request.batch_size, default=1000, maximum=10_000)
        erased, more = await erase_expired(
            self.store.pool, caller, ALERT_ADDRESS_ERASURE, (self.retention.alert_address_days,), batch
        )
        return dispatch_pb2.EraseExpiredPersonalDataResponse(erased=erased, more=more)

    async def ListAuditEvents(
        self, request: audit_pb2.ListAuditEventsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> audit_pb2.ListAuditEventsResponse:
        """The dispatch schema's audit log: alerts', duty rosters' and activities' rows alike."""
        return await list_audit_events(
            self.store.pool, request, audit_pb2.ListAuditEventsResponse, audit_pb2.AuditEvent
        )
