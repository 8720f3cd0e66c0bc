"""Every replica of every service refuses a revoked credential's token within a minute: each reads the revoked token
ids every LINLI_REVOCATION_REFRESH (10 s) — the registry from its own tables, the others from the registry over gRPC
— and accepts calling systems' tokens only while what it read is under a minute old (auth.Revocations)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
from linli.registry.v1 import systems_pb2, systems_pb2_grpc

from services.runtime.auth import Caller, Quota, Revocations, Role
from services.runtime.db import CONNECTION_ERRORS
from services.runtime.metrics import REVOCATION_READ_FAILURES, REVOCATIONS_READ, REVOKED_TOKENS

log = logging.getLogger("linli.revocations")


@dataclass(frozen=True)
class CredentialSync:
    tokens: Mapping[str, datetime]  # token id → refused from
    credentials: frozenset[str]  # revoked credentials' ids
    # The credentials in force that a client certificate may stand for, by system name.
    by_certificate: Mapping[str, systems_pb2.Credential] = field(default_factory=dict)


RevokedTokens = Callable[[], Awaitable[CredentialSync]]


def from_registry(channel: grpc.aio.Channel) -> RevokedTokens:
    """The revoked tokens as the registry lists them (a service channel: the call is a service's)."""
    stub = systems_pb2_grpc.CallingSystemServiceStub(channel)

    async def read() -> CredentialSync:
        response = await stub.SyncCredentials(systems_pb2.SyncCredentialsRequest(), timeout=5)
        tokens = {t.token_id: t.refused_from.ToDatetime() for t in response.tokens}
        by_certificate = {c.system: c for c in response.certificate_credentials}
        return CredentialSync(tokens, frozenset(response.revoked_credential_ids), by_certificate)

    return read


async def read_once(revocations: Revocations, source: RevokedTokens) -> bool:
    try:
        found = await source()
    except CONNECTION_ERRORS + (grpc.RpcError,) as error:
        REVOCATION_READ_FAILURES.inc()
        log.warning("could not read the revoked tokens; keeping the last list", extra={"error": repr(error)[:200]})
        return False
    revocations.replace(
        {token_id: _epoch(at) for token_id, at in found.tokens.items()},
        credentials=found.credentials,
        by_certificate={name: certificate_caller(c) for name, c in found.by_certificate.items()},
    )
    REVOCATIONS_READ.set_to_current_time()
    REVOKED_TOKENS.set(len(found.tokens))
    return True


async def keep_fresh(revocations: Revocations, source: RevokedTokens, every: timedelta) -> None:
    while True:
        await read_once(revocations, source)
        await asyncio.sleep(every.total_seconds())


def _epoch(moment: datetime) -> float:
    # ToDatetime() is naive UTC; asyncpg's timestamptz is aware.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def certificate_caller(credential: systems_pb2.Credential) -> Caller:
    """The caller a client certificate of the credential's system stands for: as its token would, less a token."""
    quota = credential.quota
    return Caller(
        f"system:{credential.system}",
        Role.SYSTEM,
        credential.scope_org_unit_id,
        token_id=f"certificate-{credential.id}",
        credential=credential.id,
        methods=frozenset(credential.methods),
        quota=Quota(quota.calls_per_second, quota.burst, quota.max_streams),
    )
