"""The rules of service commitments (服务承诺制度), no I/O: what a commitment may hold, and how it stands against
what was done in its year.

A commitment is on track while what was done keeps pace with the share of the year gone by: by 1 July (about half the
year) a member who committed to 12 services has done at least 5 (12 × 0.496, rounded down: a service is whole) and
one who committed to 40 hours at least 19.8 of them. A committed post counts while the member holds it. Done in full
is met at any time; a year over with something not done is missed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from services.runtime.errors import InvalidArgument

MAX_SERVICES = 1000
MAX_HOURS = 2000.0

ON_TRACK = "on_track"
LAGGING = "lagging"
MET = "met"
MISSED = "missed"


@dataclass(frozen=True)
class Commitment:
    member_id: int
    year: int
    post_id: int | None
    post_name: str
    services: int
    hours: float
    set_at: datetime


@dataclass(frozen=True)
class Progress:
    services_done: int
    hours_done: float
    post_held: bool
    year_elapsed: float  # 0 to 1
    standing: str


def check_terms(services: int, hours: float, has_post: bool) -> None:
    """A commitment commits to something, within bounds a year can hold."""
    if not 0 <= services <= MAX_SERVICES:
        raise InvalidArgument(f"must be between 0 and {MAX_SERVICES}", "services")
    if not math.isfinite(hours) or not 0 <= hours <= MAX_HOURS:
        raise InvalidArgument(f"must be between 0 and {MAX_HOURS:g}", "hours")
    if services == 0 and hours == 0 and not has_post:
        raise InvalidArgument("commit to a post, a number of services or hours (at least one)", "services")


def check_year(year: int, current_year: int) -> None:
    """This year's commitment, or next year's made ahead (a member registering in December); never a past year's,
    which would commit to what is already known."""
    if year not in (current_year, current_year + 1):
        raise InvalidArgument(f"must be {current_year} or {current_year + 1}", "year")


def elapsed_share(now: datetime, start: datetime, end: datetime) -> float:
    """The share of [start, end) gone by at `now`, 0 before it and 1 after."""
    if now <= start:
        return 0.0
    if now >= end:
        return 1.0
    return (now - start) / (end - start)


def met(commitment: Commitment, services_done: int, hours_done: float, post_held: bool) -> bool:
    return (
        services_done >= commitment.services
        and hours_done + 1e-9 >= commitment.hours
        and (commitment.post_id is None or post_held)
    )


def progress(commitment: Commitment, services_done: int, hours_done: float, post_held: bool, share: float) -> Progress:
    """How the commitment stands with `share` of its year gone by."""
    if met(commitment, services_done, hours_done, post_held):
        standing = MET
    elif share >= 1.0:
        standing = MISSED
    else:
        due_services = math.floor(commitment.services * share)
        due_hours = math.floor(commitment.hours * share * 10) / 10  # to a tenth of an hour, as hours are recorded
        keeping_pace = (
            services_done >= due_services
            and hours_done + 1e-9 >= due_hours
            and (commitment.post_id is None or post_held)
        )
        standing = ON_TRACK if keeping_pace else LAGGING
    return Progress(services_done, round(hours_done, 2), post_held, round(share, 4), standing)
