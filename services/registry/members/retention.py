"""RegistryService's EraseExpiredPersonalData: a member deregistered LINLI_RETAIN_DEREGISTERED_MONTHS ago has their
name, phone and ID number erased, with their look-up hashes (so LookupMember no longer finds them). The record, its
residences and its service records stay, so the registry's figures and the reports are unchanged."""

from __future__ import annotations

from typing import Any

import grpc
from linli.registry.v1 import registry_pb2 as pb

from services.registry.lookups import Lookups
from services.runtime import access, validate
from services.runtime.auth import current_caller
from services.runtime.config import Retention
from services.runtime.retention import ERASED, Erasure, erase_expired

MEMBER_ERASURE = Erasure(
    service="registry",
    kind="deregistered_member",
    subject_kind="member",
    pick="""select id from members
            where personal_data_erased_at is null and status = 'deregistered'
              and deregistered_at < now() - make_interval(months => $1)
            order by deregistered_at, id""",
    erase=f"""update members set name = '{ERASED}', phone_sealed = null, phone_hash = null,
                 phone_masked = '{ERASED}', id_number_sealed = null, id_number_hash = null,
                 id_number_masked = '{ERASED}', personal_data_erased_at = now()
             where id = any($1::bigint[])""",
)


class MemberRetention(Lookups):
    retention = Retention()  # the deployment's, set at start-up (services/registry/__main__.py)

    async def EraseExpiredPersonalData(
        self, request: pb.EraseExpiredPersonalDataRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.EraseExpiredPersonalDataResponse:
        caller = current_caller()
        access.require_whole_deployment(caller, "erase expired personal data")
        batch = validate.page_size("batch_size", request.batch_size, default=1000, maximum=10_000)
        erased, more = await erase_expired(
            self.store.pool, caller, MEMBER_ERASURE, (self.retention.deregistered_months,), batch
        )
        return pb.EraseExpiredPersonalDataResponse(erased=erased, more=more)
