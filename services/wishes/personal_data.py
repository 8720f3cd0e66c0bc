"""The residents' personal data of wishes: revealed to staff in scope so they can reach the resident, and re-sealed
under the active key after a rotation — each audited, as the registry does for members; and the audit log itself,
read by the deployment's admins (docs/audit.md)."""

from __future__ import annotations

from typing import Any

import grpc
from linli.wishes.v1 import audit_pb2
from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime import access, validate
from services.runtime.audit import list_audit_events
from services.runtime.auth import current_caller
from services.runtime.errors import NotFound
from services.wishes import domain
from services.wishes.handling import WishHandling
from services.wishes.store import RESIDENT_FIELDS

_NAME_FIELD, _CONTACT_FIELD = (field for _, field in RESIDENT_FIELDS)


class PersonalData(WishHandling):
    async def RevealWishResident(
        self, request: pb.RevealWishResidentRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RevealWishResidentResponse:
        caller = current_caller()
        reason = validate.text("reason", request.reason, max_length=domain.MAX_REASON)
        wish = await self._wish(request.wish_id)
        await self._require_in_scope(caller, wish)
        try:
            name_sealed, contact_sealed = await self.store.sealed_resident(caller, wish.id, reason)
        except LookupError as exc:
            raise NotFound(f"no wish {wish.id}", "wish_id") from exc
        return pb.RevealWishResidentResponse(
            wish_id=str(wish.id),
            resident_name=self.cipher.open(name_sealed, _NAME_FIELD),
            resident_contact=self.cipher.open(contact_sealed, _CONTACT_FIELD) if contact_sealed else "",
        )

    async def RotatePersonalDataKeys(
        self, request: pb.RotatePersonalDataKeysRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RotatePersonalDataKeysResponse:
        caller = current_caller()
        # Every wish of the deployment is re-sealed: only a deployment-wide admin covers them all.
        access.require_whole_deployment(caller, "rotate the personal data keys")
        batch = validate.page_size("batch_size", request.batch_size, default=1000, maximum=10_000)
        cipher = self.cipher

        def reseal(blob: bytes, field: str) -> bytes:
            return cipher.seal(cipher.open(blob, field), field)

        resealed, remaining = await self.store.reseal_batch(cipher.active_key_id, batch, reseal)
        await self.store.audit(caller, "rotate_personal_data_keys", "key", cipher.active_key_id, resealed=resealed)
        return pb.RotatePersonalDataKeysResponse(
            resealed=resealed, remaining=remaining, active_key_id=cipher.active_key_id
        )

    async def ListAuditEvents(
        self, request: audit_pb2.ListAuditEventsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> audit_pb2.ListAuditEventsResponse:
        return await list_audit_events(
            self.store.pool, request, audit_pb2.ListAuditEventsResponse, audit_pb2.AuditEvent
        )
