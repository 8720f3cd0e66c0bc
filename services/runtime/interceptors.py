"""The server interceptor every linli service runs: authentication, the authorisation table's rule of each method
(services/runtime/access.py), metrics, one log line a call, and the mapping of errors to status codes.

Health checking and reflection stay open, so probes and `grpcurl` work without a token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import asyncpg
import grpc

from services.runtime import access, auth, clients
from services.runtime.db import CONNECTION_ERRORS
from services.runtime.errors import Aborted, FailedPrecondition, PermissionDenied, ServiceError, Unavailable
from services.runtime.metrics import (
    GO_CODE_NAMES,
    RPC_HANDLED,
    RPC_MSG_RECEIVED,
    RPC_MSG_SENT,
    RPC_SECONDS,
    RPC_STARTED,
    SYSTEM_CALLS_REFUSED,
    grpc_type,
    split_method,
)
from services.runtime.pii import PersonalDataError
from services.runtime.quotas import Quotas
from services.runtime.tls import peer_certificate

log = logging.getLogger("linli.rpc")

OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
_RACE_ERRORS = (asyncpg.SerializationError, asyncpg.DeadlockDetectedError)
# A downstream DEADLINE_EXCEEDED is UNAVAILABLE to our caller: had the caller's own deadline passed, grpc would
# have cancelled this handler; so the call ran out of its own bound while the caller still had time — a slow
# dependency, worth retrying, not a sign that the caller's deadline was too short.
_DEPENDENCY_DOWN = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def as_service_error(exc: BaseException) -> ServiceError | None:
    """The caller-facing error for an exception, or None when it is a bug (INTERNAL)."""
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, _RACE_ERRORS):
        return Aborted("lost a race with a concurrent change; retry the request")
    if isinstance(exc, grpc.aio.AioRpcError) and exc.code() in _DEPENDENCY_DOWN:
        return Unavailable("a service this call depends on is unavailable; retry later")
    if isinstance(exc, CONNECTION_ERRORS):
        return Unavailable("the database is unavailable; retry later")
    if isinstance(exc, PersonalDataError):  # names the field and the key id, never the data
        return FailedPrecondition(f"personal data cannot be opened ({exc}); the deployment must hold its key")
    return None


class UncheckedScope(Exception):
    """A handler answered a call its rule scopes without checking the caller's scope: a bug, never sent."""


class _MethodMetrics:
    """The metric series of one method, looked up once: `labels()` takes a lock and builds a key every call."""

    def __init__(self, method: str, kind: str) -> None:
        self.service, self.rpc = split_method(method)
        labels = (kind, self.service, self.rpc)
        self.started = RPC_STARTED.labels(*labels)
        self.received = RPC_MSG_RECEIVED.labels(*labels)
        self.sent = RPC_MSG_SENT.labels(*labels)
        self.seconds = RPC_SECONDS.labels(*labels)
        self._handled = {code: RPC_HANDLED.labels(*labels, name) for code, name in GO_CODE_NAMES.items()}

    def handled(self, code: grpc.StatusCode) -> Any:
        return self._handled[code]


class _ObservedCall:
    """Wraps one call: authenticates it, times it, logs it and turns its errors into a status."""

    def __init__(
        self,
        interceptor: CallInterceptor,
        method: str,
        metrics: _MethodMetrics,
        context: grpc.aio.ServicerContext[Any, Any],
        streaming: bool,
    ) -> None:
        self.interceptor = interceptor
        self.method = method
        self.metrics = metrics
        self.context = context
        self.streaming = streaming
        self._stream_of: auth.Caller | None = None
        self.subject = "-"
        self._caller_token: Any = None
        self._deadline_token: Any = None
        self._checks_token: Any = None
        self._scoped = False

    async def __aenter__(self) -> _ObservedCall:
        self.started = time.perf_counter()
        self.metrics.started.inc()
        try:
            if not self.interceptor.is_ready():
                raise Unavailable("the service is starting or stopping; retry shortly")
            try:
                caller = self._caller()
            except auth.Revoked as revoked:
                self._refused(revoked.caller, "revoked")
                raise
            self.subject = caller.subject
            self._allow(caller)
        except ServiceError as exc:
            await self._fail(exc)
        self._checks_token = access.begin_call()
        self._caller_token = auth.set_current_caller(caller)
        # Calls this handler makes to other services get no more time than its caller gave it.
        self._deadline_token = clients.set_incoming_deadline(self.context.time_remaining())
        return self

    def _caller(self) -> auth.Caller:
        """A bearer token says who calls; without one, a verified client certificate may (mTLS), when its common
        name is a calling system whose credential in force accepts certificates."""
        metadata = self.context.invocation_metadata()
        if not auth.has_bearer_token(metadata):
            certificate = peer_certificate(self.context)
            if certificate is not None:
                return self.interceptor.tokens.revocations.certificate_caller(certificate.common_name, time.time())
        return self.interceptor.tokens.caller(metadata)

    def _allow(self, caller: auth.Caller) -> None:
        """The authorisation table's rule, a calling system's own list of methods, then its quota."""
        rpc = self.metrics.rpc
        rule = access.rule_for(self.interceptor.rules, self.method)
        try:
            access.require_role(caller, rule, rpc)
        except PermissionDenied:
            self._refused(caller, "role")
            raise
        if caller.methods is not None and rpc not in caller.methods:
            self._refused(caller, "method")
            raise PermissionDenied(f"the credential of {caller.subject} does not name {rpc}, so it may not call it")
        self._scoped = rule.scoped
        if self.interceptor.quotas is not None:
            self.interceptor.quotas.admit(caller, self.streaming)
            if self.streaming:
                self._stream_of = caller

    def _refused(self, caller: auth.Caller, reason: str) -> None:
        if caller.role is not auth.Role.SYSTEM:
            return
        SYSTEM_CALLS_REFUSED.labels(caller.subject, reason).inc()
        if caller.credential and self.interceptor.on_refused is not None:
            self.interceptor.on_refused(caller, self.metrics.rpc, reason)

    def answer_allowed(self) -> None:
        """Before anything is answered: a call its rule scopes must have checked the caller's scope (a handler that
        did not is a bug, and its answer is not sent)."""
        if self._scoped and not access.scope_was_checked():
            raise UncheckedScope(f"{self.method} answered without checking the caller's scope")

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None:
            try:
                self.answer_allowed()
            except UncheckedScope as unchecked:
                exc = unchecked
        if self._stream_of is not None and self.interceptor.quotas is not None:
            self.interceptor.quotas.release(self._stream_of)
            self._stream_of = None
        if self._caller_token is not None:
            auth.reset_current_caller(self._caller_token)
            clients.reset_incoming_deadline(self._deadline_token)
            access.end_call(self._checks_token)
            self._caller_token = self._deadline_token = self._checks_token = None
        if exc is None:
            self._record(grpc.StatusCode.OK)
            return False
        if isinstance(exc, asyncio.CancelledError):
            # grpc cancels the handler when the caller hangs up and when the caller's deadline passes: tell them apart.
            remaining = self.context.time_remaining()
            expired = remaining is not None and remaining <= 0
            self._record(grpc.StatusCode.DEADLINE_EXCEEDED if expired else grpc.StatusCode.CANCELLED)
            return False
        if isinstance(exc, grpc.aio.AbortError):  # a handler aborted by itself
            self._record(self.context.code() or grpc.StatusCode.UNKNOWN)
            return False
        error = as_service_error(exc)
        if error is None:
            log.error("unhandled error", exc_info=exc, extra={"method": self.method})
            self._record(grpc.StatusCode.INTERNAL)
            await self.context.abort(grpc.StatusCode.INTERNAL, "internal error; it has been logged")
        await self._fail(error)
        return False  # not reached: _fail raises

    async def _fail(self, error: ServiceError) -> None:
        self._record(error.code, field=error.field)
        await self.context.abort(
            error.code,
            error.details,
            trailing_metadata=(("grpc-status-details-bin", error.to_rich_status().SerializeToString()),),
        )

    def _record(self, code: grpc.StatusCode, field: str | None = None) -> None:
        elapsed = time.perf_counter() - self.started
        metrics = self.metrics
        metrics.handled(code).inc()
        metrics.seconds.observe(elapsed)
        if not log.isEnabledFor(logging.INFO):
            return
        entry = {
            "method": self.method,
            "code": code.name,
            "duration_ms": round(elapsed * 1000, 2),
            "caller": self.subject,
        }
        if field:
            entry["field"] = field
        log.info("rpc", extra=entry)


# A method handler's behaviours as grpc.aio calls them: a request (or an async iterator of them) and the context.
# grpc-stubs make ServicerContext and ServerInterceptor generic; grpc's own classes are not subscriptable.
if TYPE_CHECKING:
    _Unary = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
    _Streaming = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], AsyncIterator[Any]]
    _ServerInterceptor = grpc.aio.ServerInterceptor[Any, Any]
else:
    _ServerInterceptor = grpc.aio.ServerInterceptor


class CallInterceptor(_ServerInterceptor):
    def __init__(
        self,
        tokens: auth.TokenVerifier,
        is_ready: Callable[[], bool],
        *,
        rules: Mapping[str, access.Rule],
        quotas: Quotas | None = None,
        on_refused: Callable[[auth.Caller, str, str], None] | None = None,
    ) -> None:
        self.tokens = tokens
        self.quotas = quotas  # calling systems' quotas; None: not limited (in-process tests)
        self.on_refused = on_refused  # told of each refused use of a calling system's credential
        self.is_ready = is_ready
        self.rules = rules  # the authorisation table's rules of this server's methods
        # method -> (the service's handler, our wrapper of it): grpc asks for the handler on every call, and
        # building the wrapper each time cost more than the rest of the interceptor.
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler[Any, Any], grpc.RpcMethodHandler[Any, Any]]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any]]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(OPEN_METHOD_PREFIXES):
            return handler
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = self._wrap(handler, method)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def _wrap(self, handler: grpc.RpcMethodHandler[Any, Any], method: str) -> grpc.RpcMethodHandler[Any, Any]:
        metrics = _MethodMetrics(method, grpc_type(handler.request_streaming, handler.response_streaming))

        streaming = not handler.unary_unary

        async def counted(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
            async for request in requests:
                metrics.received.inc()
                yield request

        def observe(context: grpc.aio.ServicerContext[Any, Any]) -> _ObservedCall:
            return _ObservedCall(self, method, metrics, context, streaming)

        # grpc-stubs type a handler's behaviours as grpc's sync ones taking a sync context; under grpc.aio they are
        # coroutine functions and async generators taking an aio context (hence the ignores below).
        codecs = {
            "request_deserializer": handler.request_deserializer,
            "response_serializer": handler.response_serializer,
        }

        if handler.unary_unary:
            inner_uu: _Unary = handler.unary_unary  # type: ignore[assignment]

            async def unary_unary(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                metrics.received.inc()
                async with observe(context):
                    response = await inner_uu(request, context)
                metrics.sent.inc()  # only an answer that was sent: an error leaves the block by raising
                return response

            return grpc.unary_unary_rpc_method_handler(unary_unary, **codecs)

        if handler.unary_stream:
            inner_us: _Streaming = handler.unary_stream  # type: ignore[assignment]

            async def unary_stream(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
                metrics.received.inc()
                async with observe(context) as call:
                    async for response in inner_us(request, context):
                        call.answer_allowed()
                        yield response
                        metrics.sent.inc()

            return grpc.unary_stream_rpc_method_handler(unary_stream, **codecs)

        if handler.stream_unary:
            inner_su: _Unary = handler.stream_unary  # type: ignore[assignment]

            async def stream_unary(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                async with observe(context):
                    response = await inner_su(counted(requests), context)
                metrics.sent.inc()
                return response

            return grpc.stream_unary_rpc_method_handler(stream_unary, **codecs)

        inner_ss: _Streaming = handler.stream_stream  # type: ignore[assignment]

        async def stream_stream(
            requests: AsyncIterator[Any], context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            async with observe(context) as call:
                async for response in inner_ss(counted(requests), context):
                    call.answer_allowed()
                    yield response
                    metrics.sent.inc()

        return grpc.stream_stream_rpc_method_handler(stream_stream, **codecs)
