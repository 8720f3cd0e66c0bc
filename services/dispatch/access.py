"""Who may call each method of the dispatch service: its part of the authorisation table (services/runtime/access.py).

Scopes are checked against the org tree as it is now (OrgDirectory), never against a path stored with an alert,
activity or recurring activity on the day it was made. What is public, and why:

- a published activity (from publication on) is readable by any member: it is on the community's notice board,
  and members sign themselves up to it wherever they live;
- the worker's own steps (call lists, timeline steps, activity steps, notice deliveries, digests) are for linli's
  worker only, deployment-wide, so no org unit is checked.

A notice preference belongs to its recipient, and its scope is the recipient's org unit: a member's community
(as registered now), an org unit itself, or — residents being known only by the sign-ups front ends made for
them — an activity a resident signed up to.
"""

from __future__ import annotations

from linli.dispatch.v1 import activities_pb2, dispatch_pb2

from services.runtime.access import ANYONE, DEPLOYMENT, PUBLIC, STAFF, WORKER, Rule, rule
from services.runtime.auth import Role

_DISPATCH = dispatch_pb2.DESCRIPTOR.services_by_name["DispatchService"].full_name
_ACTIVITIES = activities_pb2.DESCRIPTOR.services_by_name["ActivityService"].full_name

ADMIN, MEMBER, SYSTEM, SERVICE = Role.ADMIN, Role.MEMBER, Role.SYSTEM, Role.SERVICE

_DISPATCH_RULES: dict[str, Rule] = {
    # Matching
    "RecommendClaimants": rule({*STAFF, SERVICE}, "the wish's community"),
    "RecommendVolunteers": rule({*STAFF, SERVICE}, "the community or street"),
    # Duty rosters (值班表) and absences (请假)
    "SetDutyRoster": rule(STAFF, "the community"),
    "SetWeeklyDutyPattern": rule(STAFF, "the community"),
    "SwapDuty": rule(STAFF, "the community"),
    "GetDutyRoster": rule(ANYONE, "the community", members="their own community's"),
    "GetOnDuty": rule(ANYONE, "the community", members="their own community's"),
    "GetDutyGaps": rule(ANYONE, "the community", members="their own community's"),
    "ListUncoveredDutyDays": rule({*STAFF, SYSTEM, SERVICE}, "the org unit"),
    "DeclareUnavailability": rule({*STAFF, MEMBER}, "the community", members="only their own, in their community"),
    "WithdrawUnavailability": rule({*STAFF, MEMBER}, "the absence's community", members="only their own"),
    "ListUnavailability": rule(ANYONE, "the community", members="only their own, in their community"),
    # Emergency alerts
    "RaiseAlert": rule({*STAFF, SYSTEM}, "the alert's unit"),
    "AcknowledgeAlert": rule(
        {*STAFF, SYSTEM, MEMBER},
        "the alert's unit",
        members="only for themselves, once called to the alert (or on duty when it was raised)",
    ),
    "ArriveAlert": rule({*STAFF, SYSTEM, MEMBER}, "the alert's unit", members="only the one who acknowledged it"),
    "ResolveAlert": rule({*STAFF, SYSTEM, MEMBER}, "the alert's unit", members="only the one who acknowledged it"),
    "CancelAlert": rule({*STAFF, SYSTEM, MEMBER}, "the alert's unit", members="only the one who acknowledged it"),
    "GetAlert": rule(
        ANYONE,
        "the alert's unit",
        members="alerts they were called to or answered; the address (audited) while it waits for an answer, then "
        "only to its responder, until 24 h after it closed",
    ),
    "GetAlertStats": rule({*STAFF, SYSTEM, SERVICE}, "the org unit"),
    "GetAlertCallList": rule(WORKER, PUBLIC),
    "RecordAlertEvent": rule(WORKER, PUBLIC),
    # The retention Schedule's batches (workflows/retention.py): the worker only, over the whole deployment.
    "EraseExpiredPersonalData": rule(WORKER, DEPLOYMENT),
    # The audit log of the whole dispatch schema (alerts, duty and activities alike); its rows name no org unit, so
    # the deployment's admins read it (docs/audit.md).
    "ListAuditEvents": rule({Role.ADMIN}, DEPLOYMENT),
}

_ACTIVITY_RULES: dict[str, Rule] = {
    "ProposeActivity": rule({*STAFF, SERVICE}, "the organising community or street"),
    "GetActivity": rule(ANYONE, "the activity's organising unit", members="published activities, anywhere"),
    # The parent org decides (上级审批): the caller's scope must cover the unit above the organising one.
    "ReviewActivity": rule(STAFF, "the org above the activity's organising unit"),
    "CancelActivity": rule({*STAFF, SERVICE}, "the activity's organising unit"),
    "SignUp": rule(ANYONE, "the activity's organising unit", members="only themselves, anywhere"),
    "CancelSignUp": rule(ANYONE, "the activity's organising unit", members="only their own sign-up, anywhere"),
    "CheckIn": rule({*STAFF, SERVICE}, "the activity's organising unit"),
    "CheckOut": rule({*STAFF, SERVICE}, "the activity's organising unit"),
    "ListSignUps": rule({*STAFF, SERVICE}, "the activity's organising unit"),
    "GetActivityHistory": rule({*STAFF, SERVICE}, "the activity's organising unit"),
    "AdvanceActivity": rule(WORKER, PUBLIC),
    "NotifyParticipants": rule(WORKER, PUBLIC),
    "GetNoticeDelivery": rule(WORKER, PUBLIC),
    "RecordNoticeDelivery": rule(WORKER, PUBLIC),
    "SetNoticePreference": rule(
        {ADMIN, SYSTEM, MEMBER, SERVICE},
        "the recipient's org unit (a member's community, the org unit, a resident's activities)",
        members="only their own",
    ),
    "GetNoticeDigests": rule(WORKER, PUBLIC),
    "RecordDigestDelivery": rule(WORKER, PUBLIC),
    "RouteNotice": rule(WORKER, PUBLIC),
    "GetActivityStats": rule({*STAFF, SERVICE}, "the org unit"),
    "CreateRecurringActivity": rule(STAFF, "the template's organising community or street"),
    "GetRecurringActivity": rule({*STAFF, SERVICE}, "the recurring activity's organising unit"),
    "SetRecurringActivityPaused": rule(STAFF, "the recurring activity's organising unit"),
    "ListRecurringActivities": rule({*STAFF, SERVICE}, "the org unit"),
    "UpdateRecurringActivity": rule(
        STAFF, "the recurring activity's organising unit, and the new template's community or street"
    ),
    "DeleteRecurringActivity": rule(STAFF, "the recurring activity's organising unit"),
}

RULES: dict[str, Rule] = {
    **{f"{_DISPATCH}/{method}": r for method, r in _DISPATCH_RULES.items()},
    **{f"{_ACTIVITIES}/{method}": r for method, r in _ACTIVITY_RULES.items()},
}
