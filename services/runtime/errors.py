"""Domain errors, and the one place they become gRPC status codes.

Handlers raise these; the call interceptor turns them into a status with the field named, so a caller's
mistake is never INTERNAL. The codes follow the API contract in the README.
"""

from __future__ import annotations

import grpc
from google.rpc import code_pb2, error_details_pb2, status_pb2


class ServiceError(Exception):
    code: grpc.StatusCode = grpc.StatusCode.INTERNAL

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def details(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def to_rich_status(self) -> status_pb2.Status:
        """google.rpc.Status with a BadRequest naming the field, for clients that read error details."""
        status = status_pb2.Status(code=_RPC_CODES[self.code], message=self.details)
        if self.field:
            bad_request = error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=self.field, description=self.message)
                ]
            )
            status.details.add().Pack(bad_request)
        return status


class InvalidArgument(ServiceError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class InvalidRows(InvalidArgument):
    """Several fields are wrong at once (the rows of an all-or-nothing import): every one is a field violation."""

    # The details travel in trailing metadata, which callers cap (8 KiB by default): the first ones only.
    MAX_DETAILED = 20

    def __init__(self, violations: list[tuple[str, str]], what: str = "rows") -> None:
        first_field, first = violations[0]
        super().__init__(f"{len(violations)} bad {what}; the first: {first}", first_field)
        self.violations = violations[: self.MAX_DETAILED]

    def to_rich_status(self) -> status_pb2.Status:
        status = status_pb2.Status(code=_RPC_CODES[self.code], message=self.details)
        status.details.add().Pack(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=field, description=description)
                    for field, description in self.violations
                ]
            )
        )
        return status


class NotFound(ServiceError):
    code = grpc.StatusCode.NOT_FOUND


class FailedPrecondition(ServiceError):
    """The request is well formed but the thing is in the wrong state for it (claiming a claimed wish)."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(ServiceError):
    """Lost a race with a concurrent change; retrying may succeed."""

    code = grpc.StatusCode.ABORTED


class AlreadyExists(ServiceError):
    code = grpc.StatusCode.ALREADY_EXISTS


class Unauthenticated(ServiceError):
    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(ServiceError):
    code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(ServiceError):
    """The caller asked for more than its quota; it may retry after `retry_after` seconds (sent as RetryInfo)."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def to_rich_status(self) -> status_pb2.Status:
        status = super().to_rich_status()
        delay = error_details_pb2.RetryInfo()
        delay.retry_delay.FromMilliseconds(max(1, round(self.retry_after * 1000)))
        status.details.add().Pack(delay)
        return status


class Unavailable(ServiceError):
    """A dependency (the database, another service) cannot be reached right now; retry later."""

    code = grpc.StatusCode.UNAVAILABLE


_RPC_CODES = {
    grpc.StatusCode.INVALID_ARGUMENT: code_pb2.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND: code_pb2.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION: code_pb2.FAILED_PRECONDITION,
    grpc.StatusCode.ABORTED: code_pb2.ABORTED,
    grpc.StatusCode.ALREADY_EXISTS: code_pb2.ALREADY_EXISTS,
    grpc.StatusCode.UNAUTHENTICATED: code_pb2.UNAUTHENTICATED,
    grpc.StatusCode.PERMISSION_DENIED: code_pb2.PERMISSION_DENIED,
    grpc.StatusCode.UNAVAILABLE: code_pb2.UNAVAILABLE,
    grpc.StatusCode.RESOURCE_EXHAUSTED: code_pb2.RESOURCE_EXHAUSTED,
    grpc.StatusCode.INTERNAL: code_pb2.INTERNAL,
}
