"""Wishes and their events as the API gives them, and the request fields every part of WishService reads alike."""

from __future__ import annotations

from datetime import UTC, datetime

from linli.wishes.v1 import wishes_pb2 as pb

from services.runtime.convert import to_timestamp
from services.wishes import domain
from services.wishes.domain import Wish, WishEvent


def wish_message(wish: Wish, now: datetime | None = None) -> pb.Wish:
    return pb.Wish(
        id=str(wish.id),
        community_id=str(wish.community_id),
        text=wish.text,
        source=domain.SOURCE_NUMBERS[wish.source],
        state=domain.STATE_NUMBERS[wish.state],
        category=domain.CATEGORY_NUMBERS[wish.category] if wish.category else pb.WISH_CATEGORY_UNSPECIFIED,
        service_standard=wish.service_standard or "",
        deadline=to_timestamp(wish.deadline),
        reject_reason=wish.reject_reason or "",
        claimant_member_id=str(wish.claimant_member_id) if wish.claimant_member_id else "",
        resident_name=wish.resident_name_masked,
        resident_contact=wish.resident_contact_masked,
        submit_time=to_timestamp(wish.submitted_at),
        update_time=to_timestamp(wish.updated_at),
        version=wish.version,
        fulfilment_report=wish.fulfilment_report or "",
        hours=wish.hours or 0.0,
        rating=wish.rating or 0,
        resident_comment=wish.resident_comment or "",
        close_note=wish.close_note or "",
        claim_time=to_timestamp(wish.claimed_at),
        fulfil_time=to_timestamp(wish.fulfilled_at),
        close_time=to_timestamp(wish.closed_at),
        overdue=wish.overdue(now or datetime.now(UTC)),
        publish_time=to_timestamp(wish.published_at),
        claim_extended=wish.claim_extended,
        duplicate_of=str(wish.duplicate_of) if wish.duplicate_of else "",
        referred_to=wish.referred_to or "",
        participant_member_ids=[str(m) for m in wish.participant_member_ids],
        participant_team_member_ids=[str(m) for m in wish.participant_team_member_ids],
        unit_id=str(wish.unit_id) if wish.unit_id else "",
        group_team_id=str(wish.group_team_id) if wish.group_team_id else "",
        group_workplace_org=wish.group_workplace_org or "",
    )


def event_message(event: WishEvent) -> pb.WishEvent:
    return pb.WishEvent(
        sequence=event.id,
        kind=domain.EVENT_KIND_NUMBERS[event.kind],
        state=domain.STATE_NUMBERS[event.state],
        actor=event.actor,
        note=event.note,
        time=to_timestamp(event.at),
        recipients=list(event.recipients),
    )
