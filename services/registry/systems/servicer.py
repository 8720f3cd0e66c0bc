"""CallingSystemService over gRPC: issues, lists, rotates and revokes calling systems' credentials (admins of the
whole deployment), and tells the services which tokens are revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from google.protobuf.duration_pb2 import Duration
from linli.registry.v1 import systems_pb2 as pb
from linli.registry.v1 import systems_pb2_grpc

from services.registry.lookups import require_member_in_scope, require_unit_in_scope
from services.registry.messages import after_id_of, page_of
from services.registry.store import RegistryStore
from services.registry.systems import domain
from services.registry.systems.domain import Credential, IssuedToken
from services.registry.systems.messages import credential_message
from services.registry.systems.store import SystemStore
from services.runtime import access, validate
from services.runtime.auth import WHOLE_DEPLOYMENT, Role, TokenPolicy, current_caller, issue_token
from services.runtime.convert import to_timestamp
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from services.runtime.token_keys import SigningKey


def _span(field: str, value: Duration, *, default: timedelta, longest: timedelta, zero_ok: bool = False) -> timedelta:
    span = value.ToTimedelta() if value.seconds or value.nanos else default
    if span < timedelta(0) or (span == timedelta(0) and not zero_ok):
        raise InvalidArgument("must be a positive duration", field)
    if span > longest:
        raise InvalidArgument(f"may be at most {int(longest.total_seconds())} seconds", field)
    return timedelta(seconds=int(span.total_seconds()))


class CallingSystemServicer(systems_pb2_grpc.CallingSystemServiceServicer):
    def __init__(
        self, store: SystemStore, registry: RegistryStore, key: SigningKey | None, policy: TokenPolicy
    ) -> None:
        self.store = store
        self.registry = registry
        self.key = key
        self.policy = policy

    def _issuer(self) -> SigningKey:
        if self.key is None or Role.SYSTEM.value not in self.key.roles:
            raise FailedPrecondition(
                "this registry holds no key that signs for calling systems (LINLI_SIGNING_KEY); credentials are "
                "issued where that key is"
            )
        return self.key

    def _token(self, credential: Credential, issued: IssuedToken) -> str:
        return domain.token_for(self._issuer(), self.policy, credential, issued, credential.methods)

    async def IssueCredential(
        self, request: pb.IssueCredentialRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.IssueCredentialResponse:
        caller = current_caller()
        access.require_whole_deployment(caller, "issue calling systems' credentials")
        request_id = validate.request_id(request.request_id)
        self._issuer()
        system = request.system.strip()
        if not domain.SYSTEM_NAME.match(system):
            raise InvalidArgument("must be 2-63 lower-case letters, digits or '-', e.g. hotline-12345", "system")
        description = validate.text(
            "description", request.description, max_length=domain.MAX_DESCRIPTION, required=False
        )
        scope = request.scope_org_unit_id.strip()
        if scope != WHOLE_DEPLOYMENT:
            unit_id = validate.entity_id("scope_org_unit_id", scope)
            if await self.registry.org_unit(unit_id) is None:
                raise NotFound(f"org unit {unit_id} does not exist", "scope_org_unit_id")
            scope = str(unit_id)
        methods = domain.checked_methods(request.methods)
        quota = domain.checked_quota(request.quota.calls_per_second, request.quota.burst, request.quota.max_streams)
        longest = timedelta(seconds=self.policy.max_lifetime_seconds)
        lifetime = _span("lifetime", request.lifetime, default=min(domain.DEFAULT_LIFETIME, longest), longest=longest)

        async def issue(conn: Connection) -> pb.IssueCredentialResponse:
            credential, _ = await self.store.issue(
                conn, caller, system, description, scope, methods, quota, lifetime, request.client_certificate
            )
            return pb.IssueCredentialResponse(credential=credential_message(credential))

        # The stored answer holds no token: a retry gets the same one made again from what is stored.
        answer = await self.registry.once(caller, request_id, "IssueCredential", pb.IssueCredentialResponse, issue)
        credential = await self.store.get(int(answer.credential.id))
        issued = await self.store.token(credential, 1)
        return pb.IssueCredentialResponse(credential=answer.credential, token=self._token(credential, issued))

    async def GetCredential(
        self, request: pb.GetCredentialRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetCredentialResponse:
        access.require_whole_deployment(current_caller(), "read calling systems' credentials")
        credential_id = validate.entity_id("credential_id", request.credential_id)
        return pb.GetCredentialResponse(credential=credential_message(await self.store.get(credential_id)))

    async def ListCredentials(
        self, request: pb.ListCredentialsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListCredentialsResponse:
        access.require_whole_deployment(current_caller(), "list calling systems' credentials")
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        query = {"credentials": True, "include_revoked": request.include_revoked}
        found = await self.store.page(after_id_of(request.page_token, query), page_size + 1, request.include_revoked)
        page, token = page_of(found, page_size, query, lambda c: [c.id])
        return pb.ListCredentialsResponse(credentials=[credential_message(c) for c in page], next_page_token=token)

    async def RotateCredential(
        self, request: pb.RotateCredentialRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RotateCredentialResponse:
        caller = current_caller()
        access.require_whole_deployment(caller, "rotate calling systems' credentials")
        request_id = validate.request_id(request.request_id)
        self._issuer()
        credential_id = validate.entity_id("credential_id", request.credential_id)
        overlap = _span("overlap", request.overlap, default=timedelta(0), longest=domain.MAX_OVERLAP, zero_ok=True)

        async def rotate(conn: Connection) -> pb.RotateCredentialResponse:
            credential, _ = await self.store.rotate(conn, caller, credential_id, overlap)
            return pb.RotateCredentialResponse(credential=credential_message(credential))

        answer = await self.registry.once(
            caller, request_id, "RotateCredential", pb.RotateCredentialResponse, rotate, f"credential:{credential_id}"
        )
        credential = await self.store.get(credential_id)
        generation = answer.credential.generation
        issued = await self.store.token(credential, generation)
        return pb.RotateCredentialResponse(credential=answer.credential, token=self._token(credential, issued))

    async def RevokeCredential(
        self, request: pb.RevokeCredentialRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RevokeCredentialResponse:
        caller = current_caller()
        access.require_whole_deployment(caller, "revoke calling systems' credentials")
        request_id = validate.request_id(request.request_id)
        credential_id = validate.entity_id("credential_id", request.credential_id)
        reason = validate.text("reason", request.reason, max_length=domain.MAX_DESCRIPTION)

        async def revoke(conn: Connection) -> pb.RevokeCredentialResponse:
            credential = await self.store.revoke(conn, caller, credential_id, reason)
            return pb.RevokeCredentialResponse(credential=credential_message(credential))

        return await self.registry.once(
            caller, request_id, "RevokeCredential", pb.RevokeCredentialResponse, revoke, f"credential:{credential_id}"
        )

    async def SyncCredentials(
        self, request: pb.SyncCredentialsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.SyncCredentialsResponse:
        access.require_whole_deployment(current_caller(), "read the revoked tokens")
        revoked = await self.store.credential_sync()
        return pb.SyncCredentialsResponse(
            tokens=[
                pb.RevokedToken(token_id=t, refused_from=to_timestamp(at)) for t, at in sorted(revoked.tokens.items())
            ],
            revoked_credential_ids=sorted(revoked.credentials),
            certificate_credentials=list(revoked.by_certificate.values()),
        )

    async def IssueUserToken(
        self, request: pb.IssueUserTokenRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.IssueUserTokenResponse:
        front_end = current_caller()
        key = self._issuer()
        lifetime = _span(
            "lifetime", request.lifetime, default=domain.USER_TOKEN_LIFETIME, longest=domain.MAX_USER_TOKEN_LIFETIME
        )
        if request.role == pb.USER_ROLE_MEMBER:
            member_id = validate.entity_id("subject", request.subject)
            member = await self.registry.member(member_id)
            if member is None or member.status != "active":
                raise NotFound(f"no active member {member_id}", "subject")
            require_member_in_scope(front_end, member)
            if request.scope_org_unit_id and request.scope_org_unit_id != str(member.community_id):
                raise InvalidArgument(
                    "a member's token is scoped to their community; leave it unset", "scope_org_unit_id"
                )
            role, subject, scope = Role.MEMBER, str(member.id), str(member.community_id)
        elif request.role == pb.USER_ROLE_STAFF:
            subject = request.subject.strip()
            if not domain.USER_SUBJECT.match(subject):
                raise InvalidArgument("must be 1-100 letters, digits or . _ @ - (the user's login)", "subject")
            unit_id = validate.entity_id("scope_org_unit_id", request.scope_org_unit_id)
            unit = await self.registry.org_unit(unit_id)
            if unit is None:
                raise NotFound(f"org unit {unit_id} does not exist", "scope_org_unit_id")
            require_unit_in_scope(front_end, unit, "the staff's org unit")
            role, scope = Role.STAFF, str(unit.id)
        else:
            raise InvalidArgument("is required: USER_ROLE_STAFF or USER_ROLE_MEMBER", "role")
        seconds = int(lifetime.total_seconds())
        token = issue_token(
            key,
            subject,
            role,
            scope,
            seconds,
            policy=self.policy,
            credential=front_end.credential,
            actor=front_end.subject,
        )
        expires = datetime.now(UTC) + lifetime
        return pb.IssueUserTokenResponse(token=token, expires_at=to_timestamp(expires), scope_org_unit_id=scope)
