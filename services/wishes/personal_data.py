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
from services.runtime.retention import ERASED, Erasure, erase_expired
from services.wishes import domain
from services.wishes.handling import WishHandling
from services.wishes.store import RESIDENT_FIELDS

_NAME_FIELD, _CONTACT_FIELD = (field for _, field in RESIDENT_FIELDS)


RESIDENT_ERASURE = Erasure(
    service="wishes",
    kind="wish_resident",
    subject_kind="wish",
    # Any closing state: closed_at is set by every one (rejected, closed, withdrawn, not feasible, …).
    pick="""select id from wishes
            where personal_data_erased_at is null and closed_at is not null
              and closed_at < now() - make_interval(months => $1) and state = any($2::text[])
            order by closed_at, id""",
    erase=f"""update wishes set resident_name_sealed = null, resident_contact_sealed = null,
                 resident_name_masked = '{ERASED}',
                 resident_contact_masked = case when resident_contact_masked = '' then '' else '{ERASED}' end,
                 personal_data_erased_at = now()
             where id = any($1::bigint[])""",
)


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
            # Erased once the wish had been closed long enough (EraseExpiredPersonalData): said so, never a failure.
            resident_name=self.cipher.open(name_sealed, _NAME_FIELD) if name_sealed else ERASED,
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

    async def EraseExpiredPersonalData(
        self, request: pb.EraseExpiredPersonalDataRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.EraseExpiredPersonalDataResponse:
        caller = current_caller()
        access.require_whole_deployment(caller, "erase expired personal data")
        batch = validate.page_size("batch_size", request.batch_size, default=1000, maximum=10_000)
        erased, more = await erase_expired(
            self.store.pool,
            caller,
            RESIDENT_ERASURE,
            (self.retention.resident_months, sorted(domain.CLOSED_STATES)),
            batch,
        )
        return pb.EraseExpiredPersonalDataResponse(erased=erased, more=more)

    async def ListAuditEvents(
        self, request: audit_pb2.ListAuditEventsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> audit_pb2.ListAuditEventsResponse:
        return await list_audit_events(
            self.store.pool, request, audit_pb2.ListAuditEventsResponse, audit_pb2.AuditEvent
        )
