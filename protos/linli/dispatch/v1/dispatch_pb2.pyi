import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from linli.dispatch.v1 import audit_pb2 as _audit_pb2
from linli.registry.v1 import registry_pb2 as _registry_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RosterSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROSTER_SOURCE_UNSPECIFIED: _ClassVar[RosterSource]
    ROSTER_SOURCE_NONE: _ClassVar[RosterSource]
    ROSTER_SOURCE_WEEKLY_PATTERN: _ClassVar[RosterSource]
    ROSTER_SOURCE_DAY: _ClassVar[RosterSource]

class AlertKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_KIND_UNSPECIFIED: _ClassVar[AlertKind]
    ALERT_KIND_FALL: _ClassVar[AlertKind]
    ALERT_KIND_HEART: _ClassVar[AlertKind]
    ALERT_KIND_FIRE: _ClassVar[AlertKind]
    ALERT_KIND_OTHER: _ClassVar[AlertKind]

class AlertState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_STATE_UNSPECIFIED: _ClassVar[AlertState]
    ALERT_STATE_RAISED: _ClassVar[AlertState]
    ALERT_STATE_ACKNOWLEDGED: _ClassVar[AlertState]
    ALERT_STATE_ARRIVED: _ClassVar[AlertState]
    ALERT_STATE_RESOLVED: _ClassVar[AlertState]
    ALERT_STATE_CANCELLED: _ClassVar[AlertState]

class AlertOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_OUTCOME_UNSPECIFIED: _ClassVar[AlertOutcome]
    ALERT_OUTCOME_HELPED_ON_SITE: _ClassVar[AlertOutcome]
    ALERT_OUTCOME_TAKEN_TO_HOSPITAL: _ClassVar[AlertOutcome]
    ALERT_OUTCOME_HANDED_TO_FAMILY: _ClassVar[AlertOutcome]
    ALERT_OUTCOME_EMERGENCY_SERVICES: _ClassVar[AlertOutcome]
    ALERT_OUTCOME_NOBODY_FOUND: _ClassVar[AlertOutcome]
    ALERT_OUTCOME_OTHER: _ClassVar[AlertOutcome]

class EscalationLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ESCALATION_LEVEL_UNSPECIFIED: _ClassVar[EscalationLevel]
    ESCALATION_LEVEL_VOLUNTEERS: _ClassVar[EscalationLevel]
    ESCALATION_LEVEL_COMMUNITY_STAFF: _ClassVar[EscalationLevel]
    ESCALATION_LEVEL_STREET: _ClassVar[EscalationLevel]

class AlertEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_EVENT_KIND_UNSPECIFIED: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_RAISED: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_CALLED: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_DELIVERED: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_DELIVERY_FAILED: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_TIMED_OUT: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_ESCALATED: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_ACKNOWLEDGED: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_STOOD_DOWN: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_ARRIVED: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_RESOLVED: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_CANCELLED: _ClassVar[AlertEventKind]
    ALERT_EVENT_KIND_SERVICE_RECORDED: _ClassVar[AlertEventKind]

class Nearness(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NEARNESS_UNSPECIFIED: _ClassVar[Nearness]
    NEARNESS_BUILDING: _ClassVar[Nearness]
    NEARNESS_GRID: _ClassVar[Nearness]
    NEARNESS_COMMUNITY: _ClassVar[Nearness]
ROSTER_SOURCE_UNSPECIFIED: RosterSource
ROSTER_SOURCE_NONE: RosterSource
ROSTER_SOURCE_WEEKLY_PATTERN: RosterSource
ROSTER_SOURCE_DAY: RosterSource
ALERT_KIND_UNSPECIFIED: AlertKind
ALERT_KIND_FALL: AlertKind
ALERT_KIND_HEART: AlertKind
ALERT_KIND_FIRE: AlertKind
ALERT_KIND_OTHER: AlertKind
ALERT_STATE_UNSPECIFIED: AlertState
ALERT_STATE_RAISED: AlertState
ALERT_STATE_ACKNOWLEDGED: AlertState
ALERT_STATE_ARRIVED: AlertState
ALERT_STATE_RESOLVED: AlertState
ALERT_STATE_CANCELLED: AlertState
ALERT_OUTCOME_UNSPECIFIED: AlertOutcome
ALERT_OUTCOME_HELPED_ON_SITE: AlertOutcome
ALERT_OUTCOME_TAKEN_TO_HOSPITAL: AlertOutcome
ALERT_OUTCOME_HANDED_TO_FAMILY: AlertOutcome
ALERT_OUTCOME_EMERGENCY_SERVICES: AlertOutcome
ALERT_OUTCOME_NOBODY_FOUND: AlertOutcome
ALERT_OUTCOME_OTHER: AlertOutcome
ESCALATION_LEVEL_UNSPECIFIED: EscalationLevel
ESCALATION_LEVEL_VOLUNTEERS: EscalationLevel
ESCALATION_LEVEL_COMMUNITY_STAFF: EscalationLevel
ESCALATION_LEVEL_STREET: EscalationLevel
ALERT_EVENT_KIND_UNSPECIFIED: AlertEventKind
ALERT_EVENT_KIND_RAISED: AlertEventKind
ALERT_EVENT_KIND_CALLED: AlertEventKind
ALERT_EVENT_KIND_DELIVERED: AlertEventKind
ALERT_EVENT_KIND_DELIVERY_FAILED: AlertEventKind
ALERT_EVENT_KIND_TIMED_OUT: AlertEventKind
ALERT_EVENT_KIND_ESCALATED: AlertEventKind
ALERT_EVENT_KIND_ACKNOWLEDGED: AlertEventKind
ALERT_EVENT_KIND_STOOD_DOWN: AlertEventKind
ALERT_EVENT_KIND_ARRIVED: AlertEventKind
ALERT_EVENT_KIND_RESOLVED: AlertEventKind
ALERT_EVENT_KIND_CANCELLED: AlertEventKind
ALERT_EVENT_KIND_SERVICE_RECORDED: AlertEventKind
NEARNESS_UNSPECIFIED: Nearness
NEARNESS_BUILDING: Nearness
NEARNESS_GRID: Nearness
NEARNESS_COMMUNITY: Nearness

class RecommendClaimantsRequest(_message.Message):
    __slots__ = ("wish_id", "limit")
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    wish_id: str
    limit: int
    def __init__(self, wish_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class Recommendation(_message.Message):
    __slots__ = ("member_id", "member_name", "score", "reasons")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_NAME_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    member_name: str
    score: float
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, member_id: _Optional[str] = ..., member_name: _Optional[str] = ..., score: _Optional[float] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class RecommendClaimantsResponse(_message.Message):
    __slots__ = ("recommendations",)
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    recommendations: _containers.RepeatedCompositeFieldContainer[Recommendation]
    def __init__(self, recommendations: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ...) -> None: ...

class RecommendVolunteersRequest(_message.Message):
    __slots__ = ("org_unit_id", "skills", "limit", "exclude_member_ids")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    skills: _containers.RepeatedScalarFieldContainer[_registry_pb2.Skill]
    limit: int
    exclude_member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, org_unit_id: _Optional[str] = ..., skills: _Optional[_Iterable[_Union[_registry_pb2.Skill, str]]] = ..., limit: _Optional[int] = ..., exclude_member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RecommendVolunteersResponse(_message.Message):
    __slots__ = ("recommendations",)
    RECOMMENDATIONS_FIELD_NUMBER: _ClassVar[int]
    recommendations: _containers.RepeatedCompositeFieldContainer[Recommendation]
    def __init__(self, recommendations: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ...) -> None: ...

class DutySlot(_message.Message):
    __slots__ = ("member_id", "start_time", "end_time", "member_name", "team_id", "team_member_id", "away")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    MEMBER_NAME_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    AWAY_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    start_time: str
    end_time: str
    member_name: str
    team_id: str
    team_member_id: str
    away: bool
    def __init__(self, member_id: _Optional[str] = ..., start_time: _Optional[str] = ..., end_time: _Optional[str] = ..., member_name: _Optional[str] = ..., team_id: _Optional[str] = ..., team_member_id: _Optional[str] = ..., away: _Optional[bool] = ...) -> None: ...

class DutyRoster(_message.Message):
    __slots__ = ("community_id", "date", "slots", "source")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    date: str
    slots: _containers.RepeatedCompositeFieldContainer[DutySlot]
    source: RosterSource
    def __init__(self, community_id: _Optional[str] = ..., date: _Optional[str] = ..., slots: _Optional[_Iterable[_Union[DutySlot, _Mapping]]] = ..., source: _Optional[_Union[RosterSource, str]] = ...) -> None: ...

class SetDutyRosterRequest(_message.Message):
    __slots__ = ("request_id", "community_id", "date", "slots")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    community_id: str
    date: str
    slots: _containers.RepeatedCompositeFieldContainer[DutySlot]
    def __init__(self, request_id: _Optional[str] = ..., community_id: _Optional[str] = ..., date: _Optional[str] = ..., slots: _Optional[_Iterable[_Union[DutySlot, _Mapping]]] = ...) -> None: ...

class SetDutyRosterResponse(_message.Message):
    __slots__ = ("roster",)
    ROSTER_FIELD_NUMBER: _ClassVar[int]
    roster: DutyRoster
    def __init__(self, roster: _Optional[_Union[DutyRoster, _Mapping]] = ...) -> None: ...

class WeeklyDutySlot(_message.Message):
    __slots__ = ("weekday", "slot")
    WEEKDAY_FIELD_NUMBER: _ClassVar[int]
    SLOT_FIELD_NUMBER: _ClassVar[int]
    weekday: int
    slot: DutySlot
    def __init__(self, weekday: _Optional[int] = ..., slot: _Optional[_Union[DutySlot, _Mapping]] = ...) -> None: ...

class SetWeeklyDutyPatternRequest(_message.Message):
    __slots__ = ("request_id", "community_id", "slots")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    community_id: str
    slots: _containers.RepeatedCompositeFieldContainer[WeeklyDutySlot]
    def __init__(self, request_id: _Optional[str] = ..., community_id: _Optional[str] = ..., slots: _Optional[_Iterable[_Union[WeeklyDutySlot, _Mapping]]] = ...) -> None: ...

class SetWeeklyDutyPatternResponse(_message.Message):
    __slots__ = ("community_id", "slots")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    slots: _containers.RepeatedCompositeFieldContainer[WeeklyDutySlot]
    def __init__(self, community_id: _Optional[str] = ..., slots: _Optional[_Iterable[_Union[WeeklyDutySlot, _Mapping]]] = ...) -> None: ...

class SwapDutyRequest(_message.Message):
    __slots__ = ("request_id", "community_id", "date", "from_member_id", "to_member_id", "reason", "from_team_id", "from_team_member_id", "to_team_id", "to_team_member_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    FROM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FROM_TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    TO_TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    community_id: str
    date: str
    from_member_id: str
    to_member_id: str
    reason: str
    from_team_id: str
    from_team_member_id: str
    to_team_id: str
    to_team_member_id: str
    def __init__(self, request_id: _Optional[str] = ..., community_id: _Optional[str] = ..., date: _Optional[str] = ..., from_member_id: _Optional[str] = ..., to_member_id: _Optional[str] = ..., reason: _Optional[str] = ..., from_team_id: _Optional[str] = ..., from_team_member_id: _Optional[str] = ..., to_team_id: _Optional[str] = ..., to_team_member_id: _Optional[str] = ...) -> None: ...

class SwapDutyResponse(_message.Message):
    __slots__ = ("roster",)
    ROSTER_FIELD_NUMBER: _ClassVar[int]
    roster: DutyRoster
    def __init__(self, roster: _Optional[_Union[DutyRoster, _Mapping]] = ...) -> None: ...

class GetDutyRosterRequest(_message.Message):
    __slots__ = ("community_id", "date")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    date: str
    def __init__(self, community_id: _Optional[str] = ..., date: _Optional[str] = ...) -> None: ...

class GetDutyRosterResponse(_message.Message):
    __slots__ = ("roster",)
    ROSTER_FIELD_NUMBER: _ClassVar[int]
    roster: DutyRoster
    def __init__(self, roster: _Optional[_Union[DutyRoster, _Mapping]] = ...) -> None: ...

class GetOnDutyRequest(_message.Message):
    __slots__ = ("community_id", "time")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, community_id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetOnDutyResponse(_message.Message):
    __slots__ = ("on_duty", "date")
    ON_DUTY_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    on_duty: _containers.RepeatedCompositeFieldContainer[DutySlot]
    date: str
    def __init__(self, on_duty: _Optional[_Iterable[_Union[DutySlot, _Mapping]]] = ..., date: _Optional[str] = ...) -> None: ...

class GetDutyGapsRequest(_message.Message):
    __slots__ = ("community_id", "start_date", "end_date")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    start_date: str
    end_date: str
    def __init__(self, community_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class DutyGap(_message.Message):
    __slots__ = ("date", "start_time", "end_time")
    DATE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    date: str
    start_time: str
    end_time: str
    def __init__(self, date: _Optional[str] = ..., start_time: _Optional[str] = ..., end_time: _Optional[str] = ...) -> None: ...

class Unavailability(_message.Message):
    __slots__ = ("id", "community_id", "member_id", "team_id", "team_member_id", "start_time", "end_time", "reason", "withdraw_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    WITHDRAW_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    community_id: str
    member_id: str
    team_id: str
    team_member_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    reason: str
    withdraw_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., community_id: _Optional[str] = ..., member_id: _Optional[str] = ..., team_id: _Optional[str] = ..., team_member_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., withdraw_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeclareUnavailabilityRequest(_message.Message):
    __slots__ = ("request_id", "community_id", "member_id", "team_id", "team_member_id", "start_time", "end_time", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    community_id: str
    member_id: str
    team_id: str
    team_member_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., community_id: _Optional[str] = ..., member_id: _Optional[str] = ..., team_id: _Optional[str] = ..., team_member_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class DeclareUnavailabilityResponse(_message.Message):
    __slots__ = ("unavailability",)
    UNAVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    unavailability: Unavailability
    def __init__(self, unavailability: _Optional[_Union[Unavailability, _Mapping]] = ...) -> None: ...

class WithdrawUnavailabilityRequest(_message.Message):
    __slots__ = ("request_id", "unavailability_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABILITY_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    unavailability_id: str
    def __init__(self, request_id: _Optional[str] = ..., unavailability_id: _Optional[str] = ...) -> None: ...

class WithdrawUnavailabilityResponse(_message.Message):
    __slots__ = ("unavailability",)
    UNAVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    unavailability: Unavailability
    def __init__(self, unavailability: _Optional[_Union[Unavailability, _Mapping]] = ...) -> None: ...

class ListUnavailabilityRequest(_message.Message):
    __slots__ = ("community_id", "start_time", "end_time", "page_size", "page_token")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, community_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListUnavailabilityResponse(_message.Message):
    __slots__ = ("unavailability", "next_page_token")
    UNAVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    unavailability: _containers.RepeatedCompositeFieldContainer[Unavailability]
    next_page_token: str
    def __init__(self, unavailability: _Optional[_Iterable[_Union[Unavailability, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListUncoveredDutyDaysRequest(_message.Message):
    __slots__ = ("org_unit_id", "start_date", "end_date", "page_size", "page_token")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    start_date: str
    end_date: str
    page_size: int
    page_token: str
    def __init__(self, org_unit_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class UncoveredDutyDay(_message.Message):
    __slots__ = ("community_id", "date")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    date: str
    def __init__(self, community_id: _Optional[str] = ..., date: _Optional[str] = ...) -> None: ...

class ListUncoveredDutyDaysResponse(_message.Message):
    __slots__ = ("days", "next_page_token")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[UncoveredDutyDay]
    next_page_token: str
    def __init__(self, days: _Optional[_Iterable[_Union[UncoveredDutyDay, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetDutyGapsResponse(_message.Message):
    __slots__ = ("gaps", "uncovered_days", "uncovered_hours")
    GAPS_FIELD_NUMBER: _ClassVar[int]
    UNCOVERED_DAYS_FIELD_NUMBER: _ClassVar[int]
    UNCOVERED_HOURS_FIELD_NUMBER: _ClassVar[int]
    gaps: _containers.RepeatedCompositeFieldContainer[DutyGap]
    uncovered_days: int
    uncovered_hours: float
    def __init__(self, gaps: _Optional[_Iterable[_Union[DutyGap, _Mapping]]] = ..., uncovered_days: _Optional[int] = ..., uncovered_hours: _Optional[float] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("id", "kind", "state", "unit_id", "community_id", "address", "device_id", "note", "responder", "outcome", "outcome_note", "escalation", "raise_time", "acknowledge_time", "arrive_time", "close_time", "version", "personal_data_revealed")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RESPONDER_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_NOTE_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    RAISE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_TIME_FIELD_NUMBER: _ClassVar[int]
    ARRIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_DATA_REVEALED_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: AlertKind
    state: AlertState
    unit_id: str
    community_id: str
    address: str
    device_id: str
    note: str
    responder: str
    outcome: AlertOutcome
    outcome_note: str
    escalation: EscalationLevel
    raise_time: _timestamp_pb2.Timestamp
    acknowledge_time: _timestamp_pb2.Timestamp
    arrive_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    version: int
    personal_data_revealed: bool
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[AlertKind, str]] = ..., state: _Optional[_Union[AlertState, str]] = ..., unit_id: _Optional[str] = ..., community_id: _Optional[str] = ..., address: _Optional[str] = ..., device_id: _Optional[str] = ..., note: _Optional[str] = ..., responder: _Optional[str] = ..., outcome: _Optional[_Union[AlertOutcome, str]] = ..., outcome_note: _Optional[str] = ..., escalation: _Optional[_Union[EscalationLevel, str]] = ..., raise_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledge_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., arrive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., personal_data_revealed: _Optional[bool] = ...) -> None: ...

class AlertEvent(_message.Message):
    __slots__ = ("sequence", "kind", "recipient", "actor", "note", "time")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: AlertEventKind
    recipient: str
    actor: str
    note: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[_Union[AlertEventKind, str]] = ..., recipient: _Optional[str] = ..., actor: _Optional[str] = ..., note: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RaiseAlertRequest(_message.Message):
    __slots__ = ("request_id", "kind", "unit_id", "address", "device_id", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    kind: AlertKind
    unit_id: str
    address: str
    device_id: str
    note: str
    def __init__(self, request_id: _Optional[str] = ..., kind: _Optional[_Union[AlertKind, str]] = ..., unit_id: _Optional[str] = ..., address: _Optional[str] = ..., device_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RaiseAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class AcknowledgeAlertRequest(_message.Message):
    __slots__ = ("request_id", "alert_id", "member_id", "team_member_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    alert_id: str
    member_id: str
    team_member_id: str
    def __init__(self, request_id: _Optional[str] = ..., alert_id: _Optional[str] = ..., member_id: _Optional[str] = ..., team_member_id: _Optional[str] = ...) -> None: ...

class AcknowledgeAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class ArriveAlertRequest(_message.Message):
    __slots__ = ("request_id", "alert_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    alert_id: str
    def __init__(self, request_id: _Optional[str] = ..., alert_id: _Optional[str] = ...) -> None: ...

class ArriveAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class ResolveAlertRequest(_message.Message):
    __slots__ = ("request_id", "alert_id", "outcome", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    alert_id: str
    outcome: AlertOutcome
    note: str
    def __init__(self, request_id: _Optional[str] = ..., alert_id: _Optional[str] = ..., outcome: _Optional[_Union[AlertOutcome, str]] = ..., note: _Optional[str] = ...) -> None: ...

class ResolveAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class CancelAlertRequest(_message.Message):
    __slots__ = ("request_id", "alert_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    alert_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., alert_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class GetAlertRequest(_message.Message):
    __slots__ = ("alert_id", "reveal_personal_data")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    REVEAL_PERSONAL_DATA_FIELD_NUMBER: _ClassVar[int]
    alert_id: str
    reveal_personal_data: bool
    def __init__(self, alert_id: _Optional[str] = ..., reveal_personal_data: _Optional[bool] = ...) -> None: ...

class GetAlertResponse(_message.Message):
    __slots__ = ("alert", "timeline")
    ALERT_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    timeline: _containers.RepeatedCompositeFieldContainer[AlertEvent]
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ..., timeline: _Optional[_Iterable[_Union[AlertEvent, _Mapping]]] = ...) -> None: ...

class GetAlertStatsRequest(_message.Message):
    __slots__ = ("org_unit_id", "start_time", "end_time")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, org_unit_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetAlertStatsResponse(_message.Message):
    __slots__ = ("raised", "acknowledged", "escalated", "resolved", "median_seconds_to_acknowledge", "p90_seconds_to_acknowledge")
    RAISED_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_SECONDS_TO_ACKNOWLEDGE_FIELD_NUMBER: _ClassVar[int]
    P90_SECONDS_TO_ACKNOWLEDGE_FIELD_NUMBER: _ClassVar[int]
    raised: int
    acknowledged: int
    escalated: int
    resolved: int
    median_seconds_to_acknowledge: float
    p90_seconds_to_acknowledge: float
    def __init__(self, raised: _Optional[int] = ..., acknowledged: _Optional[int] = ..., escalated: _Optional[int] = ..., resolved: _Optional[int] = ..., median_seconds_to_acknowledge: _Optional[float] = ..., p90_seconds_to_acknowledge: _Optional[float] = ...) -> None: ...

class GetAlertCallListRequest(_message.Message):
    __slots__ = ("alert_id",)
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    alert_id: str
    def __init__(self, alert_id: _Optional[str] = ...) -> None: ...

class Callee(_message.Message):
    __slots__ = ("member_id", "nearness", "team_member_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NEARNESS_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    nearness: Nearness
    team_member_id: str
    def __init__(self, member_id: _Optional[str] = ..., nearness: _Optional[_Union[Nearness, str]] = ..., team_member_id: _Optional[str] = ...) -> None: ...

class GetAlertCallListResponse(_message.Message):
    __slots__ = ("volunteers", "community_id", "street_id", "kind", "unit_id", "address")
    VOLUNTEERS_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    STREET_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    volunteers: _containers.RepeatedCompositeFieldContainer[Callee]
    community_id: str
    street_id: str
    kind: AlertKind
    unit_id: str
    address: str
    def __init__(self, volunteers: _Optional[_Iterable[_Union[Callee, _Mapping]]] = ..., community_id: _Optional[str] = ..., street_id: _Optional[str] = ..., kind: _Optional[_Union[AlertKind, str]] = ..., unit_id: _Optional[str] = ..., address: _Optional[str] = ...) -> None: ...

class RecordAlertEventRequest(_message.Message):
    __slots__ = ("request_id", "alert_id", "kind", "recipient", "note", "escalation", "reveal_address")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    REVEAL_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    alert_id: str
    kind: AlertEventKind
    recipient: str
    note: str
    escalation: EscalationLevel
    reveal_address: bool
    def __init__(self, request_id: _Optional[str] = ..., alert_id: _Optional[str] = ..., kind: _Optional[_Union[AlertEventKind, str]] = ..., recipient: _Optional[str] = ..., note: _Optional[str] = ..., escalation: _Optional[_Union[EscalationLevel, str]] = ..., reveal_address: _Optional[bool] = ...) -> None: ...

class RecordAlertEventResponse(_message.Message):
    __slots__ = ("recorded", "address")
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    recorded: bool
    address: str
    def __init__(self, recorded: _Optional[bool] = ..., address: _Optional[str] = ...) -> None: ...

class EraseExpiredPersonalDataRequest(_message.Message):
    __slots__ = ("batch_size",)
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    batch_size: int
    def __init__(self, batch_size: _Optional[int] = ...) -> None: ...

class EraseExpiredPersonalDataResponse(_message.Message):
    __slots__ = ("erased", "more")
    ERASED_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    erased: int
    more: bool
    def __init__(self, erased: _Optional[int] = ..., more: _Optional[bool] = ...) -> None: ...
