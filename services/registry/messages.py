"""The registry's protobuf messages from its domain objects, and the small request helpers every handler shares
(page tokens, skills)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from linli.registry.v1 import registry_pb2 as pb

from services.registry import domain
from services.registry.domain import (
    Member,
    OrgUnit,
    Pairing,
    PartyOrganisation,
    ServicePost,
    ServiceRecord,
    ServiceTotal,
    Team,
    TeamMember,
)
from services.runtime import validate
from services.runtime.convert import to_timestamp
from services.runtime.errors import InvalidArgument
from services.runtime.paging import decode_page_token, encode_page_token

T = TypeVar("T")


def after_id_of(token: str, query: dict[str, Any]) -> int:
    """The last id of the previous page (0 for the first page) from a token of `query`."""
    key = decode_page_token(token, query)
    if key is None:
        return 0
    if len(key) != 1 or not isinstance(key[0], int):
        raise InvalidArgument("is not a page token this service issued", "page_token")
    return key[0]


def page_of(
    items: list[T], page_size: int, query: dict[str, Any], key: Callable[[T], list[Any]]
) -> tuple[list[T], str]:
    """The page (items were fetched with one extra to see whether more follow) and the next page's token."""
    if len(items) <= page_size:
        return items, ""
    items = items[:page_size]
    return items, encode_page_token(query, key(items[-1]))


ORG_EVENT_KINDS = {
    "created": pb.ORG_UNIT_EVENT_KIND_CREATED,
    "renamed": pb.ORG_UNIT_EVENT_KIND_RENAMED,
    "moved": pb.ORG_UNIT_EVENT_KIND_MOVED,
    "closed": pb.ORG_UNIT_EVENT_KIND_CLOSED,
}


def skill_codes(field: str, skills: list[int]) -> tuple[str, ...]:
    """The controlled skills as stored, duplicates dropped, in the order given."""
    codes: list[str] = []
    for index, skill in enumerate(skills):
        code = domain.SKILLS[validate.enum(f"{field}[{index}]", skill, pb.Skill)]
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def party_organisation_message(party_org: PartyOrganisation) -> pb.PartyOrganisation:
    return pb.PartyOrganisation(
        id=str(party_org.id),
        org_unit_id=str(party_org.org_unit_id),
        kind=domain.PARTY_ORG_KIND_NUMBERS[party_org.kind],
        name=party_org.name,
        focus=party_org.focus,
        create_time=to_timestamp(party_org.created_at),
        dissolve_time=to_timestamp(party_org.dissolved_at),
    )


def service_post_message(post: ServicePost) -> pb.ServicePost:
    return pb.ServicePost(
        id=str(post.id),
        community_id=str(post.community_id),
        name=post.name,
        description=post.description,
        capacity=post.capacity,
        claimed=post.claimed,
        create_time=to_timestamp(post.created_at),
    )


def team_message(team: Team) -> pb.Team:
    return pb.Team(
        id=str(team.id),
        org_unit_id=str(team.org_unit_id),
        kind=domain.TEAM_KIND_NUMBERS[team.kind],
        custom_kind=team.custom_kind,
        name=team.name,
        size=team.size,
        create_time=to_timestamp(team.created_at),
    )


def team_member_message(person: TeamMember) -> pb.TeamMember:
    return pb.TeamMember(
        id=str(person.id),
        team_id=str(person.team_id),
        member_id=str(person.member_id or ""),
        name=person.name_masked,
        phone=person.phone_masked,
        join_time=to_timestamp(person.joined_at),
    )


def pairing_message(pairing: Pairing) -> pb.Pairing:
    return pb.Pairing(
        id=str(pairing.id),
        workplace_org=pairing.workplace_org,
        community_id=str(pairing.community_id),
        start_date=pairing.start_date.isoformat(),
        end_date=pairing.end_date.isoformat() if pairing.end_date else "",
        note=pairing.note,
    )


def service_record_message(record: ServiceRecord) -> pb.ServiceRecord:
    return pb.ServiceRecord(
        id=str(record.id),
        member_id=str(record.member_id) if record.member_id is not None else "",
        team_id=str(record.team_id) if record.team_id is not None else "",
        team_member_id=str(record.team_member_id) if record.team_member_id is not None else "",
        kind=domain.SERVICE_KIND_NUMBERS[record.kind],
        source_id=record.source_id,
        category=record.category,
        hours=record.hours,
        served_at=to_timestamp(record.served_at),
        note=record.note,
        record_time=to_timestamp(record.recorded_at),
    )


def service_total_messages(totals: list[ServiceTotal]) -> list[pb.ServiceTotal]:
    return [
        pb.ServiceTotal(kind=domain.SERVICE_KIND_NUMBERS[t.kind], category=t.category, count=t.count, hours=t.hours)
        for t in totals
    ]


def org_unit_message(unit: OrgUnit) -> pb.OrgUnit:
    return pb.OrgUnit(
        id=str(unit.id),
        parent_id=str(unit.parent_id) if unit.parent_id else "",
        kind=domain.ORG_KIND_NUMBERS[unit.kind],
        name=unit.name,
        ancestor_ids=[str(i) for i in unit.ancestor_ids],
        create_time=to_timestamp(unit.created_at),
        close_time=to_timestamp(unit.closed_at),
    )


def member_message(member: Member, *, phone: str | None = None, id_number: str | None = None) -> pb.Member:
    """The member with personal data masked, or in the clear when phone and id_number are given."""
    revealed = phone is not None and id_number is not None
    return pb.Member(
        id=str(member.id),
        name=member.name,
        workplace_org=member.workplace_org,
        community_id=str(member.community_id),
        residence_unit_id=str(member.residence_unit_id),
        skills=[domain.SKILL_NUMBERS[s] for s in member.skills],
        tags=list(member.tags),
        management_level=domain.MANAGEMENT_LEVEL_NUMBERS[member.management_level],
        phone=phone if revealed else member.phone_masked,
        id_number=id_number if revealed else member.id_number_masked,
        personal_data_revealed=revealed,
        status=domain.MEMBER_STATUS_NUMBERS[member.status],
        register_time=to_timestamp(member.registered_at),
        deregister_time=to_timestamp(member.deregistered_at),
        deregister_reason=member.deregister_reason,
    )


def name_and_id_after(token: str, query: dict[str, Any]) -> tuple[str, int] | None:
    """The (name, id) of the previous page's last item from a token of `query` (None for the first page)."""
    key = decode_page_token(token, query)
    if key is None:
        return None
    if len(key) != 2 or not isinstance(key[0], str) or not isinstance(key[1], int):
        raise InvalidArgument("is not a page token this service issued", "page_token")
    return key[0], key[1]
