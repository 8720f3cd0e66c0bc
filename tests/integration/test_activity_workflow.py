"""HolidayActivity on Temporal's time-skipping server, over dispatch's real activity store on real Postgres.

The workflow's activities here call ActivityStore directly instead of going through ActivityService's gRPC
(which the end-to-end tests exercise); RecommendVolunteers (dispatch's ranking) and RecordService (the
registry's) are recorded, so what the workflow asked of them can be checked exactly. Notices are sent by the
real send activity through the real senders (the log and the webhook) to an HTTP receiver on 127.0.0.1. The
real outbox relay delivers committed transitions to the workflows. Days of waiting pass at once.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from linli.dispatch.v1 import activities_pb2 as pb
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from services.dispatch.__main__ import MIGRATIONS
from services.dispatch.activities import domain
from services.dispatch.activities.contract import NoticeDigestInput, RoleNeed, workflow_id
from services.dispatch.activities.relay import ActivityRelay
from services.dispatch.activities.servicer import activity_message, event_message
from services.dispatch.activities.store import ActivityStore, NewActivity, WrongState
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role
from services.runtime.config import load_settings
from services.runtime.convert import to_timestamp
from services.runtime.db import create_pool, migrate
from tests.notice_gateway import NoticeGateway, running_gateway
from workflows.activity_notice_steps import ActivityNoticeSteps
from workflows.activity_schedules import ActivityNoticeDigest
from workflows.activity_steps import (
    ActivityRef,
    ActivitySnapshot,
    AdvanceRequest,
    AdvanceResult,
    NoticeOutcome,
    NoticeRef,
    NoticeRequest,
    ServiceRecordRequest,
    VolunteerQuery,
    VolunteerService,
)
from workflows.holiday_activity import HolidayActivity
from workflows.notices import notifiers_for
from workflows.wish_steps import OrgRef

WORKER = Caller("service:worker", Role.SERVICE, WHOLE_DEPLOYMENT)
STAFF = Caller("staff-street", Role.STAFF, "3")
# Org tree: 1 city > 2 district > 3 street > 4 community (organises the activities).
PATH = ("1", "2", "3", "4")
PARENTS = {"4": "3", "3": "2", "2": "1"}

TEST_KEY = base64.b64encode(bytes(range(32))).decode()


def snapshot_of(a: domain.Activity) -> ActivitySnapshot:
    return ActivitySnapshot(
        version=a.version,
        state=a.state,
        org_unit_id=str(a.org_unit_id),
        kind=a.kind,
        start_time=a.start_time.timestamp(),
        end_time=a.end_time.timestamp(),
        signup_deadline=a.signup_deadline.timestamp(),
        cancel_reason=a.cancel_reason,
        roles=[RoleNeed(r.name, r.needed, r.filled, list(r.skills)) for r in a.roles],
    )


@pytest.fixture
def gateway() -> Iterator[tuple[NoticeGateway, str]]:
    with running_gateway() as running:
        yield running, running.url


class StoreAsService:
    """The two ActivityService calls the send activity makes, answered from the store as the servicer does."""

    def __init__(self, store: ActivityStore) -> None:
        self.store = store

    async def GetNoticeDelivery(self, request: pb.GetNoticeDeliveryRequest, timeout: float) -> Any:
        notice = await self.store.notice(int(request.activity_id), request.sequence)
        about = await self.store.activity(int(request.activity_id))
        assert notice is not None and about is not None
        pending = await self.store.pending_deliveries(notice.id, request.page_size)
        return pb.GetNoticeDeliveryResponse(
            notice=event_message(notice),
            activity=activity_message(about),
            pending=[pb.NoticeRecipient(delivery_id=p.delivery_id, recipient=p.recipient) for p in pending],
        )

    async def RecordNoticeDelivery(self, request: pb.RecordNoticeDeliveryRequest, timeout: float) -> Any:
        failed = [(f.delivery_id, f.reason) for f in request.failed]
        _, _, pending, notice = await self.store.record_deliveries(request.sequence, list(request.delivered), failed)
        return pb.RecordNoticeDeliveryResponse(pending=pending, notice=event_message(notice))

    async def NotifyParticipants(self, request: pb.NotifyParticipantsRequest, timeout: float) -> Any:
        kind = domain.NOTICE_KINDS[request.kind]
        notice, recorded = await self.store.notify(
            WORKER,
            request.request_id,
            int(request.activity_id),
            kind,
            request.note,
            list(request.recipients),
            request.include_signed_up,
        )
        return pb.NotifyParticipantsResponse(notice=event_message(notice), recorded=recorded)

    async def GetNoticeDigests(self, request: pb.GetNoticeDigestsRequest, timeout: float) -> Any:
        held = await self.store.held_for_digest(request.before.ToDatetime(tzinfo=UTC), request.page_size)
        return pb.GetNoticeDigestsResponse(
            digests=[
                pb.NoticeDigest(
                    recipient=recipient,
                    items=[
                        pb.DigestItem(
                            delivery_id=i.delivery_id,
                            activity_id=str(i.activity_id),
                            title=i.title,
                            place=i.place,
                            start_time=to_timestamp(i.start_time),
                            note=i.note,
                        )
                        for i in items
                    ],
                )
                for recipient, items in held.items()
            ]
        )

    async def RecordDigestDelivery(self, request: pb.RecordDigestDeliveryRequest, timeout: float) -> Any:
        await self.store.record_digest(list(request.delivered), [(f.delivery_id, f.reason) for f in request.failed])
        return pb.RecordDigestDeliveryResponse()


@dataclass
class Town:
    env: WorkflowEnvironment
    store: ActivityStore
    relay: ActivityRelay
    gateway: NoticeGateway
    webhook_url: str
    task_queue: str = ""
    recommended: list[str] = field(default_factory=lambda: ["201", "202"])
    asked_for_volunteers: list[VolunteerQuery] = field(default_factory=list)
    services: list[ServiceRecordRequest] = field(default_factory=list)
    handles: list[WorkflowHandle] = field(default_factory=list)

    def activities(self) -> list[Callable[..., object]]:
        store = self.store

        @activity.defn(name="read_activity")
        async def read_activity(ref: ActivityRef) -> ActivitySnapshot:
            found = await store.activity(int(ref.activity_id))
            assert found is not None
            return snapshot_of(found)

        @activity.defn(name="advance_activity")
        async def advance_activity(request: AdvanceRequest) -> AdvanceResult:
            move = domain.STEPS_BY_NAME[request.step]
            try:
                moved, _ = await store.move(WORKER, request.request_id, int(request.activity_id), move)
            except WrongState as exc:
                return AdvanceResult(moved=False, activity=snapshot_of(exc.activity))
            volunteers = []
            if request.step == "close_out":
                volunteers = [
                    VolunteerService(str(v.member_id), v.role, v.service_hours or 0.0)
                    for v in await store.checked_in_volunteers(int(request.activity_id))
                ]
            return AdvanceResult(moved=True, activity=snapshot_of(moved), volunteers=volunteers)

        @activity.defn(name="notify_participants")
        async def notify_participants(request: NoticeRequest) -> int:
            notice, _ = await store.notify(
                WORKER,
                request.request_id,
                int(request.activity_id),
                request.kind,
                request.note,
                request.recipients,
                request.include_signed_up,
            )
            return len(notice.recipients)

        @activity.defn(name="record_notice")
        async def record_notice(request: NoticeRequest) -> NoticeRef:
            notice, _ = await store.notify(
                WORKER,
                request.request_id,
                int(request.activity_id),
                request.kind,
                request.note,
                request.recipients,
                request.include_signed_up,
            )
            return NoticeRef(request.activity_id, notice.id)

        sender = ActivityNoticeSteps(StoreAsService(store), notifiers_for(self.webhook_url))  # type: ignore[arg-type]

        @activity.defn(name="recommend_volunteers")
        async def recommend_volunteers(query: VolunteerQuery) -> list[str]:
            self.asked_for_volunteers.append(query)
            return self.recommended

        @activity.defn(name="record_volunteer_service")
        async def record_volunteer_service(request: ServiceRecordRequest) -> bool:
            if all(s.request_id != request.request_id for s in self.services):
                self.services.append(request)
            return True

        @activity.defn(name="parent_org")
        async def parent_org(ref: OrgRef) -> OrgRef:
            return OrgRef(PARENTS.get(ref.org_unit_id, ""))

        return [
            read_activity,
            advance_activity,
            notify_participants,
            record_notice,
            sender.send_activity_notice,
            sender.give_up_notice,
            sender.send_notice_digests,
            recommend_volunteers,
            record_volunteer_service,
            parent_org,
        ]

    async def propose(self, start_in: timedelta, *, deadline_before: timedelta, capacity: int = 2) -> int:
        now = await self.env.get_current_time()
        start = now + start_in
        activity, _ = await self.store.propose(
            STAFF,
            uuid.uuid4().hex,
            NewActivity(
                org_unit_id=4,
                org_path=PATH,
                title="端午粽飘香·社区邻里节",
                kind="holiday",
                place="幸福里活动中心",
                start_time=start,
                end_time=start + timedelta(hours=3),
                signup_deadline=start - deadline_before,
                capacity=capacity,
                roles=(domain.Role("steward", 2, (12,)),),
            ),
        )
        await self.deliver()
        self.handles.append(self.env.client.get_workflow_handle(workflow_id(str(activity.id))))
        return activity.id

    async def deliver(self) -> None:
        delivered, remaining = await self.relay.deliver_pending()
        assert remaining == 0

    async def decide(self, activity_id: int, move: domain.Move, change: domain.ActivityChange | None = None) -> None:
        await self.store.move(STAFF, uuid.uuid4().hex, activity_id, move, "", change)
        await self.deliver()

    async def steps(self, activity_id: int) -> list[str]:
        status = await self.env.client.get_workflow_handle(workflow_id(str(activity_id))).query(HolidayActivity.status)
        return status.steps

    async def until_step(self, activity_id: int, step: str) -> list[str]:
        """Waits (in wall time; the workflow's clock stands still meanwhile) until the workflow did `step`."""
        deadline = time.monotonic() + 30
        while step not in (steps := await self.steps(activity_id)):
            assert time.monotonic() < deadline, f"workflow never did {step}; did {steps}"
            await asyncio.sleep(0.1)
        return steps

    async def notices(self, activity_id: int) -> list[domain.Event]:
        return [e for e in await self.store.history(activity_id, None, 200) if e.kind == "notice"]

    async def result(self, handle: WorkflowHandle) -> str:
        """Lets the workflow's time run on, hours at a time, until it ends; its result."""
        deadline = time.monotonic() + 60
        while (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            assert time.monotonic() < deadline, "the workflow never ended"
            await self.env.sleep(timedelta(hours=6))
        return await handle.result()

    async def sleep_until(self, moment: datetime) -> None:
        now = await self.env.get_current_time()
        if moment > now:
            await self.env.sleep(moment - now)


@pytest.fixture
async def town(
    time_skipping_env: WorkflowEnvironment, database_url: str, gateway: tuple[NoticeGateway, str]
) -> AsyncIterator[Town]:
    task_queue = f"activities-{uuid.uuid4().hex[:8]}"
    settings = load_settings(
        "dispatch",
        {
            "LINLI_AUTH_SECRET": "s" * 40,
            # Dispatch holds personal data (alerts' addresses), so its settings need the keys.
            "LINLI_DATA_KEYS": f"k1:{TEST_KEY}",
            "LINLI_LOOKUP_KEY": TEST_KEY,
            "LINLI_TASK_QUEUE": task_queue,
            "LINLI_ACTIVITY_APPROVAL_LIMIT": "24h",
        },
    )
    async with create_pool(database_url, "dispatch", 4) as pool:
        await migrate(pool, "dispatch", MIGRATIONS)
        # Workflow ids are activity-<id> on a Temporal server shared by the whole run: keep ids apart.
        await pool.execute(
            "select setval(pg_get_serial_sequence('dispatch.activities', 'id'), $1)", random.randint(10**6, 10**15)
        )
        town = Town(
            time_skipping_env,
            ActivityStore(pool),
            ActivityRelay(pool, time_skipping_env.client, settings),
            *gateway,
            task_queue,
        )
        async with Worker(
            time_skipping_env.client,
            task_queue=task_queue,
            workflows=[HolidayActivity, ActivityNoticeDigest],
            activities=town.activities(),
        ):
            yield town
            # A workflow left running would hold the shared server's clock for the next test.
            for handle in town.handles:
                with contextlib.suppress(RPCError):
                    await handle.terminate("test over")


async def sign_up(
    store: ActivityStore, activity_id: int, *, member: int | None = None, resident: str | None = None, role: str = ""
) -> domain.SignUp:
    signed, _ = await store.sign_up(STAFF, uuid.uuid4().hex, activity_id, member, resident, role)
    return signed


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
    [sent] = town.gateway.notices("activity_digest")
    assert sent["recipient"] == "org:4" and sent["text"].startswith("2 activity notice(s):")
    assert sent["text"].count("open for sign-ups until") == 2
    for activity_id in (festival, lesson):
        published = (await town.notices(activity_id))[0]
        assert published.notice_kind == "published" and published.sent_at is not None and published.delivered == 1
    # Nothing is held any more: the next digest sends nothing.
    again = await town.env.client.execute_workflow(
        ActivityNoticeDigest.run, NoticeDigestInput(), id=f"digest-{uuid.uuid4().hex}", task_queue=town.task_queue
    )
    assert again == NoticeOutcome(0, 0) and len(town.gateway.notices("activity_digest")) == 1
