import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USER_ROLE_UNSPECIFIED: _ClassVar[UserRole]
    USER_ROLE_STAFF: _ClassVar[UserRole]
    USER_ROLE_MEMBER: _ClassVar[UserRole]
USER_ROLE_UNSPECIFIED: UserRole
USER_ROLE_STAFF: UserRole
USER_ROLE_MEMBER: UserRole

class IssueUserTokenRequest(_message.Message):
    __slots__ = ("role", "subject", "scope_org_unit_id", "lifetime")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SCOPE_ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_FIELD_NUMBER: _ClassVar[int]
    role: UserRole
    subject: str
    scope_org_unit_id: str
    lifetime: _duration_pb2.Duration
    def __init__(self, role: _Optional[_Union[UserRole, str]] = ..., subject: _Optional[str] = ..., scope_org_unit_id: _Optional[str] = ..., lifetime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class IssueUserTokenResponse(_message.Message):
    __slots__ = ("token", "expires_at", "scope_org_unit_id")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    SCOPE_ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    token: str
    expires_at: _timestamp_pb2.Timestamp
    scope_org_unit_id: str
    def __init__(self, token: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scope_org_unit_id: _Optional[str] = ...) -> None: ...

class Quota(_message.Message):
    __slots__ = ("calls_per_second", "burst", "max_streams")
    CALLS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    BURST_FIELD_NUMBER: _ClassVar[int]
    MAX_STREAMS_FIELD_NUMBER: _ClassVar[int]
    calls_per_second: float
    burst: int
    max_streams: int
    def __init__(self, calls_per_second: _Optional[float] = ..., burst: _Optional[int] = ..., max_streams: _Optional[int] = ...) -> None: ...

class Credential(_message.Message):
    __slots__ = ("id", "system", "description", "scope_org_unit_id", "methods", "quota", "issued_at", "issued_by", "expires_at", "generation", "revoked_at", "revoked_by", "revoke_reason", "client_certificate")
    ID_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SCOPE_ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    METHODS_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    ISSUED_BY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKE_REASON_FIELD_NUMBER: _ClassVar[int]
    CLIENT_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    id: str
    system: str
    description: str
    scope_org_unit_id: str
    methods: _containers.RepeatedScalarFieldContainer[str]
    quota: Quota
    issued_at: _timestamp_pb2.Timestamp
    issued_by: str
    expires_at: _timestamp_pb2.Timestamp
    generation: int
    revoked_at: _timestamp_pb2.Timestamp
    revoked_by: str
    revoke_reason: str
    client_certificate: bool
    def __init__(self, id: _Optional[str] = ..., system: _Optional[str] = ..., description: _Optional[str] = ..., scope_org_unit_id: _Optional[str] = ..., methods: _Optional[_Iterable[str]] = ..., quota: _Optional[_Union[Quota, _Mapping]] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issued_by: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., generation: _Optional[int] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_by: _Optional[str] = ..., revoke_reason: _Optional[str] = ..., client_certificate: _Optional[bool] = ...) -> None: ...

class IssueCredentialRequest(_message.Message):
    __slots__ = ("request_id", "system", "description", "scope_org_unit_id", "methods", "lifetime", "quota", "client_certificate")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SCOPE_ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    METHODS_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    CLIENT_CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    system: str
    description: str
    scope_org_unit_id: str
    methods: _containers.RepeatedScalarFieldContainer[str]
    lifetime: _duration_pb2.Duration
    quota: Quota
    client_certificate: bool
    def __init__(self, request_id: _Optional[str] = ..., system: _Optional[str] = ..., description: _Optional[str] = ..., scope_org_unit_id: _Optional[str] = ..., methods: _Optional[_Iterable[str]] = ..., lifetime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., quota: _Optional[_Union[Quota, _Mapping]] = ..., client_certificate: _Optional[bool] = ...) -> None: ...

class IssueCredentialResponse(_message.Message):
    __slots__ = ("credential", "token")
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    token: str
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class GetCredentialRequest(_message.Message):
    __slots__ = ("credential_id",)
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    credential_id: str
    def __init__(self, credential_id: _Optional[str] = ...) -> None: ...

class GetCredentialResponse(_message.Message):
    __slots__ = ("credential",)
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ...) -> None: ...

class ListCredentialsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "include_revoked")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    include_revoked: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_revoked: _Optional[bool] = ...) -> None: ...

class ListCredentialsResponse(_message.Message):
    __slots__ = ("credentials", "next_page_token")
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    credentials: _containers.RepeatedCompositeFieldContainer[Credential]
    next_page_token: str
    def __init__(self, credentials: _Optional[_Iterable[_Union[Credential, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RotateCredentialRequest(_message.Message):
    __slots__ = ("request_id", "credential_id", "overlap")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    credential_id: str
    overlap: _duration_pb2.Duration
    def __init__(self, request_id: _Optional[str] = ..., credential_id: _Optional[str] = ..., overlap: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RotateCredentialResponse(_message.Message):
    __slots__ = ("credential", "token")
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    token: str
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class RevokeCredentialRequest(_message.Message):
    __slots__ = ("request_id", "credential_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    credential_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., credential_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeCredentialResponse(_message.Message):
    __slots__ = ("credential",)
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    credential: Credential
    def __init__(self, credential: _Optional[_Union[Credential, _Mapping]] = ...) -> None: ...

class SyncCredentialsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RevokedToken(_message.Message):
    __slots__ = ("token_id", "refused_from")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FROM_FIELD_NUMBER: _ClassVar[int]
    token_id: str
    refused_from: _timestamp_pb2.Timestamp
    def __init__(self, token_id: _Optional[str] = ..., refused_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SyncCredentialsResponse(_message.Message):
    __slots__ = ("tokens", "revoked_credential_ids", "certificate_credentials")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_CREDENTIAL_IDS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[RevokedToken]
    revoked_credential_ids: _containers.RepeatedScalarFieldContainer[str]
    certificate_credentials: _containers.RepeatedCompositeFieldContainer[Credential]
    def __init__(self, tokens: _Optional[_Iterable[_Union[RevokedToken, _Mapping]]] = ..., revoked_credential_ids: _Optional[_Iterable[str]] = ..., certificate_credentials: _Optional[_Iterable[_Union[Credential, _Mapping]]] = ...) -> None: ...
