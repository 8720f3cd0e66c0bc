"""Every method of every service, called with requests a careless or hostile client might send — empty, every id
unknown, every enum out of range, every text 100 KB, a page token the client built (JSON nested 100,000 deep) —
answers with a caller's-mistake status naming the field, or succeeds; never INTERNAL or UNKNOWN. The list of
methods comes from the services' descriptors, so a method added later is swept too."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor, message_factory
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from devstack.client import Api
from devstack.stack import LocalStack
from services.catalogue import METHODS, SERVED_BY

# What a caller's mistake may be answered with; anything else but OK is the service's fault.
CALLERS_MISTAKES = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.PERMISSION_DENIED,
}
NAMED_FIELD = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND}
HUGE = "很" * 35_000  # 105 KB in UTF-8
# A page token a client built: JSON nested 100,000 deep, as base64 (once a RecursionError, so INTERNAL).
DEEP_TOKEN = base64.urlsafe_b64encode(b"[" * 100_000 + b"]" * 100_000).decode()


def _fill(request: Message, text: Callable[[descriptor.FieldDescriptor], str | None], enum: int | None) -> Message:
    """Sets the request's own scalar fields (not nested messages): strings by `text`, enums to `enum`."""
    for field in request.DESCRIPTOR.fields:
        repeated = field.is_repeated
        if field.type == descriptor.FieldDescriptor.TYPE_STRING:
            value = text(field)
            if value is not None:
                getattr(request, field.name).append(value) if repeated else setattr(request, field.name, value)
        elif field.type == descriptor.FieldDescriptor.TYPE_ENUM and enum is not None:
            getattr(request, field.name).append(enum) if repeated else setattr(request, field.name, enum)
    return request


def _variants(method: descriptor.MethodDescriptor) -> Iterator[tuple[str, Message]]:
    new = message_factory.GetMessageClass(method.input_type)
    yield "empty", new()
    yield (
        "unknown-ids",
        _fill(new(), lambda f: "987654321" if f.name.endswith("_id") or f.name.endswith("_ids") else None, None),
    )
    yield "enums-out-of-range", _fill(new(), lambda f: None, 999)
    yield "huge-texts", _fill(new(), lambda f: HUGE, None)
    if "page_token" in new.DESCRIPTOR.fields_by_name:
        yield "deep-page-token", _fill(new(), lambda f: DEEP_TOKEN if f.name == "page_token" else None, None)


CASES = [
    pytest.param(process, method, variant, request, id=f"{method.name}-{variant}")
    for process, method in METHODS
    for variant, request in _variants(method)
]


async def _call(
    channel: grpc.aio.Channel, method: descriptor.MethodDescriptor, request: Message, metadata: Any
) -> None:
    path = f"/{method.containing_service.full_name}/{method.name}"
    response_class = message_factory.GetMessageClass(method.output_type)
    kinds = (method.client_streaming, method.server_streaming)
    call_kind = {
        (False, False): channel.unary_unary,
        (False, True): channel.unary_stream,
        (True, False): channel.stream_unary,
        (True, True): channel.stream_stream,
    }[kinds]
    call = call_kind(
        path, request_serializer=type(request).SerializeToString, response_deserializer=response_class.FromString
    )
    argument: Any = iter([request]) if method.client_streaming else request
    result = call(argument, metadata=metadata, timeout=30)
    if method.server_streaming:
        async for _ in result:
            pass
    else:
        await result


@pytest.fixture(scope="module")
async def channels(stack: LocalStack) -> Any:
    opened = {p: stack.channel(stack.ports.grpc(p)) for p in SERVED_BY}
    yield opened
    for channel in opened.values():
        await channel.close()


def test_every_service_method_is_swept() -> None:
    names = {method.name for _, method in METHODS}
    assert len(names) >= 100
    assert {"CloseWish", "ClaimWishAsGroup", "DeclareUnavailability", "CheckOut", "ImportMembers"} <= names


@pytest.mark.parametrize(("process", "method", "variant", "request_message"), CASES)
async def test_a_careless_request_is_answered_as_the_callers_mistake_never_internal(
    api: Api,
    channels: dict[str, grpc.aio.Channel],
    process: str,
    method: descriptor.MethodDescriptor,
    variant: str,
    request_message: Message,
) -> None:
    try:
        await _call(channels[process], method, request_message, api.admin)
    except grpc.aio.AioRpcError as error:
        assert error.code() in CALLERS_MISTAKES, f"{error.code().name}: {error.details()}"
        if error.code() in NAMED_FIELD:
            trailers = dict(error.trailing_metadata() or ())
            status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
            bad_request = error_details_pb2.BadRequest()
            assert status.details and status.details[0].Unpack(bad_request), error.details()
            field = bad_request.field_violations[0].field
            assert field and error.details().startswith(f"{field}:"), error.details()
