"""Who may call each method of the registry service, its ReportService and CarePairService: their part of the authorisation table
(services/runtime/access.py; docs/authorisation.md is written from it).

What is public, and why:
- The org tree's names and shape (GetOrgUnit, ListOrgUnitChildren, ListOrgUnitSubtree) and the party organisations
  hanging on it (ListPartyOrganisations): every caller, in any scope. They hold no personal data, every service
  checks scope through them, front ends show them, and a community's party organisations are on its notice board.
- LookupMember and ImportMembers name no org unit: a caller in any scope may call them, and what they find or write
  is limited to its scope row by row (a member found elsewhere is left out and never said to exist; a row for a
  place, or a person, outside the scope is refused by its row number).
Everything else is checked against the object's org unit as the tree is now. The org tree's history names who
changed it and why: staff in scope only. Posts, teams and pairings are a community's own records: read in scope,
a member in their own community (a member's token is scoped to it).
"""

from __future__ import annotations

from services.runtime.access import ANYONE, DEPLOYMENT, PUBLIC, STAFF, WORKER, Rule, rule
from services.runtime.auth import Role

_REGISTRY = "linli.registry.v1.RegistryService/"
_REPORTS = "linli.registry.v1.ReportService/"
_SYSTEMS = "linli.registry.v1.CallingSystemService/"
_CARE = "linli.registry.v1.CarePairService/"

# Staff and the other government systems that act for an office (the party-member information system, 12345).
_OFFICES = STAFF | {Role.SYSTEM}
_READERS = _OFFICES | WORKER
_MEMBER_OWN = "only their own record"
_MEMBER_COMMUNITY = "only their own community's (their token's scope)"
_CARER = "only the pairs they are a carer of (directly or on its team)"

RULES: dict[str, Rule] = {
    # ---- the org tree (组织)
    _REGISTRY + "CreateOrgUnit": rule(_OFFICES, "request.parent_id (a root unit: deployment-wide callers only)"),
    _REGISTRY + "GetOrgUnit": rule(ANYONE, PUBLIC),
    _REGISTRY + "RenameOrgUnit": rule(_OFFICES, "request.org_unit_id"),
    _REGISTRY + "MoveOrgUnit": rule(_OFFICES, "the unit's old parent and request.new_parent_id"),
    _REGISTRY + "CloseOrgUnit": rule(_OFFICES, "request.org_unit_id"),
    _REGISTRY + "ListOrgUnitChildren": rule(ANYONE, PUBLIC),
    _REGISTRY + "ListOrgUnitSubtree": rule(ANYONE, PUBLIC),
    _REGISTRY + "ListOrgUnitHistory": rule(STAFF, "request.org_unit_id"),
    _REGISTRY + "CreatePartyOrganisation": rule(_OFFICES, "request.org_unit_id"),
    _REGISTRY + "ListPartyOrganisations": rule(ANYONE, PUBLIC),
    _REGISTRY + "DissolvePartyOrganisation": rule(_OFFICES, "the party organisation's unit"),
    # ---- members (在职党员报到)
    _REGISTRY + "RegisterMember": rule(_OFFICES, "request.residence_unit_id (a retry: the member it registered)"),
    _REGISTRY + "GetMember": rule(ANYONE, "the member's residence", _MEMBER_OWN),
    _REGISTRY + "SearchMembers": rule(_READERS, "request.org_unit_id"),
    _REGISTRY + "LookupMember": rule(_READERS, PUBLIC),
    _REGISTRY + "UpdateMember": rule(_OFFICES, "the member's residence"),
    _REGISTRY + "TransferMember": rule(_OFFICES, "the member's residence and request.residence_unit_id"),
    _REGISTRY + "ListMemberResidences": rule(ANYONE, "the member's residence", _MEMBER_OWN),
    _REGISTRY + "DeregisterMember": rule(_OFFICES, "the member's residence"),
    _REGISTRY + "ImportMembers": rule(_OFFICES, PUBLIC),
    _REGISTRY + "ImportOrgTree": rule(STAFF, "request.root_org_unit_id (none: deployment-wide callers only)"),
    _REGISTRY + "ExportMembers": rule(_OFFICES, "request.org_unit_id"),
    _REGISTRY + "RotatePersonalDataKeys": rule({Role.ADMIN}, DEPLOYMENT),
    # The retention Schedule's batches (workflows/retention.py): the worker only, over the whole deployment.
    _REGISTRY + "EraseExpiredPersonalData": rule(WORKER, DEPLOYMENT),
    # ---- service posts (服务岗位), teams (志愿服务队), pairings (结对共建)
    _REGISTRY + "CreateServicePost": rule(STAFF, "request.community_id"),
    _REGISTRY + "ListServicePosts": rule(ANYONE, "request.community_id", _MEMBER_COMMUNITY),
    _REGISTRY + "ClaimServicePost": rule(STAFF | {Role.MEMBER}, "the member's residence", "only for themselves"),
    _REGISTRY + "ReleaseServicePost": rule(STAFF | {Role.MEMBER}, "the member's residence", "only for themselves"),
    _REGISTRY + "CreateTeam": rule(STAFF, "request.org_unit_id"),
    _REGISTRY + "ListTeams": rule(ANYONE, "request.org_unit_id", _MEMBER_COMMUNITY),
    _REGISTRY + "AddTeamMember": rule(STAFF, "the team's unit (and the member's residence)"),
    _REGISTRY + "RemoveTeamMember": rule(STAFF, "the team's unit"),
    _REGISTRY + "ListTeamMembers": rule(_READERS, "the team's unit"),
    _REGISTRY + "CreatePairing": rule(_OFFICES, "request.community_id"),
    _REGISTRY + "EndPairing": rule(_OFFICES, "the pairing's community"),
    _REGISTRY + "ListPairings": rule(ANYONE, "request.org_unit_id", _MEMBER_COMMUNITY),
    # ---- service records (纪实) and stats
    _REGISTRY + "RecordService": rule(STAFF | WORKER, "the member's residence (a team volunteer: their team's unit)"),
    _REGISTRY + "GetMemberServiceSummary": rule(
        ANYONE, "the member's residence (a team volunteer: their team's unit)", _MEMBER_OWN
    ),
    _REGISTRY + "GetRegistryStats": rule(_READERS, "request.org_unit_id"),
    _REGISTRY + "ListServiceRecords": rule(
        ANYONE, "request.org_unit_id, or the member's residence", "only their own records (member_id)"
    ),
    _REGISTRY + "ExportServiceRecords": rule(_READERS, "request.org_unit_id, or the member's residence"),
    # ---- service commitments (服务承诺): a member sets and reads their own; the worker lists the lagging for reminders
    _REGISTRY + "SetServiceCommitment": rule(STAFF | {Role.MEMBER}, "the member's residence", "only for themselves"),
    _REGISTRY + "GetServiceCommitment": rule(ANYONE, "the member's residence", _MEMBER_OWN),
    _REGISTRY + "ListLaggingCommitments": rule(WORKER, DEPLOYMENT),
    # ---- the audit log: its rows name no org unit, so only the deployment's admins read it (docs/audit.md)
    _REGISTRY + "ListAuditEvents": rule({Role.ADMIN}, DEPLOYMENT),
    # ---- reports (周报, 年报)
    _REPORTS + "GetWeeklyReport": rule(_READERS, "request.org_unit_id"),
    _REPORTS + "ExportWeeklyReports": rule(_READERS, "request.org_unit_id"),
    _REPORTS + "ExportYearlyServiceReports": rule(_READERS, "request.org_unit_id"),
    _REPORTS + "ProduceWeeklyReports": rule(STAFF, "request.org_unit_id"),
    _REPORTS + "ProduceYearlyServiceReports": rule(STAFF, "request.org_unit_id"),
    _REPORTS + "GetYearlyServiceReport": rule(
        ANYONE, "the member's residence (a team volunteer: their team's unit)", _MEMBER_OWN
    ),
    _REPORTS + "ScheduleReports": rule(STAFF, "request.org_unit_id"),
    _REPORTS + "StoreWeeklyReport": rule(WORKER, "request.report.org_unit_id"),
    _REPORTS + "StoreYearlyServiceReports": rule(WORKER, DEPLOYMENT),
    # ---- care pairs (结对帮扶): the unit's office pairs and ends; a carer reads and records their own visits
    _CARE + "CreateCarePair": rule(_OFFICES, "request.unit_id"),
    _CARE + "GetCarePair": rule(ANYONE, "the care pair's unit", _CARER),
    _CARE + "ListCarePairs": rule(
        ANYONE, "request.org_unit_id", "only the pairs they are a carer of (carer_member_id)"
    ),
    _CARE + "RecordVisit": rule(
        STAFF | {Role.MEMBER}, "the care pair's unit", "only their own visit, as a carer of the pair"
    ),
    _CARE + "ListVisits": rule(ANYONE, "the care pair's unit", _CARER),
    _CARE + "ChangeCarers": rule(STAFF, "the care pair's unit"),
    _CARE + "EndCarePair": rule(_OFFICES, "the care pair's unit"),
    _CARE + "RevealCarePairResident": rule(STAFF, "the care pair's unit"),
    _CARE + "GetCareStats": rule(_READERS, "request.org_unit_id"),
    _CARE + "RecordCareMiss": rule(WORKER, "the care pair's unit"),
    # ---- calling systems' credentials: the deployment's admins issue them; every service reads the revoked ones
    _SYSTEMS + "IssueCredential": rule({Role.ADMIN}, DEPLOYMENT),
    _SYSTEMS + "GetCredential": rule({Role.ADMIN}, DEPLOYMENT),
    _SYSTEMS + "ListCredentials": rule({Role.ADMIN}, DEPLOYMENT),
    _SYSTEMS + "RotateCredential": rule({Role.ADMIN}, DEPLOYMENT),
    _SYSTEMS + "RevokeCredential": rule({Role.ADMIN}, DEPLOYMENT),
    _SYSTEMS + "SyncCredentials": rule(WORKER, DEPLOYMENT),
    # A front end (a calling system whose credential names it) obtains its users' tokens within its scope.
    _SYSTEMS + "IssueUserToken": rule({Role.SYSTEM}, "request.scope_org_unit_id (a member: their residence)"),
}
