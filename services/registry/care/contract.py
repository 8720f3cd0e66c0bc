"""The contract between CarePairService and its CarePair workflow (workflows/care_pair.py), agreed in one place as
services/wishes/contract.py explains: the registered type name, the workflow id, the signal and query names and the
dataclasses that cross. The service starts and signals the workflow by these strings and never imports workflows/;
the workflow imports this module. The dataclasses travel as JSON in histories: add fields with defaults, never
rename or remove one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WORKFLOW = "CarePair"
CHANGED_SIGNAL = "changed"  # a committed change of the pair (CareChange), relayed from the outbox
STATUS_QUERY = "status"  # -> CarePairStatus


def workflow_id(pair_id: str) -> str:
    return f"care-pair-{pair_id}"


@dataclass
class CareTimings:
    """How long after a missed visit's reminder to the carers the unit's office is told, and how long a history
    grows before the workflow continues as new (a pair may last years)."""

    grace_seconds: float = 86400.0
    history_limit: int = 10_000


@dataclass
class CareClock:
    """What the workflow carries across continue-as-new: the pair as last heard of and what it already did."""

    version: int = 0
    state: str = ""
    cadence_days: int = 0
    started_at: float = 0.0
    last_visit_id: str = "0"
    last_visit_at: float = 0.0
    reminded: int = 0  # cadence periods after the last visit whose carers were reminded
    escalated: int = 0  # ... whose office was told


@dataclass
class CarePairInput:
    pair_id: str
    unit_id: str
    timings: CareTimings = field(default_factory=CareTimings)
    clock: CareClock | None = None  # set only when the workflow continues as new


@dataclass
class CareChange:
    """A committed change, as the outbox relays it. Times are seconds since the epoch."""

    version: int
    state: str
    cadence_days: int
    started_at: float
    last_visit_id: str = "0"
    last_visit_at: float = 0.0


@dataclass
class CarePairStatus:
    state: str
    version: int
    next_due: float
    reminded: int
    escalated: int
    steps: list[str] = field(default_factory=list)
