import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from linli.wishes.v1 import audit_pb2 as _audit_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WishState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WISH_STATE_UNSPECIFIED: _ClassVar[WishState]
    WISH_STATE_SUBMITTED: _ClassVar[WishState]
    WISH_STATE_APPROVED: _ClassVar[WishState]
    WISH_STATE_REJECTED: _ClassVar[WishState]
    WISH_STATE_PUBLISHED: _ClassVar[WishState]
    WISH_STATE_CLAIMED: _ClassVar[WishState]
    WISH_STATE_FULFILLED: _ClassVar[WishState]
    WISH_STATE_CLOSED: _ClassVar[WishState]
    WISH_STATE_WITHDRAWN: _ClassVar[WishState]
    WISH_STATE_NOT_FEASIBLE: _ClassVar[WishState]
    WISH_STATE_DUPLICATE: _ClassVar[WishState]
    WISH_STATE_REFERRED: _ClassVar[WishState]

class WishOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WISH_OUTCOME_UNSPECIFIED: _ClassVar[WishOutcome]
    WISH_OUTCOME_NOT_FEASIBLE: _ClassVar[WishOutcome]
    WISH_OUTCOME_DUPLICATE: _ClassVar[WishOutcome]
    WISH_OUTCOME_REFERRED: _ClassVar[WishOutcome]
    WISH_OUTCOME_WITHDRAWN: _ClassVar[WishOutcome]

class WishCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WISH_CATEGORY_UNSPECIFIED: _ClassVar[WishCategory]
    WISH_CATEGORY_POLICY_PUBLICITY: _ClassVar[WishCategory]
    WISH_CATEGORY_LEGAL_AID: _ClassVar[WishCategory]
    WISH_CATEGORY_MEDICAL_CARE: _ClassVar[WishCategory]
    WISH_CATEGORY_POVERTY_RELIEF: _ClassVar[WishCategory]
    WISH_CATEGORY_CONVENIENCE: _ClassVar[WishCategory]
    WISH_CATEGORY_CULTURE: _ClassVar[WishCategory]
    WISH_CATEGORY_SECURITY_MEDIATION: _ClassVar[WishCategory]
    WISH_CATEGORY_ENVIRONMENT: _ClassVar[WishCategory]

class WishSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WISH_SOURCE_UNSPECIFIED: _ClassVar[WishSource]
    WISH_SOURCE_WISH_BOX: _ClassVar[WishSource]
    WISH_SOURCE_VISIT: _ClassVar[WishSource]
    WISH_SOURCE_RESIDENT_APP: _ClassVar[WishSource]
    WISH_SOURCE_HOTLINE: _ClassVar[WishSource]
    WISH_SOURCE_OTHER_SYSTEM: _ClassVar[WishSource]

class QueueReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUEUE_REASON_UNSPECIFIED: _ClassVar[QueueReason]
    QUEUE_REASON_ESCALATED: _ClassVar[QueueReason]
    QUEUE_REASON_OVERDUE_CLAIM: _ClassVar[QueueReason]
    QUEUE_REASON_UNREVIEWED: _ClassVar[QueueReason]
    QUEUE_REASON_UNPUBLISHED: _ClassVar[QueueReason]

class WishEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WISH_EVENT_KIND_UNSPECIFIED: _ClassVar[WishEventKind]
    WISH_EVENT_KIND_TRANSITION: _ClassVar[WishEventKind]
    WISH_EVENT_KIND_REMINDER: _ClassVar[WishEventKind]
    WISH_EVENT_KIND_ESCALATION: _ClassVar[WishEventKind]

class LimitAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIMIT_ACTION_UNSPECIFIED: _ClassVar[LimitAction]
    LIMIT_ACTION_REOPEN_CLAIM: _ClassVar[LimitAction]
    LIMIT_ACTION_CLOSE_UNCONFIRMED: _ClassVar[LimitAction]
WISH_STATE_UNSPECIFIED: WishState
WISH_STATE_SUBMITTED: WishState
WISH_STATE_APPROVED: WishState
WISH_STATE_REJECTED: WishState
WISH_STATE_PUBLISHED: WishState
WISH_STATE_CLAIMED: WishState
WISH_STATE_FULFILLED: WishState
WISH_STATE_CLOSED: WishState
WISH_STATE_WITHDRAWN: WishState
WISH_STATE_NOT_FEASIBLE: WishState
WISH_STATE_DUPLICATE: WishState
WISH_STATE_REFERRED: WishState
WISH_OUTCOME_UNSPECIFIED: WishOutcome
WISH_OUTCOME_NOT_FEASIBLE: WishOutcome
WISH_OUTCOME_DUPLICATE: WishOutcome
WISH_OUTCOME_REFERRED: WishOutcome
WISH_OUTCOME_WITHDRAWN: WishOutcome
WISH_CATEGORY_UNSPECIFIED: WishCategory
WISH_CATEGORY_POLICY_PUBLICITY: WishCategory
WISH_CATEGORY_LEGAL_AID: WishCategory
WISH_CATEGORY_MEDICAL_CARE: WishCategory
WISH_CATEGORY_POVERTY_RELIEF: WishCategory
WISH_CATEGORY_CONVENIENCE: WishCategory
WISH_CATEGORY_CULTURE: WishCategory
WISH_CATEGORY_SECURITY_MEDIATION: WishCategory
WISH_CATEGORY_ENVIRONMENT: WishCategory
WISH_SOURCE_UNSPECIFIED: WishSource
WISH_SOURCE_WISH_BOX: WishSource
WISH_SOURCE_VISIT: WishSource
WISH_SOURCE_RESIDENT_APP: WishSource
WISH_SOURCE_HOTLINE: WishSource
WISH_SOURCE_OTHER_SYSTEM: WishSource
QUEUE_REASON_UNSPECIFIED: QueueReason
QUEUE_REASON_ESCALATED: QueueReason
QUEUE_REASON_OVERDUE_CLAIM: QueueReason
QUEUE_REASON_UNREVIEWED: QueueReason
QUEUE_REASON_UNPUBLISHED: QueueReason
WISH_EVENT_KIND_UNSPECIFIED: WishEventKind
WISH_EVENT_KIND_TRANSITION: WishEventKind
WISH_EVENT_KIND_REMINDER: WishEventKind
WISH_EVENT_KIND_ESCALATION: WishEventKind
LIMIT_ACTION_UNSPECIFIED: LimitAction
LIMIT_ACTION_REOPEN_CLAIM: LimitAction
LIMIT_ACTION_CLOSE_UNCONFIRMED: LimitAction

class Wish(_message.Message):
    __slots__ = ("id", "community_id", "text", "source", "state", "category", "service_standard", "deadline", "reject_reason", "claimant_member_id", "resident_name", "resident_contact", "submit_time", "update_time", "version", "fulfilment_report", "hours", "rating", "resident_comment", "close_note", "claim_time", "fulfil_time", "close_time", "overdue", "publish_time", "claim_extended", "duplicate_of", "referred_to", "participant_member_ids", "group_team_id", "group_workplace_org", "unit_id", "participant_team_member_ids")
    ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_STANDARD_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    REJECT_REASON_FIELD_NUMBER: _ClassVar[int]
    CLAIMANT_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_NAME_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_CONTACT_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FULFILMENT_REPORT_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_COMMENT_FIELD_NUMBER: _ClassVar[int]
    CLOSE_NOTE_FIELD_NUMBER: _ClassVar[int]
    CLAIM_TIME_FIELD_NUMBER: _ClassVar[int]
    FULFIL_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    CLAIM_EXTENDED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_OF_FIELD_NUMBER: _ClassVar[int]
    REFERRED_TO_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    GROUP_TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_WORKPLACE_ORG_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_TEAM_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    community_id: str
    text: str
    source: WishSource
    state: WishState
    category: WishCategory
    service_standard: str
    deadline: _timestamp_pb2.Timestamp
    reject_reason: str
    claimant_member_id: str
    resident_name: str
    resident_contact: str
    submit_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    version: int
    fulfilment_report: str
    hours: float
    rating: int
    resident_comment: str
    close_note: str
    claim_time: _timestamp_pb2.Timestamp
    fulfil_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    overdue: bool
    publish_time: _timestamp_pb2.Timestamp
    claim_extended: bool
    duplicate_of: str
    referred_to: str
    participant_member_ids: _containers.RepeatedScalarFieldContainer[str]
    group_team_id: str
    group_workplace_org: str
    unit_id: str
    participant_team_member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., community_id: _Optional[str] = ..., text: _Optional[str] = ..., source: _Optional[_Union[WishSource, str]] = ..., state: _Optional[_Union[WishState, str]] = ..., category: _Optional[_Union[WishCategory, str]] = ..., service_standard: _Optional[str] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reject_reason: _Optional[str] = ..., claimant_member_id: _Optional[str] = ..., resident_name: _Optional[str] = ..., resident_contact: _Optional[str] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., fulfilment_report: _Optional[str] = ..., hours: _Optional[float] = ..., rating: _Optional[int] = ..., resident_comment: _Optional[str] = ..., close_note: _Optional[str] = ..., claim_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fulfil_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overdue: _Optional[bool] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., claim_extended: _Optional[bool] = ..., duplicate_of: _Optional[str] = ..., referred_to: _Optional[str] = ..., participant_member_ids: _Optional[_Iterable[str]] = ..., group_team_id: _Optional[str] = ..., group_workplace_org: _Optional[str] = ..., unit_id: _Optional[str] = ..., participant_team_member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SubmitWishRequest(_message.Message):
    __slots__ = ("request_id", "community_id", "text", "source", "resident_name", "resident_contact", "unit_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_NAME_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_CONTACT_FIELD_NUMBER: _ClassVar[int]
    UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    community_id: str
    text: str
    source: WishSource
    resident_name: str
    resident_contact: str
    unit_id: str
    def __init__(self, request_id: _Optional[str] = ..., community_id: _Optional[str] = ..., text: _Optional[str] = ..., source: _Optional[_Union[WishSource, str]] = ..., resident_name: _Optional[str] = ..., resident_contact: _Optional[str] = ..., unit_id: _Optional[str] = ...) -> None: ...

class SubmitWishResponse(_message.Message):
    __slots__ = ("wish", "possible_duplicates")
    WISH_FIELD_NUMBER: _ClassVar[int]
    POSSIBLE_DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    possible_duplicates: _containers.RepeatedCompositeFieldContainer[PossibleDuplicate]
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ..., possible_duplicates: _Optional[_Iterable[_Union[PossibleDuplicate, _Mapping]]] = ...) -> None: ...

class PossibleDuplicate(_message.Message):
    __slots__ = ("wish_id", "state", "text", "similarity")
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    wish_id: str
    state: WishState
    text: str
    similarity: float
    def __init__(self, wish_id: _Optional[str] = ..., state: _Optional[_Union[WishState, str]] = ..., text: _Optional[str] = ..., similarity: _Optional[float] = ...) -> None: ...

class GetWishRequest(_message.Message):
    __slots__ = ("wish_id",)
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    wish_id: str
    def __init__(self, wish_id: _Optional[str] = ...) -> None: ...

class GetWishResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class Approval(_message.Message):
    __slots__ = ("category", "service_standard", "deadline")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_STANDARD_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    category: WishCategory
    service_standard: str
    deadline: _timestamp_pb2.Timestamp
    def __init__(self, category: _Optional[_Union[WishCategory, str]] = ..., service_standard: _Optional[str] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Rejection(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class ReviewWishRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "approve", "reject")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    REJECT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    approve: Approval
    reject: Rejection
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., approve: _Optional[_Union[Approval, _Mapping]] = ..., reject: _Optional[_Union[Rejection, _Mapping]] = ...) -> None: ...

class ReviewWishResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class PublishWishRequest(_message.Message):
    __slots__ = ("request_id", "wish_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ...) -> None: ...

class PublishWishResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class ClaimWishRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "member_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    member_id: str
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., member_id: _Optional[str] = ...) -> None: ...

class ClaimWishResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class ReleaseClaimRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ReleaseClaimResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class ExtendClaimRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "new_deadline", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    new_deadline: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., new_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class ExtendClaimResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class FulfilWishRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "report", "hours")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    report: str
    hours: float
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., report: _Optional[str] = ..., hours: _Optional[float] = ...) -> None: ...

class FulfilWishResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class Confirmation(_message.Message):
    __slots__ = ("rating", "comment")
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    rating: int
    comment: str
    def __init__(self, rating: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class Dispute(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class ConfirmWishRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "confirm", "dispute")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    confirm: Confirmation
    dispute: Dispute
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., confirm: _Optional[_Union[Confirmation, _Mapping]] = ..., dispute: _Optional[_Union[Dispute, _Mapping]] = ...) -> None: ...

class ConfirmWishResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class WithdrawWishRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class WithdrawWishResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class ListWishesRequest(_message.Message):
    __slots__ = ("org_unit_id", "state", "category", "overdue_only", "page_size", "page_token")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    state: WishState
    category: WishCategory
    overdue_only: bool
    page_size: int
    page_token: str
    def __init__(self, org_unit_id: _Optional[str] = ..., state: _Optional[_Union[WishState, str]] = ..., category: _Optional[_Union[WishCategory, str]] = ..., overdue_only: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWishesResponse(_message.Message):
    __slots__ = ("wishes", "next_page_token")
    WISHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    wishes: _containers.RepeatedCompositeFieldContainer[Wish]
    next_page_token: str
    def __init__(self, wishes: _Optional[_Iterable[_Union[Wish, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListOfficeQueueRequest(_message.Message):
    __slots__ = ("org_unit_id", "page_size", "page_token")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    page_size: int
    page_token: str
    def __init__(self, org_unit_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class OfficeQueueItem(_message.Message):
    __slots__ = ("wish", "reason", "waiting_since")
    WISH_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    WAITING_SINCE_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    reason: QueueReason
    waiting_since: _timestamp_pb2.Timestamp
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ..., reason: _Optional[_Union[QueueReason, str]] = ..., waiting_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListOfficeQueueResponse(_message.Message):
    __slots__ = ("items", "next_page_token")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[OfficeQueueItem]
    next_page_token: str
    def __init__(self, items: _Optional[_Iterable[_Union[OfficeQueueItem, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListWishWallRequest(_message.Message):
    __slots__ = ("community_id", "category", "page_size", "page_token")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    category: WishCategory
    page_size: int
    page_token: str
    def __init__(self, community_id: _Optional[str] = ..., category: _Optional[_Union[WishCategory, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWishWallResponse(_message.Message):
    __slots__ = ("wishes", "next_page_token")
    WISHES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    wishes: _containers.RepeatedCompositeFieldContainer[Wish]
    next_page_token: str
    def __init__(self, wishes: _Optional[_Iterable[_Union[Wish, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetWishStatsRequest(_message.Message):
    __slots__ = ("org_unit_id", "start_time", "end_time", "as_of_time")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    AS_OF_TIME_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    as_of_time: _timestamp_pb2.Timestamp
    def __init__(self, org_unit_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., as_of_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WishStateCount(_message.Message):
    __slots__ = ("state", "count")
    STATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    state: WishState
    count: int
    def __init__(self, state: _Optional[_Union[WishState, str]] = ..., count: _Optional[int] = ...) -> None: ...

class GetWishStatsResponse(_message.Message):
    __slots__ = ("by_state", "submitted", "closed", "overdue", "average_hours_to_claim", "average_hours_to_close", "ended_by_state")
    BY_STATE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_HOURS_TO_CLAIM_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_HOURS_TO_CLOSE_FIELD_NUMBER: _ClassVar[int]
    ENDED_BY_STATE_FIELD_NUMBER: _ClassVar[int]
    by_state: _containers.RepeatedCompositeFieldContainer[WishStateCount]
    submitted: int
    closed: int
    overdue: int
    average_hours_to_claim: float
    average_hours_to_close: float
    ended_by_state: _containers.RepeatedCompositeFieldContainer[WishStateCount]
    def __init__(self, by_state: _Optional[_Iterable[_Union[WishStateCount, _Mapping]]] = ..., submitted: _Optional[int] = ..., closed: _Optional[int] = ..., overdue: _Optional[int] = ..., average_hours_to_claim: _Optional[float] = ..., average_hours_to_close: _Optional[float] = ..., ended_by_state: _Optional[_Iterable[_Union[WishStateCount, _Mapping]]] = ...) -> None: ...

class GetWishHistoryRequest(_message.Message):
    __slots__ = ("wish_id", "page_size", "page_token")
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    wish_id: str
    page_size: int
    page_token: str
    def __init__(self, wish_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class WishEvent(_message.Message):
    __slots__ = ("sequence", "kind", "state", "actor", "note", "time", "recipients")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: WishEventKind
    state: WishState
    actor: str
    note: str
    time: _timestamp_pb2.Timestamp
    recipients: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[_Union[WishEventKind, str]] = ..., state: _Optional[_Union[WishState, str]] = ..., actor: _Optional[str] = ..., note: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recipients: _Optional[_Iterable[str]] = ...) -> None: ...

class GetWishHistoryResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[WishEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[WishEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordReminderRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "kind", "state", "note", "recipients", "level")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    kind: WishEventKind
    state: WishState
    note: str
    recipients: _containers.RepeatedScalarFieldContainer[str]
    level: str
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., kind: _Optional[_Union[WishEventKind, str]] = ..., state: _Optional[_Union[WishState, str]] = ..., note: _Optional[str] = ..., recipients: _Optional[_Iterable[str]] = ..., level: _Optional[str] = ...) -> None: ...

class RecordReminderResponse(_message.Message):
    __slots__ = ("recorded",)
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    recorded: bool
    def __init__(self, recorded: _Optional[bool] = ...) -> None: ...

class ActOnLimitRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "action", "version", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    action: LimitAction
    version: int
    note: str
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., action: _Optional[_Union[LimitAction, str]] = ..., version: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class ActOnLimitResponse(_message.Message):
    __slots__ = ("applied", "wish")
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    WISH_FIELD_NUMBER: _ClassVar[int]
    applied: bool
    wish: Wish
    def __init__(self, applied: _Optional[bool] = ..., wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class CloseWishRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "outcome", "reason", "duplicate_of", "referred_to")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_OF_FIELD_NUMBER: _ClassVar[int]
    REFERRED_TO_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    outcome: WishOutcome
    reason: str
    duplicate_of: str
    referred_to: str
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., outcome: _Optional[_Union[WishOutcome, str]] = ..., reason: _Optional[str] = ..., duplicate_of: _Optional[str] = ..., referred_to: _Optional[str] = ...) -> None: ...

class CloseWishResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class AssignWishRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "member_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    member_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., member_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AssignWishResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class ClaimWishAsGroupRequest(_message.Message):
    __slots__ = ("request_id", "wish_id", "team_id", "workplace_org", "member_ids", "team_member_ids")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_ORG_FIELD_NUMBER: _ClassVar[int]
    MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_IDS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_id: str
    team_id: str
    workplace_org: str
    member_ids: _containers.RepeatedScalarFieldContainer[str]
    team_member_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_id: _Optional[str] = ..., wish_id: _Optional[str] = ..., team_id: _Optional[str] = ..., workplace_org: _Optional[str] = ..., member_ids: _Optional[_Iterable[str]] = ..., team_member_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ClaimWishAsGroupResponse(_message.Message):
    __slots__ = ("wish",)
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish: Wish
    def __init__(self, wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class ExportWishesRequest(_message.Message):
    __slots__ = ("org_unit_id", "state", "start_time", "end_time")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    state: WishState
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, org_unit_id: _Optional[str] = ..., state: _Optional[_Union[WishState, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportWishesResponse(_message.Message):
    __slots__ = ("csv", "rows", "total_rows")
    CSV_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    csv: str
    rows: int
    total_rows: int
    def __init__(self, csv: _Optional[str] = ..., rows: _Optional[int] = ..., total_rows: _Optional[int] = ...) -> None: ...

class BulkResult(_message.Message):
    __slots__ = ("wish_id", "code", "message", "wish")
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WISH_FIELD_NUMBER: _ClassVar[int]
    wish_id: str
    code: str
    message: str
    wish: Wish
    def __init__(self, wish_id: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., wish: _Optional[_Union[Wish, _Mapping]] = ...) -> None: ...

class BulkCloseWishesRequest(_message.Message):
    __slots__ = ("request_id", "wish_ids", "outcome", "reason", "duplicate_of", "referred_to")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_IDS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_OF_FIELD_NUMBER: _ClassVar[int]
    REFERRED_TO_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_ids: _containers.RepeatedScalarFieldContainer[str]
    outcome: WishOutcome
    reason: str
    duplicate_of: str
    referred_to: str
    def __init__(self, request_id: _Optional[str] = ..., wish_ids: _Optional[_Iterable[str]] = ..., outcome: _Optional[_Union[WishOutcome, str]] = ..., reason: _Optional[str] = ..., duplicate_of: _Optional[str] = ..., referred_to: _Optional[str] = ...) -> None: ...

class BulkCloseWishesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BulkResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BulkResult, _Mapping]]] = ...) -> None: ...

class BulkAssignWishesRequest(_message.Message):
    __slots__ = ("request_id", "wish_ids", "member_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WISH_IDS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    wish_ids: _containers.RepeatedScalarFieldContainer[str]
    member_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., wish_ids: _Optional[_Iterable[str]] = ..., member_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class BulkAssignWishesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BulkResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BulkResult, _Mapping]]] = ...) -> None: ...

class RevealWishResidentRequest(_message.Message):
    __slots__ = ("wish_id", "reason")
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    wish_id: str
    reason: str
    def __init__(self, wish_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevealWishResidentResponse(_message.Message):
    __slots__ = ("wish_id", "resident_name", "resident_contact")
    WISH_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_NAME_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_CONTACT_FIELD_NUMBER: _ClassVar[int]
    wish_id: str
    resident_name: str
    resident_contact: str
    def __init__(self, wish_id: _Optional[str] = ..., resident_name: _Optional[str] = ..., resident_contact: _Optional[str] = ...) -> None: ...

class RotatePersonalDataKeysRequest(_message.Message):
    __slots__ = ("batch_size",)
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    batch_size: int
    def __init__(self, batch_size: _Optional[int] = ...) -> None: ...

class RotatePersonalDataKeysResponse(_message.Message):
    __slots__ = ("resealed", "remaining", "active_key_id")
    RESEALED_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    resealed: int
    remaining: int
    active_key_id: str
    def __init__(self, resealed: _Optional[int] = ..., remaining: _Optional[int] = ..., active_key_id: _Optional[str] = ...) -> None: ...

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
