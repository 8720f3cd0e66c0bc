"""The authorisation matrix's requests for CallingSystemService's methods (see __init__.py)."""

from __future__ import annotations

from linli.registry.v1 import systems_pb2 as pb

from services.runtime.auth import Role
from tests.e2e.helpers.authorisation_cases import Place, World, case, request_id

S = "linli.registry.v1.CallingSystemService/"


async def credential(world: World, place: Place) -> str:
    issued = await world.api.systems.IssueCredential(
        pb.IssueCredentialRequest(
            request_id=request_id(), system="matrix-system", scope_org_unit_id=place.street_id, methods=["GetOrgUnit"]
        ),
        metadata=world.api.admin,
    )
    return issued.credential.id


@case(S + "IssueCredential")
async def issue_credential(world: World, place: Place, role: Role) -> pb.IssueCredentialRequest:
    return pb.IssueCredentialRequest(
        request_id=request_id(), system="matrix-system", scope_org_unit_id=place.street_id, methods=["GetOrgUnit"]
    )


@case(S + "GetCredential")
async def get_credential(world: World, place: Place, role: Role) -> pb.GetCredentialRequest:
    return pb.GetCredentialRequest(credential_id=await credential(world, place))


@case(S + "ListCredentials")
async def list_credentials(world: World, place: Place, role: Role) -> pb.ListCredentialsRequest:
    return pb.ListCredentialsRequest(page_size=5)


@case(S + "RotateCredential")
async def rotate_credential(world: World, place: Place, role: Role) -> pb.RotateCredentialRequest:
    return pb.RotateCredentialRequest(request_id=request_id(), credential_id=await credential(world, place))


@case(S + "RevokeCredential")
async def revoke_credential(world: World, place: Place, role: Role) -> pb.RevokeCredentialRequest:
    return pb.RevokeCredentialRequest(
        request_id=request_id(), credential_id=await credential(world, place), reason="matrix"
    )


@case(S + "SyncCredentials")
async def list_credential_sync(world: World, place: Place, role: Role) -> pb.SyncCredentialsRequest:
    return pb.SyncCredentialsRequest()


@case(S + "IssueUserToken")
async def issue_user_token(world: World, place: Place, role: Role) -> pb.IssueUserTokenRequest:
    return pb.IssueUserTokenRequest(
        role=pb.USER_ROLE_STAFF, subject="matrix.staff", scope_org_unit_id=place.community_id
    )
