import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from linli.registry.v1 import registry_pb2 as _registry_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ActivityKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_KIND_UNSPECIFIED: _ClassVar[ActivityKind]
    ACTIVITY_KIND_HOLIDAY: _ClassVar[ActivityKind]
    ACTIVITY_KIND_SMALL: _ClassVar[ActivityKind]
    ACTIVITY_KIND_LARGE: _ClassVar[ActivityKind]
    ACTIVITY_KIND_PARTY_LESSON: _ClassVar[ActivityKind]
    ACTIVITY_KIND_VOLUNTEER_SERVICE: _ClassVar[ActivityKind]
    ACTIVITY_KIND_OTHER: _ClassVar[ActivityKind]

class ActivityState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_STATE_UNSPECIFIED: _ClassVar[ActivityState]
    ACTIVITY_STATE_PROPOSED: _ClassVar[ActivityState]
    ACTIVITY_STATE_APPROVED: _ClassVar[ActivityState]
    ACTIVITY_STATE_REJECTED: _ClassVar[ActivityState]
    ACTIVITY_STATE_PUBLISHED: _ClassVar[ActivityState]
    ACTIVITY_STATE_SIGNUPS_CLOSED: _ClassVar[ActivityState]
    ACTIVITY_STATE_IN_PROGRESS: _ClassVar[ActivityState]
    ACTIVITY_STATE_CLOSED: _ClassVar[ActivityState]
    ACTIVITY_STATE_CANCELLED: _ClassVar[ActivityState]
    ACTIVITY_STATE_EXPIRED: _ClassVar[ActivityState]

class SignUpStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGN_UP_STATUS_UNSPECIFIED: _ClassVar[SignUpStatus]
    SIGN_UP_STATUS_CONFIRMED: _ClassVar[SignUpStatus]
    SIGN_UP_STATUS_WAITLISTED: _ClassVar[SignUpStatus]
    SIGN_UP_STATUS_CANCELLED: _ClassVar[SignUpStatus]

class ActivityEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_EVENT_KIND_UNSPECIFIED: _ClassVar[ActivityEventKind]
    ACTIVITY_EVENT_KIND_TRANSITION: _ClassVar[ActivityEventKind]
    ACTIVITY_EVENT_KIND_NOTICE: _ClassVar[ActivityEventKind]

class ActivityNoticeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_NOTICE_KIND_UNSPECIFIED: _ClassVar[ActivityNoticeKind]
    ACTIVITY_NOTICE_KIND_APPROVAL_REMINDER: _ClassVar[ActivityNoticeKind]
    ACTIVITY_NOTICE_KIND_APPROVAL_ESCALATION: _ClassVar[ActivityNoticeKind]
    ACTIVITY_NOTICE_KIND_VOLUNTEERS_WANTED: _ClassVar[ActivityNoticeKind]
    ACTIVITY_NOTICE_KIND_REMINDER_DAY_BEFORE: _ClassVar[ActivityNoticeKind]
    ACTIVITY_NOTICE_KIND_REMINDER_HOUR_BEFORE: _ClassVar[ActivityNoticeKind]
    ACTIVITY_NOTICE_KIND_CANCELLED: _ClassVar[ActivityNoticeKind]
    ACTIVITY_NOTICE_KIND_PROMOTED: _ClassVar[ActivityNoticeKind]
    ACTIVITY_NOTICE_KIND_PUBLISHED: _ClassVar[ActivityNoticeKind]
    ACTIVITY_NOTICE_KIND_UNDELIVERED: _ClassVar[ActivityNoticeKind]

class ActivityStep(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTIVITY_STEP_UNSPECIFIED: _ClassVar[ActivityStep]
    ACTIVITY_STEP_PUBLISH: _ClassVar[ActivityStep]
    ACTIVITY_STEP_CLOSE_SIGNUPS: _ClassVar[ActivityStep]
    ACTIVITY_STEP_START: _ClassVar[ActivityStep]
    ACTIVITY_STEP_CLOSE_OUT: _ClassVar[ActivityStep]
    ACTIVITY_STEP_EXPIRE: _ClassVar[ActivityStep]

class NoticeRoute(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTICE_ROUTE_UNSPECIFIED: _ClassVar[NoticeRoute]
    NOTICE_ROUTE_SEND: _ClassVar[NoticeRoute]
    NOTICE_ROUTE_HELD: _ClassVar[NoticeRoute]
    NOTICE_ROUTE_CAPPED: _ClassVar[NoticeRoute]
ACTIVITY_KIND_UNSPECIFIED: ActivityKind
ACTIVITY_KIND_HOLIDAY: ActivityKind
ACTIVITY_KIND_SMALL: ActivityKind
ACTIVITY_KIND_LARGE: ActivityKind
ACTIVITY_KIND_PARTY_LESSON: ActivityKind
ACTIVITY_KIND_VOLUNTEER_SERVICE: ActivityKind
ACTIVITY_KIND_OTHER: ActivityKind
ACTIVITY_STATE_UNSPECIFIED: ActivityState
ACTIVITY_STATE_PROPOSED: ActivityState
ACTIVITY_STATE_APPROVED: ActivityState
ACTIVITY_STATE_REJECTED: ActivityState
ACTIVITY_STATE_PUBLISHED: ActivityState
ACTIVITY_STATE_SIGNUPS_CLOSED: ActivityState
ACTIVITY_STATE_IN_PROGRESS: ActivityState
ACTIVITY_STATE_CLOSED: ActivityState
ACTIVITY_STATE_CANCELLED: ActivityState
ACTIVITY_STATE_EXPIRED: ActivityState
SIGN_UP_STATUS_UNSPECIFIED: SignUpStatus
SIGN_UP_STATUS_CONFIRMED: SignUpStatus
SIGN_UP_STATUS_WAITLISTED: SignUpStatus
SIGN_UP_STATUS_CANCELLED: SignUpStatus
ACTIVITY_EVENT_KIND_UNSPECIFIED: ActivityEventKind
ACTIVITY_EVENT_KIND_TRANSITION: ActivityEventKind
ACTIVITY_EVENT_KIND_NOTICE: ActivityEventKind
ACTIVITY_NOTICE_KIND_UNSPECIFIED: ActivityNoticeKind
ACTIVITY_NOTICE_KIND_APPROVAL_REMINDER: ActivityNoticeKind
ACTIVITY_NOTICE_KIND_APPROVAL_ESCALATION: ActivityNoticeKind
ACTIVITY_NOTICE_KIND_VOLUNTEERS_WANTED: ActivityNoticeKind
ACTIVITY_NOTICE_KIND_REMINDER_DAY_BEFORE: ActivityNoticeKind
ACTIVITY_NOTICE_KIND_REMINDER_HOUR_BEFORE: ActivityNoticeKind
ACTIVITY_NOTICE_KIND_CANCELLED: ActivityNoticeKind
ACTIVITY_NOTICE_KIND_PROMOTED: ActivityNoticeKind
ACTIVITY_NOTICE_KIND_PUBLISHED: ActivityNoticeKind
ACTIVITY_NOTICE_KIND_UNDELIVERED: ActivityNoticeKind
ACTIVITY_STEP_UNSPECIFIED: ActivityStep
ACTIVITY_STEP_PUBLISH: ActivityStep
ACTIVITY_STEP_CLOSE_SIGNUPS: ActivityStep
ACTIVITY_STEP_START: ActivityStep
ACTIVITY_STEP_CLOSE_OUT: ActivityStep
ACTIVITY_STEP_EXPIRE: ActivityStep
NOTICE_ROUTE_UNSPECIFIED: NoticeRoute
NOTICE_ROUTE_SEND: NoticeRoute
NOTICE_ROUTE_HELD: NoticeRoute
NOTICE_ROUTE_CAPPED: NoticeRoute

class ActivityRole(_message.Message):
    __slots__ = ("name", "count", "skills", "filled", "came", "service_hours")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    FILLED_FIELD_NUMBER: _ClassVar[int]
    CAME_FIELD_NUMBER: _ClassVar[int]
    SERVICE_HOURS_FIELD_NUMBER: _ClassVar[int]
    name: str
    count: int
    skills: _containers.RepeatedScalarFieldContainer[_registry_pb2.Skill]
    filled: int
    came: int
    service_hours: float
    def __init__(self, name: _Optional[str] = ..., count: _Optional[int] = ..., skills: _Optional[_Iterable[_Union[_registry_pb2.Skill, str]]] = ..., filled: _Optional[int] = ..., came: _Optional[int] = ..., service_hours: _Optional[float] = ...) -> None: ...

class Activity(_message.Message):
    __slots__ = ("id", "org_unit_id", "title", "kind", "place", "start_time", "end_time", "signup_deadline", "capacity", "roles", "state", "participants", "waitlisted", "checked_in", "reject_reason", "cancel_reason", "summary", "recurring_activity_id", "create_time", "update_time", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    SIGNUP_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    WAITLISTED_FIELD_NUMBER: _ClassVar[int]
    CHECKED_IN_FIELD_NUMBER: _ClassVar[int]
    REJECT_REASON_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    RECURRING_ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    org_unit_id: str
    title: str
    kind: ActivityKind
    place: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    signup_deadline: _timestamp_pb2.Timestamp
    capacity: int
    roles: _containers.RepeatedCompositeFieldContainer[ActivityRole]
    state: ActivityState
    participants: int
    waitlisted: int
    checked_in: int
    reject_reason: str
    cancel_reason: str
    summary: str
    recurring_activity_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., title: _Optional[str] = ..., kind: _Optional[_Union[ActivityKind, str]] = ..., place: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., signup_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., capacity: _Optional[int] = ..., roles: _Optional[_Iterable[_Union[ActivityRole, _Mapping]]] = ..., state: _Optional[_Union[ActivityState, str]] = ..., participants: _Optional[int] = ..., waitlisted: _Optional[int] = ..., checked_in: _Optional[int] = ..., reject_reason: _Optional[str] = ..., cancel_reason: _Optional[str] = ..., summary: _Optional[str] = ..., recurring_activity_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class ProposeActivityRequest(_message.Message):
    __slots__ = ("request_id", "org_unit_id", "title", "kind", "place", "start_time", "end_time", "signup_deadline", "capacity", "roles", "recurring_activity_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    SIGNUP_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    RECURRING_ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    org_unit_id: str
    title: str
    kind: ActivityKind
    place: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    signup_deadline: _timestamp_pb2.Timestamp
    capacity: int
    roles: _containers.RepeatedCompositeFieldContainer[ActivityRole]
    recurring_activity_id: str
    def __init__(self, request_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., title: _Optional[str] = ..., kind: _Optional[_Union[ActivityKind, str]] = ..., place: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., signup_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., capacity: _Optional[int] = ..., roles: _Optional[_Iterable[_Union[ActivityRole, _Mapping]]] = ..., recurring_activity_id: _Optional[str] = ...) -> None: ...

class ProposeActivityResponse(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ...) -> None: ...

class GetActivityRequest(_message.Message):
    __slots__ = ("activity_id",)
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    def __init__(self, activity_id: _Optional[str] = ...) -> None: ...

class GetActivityResponse(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ...) -> None: ...

class ActivityApproval(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: str
    def __init__(self, note: _Optional[str] = ...) -> None: ...

class ActivityRejection(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class ReviewActivityRequest(_message.Message):
    __slots__ = ("request_id", "activity_id", "approve", "reject")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REJECT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    activity_id: str
    approve: ActivityApproval
    reject: ActivityRejection
    def __init__(self, request_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., approve: _Optional[_Union[ActivityApproval, _Mapping]] = ..., reject: _Optional[_Union[ActivityRejection, _Mapping]] = ...) -> None: ...

class ReviewActivityResponse(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ...) -> None: ...

class CancelActivityRequest(_message.Message):
    __slots__ = ("request_id", "activity_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    activity_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelActivityResponse(_message.Message):
    __slots__ = ("activity",)
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ...) -> None: ...

class ActivitySignUp(_message.Message):
    __slots__ = ("id", "activity_id", "member_id", "resident_ref", "role", "status", "waitlist_position", "sign_up_time", "check_in_time", "check_out_time", "service_hours", "team_id", "team_member_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_REF_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WAITLIST_POSITION_FIELD_NUMBER: _ClassVar[int]
    SIGN_UP_TIME_FIELD_NUMBER: _ClassVar[int]
    CHECK_IN_TIME_FIELD_NUMBER: _ClassVar[int]
    CHECK_OUT_TIME_FIELD_NUMBER: _ClassVar[int]
    SERVICE_HOURS_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    activity_id: str
    member_id: str
    resident_ref: str
    role: str
    status: SignUpStatus
    waitlist_position: int
    sign_up_time: _timestamp_pb2.Timestamp
    check_in_time: _timestamp_pb2.Timestamp
    check_out_time: _timestamp_pb2.Timestamp
    service_hours: float
    team_id: str
    team_member_id: str
    def __init__(self, id: _Optional[str] = ..., activity_id: _Optional[str] = ..., member_id: _Optional[str] = ..., resident_ref: _Optional[str] = ..., role: _Optional[str] = ..., status: _Optional[_Union[SignUpStatus, str]] = ..., waitlist_position: _Optional[int] = ..., sign_up_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., check_in_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., check_out_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., service_hours: _Optional[float] = ..., team_id: _Optional[str] = ..., team_member_id: _Optional[str] = ...) -> None: ...

class SignUpRequest(_message.Message):
    __slots__ = ("request_id", "activity_id", "member_id", "resident_ref", "team_member_id", "role", "team_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_REF_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    activity_id: str
    member_id: str
    resident_ref: str
    team_member_id: str
    role: str
    team_id: str
    def __init__(self, request_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., member_id: _Optional[str] = ..., resident_ref: _Optional[str] = ..., team_member_id: _Optional[str] = ..., role: _Optional[str] = ..., team_id: _Optional[str] = ...) -> None: ...

class SignUpResponse(_message.Message):
    __slots__ = ("sign_up",)
    SIGN_UP_FIELD_NUMBER: _ClassVar[int]
    sign_up: ActivitySignUp
    def __init__(self, sign_up: _Optional[_Union[ActivitySignUp, _Mapping]] = ...) -> None: ...

class CancelSignUpRequest(_message.Message):
    __slots__ = ("request_id", "activity_id", "sign_up_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGN_UP_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    activity_id: str
    sign_up_id: str
    def __init__(self, request_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., sign_up_id: _Optional[str] = ...) -> None: ...

class CancelSignUpResponse(_message.Message):
    __slots__ = ("sign_up", "promoted")
    SIGN_UP_FIELD_NUMBER: _ClassVar[int]
    PROMOTED_FIELD_NUMBER: _ClassVar[int]
    sign_up: ActivitySignUp
    promoted: ActivitySignUp
    def __init__(self, sign_up: _Optional[_Union[ActivitySignUp, _Mapping]] = ..., promoted: _Optional[_Union[ActivitySignUp, _Mapping]] = ...) -> None: ...

class CheckInRequest(_message.Message):
    __slots__ = ("request_id", "activity_id", "sign_up_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGN_UP_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    activity_id: str
    sign_up_id: str
    def __init__(self, request_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., sign_up_id: _Optional[str] = ...) -> None: ...

class CheckInResponse(_message.Message):
    __slots__ = ("sign_up",)
    SIGN_UP_FIELD_NUMBER: _ClassVar[int]
    sign_up: ActivitySignUp
    def __init__(self, sign_up: _Optional[_Union[ActivitySignUp, _Mapping]] = ...) -> None: ...

class CheckOutRequest(_message.Message):
    __slots__ = ("request_id", "activity_id", "sign_up_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGN_UP_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    activity_id: str
    sign_up_id: str
    def __init__(self, request_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., sign_up_id: _Optional[str] = ...) -> None: ...

class CheckOutResponse(_message.Message):
    __slots__ = ("sign_up",)
    SIGN_UP_FIELD_NUMBER: _ClassVar[int]
    sign_up: ActivitySignUp
    def __init__(self, sign_up: _Optional[_Union[ActivitySignUp, _Mapping]] = ...) -> None: ...

class ListSignUpsRequest(_message.Message):
    __slots__ = ("activity_id", "page_size", "page_token")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    page_size: int
    page_token: str
    def __init__(self, activity_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSignUpsResponse(_message.Message):
    __slots__ = ("sign_ups", "next_page_token")
    SIGN_UPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sign_ups: _containers.RepeatedCompositeFieldContainer[ActivitySignUp]
    next_page_token: str
    def __init__(self, sign_ups: _Optional[_Iterable[_Union[ActivitySignUp, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ActivityEvent(_message.Message):
    __slots__ = ("sequence", "kind", "state", "notice_kind", "actor", "note", "recipients", "time", "sent_time", "delivered", "failed")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    NOTICE_KIND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    SENT_TIME_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: ActivityEventKind
    state: ActivityState
    notice_kind: ActivityNoticeKind
    actor: str
    note: str
    recipients: _containers.RepeatedScalarFieldContainer[str]
    time: _timestamp_pb2.Timestamp
    sent_time: _timestamp_pb2.Timestamp
    delivered: int
    failed: int
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[_Union[ActivityEventKind, str]] = ..., state: _Optional[_Union[ActivityState, str]] = ..., notice_kind: _Optional[_Union[ActivityNoticeKind, str]] = ..., actor: _Optional[str] = ..., note: _Optional[str] = ..., recipients: _Optional[_Iterable[str]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivered: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class GetActivityHistoryRequest(_message.Message):
    __slots__ = ("activity_id", "page_size", "page_token")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    page_size: int
    page_token: str
    def __init__(self, activity_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GetActivityHistoryResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[ActivityEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[ActivityEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AdvanceActivityRequest(_message.Message):
    __slots__ = ("request_id", "activity_id", "step")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    activity_id: str
    step: ActivityStep
    def __init__(self, request_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., step: _Optional[_Union[ActivityStep, str]] = ...) -> None: ...

class AdvanceActivityResponse(_message.Message):
    __slots__ = ("activity", "checked_in_volunteers")
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    CHECKED_IN_VOLUNTEERS_FIELD_NUMBER: _ClassVar[int]
    activity: Activity
    checked_in_volunteers: _containers.RepeatedCompositeFieldContainer[ActivitySignUp]
    def __init__(self, activity: _Optional[_Union[Activity, _Mapping]] = ..., checked_in_volunteers: _Optional[_Iterable[_Union[ActivitySignUp, _Mapping]]] = ...) -> None: ...

class NotifyParticipantsRequest(_message.Message):
    __slots__ = ("request_id", "activity_id", "kind", "note", "include_signed_up", "recipients")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SIGNED_UP_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    activity_id: str
    kind: ActivityNoticeKind
    note: str
    include_signed_up: bool
    recipients: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_id: _Optional[str] = ..., activity_id: _Optional[str] = ..., kind: _Optional[_Union[ActivityNoticeKind, str]] = ..., note: _Optional[str] = ..., include_signed_up: _Optional[bool] = ..., recipients: _Optional[_Iterable[str]] = ...) -> None: ...

class NotifyParticipantsResponse(_message.Message):
    __slots__ = ("notice", "recorded")
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    notice: ActivityEvent
    recorded: bool
    def __init__(self, notice: _Optional[_Union[ActivityEvent, _Mapping]] = ..., recorded: _Optional[bool] = ...) -> None: ...

class GetNoticeDeliveryRequest(_message.Message):
    __slots__ = ("activity_id", "sequence", "page_size")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    sequence: int
    page_size: int
    def __init__(self, activity_id: _Optional[str] = ..., sequence: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class NoticeRecipient(_message.Message):
    __slots__ = ("delivery_id", "recipient")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    delivery_id: int
    recipient: str
    def __init__(self, delivery_id: _Optional[int] = ..., recipient: _Optional[str] = ...) -> None: ...

class GetNoticeDeliveryResponse(_message.Message):
    __slots__ = ("notice", "activity", "pending")
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    notice: ActivityEvent
    activity: Activity
    pending: _containers.RepeatedCompositeFieldContainer[NoticeRecipient]
    def __init__(self, notice: _Optional[_Union[ActivityEvent, _Mapping]] = ..., activity: _Optional[_Union[Activity, _Mapping]] = ..., pending: _Optional[_Iterable[_Union[NoticeRecipient, _Mapping]]] = ...) -> None: ...

class NoticeFailure(_message.Message):
    __slots__ = ("delivery_id", "reason")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    delivery_id: int
    reason: str
    def __init__(self, delivery_id: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class RecordNoticeDeliveryRequest(_message.Message):
    __slots__ = ("activity_id", "sequence", "delivered", "failed", "given_up")
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    GIVEN_UP_FIELD_NUMBER: _ClassVar[int]
    activity_id: str
    sequence: int
    delivered: _containers.RepeatedScalarFieldContainer[int]
    failed: _containers.RepeatedCompositeFieldContainer[NoticeFailure]
    given_up: bool
    def __init__(self, activity_id: _Optional[str] = ..., sequence: _Optional[int] = ..., delivered: _Optional[_Iterable[int]] = ..., failed: _Optional[_Iterable[_Union[NoticeFailure, _Mapping]]] = ..., given_up: _Optional[bool] = ...) -> None: ...

class RecordNoticeDeliveryResponse(_message.Message):
    __slots__ = ("pending", "notice")
    PENDING_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    pending: int
    notice: ActivityEvent
    def __init__(self, pending: _Optional[int] = ..., notice: _Optional[_Union[ActivityEvent, _Mapping]] = ...) -> None: ...

class SetNoticePreferenceRequest(_message.Message):
    __slots__ = ("request_id", "recipient", "daily_digest")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    DAILY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    recipient: str
    daily_digest: bool
    def __init__(self, request_id: _Optional[str] = ..., recipient: _Optional[str] = ..., daily_digest: _Optional[bool] = ...) -> None: ...

class SetNoticePreferenceResponse(_message.Message):
    __slots__ = ("recipient", "daily_digest")
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    DAILY_DIGEST_FIELD_NUMBER: _ClassVar[int]
    recipient: str
    daily_digest: bool
    def __init__(self, recipient: _Optional[str] = ..., daily_digest: _Optional[bool] = ...) -> None: ...

class GetNoticeDigestsRequest(_message.Message):
    __slots__ = ("before", "page_size")
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    before: _timestamp_pb2.Timestamp
    page_size: int
    def __init__(self, before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ...) -> None: ...

class DigestItem(_message.Message):
    __slots__ = ("delivery_id", "activity_id", "title", "place", "start_time", "notice_kind", "note", "org_unit_id")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    PLACE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTICE_KIND_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_id: int
    activity_id: str
    title: str
    place: str
    start_time: _timestamp_pb2.Timestamp
    notice_kind: ActivityNoticeKind
    note: str
    org_unit_id: str
    def __init__(self, delivery_id: _Optional[int] = ..., activity_id: _Optional[str] = ..., title: _Optional[str] = ..., place: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notice_kind: _Optional[_Union[ActivityNoticeKind, str]] = ..., note: _Optional[str] = ..., org_unit_id: _Optional[str] = ...) -> None: ...

class NoticeDigest(_message.Message):
    __slots__ = ("recipient", "items", "held")
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    recipient: str
    items: _containers.RepeatedCompositeFieldContainer[DigestItem]
    held: _containers.RepeatedCompositeFieldContainer[HeldNotice]
    def __init__(self, recipient: _Optional[str] = ..., items: _Optional[_Iterable[_Union[DigestItem, _Mapping]]] = ..., held: _Optional[_Iterable[_Union[HeldNotice, _Mapping]]] = ...) -> None: ...

class HeldNotice(_message.Message):
    __slots__ = ("held_id", "purpose", "text", "held_at")
    HELD_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    HELD_AT_FIELD_NUMBER: _ClassVar[int]
    held_id: int
    purpose: str
    text: str
    held_at: _timestamp_pb2.Timestamp
    def __init__(self, held_id: _Optional[int] = ..., purpose: _Optional[str] = ..., text: _Optional[str] = ..., held_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetNoticeDigestsResponse(_message.Message):
    __slots__ = ("digests",)
    DIGESTS_FIELD_NUMBER: _ClassVar[int]
    digests: _containers.RepeatedCompositeFieldContainer[NoticeDigest]
    def __init__(self, digests: _Optional[_Iterable[_Union[NoticeDigest, _Mapping]]] = ...) -> None: ...

class RecordDigestDeliveryRequest(_message.Message):
    __slots__ = ("delivered", "failed", "held_delivered", "held_failed")
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    HELD_DELIVERED_FIELD_NUMBER: _ClassVar[int]
    HELD_FAILED_FIELD_NUMBER: _ClassVar[int]
    delivered: _containers.RepeatedScalarFieldContainer[int]
    failed: _containers.RepeatedCompositeFieldContainer[NoticeFailure]
    held_delivered: _containers.RepeatedScalarFieldContainer[int]
    held_failed: _containers.RepeatedCompositeFieldContainer[NoticeFailure]
    def __init__(self, delivered: _Optional[_Iterable[int]] = ..., failed: _Optional[_Iterable[_Union[NoticeFailure, _Mapping]]] = ..., held_delivered: _Optional[_Iterable[int]] = ..., held_failed: _Optional[_Iterable[_Union[NoticeFailure, _Mapping]]] = ...) -> None: ...

class RouteNoticeRequest(_message.Message):
    __slots__ = ("request_id", "purpose", "text", "recipients", "may_hold", "daily_cap")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    MAY_HOLD_FIELD_NUMBER: _ClassVar[int]
    DAILY_CAP_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    purpose: str
    text: str
    recipients: _containers.RepeatedScalarFieldContainer[str]
    may_hold: bool
    daily_cap: int
    def __init__(self, request_id: _Optional[str] = ..., purpose: _Optional[str] = ..., text: _Optional[str] = ..., recipients: _Optional[_Iterable[str]] = ..., may_hold: _Optional[bool] = ..., daily_cap: _Optional[int] = ...) -> None: ...

class RecipientRoute(_message.Message):
    __slots__ = ("recipient", "route")
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    recipient: str
    route: NoticeRoute
    def __init__(self, recipient: _Optional[str] = ..., route: _Optional[_Union[NoticeRoute, str]] = ...) -> None: ...

class RouteNoticeResponse(_message.Message):
    __slots__ = ("routes",)
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    routes: _containers.RepeatedCompositeFieldContainer[RecipientRoute]
    def __init__(self, routes: _Optional[_Iterable[_Union[RecipientRoute, _Mapping]]] = ...) -> None: ...

class RecordDigestDeliveryResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetActivityStatsRequest(_message.Message):
    __slots__ = ("org_unit_id", "start_time", "end_time")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, org_unit_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ActivityStateCount(_message.Message):
    __slots__ = ("state", "count")
    STATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    state: ActivityState
    count: int
    def __init__(self, state: _Optional[_Union[ActivityState, str]] = ..., count: _Optional[int] = ...) -> None: ...

class GetActivityStatsResponse(_message.Message):
    __slots__ = ("by_state", "proposed", "held", "signed_up", "checked_in", "cancelled", "volunteer_hours")
    BY_STATE_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    SIGNED_UP_FIELD_NUMBER: _ClassVar[int]
    CHECKED_IN_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_HOURS_FIELD_NUMBER: _ClassVar[int]
    by_state: _containers.RepeatedCompositeFieldContainer[ActivityStateCount]
    proposed: int
    held: int
    signed_up: int
    checked_in: int
    cancelled: int
    volunteer_hours: float
    def __init__(self, by_state: _Optional[_Iterable[_Union[ActivityStateCount, _Mapping]]] = ..., proposed: _Optional[int] = ..., held: _Optional[int] = ..., signed_up: _Optional[int] = ..., checked_in: _Optional[int] = ..., cancelled: _Optional[int] = ..., volunteer_hours: _Optional[float] = ...) -> None: ...

class RecurringActivity(_message.Message):
    __slots__ = ("id", "template", "every_days", "day_of_month", "lead_hours", "duration_minutes", "paused", "schedule_id", "create_time", "version", "update_time", "delete_time", "schedule_pending")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    EVERY_DAYS_FIELD_NUMBER: _ClassVar[int]
    DAY_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
    LEAD_HOURS_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_PENDING_FIELD_NUMBER: _ClassVar[int]
    id: str
    template: ProposeActivityRequest
    every_days: int
    day_of_month: int
    lead_hours: int
    duration_minutes: int
    paused: bool
    schedule_id: str
    create_time: _timestamp_pb2.Timestamp
    version: int
    update_time: _timestamp_pb2.Timestamp
    delete_time: _timestamp_pb2.Timestamp
    schedule_pending: bool
    def __init__(self, id: _Optional[str] = ..., template: _Optional[_Union[ProposeActivityRequest, _Mapping]] = ..., every_days: _Optional[int] = ..., day_of_month: _Optional[int] = ..., lead_hours: _Optional[int] = ..., duration_minutes: _Optional[int] = ..., paused: _Optional[bool] = ..., schedule_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., schedule_pending: _Optional[bool] = ...) -> None: ...

class CreateRecurringActivityRequest(_message.Message):
    __slots__ = ("request_id", "recurring_activity")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RECURRING_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    recurring_activity: RecurringActivity
    def __init__(self, request_id: _Optional[str] = ..., recurring_activity: _Optional[_Union[RecurringActivity, _Mapping]] = ...) -> None: ...

class CreateRecurringActivityResponse(_message.Message):
    __slots__ = ("recurring_activity",)
    RECURRING_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    recurring_activity: RecurringActivity
    def __init__(self, recurring_activity: _Optional[_Union[RecurringActivity, _Mapping]] = ...) -> None: ...

class GetRecurringActivityRequest(_message.Message):
    __slots__ = ("recurring_activity_id",)
    RECURRING_ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    recurring_activity_id: str
    def __init__(self, recurring_activity_id: _Optional[str] = ...) -> None: ...

class GetRecurringActivityResponse(_message.Message):
    __slots__ = ("recurring_activity", "runs", "next_run_times")
    RECURRING_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_RUN_TIMES_FIELD_NUMBER: _ClassVar[int]
    recurring_activity: RecurringActivity
    runs: int
    next_run_times: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, recurring_activity: _Optional[_Union[RecurringActivity, _Mapping]] = ..., runs: _Optional[int] = ..., next_run_times: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class SetRecurringActivityPausedRequest(_message.Message):
    __slots__ = ("request_id", "recurring_activity_id", "paused", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RECURRING_ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    recurring_activity_id: str
    paused: bool
    note: str
    def __init__(self, request_id: _Optional[str] = ..., recurring_activity_id: _Optional[str] = ..., paused: _Optional[bool] = ..., note: _Optional[str] = ...) -> None: ...

class SetRecurringActivityPausedResponse(_message.Message):
    __slots__ = ("recurring_activity",)
    RECURRING_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    recurring_activity: RecurringActivity
    def __init__(self, recurring_activity: _Optional[_Union[RecurringActivity, _Mapping]] = ...) -> None: ...

class ListRecurringActivitiesRequest(_message.Message):
    __slots__ = ("org_unit_id", "page_size", "page_token", "include_deleted")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DELETED_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    page_size: int
    page_token: str
    include_deleted: bool
    def __init__(self, org_unit_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_deleted: _Optional[bool] = ...) -> None: ...

class ListRecurringActivitiesResponse(_message.Message):
    __slots__ = ("recurring_activities", "next_page_token")
    RECURRING_ACTIVITIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    recurring_activities: _containers.RepeatedCompositeFieldContainer[RecurringActivity]
    next_page_token: str
    def __init__(self, recurring_activities: _Optional[_Iterable[_Union[RecurringActivity, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateRecurringActivityRequest(_message.Message):
    __slots__ = ("request_id", "recurring_activity", "expected_version")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RECURRING_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    recurring_activity: RecurringActivity
    expected_version: int
    def __init__(self, request_id: _Optional[str] = ..., recurring_activity: _Optional[_Union[RecurringActivity, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UpdateRecurringActivityResponse(_message.Message):
    __slots__ = ("recurring_activity",)
    RECURRING_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    recurring_activity: RecurringActivity
    def __init__(self, recurring_activity: _Optional[_Union[RecurringActivity, _Mapping]] = ...) -> None: ...

class DeleteRecurringActivityRequest(_message.Message):
    __slots__ = ("request_id", "recurring_activity_id", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RECURRING_ACTIVITY_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    recurring_activity_id: str
    note: str
    def __init__(self, request_id: _Optional[str] = ..., recurring_activity_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class DeleteRecurringActivityResponse(_message.Message):
    __slots__ = ("recurring_activity",)
    RECURRING_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    recurring_activity: RecurringActivity
    def __init__(self, recurring_activity: _Optional[_Union[RecurringActivity, _Mapping]] = ...) -> None: ...
