"""Who may call what: every method's authorisation is decided by one table, and enforced in one place.

Each service states a `Rule` for each of its methods (`services/<service>/access.py`); together they are the
table in docs/authorisation.md. The call interceptor enforces the table:

- a method with no rule is refused (deny by default), and so is a role its rule does not name — before the
  handler runs, with PERMISSION_DENIED naming the method;
- a rule with a scope says which object's org unit the caller's scope must cover ("the wish's community"): the
  handler finds that object and calls `require_scope` (or, for a member acting for themselves, `require_self`),
  and the interceptor refuses to answer a scoped call whose handler never checked (INTERNAL: a bug, logged).

Scope follows the org tree as it is now: a unit's ancestors are read from the registry at the time of the call,
never from a path stored with the object on the day it was made.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role
from services.runtime.errors import PermissionDenied

PUBLIC = "public"  # any caller of the rule's roles; no org unit is checked (the names of the org tree, the wall)
DEPLOYMENT = "the whole deployment"  # only a caller whose scope is the whole deployment ("*")

ANYONE = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.STAFF})
WORKER = frozenset({Role.SERVICE})  # linli's own services and the workflow worker


@dataclass(frozen=True)
class Rule:
    """Who may call a method, and whose org unit their scope must cover."""

    roles: frozenset[Role]
    scope: str  # the object whose org unit is checked, in words ("the wish's community"), or PUBLIC
    members: str = ""  # what a member may do, when members may call it ("only for themselves")

    def __post_init__(self) -> None:
        if Role.MEMBER in self.roles and self.scope != PUBLIC and not self.members:
            raise ValueError("a rule that lets members call a scoped method says what they may do")

    @property
    def scoped(self) -> bool:
        return self.scope != PUBLIC


def rule(roles: Iterable[Role], scope: str, members: str = "") -> Rule:
    return Rule(frozenset(roles), scope, members)


def method_name(full_method: str) -> str:
    """'/linli.wishes.v1.WishService/ClaimWish' -> 'linli.wishes.v1.WishService/ClaimWish' (the table's key)."""
    return full_method.lstrip("/")


class _Checks:
    """What the handler of one call checked: whether its caller's scope (or self) was checked."""

    __slots__ = ("scope_checked",)

    def __init__(self) -> None:
        self.scope_checked = False


_checks: contextvars.ContextVar[_Checks] = contextvars.ContextVar("linli_access_checks")


def begin_call() -> contextvars.Token[_Checks]:
    return _checks.set(_Checks())


def end_call(token: contextvars.Token[_Checks]) -> None:
    _checks.reset(token)


def scope_was_checked() -> bool:
    checks = _checks.get(None)
    return checks is not None and checks.scope_checked


def _mark_checked() -> None:
    checks = _checks.get(None)
    if checks is not None:
        checks.scope_checked = True


def covers(caller: Caller, unit_id: str, ancestor_ids: Iterable[str]) -> bool:
    """True when the unit (given with its ancestors as the tree has them now) lies in the caller's scope. Asking
    counts as the call's scope check: a handler that filters what it returns by it has checked."""
    _mark_checked()
    return caller.covers(unit_id, ancestor_ids)


def require_scope(caller: Caller, unit_id: str, ancestor_ids: Iterable[str], what: str = "org unit") -> None:
    """PERMISSION_DENIED naming the unit unless it lies in the caller's scope."""
    if not covers(caller, unit_id, ancestor_ids):
        raise PermissionDenied(f"{what} {unit_id} is outside the caller's scope ({caller.scope})")


def require_self(caller: Caller, member_id: int | str, field: str, what: str = "act only for themselves") -> None:
    """A member acting for themselves: the member named must be the caller."""
    _mark_checked()
    if caller.role == Role.MEMBER and str(member_id) != caller.subject:
        raise PermissionDenied(f"a member may {what}", field)


def require_whole_deployment(caller: Caller, what: str) -> None:
    """Only a caller whose scope is the whole deployment ("*") may do this (rotate keys, create a root unit)."""
    _mark_checked()
    if caller.scope != WHOLE_DEPLOYMENT:
        raise PermissionDenied(f"only a deployment-wide caller may {what} (the caller's scope is {caller.scope})")


def checked_otherwise() -> None:
    """For a handler whose rule is met by a check of its own kind (the claimant of the wish, a member's own
    notice preference): say so, so the interceptor knows the call was decided."""
    _mark_checked()


def require_role(caller: Caller, rule_: Rule, method: str) -> None:
    if caller.role not in rule_.roles:
        allowed = ", ".join(sorted(r.value for r in rule_.roles))
        raise PermissionDenied(f"role '{caller.role.value}' may not call {method} (it needs one of: {allowed})")


def rule_for(table: Mapping[str, Rule], full_method: str) -> Rule:
    found = table.get(method_name(full_method))
    if found is None:
        raise PermissionDenied(f"{method_name(full_method)} has no authorisation rule, so nobody may call it")
    return found
