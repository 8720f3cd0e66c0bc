import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from linli.registry.v1 import commitments_pb2 as _commitments_pb2
from linli.registry.v1 import registry_pb2 as _registry_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NamedCount(_message.Message):
    __slots__ = ("name", "count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    count: int
    def __init__(self, name: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class WeeklyReport(_message.Message):
    __slots__ = ("org_unit_id", "org_unit_name", "week_start", "start_time", "end_time", "members_registered", "members_active", "services", "service_hours", "service_totals", "wishes_by_state", "wishes_submitted", "wishes_closed", "wishes_overdue", "average_hours_to_claim", "average_hours_to_close", "alerts_raised", "alerts_acknowledged", "alerts_escalated", "alerts_resolved", "median_seconds_to_acknowledge", "p90_seconds_to_acknowledge", "activities_proposed", "activities_held", "activities_cancelled", "activity_sign_ups", "activity_check_ins", "missing_sections", "produce_time", "pairings_active", "pairings_started", "care_pairs_active", "care_people", "care_visits_due", "care_visits_made", "care_visits_missed", "team_volunteer_services", "team_volunteer_hours")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_NAME_FIELD_NUMBER: _ClassVar[int]
    WEEK_START_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_REGISTERED_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    SERVICE_HOURS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_TOTALS_FIELD_NUMBER: _ClassVar[int]
    WISHES_BY_STATE_FIELD_NUMBER: _ClassVar[int]
    WISHES_SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    WISHES_CLOSED_FIELD_NUMBER: _ClassVar[int]
    WISHES_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_HOURS_TO_CLAIM_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_HOURS_TO_CLOSE_FIELD_NUMBER: _ClassVar[int]
    ALERTS_RAISED_FIELD_NUMBER: _ClassVar[int]
    ALERTS_ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    ALERTS_ESCALATED_FIELD_NUMBER: _ClassVar[int]
    ALERTS_RESOLVED_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_SECONDS_TO_ACKNOWLEDGE_FIELD_NUMBER: _ClassVar[int]
    P90_SECONDS_TO_ACKNOWLEDGE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITIES_PROPOSED_FIELD_NUMBER: _ClassVar[int]
    ACTIVITIES_HELD_FIELD_NUMBER: _ClassVar[int]
    ACTIVITIES_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_SIGN_UPS_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_CHECK_INS_FIELD_NUMBER: _ClassVar[int]
    MISSING_SECTIONS_FIELD_NUMBER: _ClassVar[int]
    PRODUCE_TIME_FIELD_NUMBER: _ClassVar[int]
    PAIRINGS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    PAIRINGS_STARTED_FIELD_NUMBER: _ClassVar[int]
    CARE_PAIRS_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CARE_PEOPLE_FIELD_NUMBER: _ClassVar[int]
    CARE_VISITS_DUE_FIELD_NUMBER: _ClassVar[int]
    CARE_VISITS_MADE_FIELD_NUMBER: _ClassVar[int]
    CARE_VISITS_MISSED_FIELD_NUMBER: _ClassVar[int]
    TEAM_VOLUNTEER_SERVICES_FIELD_NUMBER: _ClassVar[int]
    TEAM_VOLUNTEER_HOURS_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    org_unit_name: str
    week_start: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    members_registered: int
    members_active: int
    services: int
    service_hours: float
    service_totals: _containers.RepeatedCompositeFieldContainer[_registry_pb2.ServiceTotal]
    wishes_by_state: _containers.RepeatedCompositeFieldContainer[NamedCount]
    wishes_submitted: int
    wishes_closed: int
    wishes_overdue: int
    average_hours_to_claim: float
    average_hours_to_close: float
    alerts_raised: int
    alerts_acknowledged: int
    alerts_escalated: int
    alerts_resolved: int
    median_seconds_to_acknowledge: float
    p90_seconds_to_acknowledge: float
    activities_proposed: int
    activities_held: int
    activities_cancelled: int
    activity_sign_ups: int
    activity_check_ins: int
    missing_sections: _containers.RepeatedScalarFieldContainer[str]
    produce_time: _timestamp_pb2.Timestamp
    pairings_active: int
    pairings_started: int
    care_pairs_active: int
    care_people: int
    care_visits_due: int
    care_visits_made: int
    care_visits_missed: int
    team_volunteer_services: int
    team_volunteer_hours: float
    def __init__(self, org_unit_id: _Optional[str] = ..., org_unit_name: _Optional[str] = ..., week_start: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., members_registered: _Optional[int] = ..., members_active: _Optional[int] = ..., services: _Optional[int] = ..., service_hours: _Optional[float] = ..., service_totals: _Optional[_Iterable[_Union[_registry_pb2.ServiceTotal, _Mapping]]] = ..., wishes_by_state: _Optional[_Iterable[_Union[NamedCount, _Mapping]]] = ..., wishes_submitted: _Optional[int] = ..., wishes_closed: _Optional[int] = ..., wishes_overdue: _Optional[int] = ..., average_hours_to_claim: _Optional[float] = ..., average_hours_to_close: _Optional[float] = ..., alerts_raised: _Optional[int] = ..., alerts_acknowledged: _Optional[int] = ..., alerts_escalated: _Optional[int] = ..., alerts_resolved: _Optional[int] = ..., median_seconds_to_acknowledge: _Optional[float] = ..., p90_seconds_to_acknowledge: _Optional[float] = ..., activities_proposed: _Optional[int] = ..., activities_held: _Optional[int] = ..., activities_cancelled: _Optional[int] = ..., activity_sign_ups: _Optional[int] = ..., activity_check_ins: _Optional[int] = ..., missing_sections: _Optional[_Iterable[str]] = ..., produce_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pairings_active: _Optional[int] = ..., pairings_started: _Optional[int] = ..., care_pairs_active: _Optional[int] = ..., care_people: _Optional[int] = ..., care_visits_due: _Optional[int] = ..., care_visits_made: _Optional[int] = ..., care_visits_missed: _Optional[int] = ..., team_volunteer_services: _Optional[int] = ..., team_volunteer_hours: _Optional[float] = ...) -> None: ...

class GetWeeklyReportRequest(_message.Message):
    __slots__ = ("org_unit_id", "week_start")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    WEEK_START_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    week_start: str
    def __init__(self, org_unit_id: _Optional[str] = ..., week_start: _Optional[str] = ...) -> None: ...

class GetWeeklyReportResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: WeeklyReport
    def __init__(self, report: _Optional[_Union[WeeklyReport, _Mapping]] = ...) -> None: ...

class ExportWeeklyReportsRequest(_message.Message):
    __slots__ = ("org_unit_id", "week_start")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    WEEK_START_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    week_start: str
    def __init__(self, org_unit_id: _Optional[str] = ..., week_start: _Optional[str] = ...) -> None: ...

class ExportWeeklyReportsResponse(_message.Message):
    __slots__ = ("csv", "rows")
    CSV_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    csv: str
    rows: int
    def __init__(self, csv: _Optional[str] = ..., rows: _Optional[int] = ...) -> None: ...

class ProduceWeeklyReportsRequest(_message.Message):
    __slots__ = ("request_id", "org_unit_id", "week_start")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    WEEK_START_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    org_unit_id: str
    week_start: str
    def __init__(self, request_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., week_start: _Optional[str] = ...) -> None: ...

class ProduceWeeklyReportsResponse(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class YearlyServiceReport(_message.Message):
    __slots__ = ("member_id", "year", "services", "hours", "totals", "produce_time", "commitment", "commitment_met", "team_member_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    PRODUCE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_MET_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    year: int
    services: int
    hours: float
    totals: _containers.RepeatedCompositeFieldContainer[_registry_pb2.ServiceTotal]
    produce_time: _timestamp_pb2.Timestamp
    commitment: _commitments_pb2.ServiceCommitment
    commitment_met: bool
    team_member_id: str
    def __init__(self, member_id: _Optional[str] = ..., year: _Optional[int] = ..., services: _Optional[int] = ..., hours: _Optional[float] = ..., totals: _Optional[_Iterable[_Union[_registry_pb2.ServiceTotal, _Mapping]]] = ..., produce_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., commitment: _Optional[_Union[_commitments_pb2.ServiceCommitment, _Mapping]] = ..., commitment_met: _Optional[bool] = ..., team_member_id: _Optional[str] = ...) -> None: ...

class ProduceYearlyServiceReportsRequest(_message.Message):
    __slots__ = ("request_id", "org_unit_id", "year")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    org_unit_id: str
    year: int
    def __init__(self, request_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ..., year: _Optional[int] = ...) -> None: ...

class ProduceYearlyServiceReportsResponse(_message.Message):
    __slots__ = ("workflow_id",)
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    def __init__(self, workflow_id: _Optional[str] = ...) -> None: ...

class GetYearlyServiceReportRequest(_message.Message):
    __slots__ = ("member_id", "year", "team_member_id")
    MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    TEAM_MEMBER_ID_FIELD_NUMBER: _ClassVar[int]
    member_id: str
    year: int
    team_member_id: str
    def __init__(self, member_id: _Optional[str] = ..., year: _Optional[int] = ..., team_member_id: _Optional[str] = ...) -> None: ...

class GetYearlyServiceReportResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: YearlyServiceReport
    def __init__(self, report: _Optional[_Union[YearlyServiceReport, _Mapping]] = ...) -> None: ...

class ScheduleReportsRequest(_message.Message):
    __slots__ = ("request_id", "org_unit_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    org_unit_id: str
    def __init__(self, request_id: _Optional[str] = ..., org_unit_id: _Optional[str] = ...) -> None: ...

class ScheduleReportsResponse(_message.Message):
    __slots__ = ("schedule_ids",)
    SCHEDULE_IDS_FIELD_NUMBER: _ClassVar[int]
    schedule_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, schedule_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class StoreWeeklyReportRequest(_message.Message):
    __slots__ = ("request_id", "report")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    report: WeeklyReport
    def __init__(self, request_id: _Optional[str] = ..., report: _Optional[_Union[WeeklyReport, _Mapping]] = ...) -> None: ...

class StoreWeeklyReportResponse(_message.Message):
    __slots__ = ("report", "created")
    REPORT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    report: WeeklyReport
    created: bool
    def __init__(self, report: _Optional[_Union[WeeklyReport, _Mapping]] = ..., created: _Optional[bool] = ...) -> None: ...

class StoreYearlyServiceReportsRequest(_message.Message):
    __slots__ = ("request_id", "reports")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    reports: _containers.RepeatedCompositeFieldContainer[YearlyServiceReport]
    def __init__(self, request_id: _Optional[str] = ..., reports: _Optional[_Iterable[_Union[YearlyServiceReport, _Mapping]]] = ...) -> None: ...

class StoreYearlyServiceReportsResponse(_message.Message):
    __slots__ = ("created",)
    CREATED_FIELD_NUMBER: _ClassVar[int]
    created: int
    def __init__(self, created: _Optional[int] = ...) -> None: ...

class ExportYearlyServiceReportsRequest(_message.Message):
    __slots__ = ("org_unit_id", "year")
    ORG_UNIT_ID_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    org_unit_id: str
    year: int
    def __init__(self, org_unit_id: _Optional[str] = ..., year: _Optional[int] = ...) -> None: ...

class ExportYearlyServiceReportsResponse(_message.Message):
    __slots__ = ("csv", "rows", "total_rows")
    CSV_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    csv: str
    rows: int
    total_rows: int
    def __init__(self, csv: _Optional[str] = ..., rows: _Optional[int] = ..., total_rows: _Optional[int] = ...) -> None: ...
