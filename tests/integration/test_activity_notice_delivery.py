"""An activity's notices on Temporal's time-skipping server, sent by the real send steps through the real senders to
an HTTP receiver on 127.0.0.1: a gateway down delays a notice, never the activity; a refused notice is not retried;
one undelivered when its retries run out is recorded failed and the org told who (and if telling the org fails too,
the activity goes on); each recipient gets a notice once across failed attempts and a lost record; and non-urgent
notices wait for the daily digest of those who asked for one.

The town (tests/integration/helpers/activity_town.py) holds dispatch's real activity store on real Postgres.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from linli.dispatch.v1 import activities_pb2 as pb
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from services.dispatch.activities import domain
from services.dispatch.activities.contract import NoticeDigestInput
from tests.integration.helpers.activity_town import STAFF, WORKER, StoreAsService, Town, sign_up
from workflows.activity_notice_steps import ActivityNoticeSteps
from workflows.activity_schedules import ActivityNoticeDigest
from workflows.activity_steps import NoticeOutcome, NoticeRef
from workflows.notices import notifiers_for


async def test_a_gateway_that_is_down_delays_a_notice_never_the_activity_and_it_is_sent_once_when_back(
    town: Town,
) -> None:
    town.gateway.status = 503
    activity_id = await town.propose(timedelta(days=3), deadline_before=timedelta(days=3) - timedelta(hours=2))
    await town.decide(activity_id, domain.APPROVE)
    await town.until_step(activity_id, "published")
    await sign_up(town.store, activity_id, resident="r-a")
    # Sign-ups close at the deadline, two hours on, while the published notice is still being retried.
    await town.env.sleep(timedelta(hours=2, minutes=1))
    await town.until_step(activity_id, "close_signups")
    published = (await town.notices(activity_id))[0]
    assert published.sent_at is None and published.delivered == 0
    assert "sent:published" not in await town.steps(activity_id)

    town.gateway.status = 200
    await town.env.sleep(timedelta(minutes=2))  # the next retry, at most a minute later
    await town.until_step(activity_id, "sent:published")
    published = (await town.notices(activity_id))[0]
    assert published.notice_kind == "published" and published.sent_at is not None and published.delivered == 1
    assert [n["recipient"] for n in town.gateway.notices("activity_published")] == ["org:4"]


async def test_a_notice_the_gateway_refuses_is_recorded_as_refused_and_not_retried(town: Town) -> None:
    town.gateway.status = 422
    activity_id = await town.propose(timedelta(days=3), deadline_before=timedelta(days=1))
    await town.decide(activity_id, domain.APPROVE)
    await town.until_step(activity_id, "sent:published")
    [published] = await town.notices(activity_id)
    assert published.sent_at is not None and (published.delivered, published.failed) == (0, 1)
    assert town.gateway.taken == []


async def test_a_notice_undelivered_when_its_retries_run_out_is_recorded_as_failed_and_the_org_told_who(
    town: Town,
) -> None:
    town.gateway.status = 503  # the receiver is down for longer than a notice is retried
    activity_id = await town.propose(timedelta(days=3), deadline_before=timedelta(days=1))
    await town.decide(activity_id, domain.APPROVE)
    await town.until_step(activity_id, "published")
    await town.env.sleep(timedelta(hours=6, minutes=1))
    await town.until_step(activity_id, "undelivered")
    published, told = await town.notices(activity_id)
    assert published.notice_kind == "published" and published.sent_at is not None
    assert (published.delivered, published.failed) == (0, 1)
    failure = await town.store.pool.fetchval(
        "select failure from activity_notice_recipients where event_id = $1", published.id
    )
    assert failure == "not delivered after 6h of retries: gateway failed: HTTP 503"
    assert told.notice_kind == "undelivered" and told.recipients == ("org:4",)
    assert f"1 of 1 recipient(s) of notice {published.id} (published) could not be reached" in told.note
    assert told.note.endswith(": org:4")

    # The receiver is back before the org's notice runs out of retries: the org gets it.
    town.gateway.status = 200
    await town.env.sleep(timedelta(minutes=2))
    steps = await town.until_step(activity_id, "sent:undelivered")
    assert "unsent:published" in steps and "given_up:published" in steps
    assert [n["recipient"] for n in town.gateway.notices("activity_undelivered")] == ["org:4"]
    assert town.gateway.notices("activity_published") == []


async def test_when_telling_the_org_fails_too_it_is_recorded_and_the_activity_goes_on(town: Town) -> None:
    town.gateway.status = 503
    activity_id = await town.propose(timedelta(days=3), deadline_before=timedelta(days=1))
    await town.decide(activity_id, domain.APPROVE)
    await town.until_step(activity_id, "published")
    await town.env.sleep(timedelta(hours=12, minutes=5))
    steps = await town.until_step(activity_id, "given_up:undelivered")
    assert steps.count("undelivered") == 1  # nobody is told that the telling failed: it is only recorded
    published, told = await town.notices(activity_id)
    assert (told.notice_kind, told.sent_at is not None, told.delivered, told.failed) == ("undelivered", True, 0, 1)
    # Not stuck: cancelled (nobody signed up to tell), the workflow ends.
    await town.decide(activity_id, domain.CANCEL, domain.Cancellation("场地维修"))
    assert await town.result(town.handles[-1]) == "cancelled"
    assert town.gateway.taken == []


async def test_each_recipient_gets_a_notice_once_across_failed_attempts_and_a_lost_record(
    town: Town, caplog: pytest.LogCaptureFixture
) -> None:
    """What a worker restart amounts to: an attempt fails part-way, or dies after the gateway took a notice but
    before dispatch recorded it. The next attempt sends only what is not recorded, under the same keys."""
    activity_id = await town.propose(timedelta(days=3), deadline_before=timedelta(days=1))
    for ref in ("r-a", "r-b", "r-c"):
        await town.store.pool.execute(
            """insert into activity_signups (activity_id, resident_ref, status, created_by, request_id)
               values ($1, $2, 'confirmed', 'staff', $2)""",
            activity_id,
            ref,
        )
    notice, _ = await town.store.notify(WORKER, "n1", activity_id, "reminder_day_before", "tomorrow", [], True)
    service = StoreAsService(town.store)
    sender = ActivityNoticeSteps(service, notifiers_for(town.webhook_url))  # type: ignore[arg-type]
    env = ActivityEnvironment()
    ref = NoticeRef(str(activity_id), notice.id)

    # 1. The gateway takes everything, but the record of it is lost (the worker died in between).
    record = service.RecordNoticeDelivery

    async def lost(request: pb.RecordNoticeDeliveryRequest, timeout: float) -> Any:
        raise ApplicationError("UNAVAILABLE: dispatch went away", type="UNAVAILABLE")

    service.RecordNoticeDelivery = lost  # type: ignore[method-assign]
    with pytest.raises(ApplicationError):
        await env.run(sender.send_activity_notice, ref)
    first_keys = sorted(town.gateway.keys)
    assert len(first_keys) == 3

    # 2. The retry sends the three again under the same keys (the gateway drops repeats), and records them.
    service.RecordNoticeDelivery = record  # type: ignore[method-assign]
    with caplog.at_level("INFO", logger="linli.notify"):
        assert await env.run(sender.send_activity_notice, ref) == NoticeOutcome(3, 0)
    assert sorted(town.gateway.keys[3:]) == first_keys
    sent = (await town.notices(activity_id))[0]
    assert sent.sent_at is not None and sent.delivered == 3

    # 3. Once recorded, nothing is sent again, however often the activity runs.
    assert await env.run(sender.send_activity_notice, ref) == NoticeOutcome(0, 0)
    assert len(town.gateway.keys) == 6
    # The log has each notice by ids; the text (with the place) goes only to the gateway.
    assert "幸福里活动中心" not in caplog.text


async def test_a_failing_gateway_keeps_what_got_through_and_the_retry_sends_the_rest(town: Town) -> None:
    activity_id = await town.propose(timedelta(days=3), deadline_before=timedelta(days=1))
    notice, _ = await town.store.notify(
        WORKER, "n2", activity_id, "volunteers_wanted", "stewards wanted", ["org:4", "member:7", "member:8"], False
    )
    sender = ActivityNoticeSteps(StoreAsService(town.store), notifiers_for(town.webhook_url))  # type: ignore[arg-type]
    ref = NoticeRef(str(activity_id), notice.id)
    town.gateway.status = 503
    with pytest.raises(ApplicationError, match="gateway failed"):
        await ActivityEnvironment().run(sender.send_activity_notice, ref)
    assert (await town.notices(activity_id))[0].sent_at is None
    town.gateway.status = 200
    assert await ActivityEnvironment().run(sender.send_activity_notice, ref) == NoticeOutcome(3, 0)
    assert sorted(n["recipient"] for n in town.gateway.taken) == ["member:7", "member:8", "org:4"]
    assert len(set(town.gateway.keys)) == 3


async def test_non_urgent_notices_wait_for_the_daily_digest_of_who_asked_for_it_and_urgent_ones_do_not(
    town: Town,
) -> None:
    for recipient in ("org:4", "member:101"):
        await town.store.set_notice_preference(STAFF, recipient, True)
    festival = await town.propose(timedelta(days=5), deadline_before=timedelta(days=1), capacity=1)
    lesson = await town.propose(timedelta(days=6), deadline_before=timedelta(days=1))
    for activity_id in (festival, lesson):
        await town.decide(activity_id, domain.APPROVE)
        await town.until_step(activity_id, "sent:published")  # its sending is done: held for the digest
    assert town.gateway.notices("activity_published") == []
    published = (await town.notices(festival))[0]
    assert published.sent_at is None and published.delivered == 0

    # A cancellation is urgent: the member who asked for a digest is told at once.
    await sign_up(town.store, festival, member=101, role="steward")
    await town.decide(festival, domain.CANCEL, domain.Cancellation("暴雨预警"))
    await town.until_step(festival, "sent:cancelled")
    assert await town.result(town.handles[0]) == "cancelled"
    assert [n["recipient"] for n in town.gateway.notices("activity_cancelled")] == ["member:101"]

    # The day's digest: one notice for the community with both publications, each recorded as sent.
    digest = await town.env.client.execute_workflow(
        ActivityNoticeDigest.run, NoticeDigestInput(), id=f"digest-{uuid.uuid4().hex}", task_queue=town.task_queue
    )
    assert digest == NoticeOutcome(1, 0)
    [sent] = town.gateway.notices("notice_digest")
    assert sent["recipient"] == "org:4" and sent["text"].startswith("2 notice(s):")
    assert sent["text"].count("open for sign-ups until") == 2
    for activity_id in (festival, lesson):
        published = (await town.notices(activity_id))[0]
        assert published.notice_kind == "published" and published.sent_at is not None and published.delivered == 1
    # Nothing is held any more: the next digest sends nothing.
    again = await town.env.client.execute_workflow(
        ActivityNoticeDigest.run, NoticeDigestInput(), id=f"digest-{uuid.uuid4().hex}", task_queue=town.task_queue
    )
    assert again == NoticeOutcome(0, 0) and len(town.gateway.notices("notice_digest")) == 1
