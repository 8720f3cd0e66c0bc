"""Channels from one linli process to another linli service, carrying a service bearer token."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import grpc

from services.runtime.auth import WHOLE_DEPLOYMENT, Role, issue_token

_TOKEN_TTL_SECONDS = 3600


class _ServiceToken:
    """A service token for this process, re-issued well before it expires."""

    def __init__(self, secret: str, subject: str) -> None:
        self._secret = secret
        self._subject = subject
        self._token = ""
        self._renew_at = 0.0

    def metadata(self) -> tuple[str, str]:
        now = time.monotonic()
        if now >= self._renew_at:
            self._token = issue_token(self._secret, self._subject, Role.SERVICE, WHOLE_DEPLOYMENT, _TOKEN_TTL_SECONDS)
            self._renew_at = now + _TOKEN_TTL_SECONDS / 2
        return ("authorization", f"Bearer {self._token}")


class _Authorize(
    grpc.aio.UnaryUnaryClientInterceptor,
    grpc.aio.UnaryStreamClientInterceptor,
    grpc.aio.StreamUnaryClientInterceptor,
):
    def __init__(self, token: _ServiceToken) -> None:
        self._token = token

    def _with_token(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata.add(*self._token.metadata())
        return details._replace(metadata=metadata)

    async def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return await continuation(self._with_token(details), request)

    async def intercept_unary_stream(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return await continuation(self._with_token(details), request)

    async def intercept_stream_unary(self, continuation: Callable[..., Any], details: Any, requests: Any) -> Any:
        return await continuation(self._with_token(details), requests)


def service_channel(address: str, auth_secret: str, caller_name: str) -> grpc.aio.Channel:
    """An insecure (in-cluster) channel to another linli service that authenticates as `service:<caller_name>`."""
    token = _ServiceToken(auth_secret, f"service:{caller_name}")
    return grpc.aio.insecure_channel(address, interceptors=[_Authorize(token)])
