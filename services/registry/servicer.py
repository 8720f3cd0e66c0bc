"""RegistryService over gRPC: checks the request and the caller's scope, then asks the store. Who may call each
method is decided by the authorisation table (services/registry/access.py), enforced by the call interceptor.

The handlers live by sub-domain beside this file; `RegistryServicer` is all of them together."""

from __future__ import annotations

from typing import Any

import grpc
from linli.registry.v1 import audit_pb2, registry_pb2_grpc

from services.registry.commitments.servicer import CommitmentCalls
from services.registry.groups.servicer import GroupCalls
from services.registry.imports.org_servicer import OrgImportCalls
from services.registry.imports.servicer import ImportCalls, ImportLimits
from services.registry.members.retention import MemberRetention
from services.registry.members.servicer import MemberCalls
from services.registry.org_tree.servicer import OrgTreeCalls
from services.registry.service_records.exports import RecordExports
from services.registry.store import RegistryStore
from services.runtime.audit import list_audit_events
from services.runtime.pii import PersonalDataCipher


class RegistryServicer(
    OrgTreeCalls,
    MemberCalls,
    GroupCalls,
    RecordExports,
    ImportCalls,
    CommitmentCalls,
    OrgImportCalls,
    MemberRetention,
    registry_pb2_grpc.RegistryServiceServicer,
):
    def __init__(
        self,
        store: RegistryStore,
        cipher: PersonalDataCipher,
        *,
        import_chunk_rows: int | None = None,
        import_limits: ImportLimits | None = None,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        super().__init__(store, cipher)
        self.timezone = timezone  # LINLI_TIMEZONE: the year of a service commitment is the deployment's
        limits = import_limits or ImportLimits()
        if import_chunk_rows is not None:
            limits = ImportLimits(limits.rows, limits.bytes, limits.receive_seconds, import_chunk_rows)
        self.import_limits = limits

    async def ListAuditEvents(
        self, request: audit_pb2.ListAuditEventsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> audit_pb2.ListAuditEventsResponse:
        """The registry schema's audit log: members', the org tree's, reports' and calling systems' rows alike."""
        return await list_audit_events(
            self.store.pool, request, audit_pb2.ListAuditEventsResponse, audit_pb2.AuditEvent
        )
