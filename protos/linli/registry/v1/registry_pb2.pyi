import datetime

from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from linli.registry.v1 import audit_pb2 as _audit_pb2
from linli.registry.v1 import commitments_pb2 as _commitments_pb2
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
    SERVICE_KIND_CARE_VISIT: _ClassVar[ServiceKind]

class OrgUnitEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORG_UNIT_EVENT_KIND_UNSPECIFIED: _ClassVar[OrgUnitEventKind]
    ORG_UNIT_EVENT_KIND_CREATED: _ClassVar[OrgUnitEventKind]
    ORG_UNIT_EVENT_KIND_RENAMED: _ClassVar[OrgUnitEventKind]
    ORG_UNIT_EVENT_KIND_MOVED: _ClassVar[OrgUnitEventKind]
    ORG_UNIT_EVENT_KIND_CLOSED: _ClassVar[OrgUnitEventKind]

class TeamKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TEAM_KIND_UNSPECIFIED: _ClassVar[TeamKind]
    TEAM_KIND_PARTY_MEMBER: _ClassVar[TeamKind]
    TEAM_KIND_YOUTH_LEAGUE_PUBLICITY: _ClassVar[TeamKind]
    TEAM_KIND_WOMENS_FEDERATION_LOGISTICS: _ClassVar[TeamKind]
    TEAM_KIND_TRADE_UNION_COORDINATION: _ClassVar[TeamKind]
    TEAM_KIND_RED_CROSS_RESCUE: _ClassVar[TeamKind]
    TEAM_KIND_CUSTOM: _ClassVar[TeamKind]

class PartyOrganisationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTY_ORGANISATION_KIND_UNSPECIFIED: _ClassVar[PartyOrganisationKind]
    PARTY_ORGANISATION_KIND_STREET_WORKING_COMMITTEE: _ClassVar[PartyOrganisationKind]
    PARTY_ORGANISATION_KIND_COMMUNITY_PARTY_COMMITTEE: _ClassVar[PartyOrganisationKind]
    PARTY_ORGANISATION_KIND_GRID_BRANCH: _ClassVar[PartyOrganisationKind]
    PARTY_ORGANISATION_KIND_BUILDING_GROUP: _ClassVar[PartyOrganisationKind]
    PARTY_ORGANISATION_KIND_SPECIAL_BRANCH: _ClassVar[PartyOrganisationKind]
    PARTY_ORGANISATION_KIND_TEMPORARY_BRANCH: _ClassVar[PartyOrganisationKind]
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
SERVICE_KIND_CARE_VISIT: ServiceKind
ORG_UNIT_EVENT_KIND_UNSPECIFIED: OrgUnitEventKind
ORG_UNIT_EVENT_KIND_CREATED: OrgUnitEventKind
ORG_UNIT_EVENT_KIND_RENAMED: OrgUnitEventKind
ORG_UNIT_EVENT_KIND_MOVED: OrgUnitEventKind
ORG_UNIT_EVENT_KIND_CLOSED: OrgUnitEventKind
TEAM_KIND_UNSPECIFIED: TeamKind
TEAM_KIND_PARTY_MEMBER: TeamKind
TEAM_KIND_YOUTH_LEAGUE_PUBLICITY: TeamKind
TEAM_KIND_WOMENS_FEDERATION_LOGISTICS: TeamKind
TEAM_KIND_TRADE_UNION_COORDINATION: TeamKind
TEAM_KIND_RED_CROSS_RESCUE: TeamKind
TEAM_KIND_CUSTOM: TeamKind
PARTY_ORGANISATION_KIND_UNSPECIFIED: PartyOrganisationKind
PARTY_ORGANISATION_KIND_STREET_WORKING_COMMITTEE: PartyOrganisationKind
PARTY_ORGANISATION_KIND_COMMUNITY_PARTY_COMMITTEE: PartyOrganisationKind
PARTY_ORGANISATION_KIND_GRID_BRANCH: PartyOrganisationKind
PARTY_ORGANISATION_KIND_BUILDING_GROUP: PartyOrganisationKind
PARTY_ORGANISATION_KIND_SPECIAL_BRANCH: PartyOrganisationKind
PARTY_ORGANISATION_KIND_TEMPORARY_BRANCH: PartyOrganisationKind

class OrgUnit(_message.Message):
    __slots__ = ("id", "parent_id", "kind", "name", "ancestor_ids", "create_time", "close_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ANCESTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    parent_id: str
    kind: OrgUnitKind
    name: str
    ancestor_ids: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., parent_id: _Optional[str] = ..., kind: _Optional[_Union[OrgUnitKind, str]] = ..., name: _Optional[str] = ..., ancestor_ids: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("id", "name", "workplace_org", "community_id", "residence_unit_id", "skills", "tags", "management_level", "phone", "id_number", "personal_data_revealed", "status", "register_time", "deregister_time", "deregister_reason")
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
    DEREGISTER_TIME_FIELD_NUMBER: _ClassVar[int]
    DEREGISTER_REASON_FIELD_NUMBER: _ClassVar[int]
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
    deregister_time: _timestamp_pb2.Timestamp
    deregister_reason: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., workplace_org: _Optional[str] = ..., community_id: _Optional[str] = ..., residence_unit_id: _Optional[str] = ..., skills: _Optional[_Iterable[_Union[Skill, str]]] = ..., tags: _Optional[_Iterable[str]] = ..., management_level: _Optional[_Union[ManagementLevel, str]] = ..., phone: _Optional[str] = ..., id_number: _Optional[str] = ..., personal_data_revealed: _Optional[bool] = ..., status: _Optional[_Union[MemberStatus, str]] = ..., register_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deregister_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deregister_reason: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("org_unit_id", "skill", "status", "page_size", "page_token", "name_prefix")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NAME_PREFIX_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    skill: Skill
    status: MemberStatus
    page_size: int
    page_token: str
    name_prefix: str
    def __init__(self, org_unit_id: _Optional[str] = ..., skill: _Optional[_Union[Skill, str]] = ..., status: _Optional[_Union[MemberStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., name_prefix: _Optional[str] = ...) -> None: ...

class SearchMembersResponse(_message.Message):
    __slots__ = ("members", "next_page_token")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    next_page_token: str
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ServiceRecord(_message.Message):
    __slots__ = ("id", "member_id", "kind", "source_id", "category", "hours", "served_at", "note", "record_time", "team_id", "team_member_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    SERVED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    RECORD_TIME_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    member_id: str
    kind: ServiceKind
    source_id: str
    category: str
    hours: float
    served_at: _timestamp_pb2.Timestamp
    note: str
    record_time: _timestamp_pb2.Timestamp
    team_id: str
    team_member_id: str
    def __init__(self, id: _Optional[str] = ..., member_id: _Optional[str] = ..., kind: _Optional[_Union[ServiceKind, str]] = ..., source_id: _Optional[str] = ..., category: _Optional[str] = ..., hours: _Optional[float] = ..., served_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., record_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., team_id: _Optional[str] = ..., team_member_id: _Optional[str] = ...) -> None: ...

class RecordServiceRequest(_message.Message):
    __slots__ = ("request_id", "member_id", "kind", "source_id", "category", "hours", "served_at", "note", "team_id", "team_member_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    SERVED_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    member_id: str
    kind: ServiceKind
    source_id: str
    category: str
    hours: float
    served_at: _timestamp_pb2.Timestamp
    note: str
    team_id: str
    team_member_id: str
    def __init__(self, request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., kind: _Optional[_Union[ServiceKind, str]] = ..., source_id: _Optional[str] = ..., category: _Optional[str] = ..., hours: _Optional[float] = ..., served_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., team_id: _Optional[str] = ..., team_member_id: _Optional[str] = ...) -> None: ...

class RecordServiceResponse(_message.Message):
    __slots__ = ("record", "created")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    record: ServiceRecord
    created: bool
    def __init__(self, record: _Optional[_Union[ServiceRecord, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class GetMemberServiceSummaryRequest(_message.Message):
    __slots__ = ("member_id", "start_time", "end_time", "team_member_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    team_member_id: str
    def __init__(self, member_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., team_member_id: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("member_id", "totals", "count", "hours", "team_member_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    totals: _containers.RepeatedCompositeFieldContainer[ServiceTotal]
    count: int
    hours: float
    team_member_id: str
    def __init__(self, member_id: _Optional[str] = ..., totals: _Optional[_Iterable[_Union[ServiceTotal, _Mapping]]] = ..., count: _Optional[int] = ..., hours: _Optional[float] = ..., team_member_id: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("members_registered", "members_active", "services", "hours", "totals", "team_volunteer_services", "team_volunteer_hours")
    MEMBERS_REGISTERED_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    TEAM_VOLUNTEER_SERVICES_FIELD_NUMBER: _ClassVar[int]
    TEAM_VOLUNTEER_HOURS_FIELD_NUMBER: _ClassVar[int]
    members_registered: int
    members_active: int
    services: int
    hours: float
    totals: _containers.RepeatedCompositeFieldContainer[ServiceTotal]
    team_volunteer_services: int
    team_volunteer_hours: float
    def __init__(self, members_registered: _Optional[int] = ..., members_active: _Optional[int] = ..., services: _Optional[int] = ..., hours: _Optional[float] = ..., totals: _Optional[_Iterable[_Union[ServiceTotal, _Mapping]]] = ..., team_volunteer_services: _Optional[int] = ..., team_volunteer_hours: _Optional[float] = ...) -> None: ...

class RenameOrgUnitRequest(_message.Message):
    __slots__ = ("request_id", "org_unit_id", "name")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    org_unit_id: str
    name: str
    def __init__(self, request_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class RenameOrgUnitResponse(_message.Message):
    __slots__ = ("org_unit",)
    ORG_UNIT_FIELD_NUMBER: _ClassVar[int]
    org_unit: OrgUnit
    def __init__(self, org_unit: _Optional[_Union[OrgUnit, _Mapping]] = ...) -> None: ...

class MoveOrgUnitRequest(_message.Message):
    __slots__ = ("request_id", "org_unit_id", "new_parent_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    org_unit_id: str
    new_parent_id: str
    def __init__(self, request_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., new_parent_id: _Optional[str] = ...) -> None: ...

class MoveOrgUnitResponse(_message.Message):
    __slots__ = ("org_unit",)
    ORG_UNIT_FIELD_NUMBER: _ClassVar[int]
    org_unit: OrgUnit
    def __init__(self, org_unit: _Optional[_Union[OrgUnit, _Mapping]] = ...) -> None: ...

class CloseOrgUnitRequest(_message.Message):
    __slots__ = ("request_id", "org_unit_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    org_unit_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CloseOrgUnitResponse(_message.Message):
    __slots__ = ("org_unit",)
    ORG_UNIT_FIELD_NUMBER: _ClassVar[int]
    org_unit: OrgUnit
    def __init__(self, org_unit: _Optional[_Union[OrgUnit, _Mapping]] = ...) -> None: ...

class ListOrgUnitChildrenRequest(_message.Message):
    __slots__ = ("org_unit_id", "include_closed", "page_size", "page_token")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CLOSED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    include_closed: bool
    page_size: int
    page_token: str
    def __init__(self, org_unit_id: _Optional[str] = ..., include_closed: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListOrgUnitChildrenResponse(_message.Message):
    __slots__ = ("org_units", "next_page_token")
    ORG_UNITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_units: _containers.RepeatedCompositeFieldContainer[OrgUnit]
    next_page_token: str
    def __init__(self, org_units: _Optional[_Iterable[_Union[OrgUnit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListOrgUnitSubtreeRequest(_message.Message):
    __slots__ = ("org_unit_id", "kind", "include_closed", "page_size", "page_token")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CLOSED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    kind: OrgUnitKind
    include_closed: bool
    page_size: int
    page_token: str
    def __init__(self, org_unit_id: _Optional[str] = ..., kind: _Optional[_Union[OrgUnitKind, str]] = ..., include_closed: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListOrgUnitSubtreeResponse(_message.Message):
    __slots__ = ("org_units", "next_page_token")
    ORG_UNITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_units: _containers.RepeatedCompositeFieldContainer[OrgUnit]
    next_page_token: str
    def __init__(self, org_units: _Optional[_Iterable[_Union[OrgUnit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class OrgUnitEvent(_message.Message):
    __slots__ = ("kind", "time", "actor", "old_name", "new_name", "old_parent_id", "new_parent_id", "reason")
    KIND_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    OLD_NAME_FIELD_NUMBER: _ClassVar[int]
    NEW_NAME_FIELD_NUMBER: _ClassVar[int]
    OLD_PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    kind: OrgUnitEventKind
    time: _timestamp_pb2.Timestamp
    actor: str
    old_name: str
    new_name: str
    old_parent_id: str
    new_parent_id: str
    reason: str
    def __init__(self, kind: _Optional[_Union[OrgUnitEventKind, str]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., old_name: _Optional[str] = ..., new_name: _Optional[str] = ..., old_parent_id: _Optional[str] = ..., new_parent_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ListOrgUnitHistoryRequest(_message.Message):
    __slots__ = ("org_unit_id", "page_size", "page_token")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    page_size: int
    page_token: str
    def __init__(self, org_unit_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListOrgUnitHistoryResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[OrgUnitEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[OrgUnitEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateMemberRequest(_message.Message):
    __slots__ = ("request_id", "member_id", "member", "update_mask")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    member_id: str
    member: Member
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., member: _Optional[_Union[Member, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateMemberResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class TransferMemberRequest(_message.Message):
    __slots__ = ("request_id", "member_id", "residence_unit_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENCE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    member_id: str
    residence_unit_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., residence_unit_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class TransferMemberResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class Residence(_message.Message):
    __slots__ = ("community_id", "residence_unit_id", "start_time", "end_time", "reason")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    RESIDENCE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    residence_unit_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, community_id: _Optional[str] = ..., residence_unit_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class ListMemberResidencesRequest(_message.Message):
    __slots__ = ("member_id", "page_size", "page_token")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    page_size: int
    page_token: str
    def __init__(self, member_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMemberResidencesResponse(_message.Message):
    __slots__ = ("residences", "next_page_token")
    RESIDENCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    residences: _containers.RepeatedCompositeFieldContainer[Residence]
    next_page_token: str
    def __init__(self, residences: _Optional[_Iterable[_Union[Residence, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeregisterMemberRequest(_message.Message):
    __slots__ = ("request_id", "member_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    member_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., member_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeregisterMemberResponse(_message.Message):
    __slots__ = ("member",)
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    member: Member
    def __init__(self, member: _Optional[_Union[Member, _Mapping]] = ...) -> None: ...

class ImportRow(_message.Message):
    __slots__ = ("name", "workplace_org", "residence_unit_id", "skills", "tags", "management_level", "phone", "id_number")
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_ORG_FIELD_NUMBER: _ClassVar[int]
    RESIDENCE_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    MANAGEMENT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    name: str
    workplace_org: str
    residence_unit_id: str
    skills: _containers.RepeatedScalarFieldContainer[Skill]
    tags: _containers.RepeatedScalarFieldContainer[str]
    management_level: ManagementLevel
    phone: str
    id_number: str
    def __init__(self, name: _Optional[str] = ..., workplace_org: _Optional[str] = ..., residence_unit_id: _Optional[str] = ..., skills: _Optional[_Iterable[_Union[Skill, str]]] = ..., tags: _Optional[_Iterable[str]] = ..., management_level: _Optional[_Union[ManagementLevel, str]] = ..., phone: _Optional[str] = ..., id_number: _Optional[str] = ...) -> None: ...

class ImportMembersRequest(_message.Message):
    __slots__ = ("request_id", "rows")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    rows: _containers.RepeatedCompositeFieldContainer[ImportRow]
    def __init__(self, request_id: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[ImportRow, _Mapping]]] = ...) -> None: ...

class ImportRowError(_message.Message):
    __slots__ = ("row_number", "field", "reason")
    ROW_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    row_number: int
    field: str
    reason: str
    def __init__(self, row_number: _Optional[int] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ImportMembersResponse(_message.Message):
    __slots__ = ("rows_received", "inserted", "updated", "unchanged", "failed", "errors")
    ROWS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    INSERTED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    rows_received: int
    inserted: int
    updated: int
    unchanged: int
    failed: int
    errors: _containers.RepeatedCompositeFieldContainer[ImportRowError]
    def __init__(self, rows_received: _Optional[int] = ..., inserted: _Optional[int] = ..., updated: _Optional[int] = ..., unchanged: _Optional[int] = ..., failed: _Optional[int] = ..., errors: _Optional[_Iterable[_Union[ImportRowError, _Mapping]]] = ...) -> None: ...

class ImportedOrgUnit(_message.Message):
    __slots__ = ("line", "path", "kind")
    LINE_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    line: int
    path: _containers.RepeatedScalarFieldContainer[str]
    kind: OrgUnitKind
    def __init__(self, line: _Optional[int] = ..., path: _Optional[_Iterable[str]] = ..., kind: _Optional[_Union[OrgUnitKind, str]] = ...) -> None: ...

class ImportedPartyOrganisation(_message.Message):
    __slots__ = ("line", "unit_path", "kind", "name", "focus")
    LINE_FIELD_NUMBER: _ClassVar[int]
    UNIT_PATH_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FOCUS_FIELD_NUMBER: _ClassVar[int]
    line: int
    unit_path: _containers.RepeatedScalarFieldContainer[str]
    kind: PartyOrganisationKind
    name: str
    focus: str
    def __init__(self, line: _Optional[int] = ..., unit_path: _Optional[_Iterable[str]] = ..., kind: _Optional[_Union[PartyOrganisationKind, str]] = ..., name: _Optional[str] = ..., focus: _Optional[str] = ...) -> None: ...

class ImportedTeam(_message.Message):
    __slots__ = ("line", "unit_path", "kind", "custom_kind", "name")
    LINE_FIELD_NUMBER: _ClassVar[int]
    UNIT_PATH_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    line: int
    unit_path: _containers.RepeatedScalarFieldContainer[str]
    kind: TeamKind
    custom_kind: str
    name: str
    def __init__(self, line: _Optional[int] = ..., unit_path: _Optional[_Iterable[str]] = ..., kind: _Optional[_Union[TeamKind, str]] = ..., custom_kind: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ImportOrgTreeRequest(_message.Message):
    __slots__ = ("request_id", "root_org_unit_id", "units", "party_organisations", "teams")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ROOT_ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    PARTY_ORGANISATIONS_FIELD_NUMBER: _ClassVar[int]
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    root_org_unit_id: str
    units: _containers.RepeatedCompositeFieldContainer[ImportedOrgUnit]
    party_organisations: _containers.RepeatedCompositeFieldContainer[ImportedPartyOrganisation]
    teams: _containers.RepeatedCompositeFieldContainer[ImportedTeam]
    def __init__(self, request_id: _Optional[str] = ..., root_org_unit_id: _Optional[str] = ..., units: _Optional[_Iterable[_Union[ImportedOrgUnit, _Mapping]]] = ..., party_organisations: _Optional[_Iterable[_Union[ImportedPartyOrganisation, _Mapping]]] = ..., teams: _Optional[_Iterable[_Union[ImportedTeam, _Mapping]]] = ...) -> None: ...

class ImportOrgTreeResponse(_message.Message):
    __slots__ = ("units_created", "units_unchanged", "party_organisations_created", "party_organisations_unchanged", "teams_created", "teams_unchanged", "changed")
    UNITS_CREATED_FIELD_NUMBER: _ClassVar[int]
    UNITS_UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    PARTY_ORGANISATIONS_CREATED_FIELD_NUMBER: _ClassVar[int]
    PARTY_ORGANISATIONS_UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    TEAMS_CREATED_FIELD_NUMBER: _ClassVar[int]
    TEAMS_UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    units_created: int
    units_unchanged: int
    party_organisations_created: int
    party_organisations_unchanged: int
    teams_created: int
    teams_unchanged: int
    changed: bool
    def __init__(self, units_created: _Optional[int] = ..., units_unchanged: _Optional[int] = ..., party_organisations_created: _Optional[int] = ..., party_organisations_unchanged: _Optional[int] = ..., teams_created: _Optional[int] = ..., teams_unchanged: _Optional[int] = ..., changed: _Optional[bool] = ...) -> None: ...

class ExportMembersRequest(_message.Message):
    __slots__ = ("org_unit_id", "status")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    status: MemberStatus
    def __init__(self, org_unit_id: _Optional[str] = ..., status: _Optional[_Union[MemberStatus, str]] = ...) -> None: ...

class ExportMembersResponse(_message.Message):
    __slots__ = ("members", "total_rows")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    total_rows: int
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ..., total_rows: _Optional[int] = ...) -> None: ...

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

class ServicePost(_message.Message):
    __slots__ = ("id", "community_id", "name", "description", "capacity", "claimed", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    community_id: str
    name: str
    description: str
    capacity: int
    claimed: int
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., community_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., capacity: _Optional[int] = ..., claimed: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateServicePostRequest(_message.Message):
    __slots__ = ("request_id", "community_id", "name", "description", "capacity")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    community_id: str
    name: str
    description: str
    capacity: int
    def __init__(self, request_id: _Optional[str] = ..., community_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., capacity: _Optional[int] = ...) -> None: ...

class CreateServicePostResponse(_message.Message):
    __slots__ = ("post",)
    POST_FIELD_NUMBER: _ClassVar[int]
    post: ServicePost
    def __init__(self, post: _Optional[_Union[ServicePost, _Mapping]] = ...) -> None: ...

class ListServicePostsRequest(_message.Message):
    __slots__ = ("community_id", "page_size", "page_token")
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    community_id: str
    page_size: int
    page_token: str
    def __init__(self, community_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListServicePostsResponse(_message.Message):
    __slots__ = ("posts", "next_page_token")
    POSTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    posts: _containers.RepeatedCompositeFieldContainer[ServicePost]
    next_page_token: str
    def __init__(self, posts: _Optional[_Iterable[_Union[ServicePost, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ClaimServicePostRequest(_message.Message):
    __slots__ = ("request_id", "post_id", "member_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    post_id: str
    member_id: str
    def __init__(self, request_id: _Optional[str] = ..., post_id: _Optional[str] = ..., member_id: _Optional[str] = ...) -> None: ...

class ClaimServicePostResponse(_message.Message):
    __slots__ = ("post",)
    POST_FIELD_NUMBER: _ClassVar[int]
    post: ServicePost
    def __init__(self, post: _Optional[_Union[ServicePost, _Mapping]] = ...) -> None: ...

class ReleaseServicePostRequest(_message.Message):
    __slots__ = ("request_id", "post_id", "member_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    POST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    post_id: str
    member_id: str
    def __init__(self, request_id: _Optional[str] = ..., post_id: _Optional[str] = ..., member_id: _Optional[str] = ...) -> None: ...

class ReleaseServicePostResponse(_message.Message):
    __slots__ = ("post",)
    POST_FIELD_NUMBER: _ClassVar[int]
    post: ServicePost
    def __init__(self, post: _Optional[_Union[ServicePost, _Mapping]] = ...) -> None: ...

class Team(_message.Message):
    __slots__ = ("id", "org_unit_id", "kind", "custom_kind", "name", "size", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    org_unit_id: str
    kind: TeamKind
    custom_kind: str
    name: str
    size: int
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., kind: _Optional[_Union[TeamKind, str]] = ..., custom_kind: _Optional[str] = ..., name: _Optional[str] = ..., size: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateTeamRequest(_message.Message):
    __slots__ = ("request_id", "org_unit_id", "kind", "custom_kind", "name")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    org_unit_id: str
    kind: TeamKind
    custom_kind: str
    name: str
    def __init__(self, request_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., kind: _Optional[_Union[TeamKind, str]] = ..., custom_kind: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class CreateTeamResponse(_message.Message):
    __slots__ = ("team",)
    TEAM_FIELD_NUMBER: _ClassVar[int]
    team: Team
    def __init__(self, team: _Optional[_Union[Team, _Mapping]] = ...) -> None: ...

class ListTeamsRequest(_message.Message):
    __slots__ = ("org_unit_id", "page_size", "page_token")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    page_size: int
    page_token: str
    def __init__(self, org_unit_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTeamsResponse(_message.Message):
    __slots__ = ("teams", "next_page_token")
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    teams: _containers.RepeatedCompositeFieldContainer[Team]
    next_page_token: str
    def __init__(self, teams: _Optional[_Iterable[_Union[Team, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResidentVolunteer(_message.Message):
    __slots__ = ("name", "phone")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    name: str
    phone: str
    def __init__(self, name: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class TeamMember(_message.Message):
    __slots__ = ("id", "team_id", "member_id", "name", "phone", "join_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    JOIN_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    team_id: str
    member_id: str
    name: str
    phone: str
    join_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., team_id: _Optional[str] = ..., member_id: _Optional[str] = ..., name: _Optional[str] = ..., phone: _Optional[str] = ..., join_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddTeamMemberRequest(_message.Message):
    __slots__ = ("request_id", "team_id", "member_id", "volunteer")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    VOLUNTEER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    team_id: str
    member_id: str
    volunteer: ResidentVolunteer
    def __init__(self, request_id: _Optional[str] = ..., team_id: _Optional[str] = ..., member_id: _Optional[str] = ..., volunteer: _Optional[_Union[ResidentVolunteer, _Mapping]] = ...) -> None: ...

class AddTeamMemberResponse(_message.Message):
    __slots__ = ("team_member",)
    TEAM_MEMBER_FIELD_NUMBER: _ClassVar[int]
    team_member: TeamMember
    def __init__(self, team_member: _Optional[_Union[TeamMember, _Mapping]] = ...) -> None: ...

class RemoveTeamMemberRequest(_message.Message):
    __slots__ = ("request_id", "team_id", "team_member_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    team_id: str
    team_member_id: str
    def __init__(self, request_id: _Optional[str] = ..., team_id: _Optional[str] = ..., team_member_id: _Optional[str] = ...) -> None: ...

class RemoveTeamMemberResponse(_message.Message):
    __slots__ = ("team",)
    TEAM_FIELD_NUMBER: _ClassVar[int]
    team: Team
    def __init__(self, team: _Optional[_Union[Team, _Mapping]] = ...) -> None: ...

class ListTeamMembersRequest(_message.Message):
    __slots__ = ("team_id", "page_size", "page_token")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    page_size: int
    page_token: str
    def __init__(self, team_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTeamMembersResponse(_message.Message):
    __slots__ = ("team_members", "next_page_token")
    TEAM_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    team_members: _containers.RepeatedCompositeFieldContainer[TeamMember]
    next_page_token: str
    def __init__(self, team_members: _Optional[_Iterable[_Union[TeamMember, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Pairing(_message.Message):
    __slots__ = ("id", "workplace_org", "community_id", "start_date", "end_date", "note")
    ID_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_ORG_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    id: str
    workplace_org: str
    community_id: str
    start_date: str
    end_date: str
    note: str
    def __init__(self, id: _Optional[str] = ..., workplace_org: _Optional[str] = ..., community_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class CreatePairingRequest(_message.Message):
    __slots__ = ("request_id", "workplace_org", "community_id", "start_date", "end_date", "note")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    WORKPLACE_ORG_FIELD_NUMBER: _ClassVar[int]
    COMMUNITY_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    workplace_org: str
    community_id: str
    start_date: str
    end_date: str
    note: str
    def __init__(self, request_id: _Optional[str] = ..., workplace_org: _Optional[str] = ..., community_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class CreatePairingResponse(_message.Message):
    __slots__ = ("pairing",)
    PAIRING_FIELD_NUMBER: _ClassVar[int]
    pairing: Pairing
    def __init__(self, pairing: _Optional[_Union[Pairing, _Mapping]] = ...) -> None: ...

class EndPairingRequest(_message.Message):
    __slots__ = ("request_id", "pairing_id", "end_date")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PAIRING_ID_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    pairing_id: str
    end_date: str
    def __init__(self, request_id: _Optional[str] = ..., pairing_id: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class EndPairingResponse(_message.Message):
    __slots__ = ("pairing",)
    PAIRING_FIELD_NUMBER: _ClassVar[int]
    pairing: Pairing
    def __init__(self, pairing: _Optional[_Union[Pairing, _Mapping]] = ...) -> None: ...

class ListPairingsRequest(_message.Message):
    __slots__ = ("org_unit_id", "active_on", "page_size", "page_token")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ON_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    active_on: str
    page_size: int
    page_token: str
    def __init__(self, org_unit_id: _Optional[str] = ..., active_on: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPairingsResponse(_message.Message):
    __slots__ = ("pairings", "next_page_token")
    PAIRINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    pairings: _containers.RepeatedCompositeFieldContainer[Pairing]
    next_page_token: str
    def __init__(self, pairings: _Optional[_Iterable[_Union[Pairing, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PartyOrganisation(_message.Message):
    __slots__ = ("id", "org_unit_id", "kind", "name", "focus", "create_time", "dissolve_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FOCUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DISSOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    org_unit_id: str
    kind: PartyOrganisationKind
    name: str
    focus: str
    create_time: _timestamp_pb2.Timestamp
    dissolve_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., kind: _Optional[_Union[PartyOrganisationKind, str]] = ..., name: _Optional[str] = ..., focus: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., dissolve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreatePartyOrganisationRequest(_message.Message):
    __slots__ = ("request_id", "org_unit_id", "kind", "name", "focus")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FOCUS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    org_unit_id: str
    kind: PartyOrganisationKind
    name: str
    focus: str
    def __init__(self, request_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., kind: _Optional[_Union[PartyOrganisationKind, str]] = ..., name: _Optional[str] = ..., focus: _Optional[str] = ...) -> None: ...

class CreatePartyOrganisationResponse(_message.Message):
    __slots__ = ("party_organisation",)
    PARTY_ORGANISATION_FIELD_NUMBER: _ClassVar[int]
    party_organisation: PartyOrganisation
    def __init__(self, party_organisation: _Optional[_Union[PartyOrganisation, _Mapping]] = ...) -> None: ...

class ListPartyOrganisationsRequest(_message.Message):
    __slots__ = ("org_unit_id", "kind", "include_dissolved", "page_size", "page_token")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DISSOLVED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    kind: PartyOrganisationKind
    include_dissolved: bool
    page_size: int
    page_token: str
    def __init__(self, org_unit_id: _Optional[str] = ..., kind: _Optional[_Union[PartyOrganisationKind, str]] = ..., include_dissolved: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPartyOrganisationsResponse(_message.Message):
    __slots__ = ("party_organisations", "next_page_token")
    PARTY_ORGANISATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    party_organisations: _containers.RepeatedCompositeFieldContainer[PartyOrganisation]
    next_page_token: str
    def __init__(self, party_organisations: _Optional[_Iterable[_Union[PartyOrganisation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DissolvePartyOrganisationRequest(_message.Message):
    __slots__ = ("request_id", "party_organisation_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PARTY_ORGANISATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    party_organisation_id: str
    reason: str
    def __init__(self, request_id: _Optional[str] = ..., party_organisation_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DissolvePartyOrganisationResponse(_message.Message):
    __slots__ = ("party_organisation",)
    PARTY_ORGANISATION_FIELD_NUMBER: _ClassVar[int]
    party_organisation: PartyOrganisation
    def __init__(self, party_organisation: _Optional[_Union[PartyOrganisation, _Mapping]] = ...) -> None: ...

class LookupMemberRequest(_message.Message):
    __slots__ = ("id_number", "phone")
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    id_number: str
    phone: str
    def __init__(self, id_number: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class LookupMemberResponse(_message.Message):
    __slots__ = ("members",)
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[Member]
    def __init__(self, members: _Optional[_Iterable[_Union[Member, _Mapping]]] = ...) -> None: ...

class ListServiceRecordsRequest(_message.Message):
    __slots__ = ("member_id", "org_unit_id", "kind", "start_time", "end_time", "page_size", "page_token")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    org_unit_id: str
    kind: ServiceKind
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, member_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., kind: _Optional[_Union[ServiceKind, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListServiceRecordsResponse(_message.Message):
    __slots__ = ("records", "next_page_token")
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[ServiceRecord]
    next_page_token: str
    def __init__(self, records: _Optional[_Iterable[_Union[ServiceRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ExportServiceRecordsRequest(_message.Message):
    __slots__ = ("member_id", "org_unit_id", "kind", "start_time", "end_time")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    org_unit_id: str
    kind: ServiceKind
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, member_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., kind: _Optional[_Union[ServiceKind, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportServiceRecordsResponse(_message.Message):
    __slots__ = ("csv", "rows", "total_rows")
    CSV_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    csv: str
    rows: int
    total_rows: int
    def __init__(self, csv: _Optional[str] = ..., rows: _Optional[int] = ..., total_rows: _Optional[int] = ...) -> None: ...

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
