"""Calling systems' credentials as messages."""

from __future__ import annotations

from linli.registry.v1 import systems_pb2 as pb

from services.registry.systems.domain import Credential
from services.runtime.convert import to_timestamp


def credential_message(credential: Credential) -> pb.Credential:
    quota = credential.quota
    return pb.Credential(
        id=str(credential.id),
        system=credential.system,
        description=credential.description,
        scope_org_unit_id=credential.scope,
        methods=list(credential.methods),
        quota=pb.Quota(calls_per_second=quota.calls_per_second, burst=quota.burst, max_streams=quota.max_streams),
        issued_at=to_timestamp(credential.issued_at),
        issued_by=credential.issued_by,
        expires_at=to_timestamp(credential.expires_at),
        generation=credential.generation,
        revoked_at=to_timestamp(credential.revoked_at),
        revoked_by=credential.revoked_by or "",
        revoke_reason=credential.revoke_reason or "",
        client_certificate=credential.client_certificate,
    )
