"""How ActivityService's objects read on the wire, and the request fields more than one call checks."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import activities_pb2 as pb
from linli.registry.v1 import registry_pb2

from services.dispatch.activities import domain
from services.dispatch.activities.digest_store import Digest
from services.dispatch.activities.domain import Activity, Event, SignUp
from services.runtime import validate
from services.runtime.convert import to_timestamp
from services.runtime.errors import InvalidArgument


def activity_message(activity: Activity) -> pb.Activity:
    return pb.Activity(
        id=str(activity.id),
        org_unit_id=str(activity.org_unit_id),
        title=activity.title,
        kind=domain.KIND_NUMBERS[activity.kind],
        place=activity.place,
        start_time=to_timestamp(activity.start_time),
        end_time=to_timestamp(activity.end_time),
        signup_deadline=to_timestamp(activity.signup_deadline),
        capacity=activity.capacity,
        roles=[
            pb.ActivityRole(
                name=r.name,
                count=r.needed,
                skills=list(r.skills),
                filled=r.filled,
                came=r.came,
                service_hours=r.service_hours,
            )
            for r in activity.roles
        ],
        state=domain.STATE_NUMBERS[activity.state],
        participants=activity.participants,
        waitlisted=activity.waitlisted,
        checked_in=activity.checked_in,
        reject_reason=activity.reject_reason,
        cancel_reason=activity.cancel_reason,
        summary=activity.summary,
        recurring_activity_id=str(activity.recurring_activity_id or ""),
        create_time=to_timestamp(activity.created_at),
        update_time=to_timestamp(activity.updated_at),
        version=activity.version,
    )


def sign_up_message(sign_up: SignUp) -> pb.ActivitySignUp:
    return pb.ActivitySignUp(
        id=str(sign_up.id),
        activity_id=str(sign_up.activity_id),
        member_id=str(sign_up.member_id) if sign_up.member_id is not None else "",
        resident_ref=sign_up.resident_ref or "",
        role=sign_up.role,
        status=domain.SIGN_UP_STATUS_NUMBERS[sign_up.status],
        waitlist_position=sign_up.waitlist_position,
        sign_up_time=to_timestamp(sign_up.signed_up_at),
        check_in_time=to_timestamp(sign_up.checked_in_at),
        check_out_time=to_timestamp(sign_up.checked_out_at),
        service_hours=sign_up.service_hours or 0.0,
        team_id=str(sign_up.team_id) if sign_up.team_id is not None else "",
        team_member_id=str(sign_up.team_member_id) if sign_up.team_member_id is not None else "",
    )


def event_message(event: Event) -> pb.ActivityEvent:
    transition = event.kind == "transition"
    return pb.ActivityEvent(
        sequence=event.id,
        kind=pb.ACTIVITY_EVENT_KIND_TRANSITION if transition else pb.ACTIVITY_EVENT_KIND_NOTICE,
        state=domain.STATE_NUMBERS[event.state],
        notice_kind=pb.ACTIVITY_NOTICE_KIND_UNSPECIFIED
        if transition
        else domain.NOTICE_KIND_NUMBERS[event.notice_kind],
        actor=event.actor,
        note=event.note,
        recipients=list(event.recipients),
        time=to_timestamp(event.at),
        sent_time=to_timestamp(event.sent_at),
        delivered=event.delivered,
        failed=event.failed,
    )


def required_time(field: str, value: Timestamp) -> datetime:
    if value.seconds == 0 and value.nanos == 0:
        raise InvalidArgument("is required", field)
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidArgument("is not a valid time", field) from exc


def read_roles(roles: list[pb.ActivityRole], prefix: str = "roles") -> tuple[domain.Role, ...]:
    if len(roles) > domain.MAX_ROLES:
        raise InvalidArgument(f"at most {domain.MAX_ROLES} roles", prefix)
    checked: list[domain.Role] = []
    for i, role in enumerate(roles):
        name = validate.text(f"{prefix}[{i}].name", role.name, max_length=domain.MAX_ROLE_NAME)
        if any(r.name == name for r in checked):
            raise InvalidArgument(f"role '{name}' is given twice", f"{prefix}[{i}].name")
        if not 1 <= role.count <= domain.MAX_ROLE_COUNT:
            raise InvalidArgument(f"must be between 1 and {domain.MAX_ROLE_COUNT}", f"{prefix}[{i}].count")
        skills = tuple(
            validate.enum(f"{prefix}[{i}].skills[{j}]", s, registry_pb2.Skill) for j, s in enumerate(role.skills)
        )
        checked.append(domain.Role(name, role.count, skills))
    return tuple(checked)


def digest_message(recipient: str, digest: Digest) -> pb.NoticeDigest:
    return pb.NoticeDigest(
        recipient=recipient,
        items=[
            pb.DigestItem(
                delivery_id=i.delivery_id,
                activity_id=str(i.activity_id),
                org_unit_id=str(i.org_unit_id),
                title=i.title,
                place=i.place,
                start_time=to_timestamp(i.start_time),
                notice_kind=domain.NOTICE_KIND_NUMBERS[i.notice_kind],
                note=i.note,
            )
            for i in digest.items
        ],
        held=[
            pb.HeldNotice(held_id=h.held_id, purpose=h.purpose, text=h.text, held_at=to_timestamp(h.held_at))
            for h in digest.held
        ],
    )


ROUTE_NUMBERS = {"send": pb.NOTICE_ROUTE_SEND, "held": pb.NOTICE_ROUTE_HELD, "capped": pb.NOTICE_ROUTE_CAPPED}


def routes_message(routes: dict[str, str]) -> pb.RouteNoticeResponse:
    return pb.RouteNoticeResponse(
        routes=[pb.RecipientRoute(recipient=r, route=ROUTE_NUMBERS[route]) for r, route in routes.items()]
    )
