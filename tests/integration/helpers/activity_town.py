"""What HolidayActivity runs against on the time-skipping server: dispatch's real activity store and outbox relay on
real Postgres, the real notice senders posting to an HTTP receiver on 127.0.0.1, and stand-ins that record what the
workflow asked of dispatch's ranking and the registry. A town is made for each test by the `town` fixture
(tests/integration/conftest.py)."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from linli.dispatch.v1 import activities_pb2 as pb
from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from services.dispatch.activities import domain
from services.dispatch.activities.contract import RoleNeed, workflow_id
from services.dispatch.activities.messages import digest_message, routes_message
from services.dispatch.activities.relay import ActivityRelay
from services.dispatch.activities.servicer import activity_message, event_message
from services.dispatch.activities.store import ActivityStore, NewActivity, WrongState
from services.runtime.auth import WHOLE_DEPLOYMENT, Caller, Role
from tests.helpers.notice_gateway import NoticeGateway
from workflows.activity_notice_steps import ActivityNoticeSteps
from workflows.activity_steps import (
    ActivityRef,
    ActivitySnapshot,
    AdvanceRequest,
    AdvanceResult,
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


class StoreAsService:
    """The ActivityService calls the send steps make, answered from the store as the servicer does."""

    def __init__(self, store: ActivityStore) -> None:
        self.store = store
        self.day = date(2026, 6, 19)  # the deployment's day RouteNotice counts a capped purpose by

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

    async def RouteNotice(self, request: pb.RouteNoticeRequest, timeout: float) -> Any:
        routes = await self.store.route_notice(
            WORKER.retry_key(request.request_id),
            request.purpose,
            request.text,
            list(request.recipients),
            may_hold=request.may_hold,
            daily_cap=request.daily_cap,
            day=self.day,
        )
        return routes_message(routes)

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
        return pb.GetNoticeDigestsResponse(digests=[digest_message(r, digest) for r, digest in held.items()])

    async def RecordDigestDelivery(self, request: pb.RecordDigestDeliveryRequest, timeout: float) -> Any:
        await self.store.record_digest(
            list(request.delivered),
            [(f.delivery_id, f.reason) for f in request.failed],
            list(request.held_delivered),
            [(f.delivery_id, f.reason) for f in request.held_failed],
        )
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


async def sign_up(
    store: ActivityStore, activity_id: int, *, member: int | None = None, resident: str | None = None, role: str = ""
) -> domain.SignUp:
    signed, _ = await store.sign_up(STAFF, uuid.uuid4().hex, activity_id, domain.Signer(member, resident), role)
    return signed
