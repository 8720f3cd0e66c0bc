"""What a caller receives when a call fails, through the shared interceptor on a real grpc.aio server (127.0.0.1):
the code, the message naming the field and the rich google.rpc.Status, for every kind of method."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from google.rpc import error_details_pb2, status_pb2

from services.runtime import access
from services.runtime.auth import Role, current_caller
from services.runtime.errors import FailedPrecondition
from services.runtime.interceptors import CallInterceptor
from tests.helpers.tokens import bearer, verifier

REFUSAL = FailedPrecondition("wish 7 is already claimed", "wish_id")
EMPTY = empty_pb2.Empty()


async def refuse(request: Any, context: grpc.aio.ServicerContext) -> empty_pb2.Empty:
    raise REFUSAL


async def refuse_after_one(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[empty_pb2.Empty]:
    yield EMPTY
    raise REFUSAL


async def read_then_refuse(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> empty_pb2.Empty:
    async for _ in requests:
        pass
    raise REFUSAL


async def stream_then_refuse(
    requests: AsyncIterator[Any], context: grpc.aio.ServicerContext
) -> AsyncIterator[empty_pb2.Empty]:
    async for _ in requests:
        yield EMPTY
    raise REFUSAL


async def crash(request: Any, context: grpc.aio.ServicerContext) -> empty_pb2.Empty:
    raise RuntimeError("a bug")


async def answer(request: Any, context: grpc.aio.ServicerContext) -> empty_pb2.Empty:
    return EMPTY


async def answer_in_scope(request: Any, context: grpc.aio.ServicerContext) -> empty_pb2.Empty:
    access.require_scope(current_caller(), "7", ["1"])
    return EMPTY


_OPEN = access.rule(access.ANYONE, access.PUBLIC)
_SCOPED = access.rule(access.STAFF, "org unit 7")
RULES = {
    **{
        f"test.T/{name}": _OPEN
        for name in ("Refuse", "RefuseAfterOne", "ReadThenRefuse", "StreamThenRefuse", "Crash", "Answer")
    },
    "test.T/SystemOnly": access.rule({Role.SYSTEM}, access.PUBLIC),
    "test.T/AnswerUnchecked": _SCOPED,
    "test.T/StreamUnchecked": _SCOPED,
    "test.T/AnswerChecked": _SCOPED,
}


def _handlers() -> grpc.GenericRpcHandler:
    codecs = {
        "request_deserializer": empty_pb2.Empty.FromString,
        "response_serializer": empty_pb2.Empty.SerializeToString,
    }
    return grpc.method_handlers_generic_handler(
        "test.T",
        {
            "Refuse": grpc.unary_unary_rpc_method_handler(refuse, **codecs),
            "RefuseAfterOne": grpc.unary_stream_rpc_method_handler(refuse_after_one, **codecs),
            "ReadThenRefuse": grpc.stream_unary_rpc_method_handler(read_then_refuse, **codecs),
            "StreamThenRefuse": grpc.stream_stream_rpc_method_handler(stream_then_refuse, **codecs),
            "Crash": grpc.unary_unary_rpc_method_handler(crash, **codecs),
            "Answer": grpc.unary_unary_rpc_method_handler(answer, **codecs),
            "SystemOnly": grpc.unary_unary_rpc_method_handler(answer, **codecs),
            "AnswerUnchecked": grpc.unary_unary_rpc_method_handler(answer, **codecs),
            "StreamUnchecked": grpc.unary_stream_rpc_method_handler(refuse_after_one, **codecs),
            "AnswerChecked": grpc.unary_unary_rpc_method_handler(answer_in_scope, **codecs),
            "NoRule": grpc.unary_unary_rpc_method_handler(answer, **codecs),
        },
    )


@pytest.fixture(scope="module")
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    server = grpc.aio.server(interceptors=[CallInterceptor(verifier(), lambda: True, rules=RULES)])
    server.add_generic_rpc_handlers((_handlers(),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        await server.stop(grace=None)


TOKEN = bearer("1", Role.ADMIN, "*")


def _unary(channel: grpc.aio.Channel, method: str) -> Any:
    return channel.unary_unary(
        f"/test.T/{method}",
        request_serializer=empty_pb2.Empty.SerializeToString,
        response_deserializer=empty_pb2.Empty.FromString,
    )


def assert_refused(error: grpc.aio.AioRpcError, code: grpc.StatusCode, field: str | None) -> None:
    assert error.code() == code, error.details()
    status = status_pb2.Status.FromString(dict(error.trailing_metadata() or ())["grpc-status-details-bin"])
    assert status.code == code.value[0]
    assert status.message == error.details()
    if field:
        assert error.details().startswith(f"{field}: ")
        bad_request = error_details_pb2.BadRequest()
        assert status.details[0].Unpack(bad_request)
        assert [(v.field, v.description) for v in bad_request.field_violations] == [(field, REFUSAL.message)]


async def test_a_unary_refusal_carries_the_code_the_field_and_the_rich_status(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await _unary(channel, "Refuse")(EMPTY, metadata=TOKEN)
    assert error.value.details() == "wish_id: wish 7 is already claimed"
    assert_refused(error.value, grpc.StatusCode.FAILED_PRECONDITION, "wish_id")
    assert await _unary(channel, "Answer")(EMPTY, metadata=TOKEN) == EMPTY


async def test_streams_end_with_the_refusal_after_what_they_sent(channel: grpc.aio.Channel) -> None:
    codecs = {
        "request_serializer": empty_pb2.Empty.SerializeToString,
        "response_deserializer": empty_pb2.Empty.FromString,
    }
    received = []
    with pytest.raises(grpc.aio.AioRpcError) as error:
        async for response in channel.unary_stream("/test.T/RefuseAfterOne", **codecs)(EMPTY, metadata=TOKEN):
            received.append(response)
    assert received == [EMPTY]
    assert_refused(error.value, grpc.StatusCode.FAILED_PRECONDITION, "wish_id")

    with pytest.raises(grpc.aio.AioRpcError) as error:
        await channel.stream_unary("/test.T/ReadThenRefuse", **codecs)(iter([EMPTY, EMPTY]), metadata=TOKEN)
    assert_refused(error.value, grpc.StatusCode.FAILED_PRECONDITION, "wish_id")

    received = []
    with pytest.raises(grpc.aio.AioRpcError) as error:
        async for response in channel.stream_stream("/test.T/StreamThenRefuse", **codecs)(
            iter([EMPTY, EMPTY]), metadata=TOKEN
        ):
            received.append(response)
    assert received == [EMPTY, EMPTY]
    assert_refused(error.value, grpc.StatusCode.FAILED_PRECONDITION, "wish_id")


async def test_a_bug_is_internal_and_says_nothing_of_itself(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await _unary(channel, "Crash")(EMPTY, metadata=TOKEN)
    assert error.value.code() == grpc.StatusCode.INTERNAL
    assert error.value.details() == "internal error; it has been logged"


async def test_a_call_without_a_token_is_refused_before_the_handler_runs(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await _unary(channel, "Answer")(EMPTY)
    assert_refused(error.value, grpc.StatusCode.UNAUTHENTICATED, None)


async def _code(channel: grpc.aio.Channel, method: str, token: Any = None, stream: bool = False) -> grpc.StatusCode:
    codecs = {
        "request_serializer": empty_pb2.Empty.SerializeToString,
        "response_deserializer": empty_pb2.Empty.FromString,
    }
    try:
        if stream:
            async for _ in channel.unary_stream(f"/test.T/{method}", **codecs)(EMPTY, metadata=token or TOKEN):
                pass
        else:
            await channel.unary_unary(f"/test.T/{method}", **codecs)(EMPTY, metadata=token or TOKEN)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


async def test_a_method_without_a_rule_is_refused_to_everyone(channel: grpc.aio.Channel) -> None:
    assert await _code(channel, "NoRule") == grpc.StatusCode.PERMISSION_DENIED


async def test_a_role_the_rule_does_not_name_is_refused_before_the_handler_runs(channel: grpc.aio.Channel) -> None:
    staff = bearer("s", Role.STAFF, "7", 60)
    assert await _code(channel, "SystemOnly", staff) == grpc.StatusCode.PERMISSION_DENIED
    assert await _code(channel, "AnswerChecked", staff) == grpc.StatusCode.OK


async def test_a_scoped_call_whose_handler_never_checked_the_scope_answers_nothing(channel: grpc.aio.Channel) -> None:
    staff = bearer("s", Role.STAFF, "7", 60)
    assert await _code(channel, "AnswerUnchecked", staff) == grpc.StatusCode.INTERNAL
    assert await _code(channel, "StreamUnchecked", staff, stream=True) == grpc.StatusCode.INTERNAL
    out_of_scope = bearer("s", Role.STAFF, "8", 60)
    assert await _code(channel, "AnswerChecked", out_of_scope) == grpc.StatusCode.PERMISSION_DENIED
