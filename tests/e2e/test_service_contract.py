"""What every service promises other systems: health, reflection, authentication, metrics, quiet logs."""

from __future__ import annotations

import urllib.request

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.client import Api
from devstack.stack import SERVICES, LocalStack
from services.catalogue import SERVED_BY
from services.runtime.auth import Role
from tests.e2e.helpers.community import make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.helpers.scrape import sample_value, scrape

SERVICE_NAMES = {
    "registry": "linli.registry.v1.RegistryService",
    "wishes": "linli.wishes.v1.WishService",
    "dispatch": "linli.dispatch.v1.DispatchService",
}
# Every service each process hosts, and those every process keeps open without a token.
HOSTED = {process: [service.full_name for service in services] for process, services in SERVED_BY.items()}
OPEN_SERVICES = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
]


@pytest.mark.parametrize("service", SERVICES)
async def test_every_service_reports_serving_on_the_standard_health_check(stack: LocalStack, service: str) -> None:
    async with stack.channel(stack.ports.grpc(service)) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        overall = await health.Check(health_pb2.HealthCheckRequest())
        named = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAMES[service]))
    assert overall.status == named.status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("service", SERVICES)
async def test_reflection_lists_the_service_and_describes_it_without_a_token(stack: LocalStack, service: str) -> None:
    async with stack.channel(stack.ports.grpc(service)) as channel:
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        requests = [
            reflection_pb2.ServerReflectionRequest(list_services=""),
            reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE_NAMES[service]),
        ]
        responses = [r async for r in reflection.ServerReflectionInfo(iter(requests))]
    listed = {s.name for s in responses[0].list_services_response.service}
    assert {SERVICE_NAMES[service], "grpc.health.v1.Health"} <= listed
    assert responses[1].file_descriptor_response.file_descriptor_proto


@pytest.mark.parametrize("service", SERVICES)
async def test_a_reflection_v1_client_lists_and_describes_every_service(stack: LocalStack, service: str) -> None:
    names = [*HOSTED[service], *OPEN_SERVICES]
    async with stack.channel(stack.ports.grpc(service)) as channel:
        # grpcio-reflection ships no v1 stubs; v1's messages are v1alpha's under a new package, the same on the wire.
        info = channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        requests = [
            reflection_pb2.ServerReflectionRequest(list_services=""),
            *(reflection_pb2.ServerReflectionRequest(file_containing_symbol=name) for name in names),
        ]
        responses = [r async for r in info(iter(requests))]
    assert {s.name for s in responses[0].list_services_response.service} == set(names)
    for name, response in zip(names, responses[1:], strict=True):
        files = [
            descriptor_pb2.FileDescriptorProto.FromString(raw)
            for raw in response.file_descriptor_response.file_descriptor_proto
        ]
        assert name in {f"{f.package}.{s.name}" for f in files for s in f.service}, response


async def test_a_call_without_a_token_is_unauthenticated(api: Api) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id="1"))
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_staff_of_one_community_cannot_touch_another(api: Api) -> None:
    mine, theirs = await make_community(api), await make_community(api)
    staff = api.token(Role.STAFF, scope=mine.community_id, subject="staff-mine")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.wishes.SubmitWish(
            wish.SubmitWishRequest(
                request_id=new_request_id(),
                community_id=theirs.community_id,
                text="我希望就近打工",
                source=wish.WISH_SOURCE_VISIT,
                resident_name="李四",
            ),
            metadata=staff,
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    member = await register_member(api, theirs.community_id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.GetMember(reg.GetMemberRequest(member_id=member.id), metadata=staff)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    street_staff = api.token(Role.STAFF, scope=theirs.street_id, subject="staff-street")
    seen = await api.registry.GetMember(reg.GetMemberRequest(member_id=member.id), metadata=street_staff)
    assert seen.member.id == member.id


async def test_personal_data_is_masked_unless_revealed_and_each_reveal_is_audited(api: Api, stack: LocalStack) -> None:
    community = await make_community(api)
    member = await register_member(api, community.grid_id)
    assert member.phone == "139****5678" and "*" in member.id_number and not member.personal_data_revealed
    as_member = api.token(Role.MEMBER, scope=community.community_id, subject=member.id)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await api.registry.GetMember(
            reg.GetMemberRequest(member_id=member.id, reveal_personal_data=True), metadata=as_member
        )
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    revealed = await api.registry.GetMember(
        reg.GetMemberRequest(member_id=member.id, reveal_personal_data=True), metadata=api.admin
    )
    assert revealed.member.phone == "13912345678" and revealed.member.personal_data_revealed
    import asyncpg

    conn = await asyncpg.connect(stack.database_url)
    try:
        actions = await conn.fetch(
            "select action, actor from registry.audit_log where subject_kind = 'member' and subject_id = $1 order by id",
            member.id,
        )
        stored = await conn.fetchrow(
            "select phone_sealed, id_number_sealed from registry.members where id = $1", int(member.id)
        )
    finally:
        await conn.close()
    assert [(a["action"], a["actor"]) for a in actions] == [
        ("register_member", "linli-dev"),
        ("read_personal_data", "linli-dev"),
    ]
    assert (
        b"13912345678" not in stored["phone_sealed"]
        and revealed.member.id_number.encode() not in stored["id_number_sealed"]
    )


@pytest.mark.parametrize("process", ["registry", "wishes", "dispatch", "worker"])
def test_every_process_exposes_prometheus_metrics(stack: LocalStack, process: str) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.ports.metrics(process)}/metrics", timeout=5) as response:
        body = response.read().decode()
    if process == "worker":
        assert "temporal_" in body
    else:
        assert "grpc_server_handled_total" in body and "linli_service_ready" in body


async def test_request_counts_carry_type_method_and_status_code_as_go_grpc_prometheus_writes_them(
    api: Api, stack: LocalStack
) -> None:
    await make_community(api)
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id="999999999"), metadata=api.admin)
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    body = scrape(stack.ports.metrics("registry"))
    method = {"grpc_type": "unary", "grpc_service": "linli.registry.v1.RegistryService", "grpc_method": "GetOrgUnit"}
    assert sample_value(body, "grpc_server_started_total", **method) >= 1
    assert sample_value(body, "grpc_server_handled_total", **method, grpc_code="NotFound") >= 1
    assert sample_value(body, "grpc_server_msg_received_total", **method) >= 1
    assert sample_value(body, "grpc_server_handling_seconds_count", **method) >= 1
    created = {**method, "grpc_method": "CreateOrgUnit"}
    assert sample_value(body, "grpc_server_handled_total", **created, grpc_code="OK") >= 1
    assert sample_value(body, "grpc_server_msg_sent_total", **created) >= 1
    # Every method's series exist before its first call, every code among them, as Go spells it.
    assert 'grpc_code="PermissionDenied"' in body and 'grpc_code="PERMISSION_DENIED"' not in body


async def test_logs_are_one_json_object_a_call_and_hold_no_personal_data(api: Api, stack: LocalStack) -> None:
    import contextlib
    import json

    from linli.dispatch.v1 import dispatch_pb2 as dsp

    # Calls of its own on every service, with personal data in and out, so the test stands alone. Each call's
    # line is written before its answer is sent, so the files hold them by now.
    community = await make_community(api)
    member = await register_member(api, community.grid_id)  # phone 13912345678
    await api.registry.GetMember(
        reg.GetMemberRequest(member_id=member.id, reveal_personal_data=True), metadata=api.admin
    )
    await api.wishes.SubmitWish(
        wish.SubmitWishRequest(
            request_id=new_request_id(),
            community_id=community.community_id,
            text="我希望有人帮忙修水管",
            source=wish.WISH_SOURCE_VISIT,
            resident_name="张三",
            resident_contact="13800001111",
        ),
        metadata=api.admin,
    )
    with contextlib.suppress(grpc.aio.AioRpcError):  # logged whatever it answers
        await api.dispatch.GetDutyRoster(
            dsp.GetDutyRosterRequest(community_id=community.community_id, date="2026-06-15"), metadata=api.admin
        )

    for service in SERVICES:
        lines = (stack.logs / f"{service}.log").read_text().splitlines()
        entries = [json.loads(line) for line in lines if line.startswith("{")]
        calls = [e for e in entries if e.get("msg") == "rpc"]
        assert calls, f"{service} logged no calls"
        assert all({"method", "code", "duration_ms"} <= e.keys() for e in calls)
        text = "\n".join(lines)
        for personal in ("13912345678", "13800001111", "张三", "李四"):
            assert personal not in text, f"{service} logged personal data"
