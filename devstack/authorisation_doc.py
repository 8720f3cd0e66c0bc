"""docs/authorisation.md, written from the authorisation table (`./linli gen` writes it; a test checks it)."""

from __future__ import annotations

from pathlib import Path

from services.catalogue import METHODS, full_name, rules
from services.runtime.access import PUBLIC
from services.runtime.auth import Role

DOC = Path(__file__).resolve().parent.parent / "docs" / "authorisation.md"
_ROLE_ORDER = [Role.ADMIN, Role.STAFF, Role.MEMBER, Role.SYSTEM, Role.SERVICE]

_INTRO = """\
# Who may call what

Generated from the authorisation table (`services/*/access.py`) by `./linli gen`; do not edit by hand.

Every method of every service has one rule: the roles that may call it, and the object whose org unit the
caller's scope must cover. The call interceptor refuses any other role before the handler runs
(PERMISSION_DENIED naming the method), refuses every method that has no rule, and refuses to answer a scoped
call whose handler did not check the caller's scope. A scope covers a unit and everything below it, as the org
tree is *now*. `public` means any caller of the roles named, in any scope. The roles: `admin` (platform
operator), `staff` (community or street staff), `member` (a registered member acting for themselves), `system`
(another government system), `service` (linli's own services and its worker, deployment-wide).

A calling system's credential narrows its `system` column further: it may call only the methods its credential
names (PERMISSION_DENIED naming any other), within the credential's scope, under its quota
([calling-systems.md](calling-systems.md)).

"""


def render() -> str:
    table = rules()
    lines = [_INTRO.rstrip("\n")]
    service = ""
    for _, method in METHODS:
        if method.containing_service.full_name != service:
            service = method.containing_service.full_name
            lines += [
                f"\n## {service}\n",
                "| method | " + " | ".join(r.value for r in _ROLE_ORDER) + " | scope checked against | members |",
                "|---|" + "---|" * len(_ROLE_ORDER) + "---|---|",
            ]
        rule = table.get(full_name(method))
        if rule is None:
            lines.append(f"| {method.name} | " + " | " * len(_ROLE_ORDER) + "**no rule: nobody may call it** | |")
            continue
        marks = " | ".join("✓" if role in rule.roles else "" for role in _ROLE_ORDER)
        scope = "public" if rule.scope == PUBLIC else rule.scope
        lines.append(f"| {method.name} | {marks} | {scope} | {rule.members} |")
    return "\n".join(lines) + "\n"


def write() -> Path:
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render())
    return DOC
