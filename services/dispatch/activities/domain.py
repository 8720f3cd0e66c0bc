"""Activity rules with no I/O: states, which step may start from which state, field limits, the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from linli.dispatch.v1 import activities_pb2 as pb
from linli.registry.v1 import registry_pb2

from services.runtime.enums import names_of

STATES, STATE_NUMBERS = names_of(pb.ActivityState)
KINDS, KIND_NUMBERS = names_of(pb.ActivityKind)
NOTICE_KINDS, NOTICE_KIND_NUMBERS = names_of(pb.ActivityNoticeKind)
SIGN_UP_STATUS_NUMBERS = names_of(pb.SignUpStatus).numbers


@dataclass(frozen=True)
class Move:
    """A move of the activity from one of `from_states` to `to_state`."""

    name: str
    from_states: frozenset[str]
    to_state: str


APPROVE = Move("approve", frozenset({"proposed"}), "approved")  # 审批
REJECT = Move("reject", frozenset({"proposed"}), "rejected")
PUBLISH = Move("publish", frozenset({"approved"}), "published")  # 发布
CLOSE_SIGNUPS = Move("close sign-ups of", frozenset({"published"}), "signups_closed")
START = Move("start", frozenset({"published", "signups_closed"}), "in_progress")
CLOSE_OUT = Move("close out", frozenset({"in_progress"}), "closed")  # 总结
EXPIRE = Move("expire", frozenset({"proposed"}), "expired")
CANCEL = Move(
    "cancel",
    frozenset({"proposed", "approved", "published", "signups_closed", "in_progress"}),
    "cancelled",
)


# What a move records besides its state: one dataclass per kind, mapped to columns in one place (the store's
# _columns), so a misspelt field is a type error rather than SQL. The close-out's summary and attendance the store
# works out itself, in the close-out's transaction.
@dataclass(frozen=True)
class Rejection:
    reason: str


@dataclass(frozen=True)
class Cancellation:
    reason: str


ActivityChange = Rejection | Cancellation

STEPS: dict[int, Move] = {
    pb.ACTIVITY_STEP_PUBLISH: PUBLISH,
    pb.ACTIVITY_STEP_CLOSE_SIGNUPS: CLOSE_SIGNUPS,
    pb.ACTIVITY_STEP_START: START,
    pb.ACTIVITY_STEP_CLOSE_OUT: CLOSE_OUT,
    pb.ACTIVITY_STEP_EXPIRE: EXPIRE,
}

# The same steps by the names the workflow uses.
STEPS_BY_NAME: dict[str, Move] = {
    "publish": PUBLISH,
    "close_signups": CLOSE_SIGNUPS,
    "start": START,
    "close_out": CLOSE_OUT,
    "expire": EXPIRE,
}

# States that end the activity's workflow.
FINAL_STATES = frozenset({"rejected", "closed", "cancelled", "expired"})
# Sign-ups are taken while published; withdrawals (and promotions from the waiting list) until the start.
SIGN_UP_STATES = frozenset({"published"})
WITHDRAW_STATES = frozenset({"published", "signups_closed"})
# Check-in opens an hour before the start, whatever the workflow has reached, and closes with the close-out;
# so does check-out (签退).
CHECK_IN_STATES = frozenset({"published", "signups_closed", "in_progress"})
CHECK_IN_OPENS_BEFORE = timedelta(hours=1)

# Notices that may wait for a recipient's daily digest: nothing in them needs doing today. Reminders,
# cancellations, promotions and calls for volunteers always go at once.
DIGEST_KINDS = frozenset({"published", "approval_reminder"})

MAX_TITLE = 200
MAX_PLACE = 200
MAX_REASON = 500
MAX_NOTE = 1000
MAX_ROLE_NAME = 50
MAX_ROLES = 20
MAX_ROLE_COUNT = 200
MAX_CAPACITY = 10_000
MAX_DURATION = timedelta(days=7)
MAX_RESIDENT_REF = 64
MAX_RECIPIENTS = 100
# Recipients of one notice routed at once (RouteNotice): a wish's recommended members and offices.
MAX_ROUTED_RECIPIENTS = 500


@dataclass(frozen=True)
class Role:
    name: str
    needed: int
    skills: tuple[registry_pb2.Skill, ...]
    filled: int = 0
    came: int = 0  # volunteers in the role who checked in
    service_hours: float = 0.0  # recorded to them at close-out


@dataclass(frozen=True)
class Activity:
    id: int
    org_unit_id: int
    org_path: tuple[str, ...]  # ancestors and the organising unit, root first
    title: str
    kind: str
    place: str
    start_time: datetime
    end_time: datetime
    signup_deadline: datetime
    capacity: int
    state: str
    reject_reason: str
    cancel_reason: str
    summary: str
    recurring_activity_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int
    roles: tuple[Role, ...] = ()
    participants: int = 0
    waitlisted: int = 0
    checked_in: int = 0

    @property
    def hours(self) -> float:
        """The length of the activity in hours: the most a volunteer is credited with."""
        return round((self.end_time - self.start_time).total_seconds() / 3600, 2)


@dataclass(frozen=True)
class SignUp:
    id: int
    activity_id: int
    member_id: int | None
    resident_ref: str | None
    role: str
    status: str
    waitlist_position: int
    signed_up_at: datetime
    checked_in_at: datetime | None
    checked_out_at: datetime | None = None
    service_hours: float | None = None  # set at close-out for a volunteer who came
    # A team volunteer who is not a member (志愿服务队), in a volunteer role: ids as the registry gives them.
    team_id: int | None = None
    team_member_id: int | None = None

    @property
    def recipient(self) -> str:
        return recipient_of(self.member_id, self.resident_ref, self.team_member_id)


@dataclass(frozen=True)
class Signer:
    """Who a sign-up is for: exactly one of a member, a resident (the front end's reference) and a team volunteer
    (with their team)."""

    member_id: int | None = None
    resident_ref: str | None = None
    team_id: int | None = None
    team_member_id: int | None = None

    @property
    def field(self) -> str:
        """The request's field that names them."""
        if self.member_id is not None:
            return "member_id"
        return "team_member_id" if self.team_member_id is not None else "resident_ref"


def recipient_of(member_id: int | None, resident_ref: str | None, team_member_id: int | None = None) -> str:
    """How a notice names a signed-up person: ids only, for the gateway to reach (a team volunteer as alerts call
    them)."""
    if member_id is not None:
        return f"member:{member_id}"
    if team_member_id is not None:
        return f"volunteer:{team_member_id}"
    return f"resident:{resident_ref}"


@dataclass(frozen=True)
class Event:
    id: int
    activity_id: int
    version: int
    kind: str
    state: str
    notice_kind: str
    actor: str
    note: str
    at: datetime
    recipients: tuple[str, ...] = field(default_factory=tuple)
    # Notices: when every recipient had it (delivered or refused for good), and how many were delivered, refused.
    sent_at: datetime | None = None
    delivered: int = 0
    failed: int = 0


def check_recipient(raw: str) -> str | None:
    """A notice recipient as written ("member:<id>", "resident:<ref>", "org:<id>"), or None when malformed."""
    kind, _, ref = raw.strip().partition(":")
    if kind in ("member", "org") and ref.isdigit() and len(ref) <= 19:
        return f"{kind}:{int(ref)}"
    if kind == "resident" and 0 < len(ref) <= MAX_RESIDENT_REF and ref.strip() == ref:
        return f"resident:{ref}"
    return None


def check_times(start: datetime, end: datetime, deadline: datetime) -> tuple[str, str] | None:
    """(field, message) for the first thing wrong with an activity's times, or None."""
    if end <= start:
        return "end_time", "must be after start_time"
    if end - start > MAX_DURATION:
        return "end_time", "must be at most 7 days after start_time"
    if deadline > start:
        return "signup_deadline", "must not be after start_time"
    return None


def volunteer_hours(start: datetime, end: datetime, checked_in: datetime, checked_out: datetime | None) -> float:
    """Hours credited to a volunteer who came: check-in to check-out, within the activity's time (an early arrival
    counts from the start, a late stay to the end). Without a check-out they are taken to have stayed to the end.
    In quarter hours, rounded up, at least one quarter: someone who came did some work."""
    served = (min(checked_out or end, end) - max(checked_in, start)).total_seconds()
    quarters = max(1, -(-int(max(served, 0)) // 900))
    return min(quarters * 0.25, round((end - start).total_seconds() / 3600, 2))


@dataclass(frozen=True)
class RoleAttendance:
    """At close-out: a volunteer role's confirmed volunteers, who came, and the hours recorded to them."""

    name: str
    signed: int
    came: int
    hours: float


def summary(activity: Activity, signed_up: int, came: int, roles: list[RoleAttendance]) -> str:
    """The close-out summary (总结): attendance of participants, and of volunteers per role with their hours."""
    rate = f"{round(100 * came / signed_up)}%" if signed_up else "n/a"
    text = f"{activity.title} at {activity.place}: {came} of {signed_up} signed-up participants came ({rate})"
    if roles:
        signed = sum(r.signed for r in roles)
        volunteers_came = sum(r.came for r in roles)
        hours = sum(r.hours for r in roles)
        per_role = ", ".join(f"{r.name} {r.came} of {r.signed}, {r.hours:g} h" for r in roles)
        text += f"; {volunteers_came} of {signed} volunteers came, {hours:g} h recorded ({per_role})"
    return text
