"""HolidayActivity on Temporal's time-skipping server, over dispatch's real activity store on real Postgres: an
activity from proposal to close-out with its waiting list and volunteer hours; an undecided proposal reminded,
escalated and expired; an approval found by the reread; cancelled, rejected, and not moved on by a late step.

The town (tests/integration/helpers/activity_town.py) runs the workflow's activities on the store directly instead
of through ActivityService's gRPC (which the end-to-end tests exercise), with the real outbox relay and the real
notice senders; days of waiting pass at once.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest
from temporalio.worker import Replayer

from services.dispatch.activities import domain
from services.dispatch.activities.store import WrongState
from tests.integration.helpers.activity_town import STAFF, WORKER, Town, sign_up
from workflows.holiday_activity import HolidayActivity


async def test_an_activity_runs_from_proposal_to_close_out_with_its_waiting_list_and_volunteer_hours(
    town: Town,
) -> None:
    activity_id = await town.propose(timedelta(days=10), deadline_before=timedelta(days=2))
    activity = await town.store.activity(activity_id)
    assert activity is not None and activity.state == "proposed"

    await town.env.sleep(timedelta(hours=10))  # decided within the 24 h limit: no reminder
    await town.decide(activity_id, domain.APPROVE)
    await town.until_step(activity_id, "publish")
    assert (await town.store.activity(activity_id)).state == "published"  # type: ignore[union-attr]
    await town.until_step(activity_id, "sent:published")  # the organising community is told

    # Two places: the third resident waits, and moves up when one withdraws.
    first = await sign_up(town.store, activity_id, resident="r-a")
    second = await sign_up(town.store, activity_id, resident="r-b")
    third = await sign_up(town.store, activity_id, resident="r-c")
    assert [s.status for s in (first, second, third)] == ["confirmed", "confirmed", "waitlisted"]
    assert third.waitlist_position == 1
    volunteer = await sign_up(town.store, activity_id, member=101, role="steward")
    _, promoted, _ = await town.store.cancel_sign_up(STAFF, "withdraw-b", activity_id, second.id)
    assert promoted is not None and promoted.id == third.id and promoted.status == "confirmed"
    await town.deliver()  # the promotion, recorded by the service, reaches the workflow, which sends it
    await town.until_step(activity_id, "sent:promoted")
    assert [n["recipient"] for n in town.gateway.notices("activity_promoted")] == ["resident:r-c"]

    # The sign-up deadline closes sign-ups; the steward role is one short, so recommended members are asked.
    assert activity is not None
    await town.sleep_until(activity.signup_deadline - timedelta(minutes=1))
    assert "close_signups" not in await town.steps(activity_id)
    await town.sleep_until(activity.signup_deadline + timedelta(minutes=1))
    await town.until_step(activity_id, "volunteers_wanted")
    assert (await town.store.activity(activity_id)).state == "signups_closed"  # type: ignore[union-attr]
    assert [(q.skills, q.limit) for q in town.asked_for_volunteers] == [([12], 3)]
    wanted = [n for n in await town.notices(activity_id) if n.notice_kind == "volunteers_wanted"]
    assert wanted[0].recipients == ("org:4", "member:201", "member:202")

    # Reminders to everyone still signed up, a day and an hour before.
    await town.sleep_until(activity.start_time - timedelta(days=1, minutes=1))
    assert "reminder_day_before" not in await town.steps(activity_id)
    await town.sleep_until(activity.start_time - timedelta(days=1) + timedelta(minutes=1))
    await town.until_step(activity_id, "reminder_day_before")
    await town.sleep_until(activity.start_time - timedelta(minutes=59))
    await town.until_step(activity_id, "reminder_hour_before")
    reminders = [n for n in await town.notices(activity_id) if n.notice_kind.startswith("reminder")]
    assert [n.notice_kind for n in reminders] == ["reminder_day_before", "reminder_hour_before"]
    assert set(reminders[0].recipients) == {"resident:r-a", "resident:r-c", "member:101"}

    # Check-in once it starts; the volunteer and one resident come; the volunteer leaves after an hour and a half.
    await town.sleep_until(activity.start_time + timedelta(minutes=1))
    await town.until_step(activity_id, "start")
    for came in (first, volunteer):
        await town.store.check_in(activity_id, came.id)
    await town.sleep_until(activity.start_time + timedelta(minutes=90))
    _, now = await town.store.check_out(activity_id, volunteer.id, await town.env.get_current_time())
    assert now

    handle = town.handles[-1]
    assert await town.result(handle) == "closed"
    closed = await town.store.activity(activity_id)
    assert closed is not None and closed.state == "closed"
    assert "1 of 2 signed-up participants came (50%); 1 of 1 volunteers came, 1.5 h recorded" in closed.summary
    assert "(steward 1 of 1, 1.5 h)" in closed.summary
    assert [(r.name, r.came, r.service_hours) for r in closed.roles] == [("steward", 1, 1.5)]
    # The hours recorded to the volunteer are theirs, from check-in (before the start: from the start) to check-out.
    assert [(s.member_id, s.hours, s.category, s.activity_id) for s in town.services] == [
        ("101", 1.5, "holiday", str(activity_id))
    ]
    notices = await town.notices(activity_id)
    assert [n.notice_kind for n in notices] == [
        "published",
        "promoted",
        "volunteers_wanted",
        "reminder_day_before",
        "reminder_hour_before",
    ]
    # Every notice reached every recipient, once each (one idempotency key a recipient), and is recorded as sent.
    assert all(n.sent_at is not None and n.delivered == len(n.recipients) and n.failed == 0 for n in notices)
    assert len(town.gateway.keys) == len(set(town.gateway.keys)) == sum(len(n.recipients) for n in notices) == 11
    assert sorted(n["recipient"] for n in town.gateway.notices("activity_reminder_day_before")) == [
        "member:101",
        "resident:r-a",
        "resident:r-c",
    ]
    reminder = town.gateway.notices("activity_reminder_hour_before")[0]
    assert reminder["unit_id"] == "4" and reminder["address"] == "幸福里活动中心"
    assert reminder["text"].startswith("端午粽飘香·社区邻里节 (") and "in an hour" in reminder["text"]
    transitions = [e.state for e in await town.store.history(activity_id, None, 200) if e.kind == "transition"]
    assert transitions == ["proposed", "approved", "published", "signups_closed", "in_progress", "closed"]
    # The whole history replays deterministically on the workflow code as it stands.
    await Replayer(workflows=[HolidayActivity]).replay_workflow(await handle.fetch_history())


async def test_an_undecided_proposal_is_reminded_then_escalated_then_expires_at_the_deadline(town: Town) -> None:
    activity_id = await town.propose(timedelta(days=7), deadline_before=timedelta(days=2))
    activity = await town.store.activity(activity_id)
    assert activity is not None
    await town.env.sleep(timedelta(hours=23))
    assert await town.notices(activity_id) == []
    await town.env.sleep(timedelta(hours=2))
    await town.until_step(activity_id, "approval_reminder")
    await town.env.sleep(timedelta(hours=24))
    await town.until_step(activity_id, "approval_escalation")
    notices = await town.notices(activity_id)
    # The parent org (the street) is reminded; then the org above it (the district) is told.
    assert [(n.notice_kind, n.recipients) for n in notices] == [
        ("approval_reminder", ("org:3",)),
        ("approval_escalation", ("org:2",)),
    ]
    assert await town.result(town.handles[-1]) == "expired"
    expired = await town.store.activity(activity_id)
    assert expired is not None and expired.state == "expired"
    assert await town.env.get_current_time() >= activity.signup_deadline


async def test_an_approval_whose_signal_never_came_is_found_by_the_reread(town: Town) -> None:
    activity_id = await town.propose(timedelta(days=7), deadline_before=timedelta(days=2))
    # Approved in Postgres, but the relay has not told the workflow (yet): it must not remind the approver.
    await town.store.move(STAFF, "approve-quietly", activity_id, domain.APPROVE)
    await town.env.sleep(timedelta(hours=25))
    assert "publish" in await town.until_step(activity_id, "publish")
    assert [n.notice_kind for n in await town.notices(activity_id)] == ["published"]  # no approval reminder


async def test_cancelling_after_sign_ups_tells_everyone_signed_up(town: Town) -> None:
    activity_id = await town.propose(timedelta(days=5), deadline_before=timedelta(days=1), capacity=1)
    await town.decide(activity_id, domain.APPROVE)
    await town.until_step(activity_id, "publish")
    await sign_up(town.store, activity_id, resident="r-a")
    await sign_up(town.store, activity_id, resident="r-b")  # waiting: told too
    await sign_up(town.store, activity_id, member=101, role="steward")
    await town.env.sleep(timedelta(days=1))
    await town.decide(activity_id, domain.CANCEL, domain.Cancellation("暴雨预警"))
    await town.until_step(activity_id, "sent:cancelled")
    assert await town.result(town.handles[-1]) == "cancelled"
    published, notice = await town.notices(activity_id)
    assert notice.notice_kind == "cancelled" and "暴雨预警" in notice.note
    assert set(notice.recipients) == {"resident:r-a", "resident:r-b", "member:101"}
    # The workflow ended only once the cancellation reached everyone.
    assert notice.sent_at is not None and notice.delivered == 3
    cancelled = town.gateway.notices("activity_cancelled")
    assert sorted(n["recipient"] for n in cancelled) == ["member:101", "resident:r-a", "resident:r-b"]
    assert town.services == []


async def test_a_rejected_proposal_ends_its_workflow_without_notices(town: Town) -> None:
    activity_id = await town.propose(timedelta(days=5), deadline_before=timedelta(days=1))
    await town.decide(activity_id, domain.REJECT, domain.Rejection("场地冲突"))
    assert await town.result(town.handles[-1]) == "rejected"
    assert await town.notices(activity_id) == []


async def test_a_cancelled_activity_cannot_be_moved_on_by_a_late_step(town: Town) -> None:
    activity_id = await town.propose(timedelta(days=5), deadline_before=timedelta(days=1))
    await town.store.move(STAFF, "cancel", activity_id, domain.CANCEL, "", domain.Cancellation("x"))
    with pytest.raises(WrongState):
        await town.store.move(WORKER, "late-publish", activity_id, domain.PUBLISH)
    with pytest.raises(asyncpg.PostgresError):  # the database itself refuses a state it does not know
        await town.store.pool.execute("update activities set state = 'lost' where id = $1", activity_id)
    await town.deliver()
    assert await town.result(town.handles[-1]) == "cancelled"
