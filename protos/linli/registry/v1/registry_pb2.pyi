import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrgUnitKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORG_UNIT_KIND_UNSPECIFIED: _ClassVar[OrgUnitKind]
    ORG_UNIT_KIND_PROVINCE: _ClassVar[OrgUnitKind]
    ORG_UNIT_KIND_CITY: _ClassVar[OrgUnitKind]
    ORG_UNIT_KIND_DISTRICT: _ClassVar[OrgUnitKind]
    ORG_UNIT_KIND_STREET: _ClassVar[OrgUnitKind]
    ORG_UNIT_KIND_COMMUNITY: _ClassVar[OrgUnitKind]
    ORG_UNIT_KIND_GRID: _ClassVar[OrgUnitKind]
    ORG_UNIT_KIND_BUILDING: _ClassVar[OrgUnitKind]

class Skill(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SKILL_UNSPECIFIED: _ClassVar[Skill]
    SKILL_POLICY_PUBLICITY: _ClassVar[Skill]
    SKILL_LEGAL: _ClassVar[Skill]
    SKILL_MEDICAL: _ClassVar[Skill]
    SKILL_ELDER_CARE: _ClassVar[Skill]
    SKILL_EMPLOYMENT: _ClassVar[Skill]
    SKILL_REPAIR: _ClassVar[Skill]
    SKILL_CULTURE_ARTS: _ClassVar[Skill]
    SKILL_MEDIATION: _ClassVar[Skill]
    SKILL_ENVIRONMENT: _ClassVar[Skill]
    SKILL_EDUCATION: _ClassVar[Skill]
    SKILL_PSYCHOLOGY: _ClassVar[Skill]
    SKILL_FIRST_AID: _ClassVar[Skill]
    SKILL_SOCIAL_WORK: _ClassVar[Skill]
    SKILL_FIRE_SAFETY: _ClassVar[Skill]
    SKILL_IT: _ClassVar[Skill]

class ManagementLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MANAGEMENT_LEVEL_UNSPECIFIED: _ClassVar[ManagementLevel]
    MANAGEMENT_LEVEL_CITY: _ClassVar[ManagementLevel]
    MANAGEMENT_LEVEL_DISTRICT: _ClassVar[ManagementLevel]
    MANAGEMENT_LEVEL_OTHER: _ClassVar[ManagementLevel]

class MemberStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBER_STATUS_UNSPECIFIED: _ClassVar[MemberStatus]
    MEMBER_STATUS_ACTIVE: _ClassVar[MemberStatus]
    MEMBER_STATUS_DEREGISTERED: _ClassVar[MemberStatus]

class ServiceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_KIND_UNSPECIFIED: _ClassVar[ServiceKind]
    SERVICE_KIND_WISH: _ClassVar[ServiceKind]
    SERVICE_KIND_ALERT: _ClassVar[ServiceKind]
    SERVICE_KIND_ACTIVITY: _ClassVar[ServiceKind]
    SERVICE_KIND_SERVICE_POST: _ClassVar[ServiceKind]
    SERVICE_KIND_OTHER: _ClassVar[ServiceKind]
ORG_UNIT_KIND_UNSPECIFIED: OrgUnitKind
ORG_UNIT_KIND_PROVINCE: OrgUnitKind
ORG_UNIT_KIND_CITY: OrgUnitKind
ORG_UNIT_KIND_DISTRICT: OrgUnitKind
ORG_UNIT_KIND_STREET: OrgUnitKind
ORG_UNIT_KIND_COMMUNITY: OrgUnitKind
ORG_UNIT_KIND_GRID: OrgUnitKind
ORG_UNIT_KIND_BUILDING: OrgUnitKind
SKILL_UNSPECIFIED: Skill
SKILL_POLICY_PUBLICITY: Skill
SKILL_LEGAL: Skill
SKILL_MEDICAL: Skill
SKILL_ELDER_CARE: Skill
SKILL_EMPLOYMENT: Skill
SKILL_REPAIR: Skill
SKILL_CULTURE_ARTS: Skill
SKILL_MEDIATION: Skill
SKILL_ENVIRONMENT: Skill
SKILL_EDUCATION: Skill
SKILL_PSYCHOLOGY: Skill
SKILL_FIRST_AID: Skill
SKILL_SOCIAL_WORK: Skill
SKILL_FIRE_SAFETY: Skill
SKILL_IT: Skill
MANAGEMENT_LEVEL_UNSPECIFIED: ManagementLevel
MANAGEMENT_LEVEL_CITY: ManagementLevel
MANAGEMENT_LEVEL_DISTRICT: ManagementLevel
MANAGEMENT_LEVEL_OTHER: ManagementLevel
MEMBER_STATUS_UNSPECIFIED: MemberStatus
MEMBER_STATUS_ACTIVE: MemberStatus
MEMBER_STATUS_DEREGISTERED: MemberStatus
SERVICE_KIND_UNSPECIFIED: ServiceKind
SERVICE_KIND_WISH: ServiceKind
SERVICE_KIND_ALERT: ServiceKind
SERVICE_KIND_ACTIVITY: ServiceKind
SERVICE_KIND_SERVICE_POST: ServiceKind
SERVICE_KIND_OTHER: ServiceKind

class OrgUnit(_message.Message):
    __slots__ = ("id", "parent_id", "kind", "name", "ancestor_ids", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ANCESTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    parent_id: str
    kind: OrgUnitKind
    name: str
    ancestor_ids: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., parent_id: _Optional[str] = ..., kind: _Optional[_Union[OrgUnitKind, str]] = ..., name: _Optional[str] = ..., ancestor_ids: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateOrgUnitRequest(_message.Message):
    __slots__ = ("request_id", "parent_id", "kind", "name")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    parent_id: str
    kind: OrgUnitKind
    name: str
    def __init__(self, request_id: _Optional[str] = ..., parent_id: _Optional[str] = ..., kind: _Optional[_Union[OrgUnitKind, str]] = ..., name: _Optional[str] = ...) -> None: ...

class CreateOrgUnitResponse(_message.Message):
    __slots__ = ("org_unit",)
    ORG_UNIT_FIELD_NUMBER: _ClassVar[int]
    org_unit: OrgUnit
    def __init__(self, org_unit: _Optional[_Union[OrgUnit, _Mapping]] = ...) -> None: ...

class GetOrgUnitRequest(_message.Message):
    __slots__ = ("org_unit_id",)
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    def __init__(self, org_unit_id: _Optional[str] = ...) -> None: ...

class GetOrgUnitResponse(_message.Message):
    __slots__ = ("org_unit",)
    ORG_UNIT_FIELD_NUMBER: _ClassVar[int]
    org_unit: OrgUnit
    def __init__(self, org_unit: _Optional[_Union[OrgUnit, _Mapping]] = ...) -> None: ...

class Member(_message.Message):
    __slots__ = ("id", "name", "workplace_org", "community_id", "residence_unit_id", "skills", "tags", "management_level", "phone", "id_number", "personal_data_revealed", "status", "register_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_ORG_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENCE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    MANAGEMENT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PERSONAL_DATA_REVEALED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REGISTER_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    workplace_org: str
    community_id: str
    residence_unit_id: str
    skills: _containers.RepeatedScalarFieldContainer[Skill]
    tags: _containers.RepeatedScalarFieldContainer[str]
    management_level: ManagementLevel
    phone: str
    id_number: str
    personal_data_revealed: bool
    status: MemberStatus
    register_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., workplace_org: _Optional[str] = ..., community_id: _Optional[str] = ..., residence_unit_id: _Optional[str] = ..., skills: _Optional[_Iterable[_Union[Skill, str]]] = ..., tags: _Optional[_Iterable[str]] = ..., management_level: _Optional[_Union[ManagementLevel, str]] = ..., phone: _Optional[str] = ..., id_number: _Optional[str] = ..., personal_data_revealed: _Optional[bool] = ..., status: _Optional[_Union[MemberStatus, str]] = ..., register_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegisterMemberRequest(_message.Message):
    __slots__ = ("request_id", "name", "workplace_org", "residence_unit_id", "skills", "tags", "management_level", "phone", "id_number")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_ORG_FIELD_NUMBER: _ClassVar[int]
    RESIDENCE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    MANAGEMENT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    name: str
    workplace_org: str
    residence_unit_id: str
    skills: _containers.RepeatedScalarFieldContainer[Skill]
    tags: _containers.RepeatedScalarFieldContainer[str]
    management_level: ManagementLevel
    phone: str
    id_number: str
    def __init__(self, request_id: _Optional[str] = ..., name: _Optional[str] = ..., workplace_org: _Optional[str] = ..., residence_unit_id: _Optional[str] = ..., skills: _Optional[_Iterable[_Union[Skill, str]]] = ..., tags: _Optional[_Iterable[str]] = ..., management_level: _Optional[_Union[ManagementLevel, str]] = ..., phone: _Optional[str] = ..., id_number: _Optional[str] = ...) -> None: ...

class RegisterMemberResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class GetMemberRequest(_message.Message):
    __slots__ = ("member_id", "reveal_personal_data")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REVEAL_PERSONAL_DATA_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    reveal_personal_data: bool
    def __init__(self, member_id: _Optional[str] = ..., reveal_personal_data: _Optional[bool] = ...) -> None: ...

class GetMemberResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class SearchMembersRequest(_message.Message):
    __slots__ = ("org_unit_id", "skill", "status", "page_size", "page_token")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    skill: Skill
    status: MemberStatus
    page_size: int
    page_token: str
    def __init__(self, org_unit_id: _Optional[str] = ..., skill: _Optional[_Union[Skill, str]] = ..., status: _Optional[_Union[MemberStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchMembersResponse(_message.Message):
    __slots__ = ("members", "next_page_token")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    next_page_token: str
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ServiceRecord(_message.Message):
    __slots__ = ("id", "member_id", "kind", "source_id", "category", "hours", "served_at", "note", "record_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    SERVED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    member_id: str
    kind: ServiceKind
    source_id: str
    category: str
    hours: float
    served_at: _timestamp_pb2.Timestamp
    note: str
    record_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., member_id: _Optional[str] = ..., kind: _Optional[_Union[ServiceKind, str]] = ..., source_id: _Optional[str] = ..., category: _Optional[str] = ..., hours: _Optional[float] = ..., served_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordServiceRequest(_message.Message):
    __slots__ = ("request_id", "member_id", "kind", "source_id", "category", "hours", "served_at", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    SERVED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    member_id: str
    kind: ServiceKind
    source_id: str
    category: str
    hours: float
    served_at: _timestamp_pb2.Timestamp
    note: str
    def __init__(self, request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., kind: _Optional[_Union[ServiceKind, str]] = ..., source_id: _Optional[str] = ..., category: _Optional[str] = ..., hours: _Optional[float] = ..., served_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class RecordServiceResponse(_message.Message):
    __slots__ = ("record", "created")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    record: ServiceRecord
    created: bool
    def __init__(self, record: _Optional[_Union[ServiceRecord, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetMemberServiceSummaryRequest(_message.Message):
    __slots__ = ("member_id", "start_time", "end_time")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ServiceTotal(_message.Message):
    __slots__ = ("kind", "category", "count", "hours")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    kind: ServiceKind
    category: str
    count: int
    hours: float
    def __init__(self, kind: _Optional[_Union[ServiceKind, str]] = ..., category: _Optional[str] = ..., count: _Optional[int] = ..., hours: _Optional[float] = ...) -> None: ...

class GetMemberServiceSummaryResponse(_message.Message):
    __slots__ = ("member_id", "totals", "count", "hours")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    totals: _containers.RepeatedCompositeFieldContainer[ServiceTotal]
    count: int
    hours: float
    def __init__(self, member_id: _Optional[str] = ..., totals: _Optional[_Iterable[_Union[ServiceTotal, _Mapping]]] = ..., count: _Optional[int] = ..., hours: _Optional[float] = ...) -> None: ...

class GetRegistryStatsRequest(_message.Message):
    __slots__ = ("org_unit_id", "start_time", "end_time")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, org_unit_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetRegistryStatsResponse(_message.Message):
    __slots__ = ("members_registered", "members_active", "services", "hours", "totals")
    MEMBERS_REGISTERED_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    members_registered: int
    members_active: int
    services: int
    hours: float
    totals: _containers.RepeatedCompositeFieldContainer[ServiceTotal]
    def __init__(self, members_registered: _Optional[int] = ..., members_active: _Optional[int] = ..., services: _Optional[int] = ..., hours: _Optional[float] = ..., totals: _Optional[_Iterable[_Union[ServiceTotal, _Mapping]]] = ...) -> None: ...
