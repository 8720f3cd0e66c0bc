"""Channels from one linli process to another linli service, carrying a service bearer token.

Deadlines travel: every call on a service channel is bounded by its own timeout (DEFAULT_TIMEOUT_SECONDS unless
the call passes one) and, when it is made while handling an incoming call, by what is left of that call's
deadline. Reads retry by policy: the unary reads of linli's services (Get*, List*, Lookup*, Search*,
Recommend*) are retried by the channel on UNAVAILABLE; writes are not (they carry request ids and their
callers retry them). Calls spread over a service's replicas: the channel balances round robin over every address its
target resolves to (`dns:///registry-headless:50051`, a headless Service's pod addresses), one call at a time.
"""

from __future__ import annotations

import contextvars
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import grpc
from linli.dispatch.v1 import activities_pb2, dispatch_pb2
from linli.registry.v1 import registry_pb2, reports_pb2
from linli.wishes.v1 import wishes_pb2

from services.runtime.auth import DEFAULT_POLICY, WHOLE_DEPLOYMENT, Role, TokenPolicy, issue_token
from services.runtime.tls import channel_credentials, channel_options
from services.runtime.tls_settings import TlsSettings
from services.runtime.token_keys import SigningKey

# The bound of a call between services that names none: the bound the services' calls had by hand before.
DEFAULT_TIMEOUT_SECONDS = 5.0
_TOKEN_TTL_SECONDS = 3600
_READ_PREFIXES = ("Get", "List", "Lookup", "Search", "Recommend")
_PROTOS = (registry_pb2, reports_pb2, wishes_pb2, dispatch_pb2, activities_pb2)

# When (time.monotonic()) the incoming call being handled must be answered; None when its caller set no
# deadline or when there is no incoming call (the worker's activities). Set by the server's call interceptor.
_incoming_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "linli_incoming_deadline", default=None
)


def set_incoming_deadline(time_remaining: float | None) -> contextvars.Token[float | None]:
    """Records the deadline of the call being handled, from ServicerContext.time_remaining()."""
    return _incoming_deadline.set(None if time_remaining is None else time.monotonic() + time_remaining)


def reset_incoming_deadline(token: contextvars.Token[float | None]) -> None:
    _incoming_deadline.reset(token)


def _read_methods() -> list[dict[str, str]]:
    """The unary reads of linli's services, named as a service config names methods."""
    return [
        {"service": service.full_name, "method": method.name}
        for proto in _PROTOS
        for service in proto.DESCRIPTOR.services_by_name.values()
        for method in service.methods
        if method.name.startswith(_READ_PREFIXES) and not method.client_streaming and not method.server_streaming
    ]


# A read that found the service unreachable (restarting, a connection reset) is safe to send again. Round robin, not
# gRPC's default pick_first: one HTTP/2 connection would carry every call to one replica however many there are.
_SERVICE_CONFIG = json.dumps(
    {
        "loadBalancingConfig": [{"round_robin": {}}],
        "methodConfig": [
            {
                "name": _read_methods(),
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.1s",
                    "maxBackoff": "1s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    }
)


class _ServiceToken:
    """A service token for this process, re-issued well before it expires."""

    def __init__(self, key: SigningKey, subject: str, policy: TokenPolicy) -> None:
        self._key = key
        self._subject = subject
        self._policy = policy
        self._token = ""
        self._renew_at = 0.0

    def metadata(self) -> tuple[str, str]:
        now = time.monotonic()
        if now >= self._renew_at:
            self._token = issue_token(
                self._key, self._subject, Role.SERVICE, WHOLE_DEPLOYMENT, _TOKEN_TTL_SECONDS, policy=self._policy
            )
            self._renew_at = now + _TOKEN_TTL_SECONDS / 2
        return ("authorization", f"Bearer {self._token}")


class _CallDetails:
    """Adds the token and the deadline to a call's details. grpc runs client interceptors in a task created when
    the call is made, which copies the caller's context: the incoming deadline read here is the caller's."""

    def __init__(self, token: _ServiceToken) -> None:
        self._token = token

    def __call__(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        timeout = DEFAULT_TIMEOUT_SECONDS if details.timeout is None else details.timeout
        deadline = _incoming_deadline.get()
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                # Sending would only make the other service do work nobody waits for.
                raise grpc.aio.AioRpcError(
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    grpc.aio.Metadata(),
                    grpc.aio.Metadata(),
                    "the caller's deadline passed before this call to another service was sent",
                    None,
                )
            timeout = min(timeout, remaining)
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata.add(*self._token.metadata())
        return grpc.aio.ClientCallDetails(
            details.method, timeout, metadata, details.credentials, details.wait_for_ready
        )


# grpc-stubs make the interceptor classes generic; grpc's own are not subscriptable.
if TYPE_CHECKING:
    _UnaryUnaryInterceptor = grpc.aio.UnaryUnaryClientInterceptor[Any, Any]
    _UnaryStreamInterceptor = grpc.aio.UnaryStreamClientInterceptor[Any, Any]
    _StreamUnaryInterceptor = grpc.aio.StreamUnaryClientInterceptor[Any, Any]
else:
    _UnaryUnaryInterceptor = grpc.aio.UnaryUnaryClientInterceptor
    _UnaryStreamInterceptor = grpc.aio.UnaryStreamClientInterceptor
    _StreamUnaryInterceptor = grpc.aio.StreamUnaryClientInterceptor


# One interceptor per kind of call: grpc.aio files an interceptor under the first kind it implements only.
class _UnaryUnary(_UnaryUnaryInterceptor):
    def __init__(self, prepare: _CallDetails) -> None:
        self._prepare = prepare

    async def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return await continuation(self._prepare(details), request)


class _UnaryStream(_UnaryStreamInterceptor):
    def __init__(self, prepare: _CallDetails) -> None:
        self._prepare = prepare

    async def intercept_unary_stream(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return await continuation(self._prepare(details), request)


class _StreamUnary(_StreamUnaryInterceptor):
    def __init__(self, prepare: _CallDetails) -> None:
        self._prepare = prepare

    async def intercept_stream_unary(self, continuation: Callable[..., Any], details: Any, requests: Any) -> Any:
        return await continuation(self._prepare(details), requests)


def service_channel(
    address: str,
    key: SigningKey | None,
    caller_name: str,
    policy: TokenPolicy = DEFAULT_POLICY,
    tls: TlsSettings | None = None,
) -> grpc.aio.Channel:
    """A channel to another linli service that authenticates as `service:<caller_name>`, with tokens signed by this
    process's own service key: over TLS when `tls` is enabled (LINLI_TLS_CA_FILE / LINLI_TLS_CERT_FILE), else
    plaintext."""
    if key is None:
        raise ValueError(f"{caller_name} holds no signing key, so it cannot call other services")
    prepare = _CallDetails(_ServiceToken(key, f"service:{caller_name}", policy))
    options = [("grpc.enable_retries", 1), ("grpc.service_config", _SERVICE_CONFIG)]
    interceptors = [_UnaryUnary(prepare), _UnaryStream(prepare), _StreamUnary(prepare)]
    # grpc-stubs leave grpc.aio.ClientInterceptor a placeholder that no interceptor class matches.
    if tls is not None and tls.enabled:
        return grpc.aio.secure_channel(
            address,
            channel_credentials(tls),
            options=[*options, *channel_options(tls)],
            interceptors=interceptors,  # type: ignore[arg-type]
        )
    return grpc.aio.insecure_channel(address, options=options, interceptors=interceptors)  # type: ignore[arg-type]
