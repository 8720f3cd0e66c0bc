"""The SQL of calling systems' credentials and the tokens they were given. Every change is audited in the same
transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from services.registry.systems.domain import Credential, IssuedToken, token_id
from services.registry.systems.messages import credential_message
from services.runtime.audit import write_audit
from services.runtime.auth import Caller, Quota
from services.runtime.db import Connection, one_row
from services.runtime.errors import FailedPrecondition, NotFound
from services.runtime.revocations import CredentialSync

_COLUMNS = """id, system, description, scope, methods, calls_per_second, burst, max_streams, issued_at, issued_by,
    expires_at, generation, revoked_at, revoked_by, revoke_reason, client_certificate"""


def _credential(row: asyncpg.Record) -> Credential:
    return Credential(
        id=row["id"],
        system=row["system"],
        description=row["description"],
        scope=row["scope"],
        methods=tuple(row["methods"]),
        quota=Quota(row["calls_per_second"], row["burst"], row["max_streams"]),
        issued_at=row["issued_at"],
        issued_by=row["issued_by"],
        expires_at=row["expires_at"],
        generation=row["generation"],
        revoked_at=row["revoked_at"],
        revoked_by=row["revoked_by"],
        revoke_reason=row["revoke_reason"],
        client_certificate=row["client_certificate"],
    )


class SystemStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def issue(
        self,
        conn: Connection,
        caller: Caller,
        system: str,
        description: str,
        scope: str,
        methods: tuple[str, ...],
        quota: Quota,
        lifetime: timedelta,
        client_certificate: bool,
    ) -> tuple[Credential, IssuedToken]:
        row = await one_row(
            conn,
            f"""insert into credentials (system, description, scope, methods, calls_per_second, burst, max_streams,
                    issued_by, expires_at, client_certificate)
                values ($1, $2, $3, $4, $5, $6, $7, $8, date_trunc('second', now()) + $9, $10)
                returning {_COLUMNS}""",
            system,
            description,
            scope,
            list(methods),
            quota.calls_per_second,
            quota.burst,
            quota.max_streams,
            caller.subject,
            lifetime,
            client_certificate,
        )
        credential = _credential(row)
        issued = await self._add_token(conn, credential)
        await write_audit(
            conn,
            caller,
            "credential.issue",
            "credential",
            credential.id,
            system=system,
            scope=scope,
            methods=list(methods),
            expires_at=credential.expires_at.isoformat(),
            token_id=issued.token_id,
        )
        return credential, issued

    async def _add_token(self, conn: Connection, credential: Credential) -> IssuedToken:
        row = await one_row(
            conn,
            """insert into credential_tokens (token_id, credential_id, generation, issued_at, expires_at)
               values ($1, $2, $3, date_trunc('second', now()), $4)
               returning token_id, issued_at, expires_at""",
            token_id(credential.id, credential.generation),
            credential.id,
            credential.generation,
            credential.expires_at,
        )
        return IssuedToken(row["token_id"], row["issued_at"], row["expires_at"])

    async def get(self, credential_id: int, conn: Connection | None = None, *, lock: bool = False) -> Credential:
        query = f"select {_COLUMNS} from credentials where id = $1" + (" for update" if lock else "")
        if conn is None:
            async with self.pool.acquire() as own:
                row = await own.fetchrow(query, credential_id)
        else:
            row = await conn.fetchrow(query, credential_id)
        if row is None:
            raise NotFound(f"credential {credential_id} does not exist", "credential_id")
        return _credential(row)

    async def token(self, credential: Credential, generation: int) -> IssuedToken:
        """One of the tokens the credential was given: 1 at issue, one more at each rotation."""
        async with self.pool.acquire() as conn:
            row = await one_row(
                conn,
                """select token_id, issued_at, expires_at from credential_tokens
                   where credential_id = $1 and generation = $2""",
                credential.id,
                generation,
            )
        return IssuedToken(row["token_id"], row["issued_at"], row["expires_at"])

    async def page(self, after_id: int, limit: int, include_revoked: bool) -> list[Credential]:
        """Newest first: ids below `after_id` (0 for the first page)."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"""select {_COLUMNS} from credentials
                    where ($1 = 0 or id < $1) and ($3 or revoked_at is null)
                    order by id desc limit $2""",
                after_id,
                limit,
                include_revoked,
            )
        return [_credential(row) for row in rows]

    async def rotate(
        self, conn: Connection, caller: Caller, credential_id: int, overlap: timedelta
    ) -> tuple[Credential, IssuedToken]:
        current = await self.get(credential_id, conn, lock=True)
        _require_in_force(current)
        await conn.execute(
            """update credential_tokens set refused_from = now() + $2
               where credential_id = $1 and refused_from is null""",
            credential_id,
            overlap,
        )
        row = await one_row(
            conn,
            f"update credentials set generation = generation + 1 where id = $1 returning {_COLUMNS}",
            credential_id,
        )
        credential = _credential(row)
        issued = await self._add_token(conn, credential)
        await write_audit(
            conn,
            caller,
            "credential.rotate",
            "credential",
            credential_id,
            generation=credential.generation,
            previous_refused_in_seconds=int(overlap.total_seconds()),
            token_id=issued.token_id,
        )
        return credential, issued

    async def revoke(self, conn: Connection, caller: Caller, credential_id: int, reason: str) -> Credential:
        current = await self.get(credential_id, conn, lock=True)
        if current.revoked_at is not None:
            return current  # revoking twice changes nothing
        await conn.execute(
            """update credential_tokens set refused_from = least(coalesce(refused_from, now()), now())
               where credential_id = $1""",
            credential_id,
        )
        row = await one_row(
            conn,
            f"""update credentials set revoked_at = now(), revoked_by = $2, revoke_reason = $3 where id = $1
                returning {_COLUMNS}""",
            credential_id,
            caller.subject,
            reason,
        )
        await write_audit(conn, caller, "credential.revoke", "credential", credential_id, reason=reason)
        return _credential(row)

    async def credential_sync(self) -> CredentialSync:
        """Token ids refused from a moment on, while they have not expired (an expired one is refused anyway), the
        revoked credentials that have not expired, and the credentials in force that accept client certificates."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                """select token_id, refused_from from credential_tokens
                   where refused_from is not null and expires_at > now()"""
            )
            revoked = await conn.fetch("select id from credentials where revoked_at is not null and expires_at > now()")
            by_certificate = await conn.fetch(
                f"""select {_COLUMNS} from credentials
                    where client_certificate and revoked_at is null and expires_at > now() order by id"""
            )
        return CredentialSync(
            {row["token_id"]: row["refused_from"] for row in rows},
            frozenset(str(row["id"]) for row in revoked),
            # The newest credential of a system wins should there be two.
            {row["system"]: credential_message(_credential(row)) for row in by_certificate},
        )


def _require_in_force(credential: Credential) -> None:
    if credential.revoked_at is not None:
        raise FailedPrecondition(f"credential {credential.id} is revoked; issue a new one", "credential_id")
    if credential.expires_at <= datetime.now(credential.expires_at.tzinfo):
        raise FailedPrecondition(f"credential {credential.id} has expired; issue a new one", "credential_id")
