"""DispatchService over gRPC: matching, duty rosters and emergency alerts, each in its own module.

Handlers check the request and the caller's scope (the authorisation table, access.py, decides the roles), then
commit; an alert's state change also wakes the relay that tells the alert's EmergencyDispatch workflow.
"""

from __future__ import annotations

from linli.dispatch.v1 import dispatch_pb2_grpc

from services.dispatch.alerts.servicer import AlertServicer
from services.dispatch.duty.servicer import DutyServicer
from services.dispatch.matching.servicer import MatchingServicer


class DispatchServicer(MatchingServicer, DutyServicer, AlertServicer, dispatch_pb2_grpc.DispatchServiceServicer):
    """The whole service: every handler of the three sub-domains."""
