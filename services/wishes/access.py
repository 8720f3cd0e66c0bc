"""Who may call each method of the wishes service: its part of the authorisation table (services/runtime/access.py).

What is public: the wish wall (ListWishWall) to any authenticated caller, and to members the wishes on any
community's wall (GetWish) — published and claimed wishes, personal data masked, as the field puts them up for
claiming. Everything else is checked against the wish's community, or the unit asked about, as the org tree is now.
"""

from __future__ import annotations

from services.runtime.access import ANYONE, DEPLOYMENT, PUBLIC, STAFF, WORKER, Rule, rule
from services.runtime.auth import Role

_SERVICE = "linli.wishes.v1.WishService"
_WISH = "the wish's community"
_EACH_WISH = "each wish's community (one outside refuses the whole request)"
_CLAIMANT = "only the wish's claimant"

_READERS = {Role.ADMIN, Role.STAFF, Role.SYSTEM, Role.SERVICE}  # reports and other systems read lists and stats
_STAFF_OR_SYSTEM = {Role.ADMIN, Role.STAFF, Role.SYSTEM}  # systems collect wishes and speak for residents
_STAFF_OR_MEMBER = {Role.ADMIN, Role.STAFF, Role.MEMBER}

RULES: dict[str, Rule] = {
    f"{_SERVICE}/{method}": method_rule
    for method, method_rule in {
        "SubmitWish": rule(_STAFF_OR_SYSTEM, "request.community_id"),
        "GetWish": rule(
            ANYONE,
            _WISH,
            members="wishes on any community's wish wall (published, claimed), and the wishes they hold or take part in",
        ),
        "ReviewWish": rule(STAFF, _WISH),
        "PublishWish": rule(STAFF, _WISH),
        "ClaimWish": rule(
            _STAFF_OR_MEMBER,
            _WISH,
            members="only for themselves (member_id is the caller), in the community they are registered in or one "
            "paired with their workplace",
        ),
        "ReleaseClaim": rule(_STAFF_OR_MEMBER, _WISH, members=_CLAIMANT),
        "ExtendClaim": rule(_STAFF_OR_MEMBER, _WISH, members=_CLAIMANT),
        "FulfilWish": rule(_STAFF_OR_MEMBER, _WISH, members=_CLAIMANT),
        # The resident confirms through staff or a front end; never whoever recorded the fulfilment.
        "ConfirmWish": rule(_STAFF_OR_SYSTEM, _WISH),
        "WithdrawWish": rule(_STAFF_OR_SYSTEM, _WISH),
        "ListWishes": rule(_READERS, "request.org_unit_id"),
        "ListOfficeQueue": rule(STAFF, "request.org_unit_id"),
        "ListWishWall": rule(ANYONE, PUBLIC),
        "GetWishStats": rule(_READERS, "request.org_unit_id"),
        "GetWishHistory": rule(
            ANYONE, _WISH, members="only the history of the wishes they hold or take part in (it names who did what)"
        ),
        "RecordReminder": rule(WORKER, _WISH),
        "ActOnLimit": rule(WORKER, _WISH),
        "CloseWish": rule(STAFF, _WISH),
        "AssignWish": rule(STAFF, _WISH),
        "ClaimWishAsGroup": rule(
            STAFF, _WISH, members="none: staff in scope claim for a group; a member claims alone (ClaimWish)"
        ),
        "ExportWishes": rule(_READERS, "request.org_unit_id"),
        "BulkCloseWishes": rule(STAFF, _EACH_WISH),
        "BulkAssignWishes": rule(STAFF, _EACH_WISH),
        "RevealWishResident": rule(STAFF, _WISH),
        "RotatePersonalDataKeys": rule({Role.ADMIN}, DEPLOYMENT),
        # The retention Schedule's batches (workflows/retention.py): the worker only, over the whole deployment.
        "EraseExpiredPersonalData": rule(WORKER, DEPLOYMENT),
        # Audit rows name no org unit: the deployment's admins read them (docs/audit.md).
        "ListAuditEvents": rule({Role.ADMIN}, DEPLOYMENT),
    }.items()
}
