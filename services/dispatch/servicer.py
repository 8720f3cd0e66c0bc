"""DispatchService over gRPC: matching, duty rosters and emergency alerts, each in its own module.

Handlers check the request and the caller's scope (the authorisation table, access.py, decides the roles), then
commit; an alert's state change also wakes the relay that tells the alert's EmergencyDispatch workflow.
"""

from __future__ import annotations

from typing import Any

import grpc
from linli.dispatch.v1 import audit_pb2, dispatch_pb2_grpc

from services.dispatch.alerts.servicer import AlertServicer
from services.dispatch.duty.servicer import DutyServicer
from services.dispatch.matching.servicer import MatchingServicer
from services.runtime.audit import list_audit_events


class DispatchServicer(MatchingServicer, DutyServicer, AlertServicer, dispatch_pb2_grpc.DispatchServiceServicer):
    """The whole service: every handler of the three sub-domains."""

    async def ListAuditEvents(
        self, request: audit_pb2.ListAuditEventsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> audit_pb2.ListAuditEventsResponse:
        """The dispatch schema's audit log: alerts', duty rosters' and activities' rows alike."""
        return await list_audit_events(
            self.store.pool, request, audit_pb2.ListAuditEventsResponse, audit_pb2.AuditEvent
        )
