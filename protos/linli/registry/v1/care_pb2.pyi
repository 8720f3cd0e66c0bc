import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CarePairState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARE_PAIR_STATE_UNSPECIFIED: _ClassVar[CarePairState]
    CARE_PAIR_STATE_ACTIVE: _ClassVar[CarePairState]
    CARE_PAIR_STATE_ENDED: _ClassVar[CarePairState]

class CareeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CAREE_KIND_UNSPECIFIED: _ClassVar[CareeKind]
    CAREE_KIND_RESIDENT: _ClassVar[CareeKind]
    CAREE_KIND_HOUSEHOLD: _ClassVar[CareeKind]

class CareEndReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARE_END_REASON_UNSPECIFIED: _ClassVar[CareEndReason]
    CARE_END_REASON_MOVED: _ClassVar[CareEndReason]
    CARE_END_REASON_PASSED_AWAY: _ClassVar[CareEndReason]
    CARE_END_REASON_NO_LONGER_NEEDED: _ClassVar[CareEndReason]
    CARE_END_REASON_OTHER: _ClassVar[CareEndReason]
CARE_PAIR_STATE_UNSPECIFIED: CarePairState
CARE_PAIR_STATE_ACTIVE: CarePairState
CARE_PAIR_STATE_ENDED: CarePairState
CAREE_KIND_UNSPECIFIED: CareeKind
CAREE_KIND_RESIDENT: CareeKind
CAREE_KIND_HOUSEHOLD: CareeKind
CARE_END_REASON_UNSPECIFIED: CareEndReason
CARE_END_REASON_MOVED: CareEndReason
CARE_END_REASON_PASSED_AWAY: CareEndReason
CARE_END_REASON_NO_LONGER_NEEDED: CareEndReason
CARE_END_REASON_OTHER: CareEndReason

class CarePair(_message.Message):
    __slots__ = ("id", "resident_ref", "caree_kind", "people", "resident_name", "address", "contact", "unit_id", "carer_member_ids", "team_id", "cadence_days", "state", "created_at", "last_visit_at", "next_visit_due", "ended_at", "end_reason", "end_note", "version", "visits", "last_visit_id", "began_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_REF_FIELD_NUMBER: _ClassVar[int]
    CAREE_KIND_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    CARER_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    CADENCE_DAYS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_VISIT_AT_FIELD_NUMBER: _ClassVar[int]
    NEXT_VISIT_DUE_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    END_REASON_FIELD_NUMBER: _ClassVar[int]
    END_NOTE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    VISITS_FIELD_NUMBER: _ClassVar[int]
    LAST_VISIT_ID_FIELD_NUMBER: _ClassVar[int]
    BEGAN_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    resident_ref: str
    caree_kind: CareeKind
    people: int
    resident_name: str
    address: str
    contact: str
    unit_id: str
    carer_member_ids: _containers.RepeatedScalarFieldContainer[str]
    team_id: str
    cadence_days: int
    state: CarePairState
    created_at: _timestamp_pb2.Timestamp
    last_visit_at: _timestamp_pb2.Timestamp
    next_visit_due: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    end_reason: CareEndReason
    end_note: str
    version: int
    visits: int
    last_visit_id: str
    began_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., resident_ref: _Optional[str] = ..., caree_kind: _Optional[_Union[CareeKind, str]] = ..., people: _Optional[int] = ..., resident_name: _Optional[str] = ..., address: _Optional[str] = ..., contact: _Optional[str] = ..., unit_id: _Optional[str] = ..., carer_member_ids: _Optional[_Iterable[str]] = ..., team_id: _Optional[str] = ..., cadence_days: _Optional[int] = ..., state: _Optional[_Union[CarePairState, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_visit_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_visit_due: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_reason: _Optional[_Union[CareEndReason, str]] = ..., end_note: _Optional[str] = ..., version: _Optional[int] = ..., visits: _Optional[int] = ..., last_visit_id: _Optional[str] = ..., began_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CareVisit(_message.Message):
    __slots__ = ("id", "pair_id", "member_ids", "visited_at", "note", "hours", "recorded_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    VISITED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    RECORDED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    pair_id: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    visited_at: _timestamp_pb2.Timestamp
    note: str
    hours: float
    recorded_by: str
    def __init__(self, id: _Optional[str] = ..., pair_id: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., visited_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., hours: _Optional[float] = ..., recorded_by: _Optional[str] = ...) -> None: ...

class CreateCarePairRequest(_message.Message):
    __slots__ = ("request_id", "unit_id", "resident_ref", "caree_kind", "people", "resident_name", "address", "contact", "carer_member_ids", "team_id", "cadence_days", "began_at")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_REF_FIELD_NUMBER: _ClassVar[int]
    CAREE_KIND_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    CARER_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    CADENCE_DAYS_FIELD_NUMBER: _ClassVar[int]
    BEGAN_AT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    unit_id: str
    resident_ref: str
    caree_kind: CareeKind
    people: int
    resident_name: str
    address: str
    contact: str
    carer_member_ids: _containers.RepeatedScalarFieldContainer[str]
    team_id: str
    cadence_days: int
    began_at: _timestamp_pb2.Timestamp
    def __init__(self, request_id: _Optional[str] = ..., unit_id: _Optional[str] = ..., resident_ref: _Optional[str] = ..., caree_kind: _Optional[_Union[CareeKind, str]] = ..., people: _Optional[int] = ..., resident_name: _Optional[str] = ..., address: _Optional[str] = ..., contact: _Optional[str] = ..., carer_member_ids: _Optional[_Iterable[str]] = ..., team_id: _Optional[str] = ..., cadence_days: _Optional[int] = ..., began_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateCarePairResponse(_message.Message):
    __slots__ = ("pair",)
    PAIR_FIELD_NUMBER: _ClassVar[int]
    pair: CarePair
    def __init__(self, pair: _Optional[_Union[CarePair, _Mapping]] = ...) -> None: ...

class GetCarePairRequest(_message.Message):
    __slots__ = ("pair_id",)
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    pair_id: str
    def __init__(self, pair_id: _Optional[str] = ...) -> None: ...

class GetCarePairResponse(_message.Message):
    __slots__ = ("pair",)
    PAIR_FIELD_NUMBER: _ClassVar[int]
    pair: CarePair
    def __init__(self, pair: _Optional[_Union[CarePair, _Mapping]] = ...) -> None: ...

class ListCarePairsRequest(_message.Message):
    __slots__ = ("org_unit_id", "state", "page_size", "page_token", "carer_member_id")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CARER_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    state: CarePairState
    page_size: int
    page_token: str
    carer_member_id: str
    def __init__(self, org_unit_id: _Optional[str] = ..., state: _Optional[_Union[CarePairState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., carer_member_id: _Optional[str] = ...) -> None: ...

class ListCarePairsResponse(_message.Message):
    __slots__ = ("pairs", "next_page_token")
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    pairs: _containers.RepeatedCompositeFieldContainer[CarePair]
    next_page_token: str
    def __init__(self, pairs: _Optional[_Iterable[_Union[CarePair, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordVisitRequest(_message.Message):
    __slots__ = ("request_id", "pair_id", "member_ids", "visited_at", "note", "hours")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    VISITED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    pair_id: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    visited_at: _timestamp_pb2.Timestamp
    note: str
    hours: float
    def __init__(self, request_id: _Optional[str] = ..., pair_id: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., visited_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., hours: _Optional[float] = ...) -> None: ...

class RecordVisitResponse(_message.Message):
    __slots__ = ("visit", "pair", "service_record_ids")
    VISIT_FIELD_NUMBER: _ClassVar[int]
    PAIR_FIELD_NUMBER: _ClassVar[int]
    SERVICE_RECORD_IDS_FIELD_NUMBER: _ClassVar[int]
    visit: CareVisit
    pair: CarePair
    service_record_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, visit: _Optional[_Union[CareVisit, _Mapping]] = ..., pair: _Optional[_Union[CarePair, _Mapping]] = ..., service_record_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListVisitsRequest(_message.Message):
    __slots__ = ("pair_id", "page_size", "page_token")
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    pair_id: str
    page_size: int
    page_token: str
    def __init__(self, pair_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListVisitsResponse(_message.Message):
    __slots__ = ("visits", "next_page_token")
    VISITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    visits: _containers.RepeatedCompositeFieldContainer[CareVisit]
    next_page_token: str
    def __init__(self, visits: _Optional[_Iterable[_Union[CareVisit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ChangeCarersRequest(_message.Message):
    __slots__ = ("request_id", "pair_id", "carer_member_ids", "team_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    CARER_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    pair_id: str
    carer_member_ids: _containers.RepeatedScalarFieldContainer[str]
    team_id: str
    def __init__(self, request_id: _Optional[str] = ..., pair_id: _Optional[str] = ..., carer_member_ids: _Optional[_Iterable[str]] = ..., team_id: _Optional[str] = ...) -> None: ...

class ChangeCarersResponse(_message.Message):
    __slots__ = ("pair",)
    PAIR_FIELD_NUMBER: _ClassVar[int]
    pair: CarePair
    def __init__(self, pair: _Optional[_Union[CarePair, _Mapping]] = ...) -> None: ...

class EndCarePairRequest(_message.Message):
    __slots__ = ("request_id", "pair_id", "reason", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    pair_id: str
    reason: CareEndReason
    note: str
    def __init__(self, request_id: _Optional[str] = ..., pair_id: _Optional[str] = ..., reason: _Optional[_Union[CareEndReason, str]] = ..., note: _Optional[str] = ...) -> None: ...

class EndCarePairResponse(_message.Message):
    __slots__ = ("pair",)
    PAIR_FIELD_NUMBER: _ClassVar[int]
    pair: CarePair
    def __init__(self, pair: _Optional[_Union[CarePair, _Mapping]] = ...) -> None: ...

class RevealCarePairResidentRequest(_message.Message):
    __slots__ = ("pair_id", "reason")
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    pair_id: str
    reason: str
    def __init__(self, pair_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevealCarePairResidentResponse(_message.Message):
    __slots__ = ("pair_id", "resident_name", "address", "contact")
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    pair_id: str
    resident_name: str
    address: str
    contact: str
    def __init__(self, pair_id: _Optional[str] = ..., resident_name: _Optional[str] = ..., address: _Optional[str] = ..., contact: _Optional[str] = ...) -> None: ...

class GetCareStatsRequest(_message.Message):
    __slots__ = ("org_unit_id", "start_time", "end_time")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, org_unit_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCareStatsResponse(_message.Message):
    __slots__ = ("pairs_active", "pairs_begun", "pairs_ended", "people_cared_for", "visits_due", "visits_made", "visits_missed")
    PAIRS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    PAIRS_BEGUN_FIELD_NUMBER: _ClassVar[int]
    PAIRS_ENDED_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_CARED_FOR_FIELD_NUMBER: _ClassVar[int]
    VISITS_DUE_FIELD_NUMBER: _ClassVar[int]
    VISITS_MADE_FIELD_NUMBER: _ClassVar[int]
    VISITS_MISSED_FIELD_NUMBER: _ClassVar[int]
    pairs_active: int
    pairs_begun: int
    pairs_ended: int
    people_cared_for: int
    visits_due: int
    visits_made: int
    visits_missed: int
    def __init__(self, pairs_active: _Optional[int] = ..., pairs_begun: _Optional[int] = ..., pairs_ended: _Optional[int] = ..., people_cared_for: _Optional[int] = ..., visits_due: _Optional[int] = ..., visits_made: _Optional[int] = ..., visits_missed: _Optional[int] = ...) -> None: ...

class RecordCareMissRequest(_message.Message):
    __slots__ = ("request_id", "pair_id", "after_visit_id", "period", "office")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAIR_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_VISIT_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    OFFICE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    pair_id: str
    after_visit_id: str
    period: int
    office: bool
    def __init__(self, request_id: _Optional[str] = ..., pair_id: _Optional[str] = ..., after_visit_id: _Optional[str] = ..., period: _Optional[int] = ..., office: _Optional[bool] = ...) -> None: ...

class RecordCareMissResponse(_message.Message):
    __slots__ = ("carer_member_ids", "unit_id", "created")
    CARER_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    carer_member_ids: _containers.RepeatedScalarFieldContainer[str]
    unit_id: str
    created: bool
    def __init__(self, carer_member_ids: _Optional[_Iterable[str]] = ..., unit_id: _Optional[str] = ..., created: _Optional[bool] = ...) -> None: ...
