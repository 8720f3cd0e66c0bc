"""A wish's notices routed by dispatch on real Postgres and sent by the real send step to an HTTP receiver on
127.0.0.1: a non-urgent notice waits for the daily digest of a recipient who asked for one (beside their activity
notices, in one digest), an urgent one goes at once; "a wish near you" reaches a member at most the day's cap of
times; and a retry gets the routes first given, whatever changed since.

The town (tests/integration/helpers/activity_town.py) holds dispatch's real activity store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from temporalio.testing import ActivityEnvironment

from services.dispatch.activities import domain
from services.dispatch.activities.contract import NoticeDigestInput
from tests.integration.helpers.activity_town import STAFF, WORKER, StoreAsService, Town
from workflows.activity_schedules import ActivityNoticeDigest
from workflows.activity_steps import NoticeOutcome
from workflows.notices import notifiers_for
from workflows.wish_notice_steps import WishNotice, WishNoticeOutcome, WishNoticeSteps


def _sender(town: Town, cap: int = 2) -> WishNoticeSteps:
    return WishNoticeSteps(
        StoreAsService(town.store),  # type: ignore[arg-type]
        notifiers_for(town.webhook_url),
        {"wish_recommended": cap},
    )


def _notice(purpose: str, recipients: list[str], urgent: bool = False) -> WishNotice:
    wish_id = str(uuid.uuid4().int % 10**9)
    return WishNotice(
        key=f"wish-{wish_id}/v3/{purpose}",
        wish_id=wish_id,
        purpose=purpose,
        text=f"wish {wish_id}: {purpose}",
        recipients=recipients,
        urgent=urgent,
    )


async def test_a_non_urgent_wish_notice_waits_for_the_digest_with_the_activity_notices_and_an_urgent_one_does_not(
    town: Town,
) -> None:
    office = f"org:{uuid.uuid4().int % 10**9}"
    await town.store.set_notice_preference(STAFF, office, True)
    await town.store.set_notice_preference(STAFF, "org:4", True)
    sender = _sender(town)
    env = ActivityEnvironment()
    reminder = _notice("wish_reminder", [office, "org:4", "member:77"])
    assert await env.run(sender.send_wish_notice, reminder) == WishNoticeOutcome(delivered=1, refused=0)
    assert [n["recipient"] for n in town.gateway.notices("wish_reminder")] == ["member:77"]
    # An escalation is urgent: the office that asked for a digest hears of it at once.
    escalation = _notice("wish_escalation", [office], urgent=True)
    assert await env.run(sender.send_wish_notice, escalation) == WishNoticeOutcome(delivered=1, refused=0)
    assert [n["recipient"] for n in town.gateway.notices("wish_escalation")] == [office]

    # An activity's publication held for org:4 too: its digest carries both.
    festival = await town.propose(timedelta(days=5), deadline_before=timedelta(days=1))
    await town.decide(festival, domain.APPROVE)
    await town.until_step(festival, "sent:published")
    digest = await town.env.client.execute_workflow(
        ActivityNoticeDigest.run, NoticeDigestInput(), id=f"digest-{uuid.uuid4().hex}", task_queue=town.task_queue
    )
    assert digest == NoticeOutcome(2, 0)
    digests = {n["recipient"]: n for n in town.gateway.notices("notice_digest")}
    assert set(digests) == {office, "org:4"}
    assert digests[office]["text"] == f"1 notice(s):\n{reminder.text}"
    assert digests["org:4"]["text"].startswith("2 notice(s):") and reminder.text in digests["org:4"]["text"]
    assert "open for sign-ups until" in digests["org:4"]["text"]
    # Each held notice went once: the next digest has nothing to send.
    again = await town.env.client.execute_workflow(
        ActivityNoticeDigest.run, NoticeDigestInput(), id=f"digest-{uuid.uuid4().hex}", task_queue=town.task_queue
    )
    assert again == NoticeOutcome(0, 0) and len(town.gateway.notices("notice_digest")) == 2


async def test_a_wish_near_you_reaches_a_member_at_most_the_days_cap_and_a_new_day_starts_afresh(town: Town) -> None:
    member = f"member:{uuid.uuid4().int % 10**9}"
    sender = _sender(town, cap=2)
    env = ActivityEnvironment()
    outcomes = [await env.run(sender.send_wish_notice, _notice("wish_recommended", [member])) for _ in range(3)]
    assert [o.delivered for o in outcomes] == [1, 1, 0]
    assert len(town.gateway.notices("wish_recommended", recipient=member)) == 2
    # Another purpose has no cap.
    for _ in range(3):
        await env.run(sender.send_wish_notice, _notice("wish_published", [member]))
    assert len(town.gateway.notices("wish_published", recipient=member)) == 3
    # The count is the deployment's day: the next day the member hears again.
    service = StoreAsService(town.store)
    service.day += timedelta(days=1)
    tomorrow = WishNoticeSteps(service, notifiers_for(town.webhook_url), {"wish_recommended": 2})  # type: ignore[arg-type]
    assert (await env.run(tomorrow.send_wish_notice, _notice("wish_recommended", [member]))).delivered == 1


async def test_a_retry_gets_the_routes_first_given_whatever_changed_since(town: Town) -> None:
    member = f"member:{uuid.uuid4().int % 10**9}"
    day = StoreAsService(town.store).day
    first = await town.store.route_notice(
        WORKER.retry_key("wish-1/v2/reminder"), "wish_reminder", "t", [member], may_hold=True, daily_cap=0, day=day
    )
    assert first == {member: "send"}
    await town.store.set_notice_preference(STAFF, member, True)
    held = await town.store.route_notice(
        WORKER.retry_key("wish-1/v2/claim-due"), "wish_claim_due", "t", [member], may_hold=True, daily_cap=0, day=day
    )
    assert held == {member: "held"}
    await town.store.set_notice_preference(STAFF, member, False)
    retried = await town.store.route_notice(
        WORKER.retry_key("wish-1/v2/claim-due"), "wish_claim_due", "t", [member], may_hold=True, daily_cap=0, day=day
    )
    assert retried == {member: "held"}  # held stays held: the digest will send it, nothing else will
    # Leave nothing held for another test's digest.
    waiting = await town.store.held_for_digest(datetime.now(UTC) + timedelta(minutes=1), 200)
    await town.store.record_digest([], [], held_delivered=[h.held_id for h in waiting[member].held])
