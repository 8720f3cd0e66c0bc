"""The wishes service's rows as domain objects: the columns every query of a wish or event selects."""

from __future__ import annotations

import asyncpg

from services.wishes.domain import Wish, WishEvent

WISH_COLUMNS = """id, community_id, text, source, state, category, service_standard, deadline,
    reject_reason, claimant_member_id, resident_name_masked, resident_contact_masked, submitted_at, updated_at, version,
    published_at, claimed_at, fulfilment_report, hours, fulfilled_at, rating, resident_comment, close_note, closed_at,
    claim_extended, duplicate_of, referred_to, participant_member_ids, group_team_id, group_workplace_org, unit_id,
    participant_team_member_ids"""
EVENT_COLUMNS = "id, wish_id, version, kind, state, actor, note, recipients, at"


def wish_of(row: asyncpg.Record) -> Wish:
    return Wish(
        id=row["id"],
        community_id=row["community_id"],
        text=row["text"],
        source=row["source"],
        state=row["state"],
        category=row["category"],
        service_standard=row["service_standard"],
        deadline=row["deadline"],
        reject_reason=row["reject_reason"],
        claimant_member_id=row["claimant_member_id"],
        resident_name_masked=row["resident_name_masked"],
        resident_contact_masked=row["resident_contact_masked"],
        submitted_at=row["submitted_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        published_at=row["published_at"],
        claimed_at=row["claimed_at"],
        fulfilment_report=row["fulfilment_report"],
        hours=row["hours"],
        fulfilled_at=row["fulfilled_at"],
        rating=row["rating"],
        resident_comment=row["resident_comment"],
        close_note=row["close_note"],
        closed_at=row["closed_at"],
        claim_extended=row["claim_extended"],
        duplicate_of=row["duplicate_of"],
        referred_to=row["referred_to"],
        participant_member_ids=tuple(row["participant_member_ids"]),
        group_team_id=row["group_team_id"],
        group_workplace_org=row["group_workplace_org"],
        unit_id=row["unit_id"],
        participant_team_member_ids=tuple(row["participant_team_member_ids"]),
    )


def event_of(row: asyncpg.Record) -> WishEvent:
    return WishEvent(
        id=row["id"],
        wish_id=row["wish_id"],
        version=row["version"],
        kind=row["kind"],
        state=row["state"],
        actor=row["actor"],
        note=row["note"],
        at=row["at"],
        recipients=tuple(row["recipients"]),
    )
