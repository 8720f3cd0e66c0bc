"""The rules of ImportOrgTree, with no I/O: which rows of a file are new, which are there already, and which are
wrong, each by its line and field.

Everything is matched by name below the root (sibling names are unique in the tree, as are a unit's party
organisations and teams), so the same file sent twice finds everything the first made and plans nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from linli.registry.v1 import registry_pb2 as pb

from services.registry import domain
from services.runtime.errors import InvalidArgument, InvalidRows

MAX_ROWS = 20_000
MAX_DEPTH = 7  # province → building
Path = tuple[str, ...]


@dataclass(frozen=True)
class ExistingUnit:
    id: int
    kind: str
    closed: bool


@dataclass
class Tree:
    """What the tree holds below the root now, by paths of names relative to it."""

    root_kind: str | None  # None: the paths start at the deployment's roots
    units: dict[Path, ExistingUnit] = field(default_factory=dict)
    party_orgs: dict[tuple[Path, str], str] = field(default_factory=dict)  # (unit, name) → kind, not dissolved
    teams: dict[tuple[Path, str], str] = field(default_factory=dict)  # (unit, name) → kind


@dataclass
class Plan:
    units: list[tuple[Path, str]] = field(default_factory=list)  # parents before children
    party_orgs: list[tuple[Path, str, str, str]] = field(default_factory=list)  # unit, kind, name, focus
    teams: list[tuple[Path, str, str, str]] = field(default_factory=list)  # unit, kind, custom kind, name
    units_unchanged: int = 0
    party_orgs_unchanged: int = 0
    teams_unchanged: int = 0


class _Violations:
    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def add(self, prefix: str, line: int, index: int, name: str, reason: str) -> None:
        where = f"line {line}" if line > 0 else f"row {index + 1}"
        self.found.append((f"{prefix}[{index}].{name}", f"{where}: {reason}"))


def _path(raw: Iterable[str]) -> tuple[Path, str | None]:
    """The path with its names trimmed, or a reason it is not one."""
    names = tuple(name.strip() for name in raw)
    if len(names) > MAX_DEPTH:
        return names, f"is {len(names)} levels deep; the tree has {MAX_DEPTH}"
    for name in names:
        if not name:
            return names, "has an empty name"
        if len(name) > domain.MAX_NAME:
            return names, f"has a name longer than {domain.MAX_NAME} characters"
        if any(ord(c) < 32 for c in name):
            return names, "has a name with control characters"
    return names, None


def _enum(names: dict[int, str], number: int) -> str | None:
    return names.get(number) if number else None


def _text(value: str, max_length: int) -> str | None:
    text = value.strip()
    return text if len(text) <= max_length else None


def plan_import(request: pb.ImportOrgTreeRequest, tree: Tree) -> Plan:
    """What to create for `request` on `tree`; raises InvalidRows naming every bad row's line and field."""
    rows = len(request.units) + len(request.party_organisations) + len(request.teams)
    if rows == 0:
        raise InvalidArgument("nothing to import: no units, party organisations or teams", "units")
    if rows > MAX_ROWS:
        raise InvalidArgument(f"{rows} rows; at most {MAX_ROWS} in one import", "units")
    bad = _Violations()
    plan = Plan()
    kinds: dict[Path, str | None] = {(): tree.root_kind}  # every unit a row may name: the tree's and the file's
    kinds.update({p: u.kind for p, u in tree.units.items()})
    seen: dict[Path, int] = {}
    for i, row in enumerate(request.units):
        path, problem = _path(row.path)
        kind = _enum(domain.ORG_KINDS, row.kind)
        if problem or not path:
            bad.add("units", row.line, i, "path", problem or "is empty")
        elif path in seen:
            bad.add("units", row.line, i, "path", f"names the same unit as line {seen[path]}")
        elif kind is None:
            bad.add("units", row.line, i, "kind", "must be one of the org tree's levels")
        else:
            seen[path] = row.line
            existing = tree.units.get(path)
            if existing and existing.kind != kind:
                bad.add("units", row.line, i, "kind", f"{'/'.join(path)} is a {existing.kind} already")
            elif existing and existing.closed:
                bad.add("units", row.line, i, "path", f"{'/'.join(path)} is closed")
            elif existing:
                plan.units_unchanged += 1
            else:
                kinds[path] = kind
                plan.units.append((path, kind))
    new = {p for p, _ in plan.units}
    for i, row in enumerate(request.units):
        path = tuple(name.strip() for name in row.path)
        if path not in new:
            continue
        parent = path[:-1]
        closed = tree.units.get(parent)
        if parent not in kinds:
            bad.add(
                "units",
                row.line,
                i,
                "path",
                f"nothing above it: {'/'.join(parent)} is neither in the file nor the tree",
            )
        elif closed is not None and closed.closed:
            bad.add("units", row.line, i, "path", f"{'/'.join(parent)} is closed")
        elif kinds[parent] not in domain.ALLOWED_PARENTS[kinds[path] or ""]:
            above = kinds[parent] or "nothing (a root)"
            bad.add("units", row.line, i, "kind", f"a {kinds[path]} cannot hang under {above}")
    plan.units.sort(key=lambda unit: len(unit[0]))
    _plan_party_orgs(request, tree, kinds, plan, bad)
    _plan_teams(request, tree, kinds, plan, bad)
    if bad.found:
        raise InvalidRows(bad.found)
    return plan


def _unit_of(raw: Iterable[str], kinds: dict[Path, str | None]) -> tuple[Path, str | None, str | None]:
    """The unit a party organisation or team row names, its kind, or a reason it names none."""
    path, problem = _path(raw)
    if problem:
        return path, None, problem
    if kinds.get(path) is None:
        return path, None, f"names no unit in the file or the tree: {'/'.join(path) or '(the root)'}"
    return path, kinds[path], None


def _plan_party_orgs(
    request: pb.ImportOrgTreeRequest, tree: Tree, kinds: dict[Path, str | None], plan: Plan, bad: _Violations
) -> None:
    seen: dict[tuple[Path, str], int] = {}
    standing: set[tuple[Path, str]] = {(p, k) for (p, _), k in tree.party_orgs.items()}
    for i, row in enumerate(request.party_organisations):
        kind = _enum(domain.PARTY_ORG_KINDS, row.kind)
        name = _text(row.name, domain.MAX_NAME)
        focus = _text(row.focus, domain.MAX_CATEGORY)
        path, unit_kind, problem = _unit_of(row.unit_path, kinds)
        if kind is None:
            bad.add("party_organisations", row.line, i, "kind", "must be a kind of party organisation")
        elif not name:
            bad.add("party_organisations", row.line, i, "name", f"must be 1 to {domain.MAX_NAME} characters")
        elif focus is None:
            bad.add("party_organisations", row.line, i, "focus", f"is longer than {domain.MAX_CATEGORY} characters")
        elif problem or unit_kind is None:
            bad.add("party_organisations", row.line, i, "unit_path", problem or "names no unit")
        elif (path, name) in seen:
            bad.add("party_organisations", row.line, i, "name", f"the same as line {seen[(path, name)]}")
        else:
            seen[(path, name)] = row.line
            try:
                domain.check_party_organisation(kind, unit_kind, focus)
            except InvalidArgument as error:
                field_name = "unit_path" if error.field == "org_unit_id" else "focus"
                bad.add("party_organisations", row.line, i, field_name, error.message)
                continue
            existing = tree.party_orgs.get((path, name))
            if existing == kind:
                plan.party_orgs_unchanged += 1
            elif existing is not None:
                bad.add("party_organisations", row.line, i, "kind", f"{name} is a {existing} already")
            elif kind not in domain.PARTY_ORGS_WITH_FOCUS and (path, kind) in standing:
                bad.add("party_organisations", row.line, i, "kind", f"the unit has a {kind} already")
            else:
                standing.add((path, kind))
                plan.party_orgs.append((path, kind, name, focus))


def _plan_teams(
    request: pb.ImportOrgTreeRequest, tree: Tree, kinds: dict[Path, str | None], plan: Plan, bad: _Violations
) -> None:
    seen: dict[tuple[Path, str], int] = {}
    for i, row in enumerate(request.teams):
        kind = _enum(domain.TEAM_KINDS, row.kind)
        name = _text(row.name, domain.MAX_NAME)
        custom = _text(row.custom_kind, domain.MAX_CATEGORY)
        path, unit_kind, problem = _unit_of(row.unit_path, kinds)
        if kind is None:
            bad.add("teams", row.line, i, "kind", "must be a kind of team")
        elif not name:
            bad.add("teams", row.line, i, "name", f"must be 1 to {domain.MAX_NAME} characters")
        elif custom is None or (kind == "custom") != bool(custom):
            bad.add("teams", row.line, i, "custom_kind", "names the kind of a custom team, and only of one")
        elif problem or unit_kind is None:
            bad.add("teams", row.line, i, "unit_path", problem or "names no unit")
        elif unit_kind not in domain.TEAM_UNIT_KINDS:
            bad.add("teams", row.line, i, "unit_path", f"must be a street or community, not a {unit_kind}")
        elif (path, name) in seen:
            bad.add("teams", row.line, i, "name", f"the same as line {seen[(path, name)]}")
        else:
            seen[(path, name)] = row.line
            existing = tree.teams.get((path, name))
            if existing == kind:
                plan.teams_unchanged += 1
            elif existing is not None:
                bad.add("teams", row.line, i, "kind", f"{name} is a {existing} team already")
            else:
                plan.teams.append((path, kind, custom, name))
