"""Calling systems' credentials over gRPC: one issued by an admin may call only the methods it names, in its scope;
revoked, it is refused by every service within seconds; rotated, the old token goes after its overlap; every issue,
revocation and refused use is audited; and one system's burst is refused by its quota while another is served."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import grpc
from google.protobuf.duration_pb2 import Duration
from google.rpc import error_details_pb2, status_pb2
from linli.dispatch.v1 import dispatch_pb2
from linli.registry.v1 import registry_pb2 as reg
from linli.registry.v1 import systems_pb2 as sys_pb
from linli.wishes.v1 import wishes_pb2 as wish
from linli.wishes.v1 import wishes_pb2_grpc

from devstack.client import Api
from devstack.stack import REPO, LocalStack
from services.runtime.auth import Role
from tests.e2e.helpers.checks import eventually, refused
from tests.e2e.helpers.community import Community, make_community, register_member
from tests.e2e.helpers.ids import new_request_id

Metadata = tuple[tuple[str, str], ...]


def _days(n: int) -> Duration:
    return Duration(seconds=n * 86400)


async def _issue(
    api: Api, system: str, scope: str, methods: list[str], quota: sys_pb.Quota | None = None
) -> tuple[sys_pb.Credential, Metadata]:
    issued = await api.systems.IssueCredential(
        sys_pb.IssueCredentialRequest(
            request_id=new_request_id(),
            system=system,
            scope_org_unit_id=scope,
            methods=methods,
            lifetime=_days(30),
            quota=quota,
        ),
        metadata=api.admin,
    )
    return issued.credential, (("authorization", f"Bearer {issued.token}"),)


def _submit(community: Community) -> wish.SubmitWishRequest:
    return wish.SubmitWishRequest(
        request_id=new_request_id(),
        community_id=community.community_id,
        text="楼道灯坏了，老人晚上看不见",
        source=wish.WISH_SOURCE_HOTLINE,
        resident_name="李四",
        resident_contact="13800002222",
    )


async def _audit(stack: LocalStack, schema: str, action: str, credential_id: str) -> list[asyncpg.Record]:
    assert stack.database_url
    conn = await asyncpg.connect(stack.database_url)
    try:
        return await conn.fetch(
            f"select actor, detail from {schema}.audit_log where action = $1 and subject_id = $2 order by id",
            action,
            credential_id,
        )
    finally:
        await conn.close()


async def test_a_credential_calls_only_its_methods_in_its_scope(api: Api, stack: LocalStack) -> None:
    community, elsewhere = await make_community(api), await make_community(api)
    credential, hotline = await _issue(
        api, "hotline-12345", community.street_id, ["SubmitWish", "GetWish", "linli.wishes.v1.WishService/ListWishes"]
    )
    assert credential.methods == ["GetWish", "ListWishes", "SubmitWish"] and credential.generation == 1
    submitted = await api.wishes.SubmitWish(_submit(community), metadata=hotline)
    fetched = await api.wishes.GetWish(wish.GetWishRequest(wish_id=submitted.wish.id), metadata=hotline)
    assert fetched.wish.id == submitted.wish.id
    # Methods it does not name are refused on every service, naming the method.
    await refused(
        api.registry.ImportMembers(iter([reg.ImportMembersRequest(request_id="r1")]), metadata=hotline),
        grpc.StatusCode.PERMISSION_DENIED,
        "ImportMembers",
    )
    await refused(
        api.dispatch.GetAlert(dispatch_pb2.GetAlertRequest(alert_id="1"), metadata=hotline),
        grpc.StatusCode.PERMISSION_DENIED,
        "GetAlert",
    )
    # Outside its scope, as for any caller.
    await refused(
        api.wishes.SubmitWish(_submit(elsewhere), metadata=hotline), grpc.StatusCode.PERMISSION_DENIED, "outside"
    )
    issued = await _audit(stack, "registry", "credential.issue", credential.id)
    assert [row["actor"] for row in issued] == ["linli-dev"]
    await eventually(
        lambda: _audit(stack, "registry", "credential.refused", credential.id), "the refused ImportMembers is audited"
    )


async def test_issuing_is_for_deployment_admins_and_checks_what_it_names(api: Api) -> None:
    community = await make_community(api)

    def request(**fields: object) -> sys_pb.IssueCredentialRequest:
        base: dict[str, object] = {
            "request_id": new_request_id(),
            "system": "elderly-care",
            "scope_org_unit_id": community.community_id,
            "methods": ["RaiseAlert"],
        }
        return sys_pb.IssueCredentialRequest(**{**base, **fields})  # type: ignore[arg-type]

    issue = api.systems.IssueCredential
    await refused(
        issue(request(methods=["DropDatabase"]), metadata=api.admin), grpc.StatusCode.INVALID_ARGUMENT, "methods"
    )
    await refused(
        issue(request(methods=["RecordService"]), metadata=api.admin), grpc.StatusCode.INVALID_ARGUMENT, "RecordService"
    )
    await refused(issue(request(methods=[]), metadata=api.admin), grpc.StatusCode.INVALID_ARGUMENT, "methods")
    await refused(
        issue(request(system="Hotline 12345"), metadata=api.admin), grpc.StatusCode.INVALID_ARGUMENT, "system"
    )
    await refused(
        issue(request(lifetime=_days(4000)), metadata=api.admin), grpc.StatusCode.INVALID_ARGUMENT, "lifetime"
    )
    await refused(issue(request(scope_org_unit_id="999999999"), metadata=api.admin), grpc.StatusCode.NOT_FOUND, "scope")
    street_admin = api.token(Role.ADMIN, scope=community.street_id)
    await refused(issue(request(), metadata=street_admin), grpc.StatusCode.PERMISSION_DENIED, "deployment-wide")
    await refused(
        issue(request(), metadata=api.token(Role.STAFF)), grpc.StatusCode.PERMISSION_DENIED, "IssueCredential"
    )
    # A retry with the same request id is the same credential and the same token; linli keeps no copy of it.
    again = request()
    first = await issue(again, metadata=api.admin)
    second = await issue(again, metadata=api.admin)
    assert (first.credential.id, first.token) == (second.credential.id, second.token)


async def test_a_revoked_credential_is_refused_by_every_replica_of_every_service(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    credential, system = await _issue(api, "party-info", community.street_id, ["GetOrgUnit", "GetWish", "GetAlert"])
    second = stack.start_process("wishes", name="wishes-second")  # another replica, reading the list on its own
    try:
        async with stack.channel(second.ports["grpc"]) as channel:
            await _revoked_everywhere(
                api, stack, community, credential, system, wishes_pb2_grpc.WishServiceStub(channel)
            )
    finally:
        second.stop()
        stack.processes.pop("wishes-second")


async def _revoked_everywhere(
    api: Api,
    stack: LocalStack,
    community: Community,
    credential: sys_pb.Credential,
    system: Metadata,
    replica: wishes_pb2_grpc.WishServiceStub,
) -> None:
    calls = {
        "wishes (second replica)": lambda: replica.GetWish(wish.GetWishRequest(wish_id="999999999"), metadata=system),
        "registry": lambda: api.registry.GetOrgUnit(
            reg.GetOrgUnitRequest(org_unit_id=community.community_id), metadata=system
        ),
        "wishes": lambda: api.wishes.GetWish(wish.GetWishRequest(wish_id="999999999"), metadata=system),
        "dispatch": lambda: api.dispatch.GetAlert(dispatch_pb2.GetAlertRequest(alert_id="999999999"), metadata=system),
    }
    assert (await calls["registry"]()).org_unit.id == community.community_id
    for name in ("wishes", "dispatch", "wishes (second replica)"):  # served: not found, not refused
        await refused(calls[name](), grpc.StatusCode.NOT_FOUND, "")
    revoked = await api.systems.RevokeCredential(
        sys_pb.RevokeCredentialRequest(request_id=new_request_id(), credential_id=credential.id, reason="leaked"),
        metadata=api.admin,
    )
    assert revoked.credential.HasField("revoked_at") and revoked.credential.revoke_reason == "leaked"
    started = time.monotonic()
    for name, call in calls.items():

        async def is_refused(call=call) -> bool:  # type: ignore[no-untyped-def]
            try:
                await call()
            except grpc.aio.AioRpcError as error:
                return error.code() == grpc.StatusCode.UNAUTHENTICATED and "revoked" in (error.details() or "")
            return False

        await eventually(is_refused, f"{name} refuses the revoked credential", timeout=60)
    assert time.monotonic() - started < 60
    assert await _audit(stack, "registry", "credential.revoke", credential.id)
    listed = await api.systems.ListCredentials(sys_pb.ListCredentialsRequest(include_revoked=True), metadata=api.admin)
    assert credential.id in [c.id for c in listed.credentials]
    in_force = await api.systems.ListCredentials(sys_pb.ListCredentialsRequest(), metadata=api.admin)
    assert credential.id not in [c.id for c in in_force.credentials]


async def test_rotation_keeps_the_old_token_for_its_overlap_only(api: Api) -> None:
    community = await make_community(api)
    credential, old = await _issue(api, "volunteer-hours", community.street_id, ["GetOrgUnit"])
    get = reg.GetOrgUnitRequest(org_unit_id=community.community_id)

    async def rotate(overlap_seconds: int) -> Metadata:
        rotated = await api.systems.RotateCredential(
            sys_pb.RotateCredentialRequest(
                request_id=new_request_id(), credential_id=credential.id, overlap=Duration(seconds=overlap_seconds)
            ),
            metadata=api.admin,
        )
        return (("authorization", f"Bearer {rotated.token}"),)

    new = await rotate(3600)
    await asyncio.sleep(2.5)  # past a refresh of every service's list
    for token in (old, new):
        assert (await api.registry.GetOrgUnit(get, metadata=token)).org_unit.id == community.community_id
    newest = await rotate(0)

    async def old_refused() -> bool:
        try:
            await api.registry.GetOrgUnit(get, metadata=new)
        except grpc.aio.AioRpcError as error:
            return error.code() == grpc.StatusCode.UNAUTHENTICATED
        return False

    await eventually(old_refused, "the previous token is refused once rotated without overlap")
    assert (await api.registry.GetOrgUnit(get, metadata=newest)).org_unit.id == community.community_id


async def test_one_systems_burst_is_refused_by_its_quota_while_another_is_served(api: Api) -> None:
    community = await make_community(api)
    get = reg.GetOrgUnitRequest(org_unit_id=community.community_id)
    _, noisy = await _issue(
        api, "noisy-app", community.street_id, ["GetOrgUnit"], sys_pb.Quota(calls_per_second=2, burst=5)
    )
    _, calm = await _issue(api, "hotline-calm", community.street_id, ["GetOrgUnit"])

    async def call(metadata: Metadata) -> grpc.StatusCode:
        try:
            await api.registry.GetOrgUnit(get, metadata=metadata)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                _check_retry_info(error)
            return error.code()
        return grpc.StatusCode.OK

    codes = await asyncio.gather(*(call(noisy) for _ in range(60)), *(call(calm) for _ in range(20)))
    noisy_codes, calm_codes = codes[:60], codes[60:]
    assert noisy_codes.count(grpc.StatusCode.OK) <= 8  # the burst of 5, and what refills while they run
    assert noisy_codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) >= 52
    assert calm_codes == [grpc.StatusCode.OK] * 20


def _check_retry_info(error: grpc.aio.AioRpcError) -> None:
    details = dict(error.trailing_metadata() or ())
    status = status_pb2.Status.FromString(details["grpc-status-details-bin"])  # type: ignore[arg-type]
    retry = error_details_pb2.RetryInfo()
    assert any(detail.Unpack(retry) for detail in status.details)
    assert retry.retry_delay.ToMilliseconds() > 0


async def test_a_front_end_obtains_its_users_tokens_within_its_scope_and_loses_them_with_its_credential(
    api: Api,
) -> None:
    community, elsewhere = await make_community(api), await make_community(api)
    member = await register_member(api, community.grid_id)
    stranger = await register_member(api, elsewhere.grid_id)
    credential, front_end = await _issue(api, "wechat-miniapp", community.street_id, ["IssueUserToken"])

    async def user_token(**fields: object) -> Metadata:
        issued = await api.systems.IssueUserToken(sys_pb.IssueUserTokenRequest(**fields), metadata=front_end)  # type: ignore[arg-type]
        return (("authorization", f"Bearer {issued.token}"),)

    staff = await user_token(role=sys_pb.USER_ROLE_STAFF, subject="li.wei", scope_org_unit_id=community.community_id)
    submitted = await api.wishes.SubmitWish(_submit(community), metadata=staff)  # staff act within their unit
    assert submitted.wish.community_id == community.community_id
    own = await user_token(role=sys_pb.USER_ROLE_MEMBER, subject=member.id)
    summary = await api.registry.GetMemberServiceSummary(
        reg.GetMemberServiceSummaryRequest(member_id=member.id), metadata=own
    )
    assert summary is not None
    await refused(
        api.systems.IssueUserToken(
            sys_pb.IssueUserTokenRequest(
                role=sys_pb.USER_ROLE_STAFF, subject="x", scope_org_unit_id=elsewhere.community_id
            ),
            metadata=front_end,
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "outside",
    )
    await refused(
        api.systems.IssueUserToken(
            sys_pb.IssueUserTokenRequest(role=sys_pb.USER_ROLE_MEMBER, subject=stranger.id), metadata=front_end
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "outside",
    )
    await refused(
        api.systems.IssueUserToken(
            sys_pb.IssueUserTokenRequest(
                role=sys_pb.USER_ROLE_STAFF,
                subject="li.wei",
                scope_org_unit_id=community.community_id,
                lifetime=_days(1),
            ),
            metadata=front_end,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "lifetime",
    )
    await api.systems.RevokeCredential(
        sys_pb.RevokeCredentialRequest(request_id=new_request_id(), credential_id=credential.id, reason="retired"),
        metadata=api.admin,
    )

    async def staff_refused() -> bool:
        try:
            await api.wishes.GetWish(wish.GetWishRequest(wish_id=submitted.wish.id), metadata=staff)
        except grpc.aio.AioRpcError as error:
            return error.code() == grpc.StatusCode.UNAUTHENTICATED
        return False

    await eventually(staff_refused, "a user's token goes with its front end's credential")


async def test_a_deployments_calling_systems_are_applied_once(api: Api, stack: LocalStack, tmp_path: Path) -> None:
    community = await make_community(api)
    plan = tmp_path / "calling-systems.yaml"
    plan.write_text(
        "systems:\n"
        f"  - {{name: hotline-apply, scope: '{community.street_id}', methods: [SubmitWish, GetWish], expires: 30d}}\n"
        f"  - {{name: monitor-apply, scope: '{community.street_id}', methods: [RaiseAlert], quota: {{burst: 5}}}}\n"
    )
    tokens = tmp_path / "tokens"
    command = [
        sys.executable,
        "-m",
        "devstack",
        "systems",
        "--address",
        f"127.0.0.1:{stack.ports.registry}",
        "--token",
        api.admin[0][1].removeprefix("Bearer "),
        "--cacert",
        str(stack.ca_file),
        "apply",
        str(plan),
        "--tokens",
        str(tokens),
    ]
    environ = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'protos'}"}
    first = await asyncio.to_thread(subprocess.run, command, env=environ, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("issued credential") == 2
    hotline = (tokens / "hotline-apply.token").read_text().strip()
    assert (tokens / "hotline-apply.token").stat().st_mode & 0o777 == 0o600
    submitted = await api.wishes.SubmitWish(_submit(community), metadata=(("authorization", f"Bearer {hotline}"),))
    assert submitted.wish.id
    again = await asyncio.to_thread(subprocess.run, command, env=environ, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["hotline-apply: in force, kept", "monitor-apply: in force, kept"]
