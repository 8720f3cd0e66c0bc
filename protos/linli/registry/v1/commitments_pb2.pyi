import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CommitmentStanding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMMITMENT_STANDING_UNSPECIFIED: _ClassVar[CommitmentStanding]
    COMMITMENT_STANDING_ON_TRACK: _ClassVar[CommitmentStanding]
    COMMITMENT_STANDING_LAGGING: _ClassVar[CommitmentStanding]
    COMMITMENT_STANDING_MET: _ClassVar[CommitmentStanding]
    COMMITMENT_STANDING_MISSED: _ClassVar[CommitmentStanding]
COMMITMENT_STANDING_UNSPECIFIED: CommitmentStanding
COMMITMENT_STANDING_ON_TRACK: CommitmentStanding
COMMITMENT_STANDING_LAGGING: CommitmentStanding
COMMITMENT_STANDING_MET: CommitmentStanding
COMMITMENT_STANDING_MISSED: CommitmentStanding

class ServiceCommitment(_message.Message):
    __slots__ = ("member_id", "year", "post_id", "post_name", "services", "hours", "set_time")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    POST_NAME_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    SET_TIME_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    year: int
    post_id: str
    post_name: str
    services: int
    hours: float
    set_time: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., year: _Optional[int] = ..., post_id: _Optional[str] = ..., post_name: _Optional[str] = ..., services: _Optional[int] = ..., hours: _Optional[float] = ..., set_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CommitmentProgress(_message.Message):
    __slots__ = ("services_done", "hours_done", "post_held", "year_elapsed", "standing")
    SERVICES_DONE_FIELD_NUMBER: _ClassVar[int]
    HOURS_DONE_FIELD_NUMBER: _ClassVar[int]
    POST_HELD_FIELD_NUMBER: _ClassVar[int]
    YEAR_ELAPSED_FIELD_NUMBER: _ClassVar[int]
    STANDING_FIELD_NUMBER: _ClassVar[int]
    services_done: int
    hours_done: float
    post_held: bool
    year_elapsed: float
    standing: CommitmentStanding
    def __init__(self, services_done: _Optional[int] = ..., hours_done: _Optional[float] = ..., post_held: _Optional[bool] = ..., year_elapsed: _Optional[float] = ..., standing: _Optional[_Union[CommitmentStanding, str]] = ...) -> None: ...

class SetServiceCommitmentRequest(_message.Message):
    __slots__ = ("request_id", "member_id", "year", "post_id", "services", "hours")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    member_id: str
    year: int
    post_id: str
    services: int
    hours: float
    def __init__(self, request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., year: _Optional[int] = ..., post_id: _Optional[str] = ..., services: _Optional[int] = ..., hours: _Optional[float] = ...) -> None: ...

class SetServiceCommitmentResponse(_message.Message):
    __slots__ = ("commitment",)
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    commitment: ServiceCommitment
    def __init__(self, commitment: _Optional[_Union[ServiceCommitment, _Mapping]] = ...) -> None: ...

class GetServiceCommitmentRequest(_message.Message):
    __slots__ = ("member_id", "year")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    year: int
    def __init__(self, member_id: _Optional[str] = ..., year: _Optional[int] = ...) -> None: ...

class GetServiceCommitmentResponse(_message.Message):
    __slots__ = ("commitment", "progress")
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    commitment: ServiceCommitment
    progress: CommitmentProgress
    def __init__(self, commitment: _Optional[_Union[ServiceCommitment, _Mapping]] = ..., progress: _Optional[_Union[CommitmentProgress, _Mapping]] = ...) -> None: ...

class ListLaggingCommitmentsRequest(_message.Message):
    __slots__ = ("year", "page_size", "page_token")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    year: int
    page_size: int
    page_token: str
    def __init__(self, year: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class LaggingCommitment(_message.Message):
    __slots__ = ("commitment", "progress", "community_id")
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    commitment: ServiceCommitment
    progress: CommitmentProgress
    community_id: str
    def __init__(self, commitment: _Optional[_Union[ServiceCommitment, _Mapping]] = ..., progress: _Optional[_Union[CommitmentProgress, _Mapping]] = ..., community_id: _Optional[str] = ...) -> None: ...

class ListLaggingCommitmentsResponse(_message.Message):
    __slots__ = ("commitments", "next_page_token")
    COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    commitments: _containers.RepeatedCompositeFieldContainer[LaggingCommitment]
    next_page_token: str
    def __init__(self, commitments: _Optional[_Iterable[_Union[LaggingCommitment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
