"""An activity's sign-ups as rows: the columns every read of one selects, and the row as a domain.SignUp."""

from __future__ import annotations

import asyncpg

from services.dispatch.activities.domain import SignUp

SIGN_UP_COLUMNS = """s.id, s.activity_id, s.member_id, s.resident_ref, s.role, s.status, s.signed_up_at,
    s.checked_in_at, s.checked_out_at, s.service_hours, s.team_id, s.team_member_id,
    case when s.status = 'waitlisted' then (
        select count(*) from activity_signups w
        where w.activity_id = s.activity_id and w.status = 'waitlisted'
          and w.id <= s.id) else 0 end as waitlist_position"""


def sign_up_row(row: asyncpg.Record) -> SignUp:
    return SignUp(
        id=row["id"],
        activity_id=row["activity_id"],
        member_id=row["member_id"],
        resident_ref=row["resident_ref"],
        role=row["role"],
        status=row["status"],
        waitlist_position=int(row["waitlist_position"]),
        signed_up_at=row["signed_up_at"],
        checked_in_at=row["checked_in_at"],
        checked_out_at=row["checked_out_at"],
        service_hours=float(row["service_hours"]) if row["service_hours"] is not None else None,
        team_id=row["team_id"],
        team_member_id=row["team_member_id"],
    )
