"""What WishLifecycle runs against on the time-skipping server: stand-ins for the services' activities that record what
the workflow asked of them (tests/integration/test_wish_lifecycle_workflow.py, wish_histories/record.py)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from linli.dispatch.v1 import activities_pb2 as pb
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError

from services.wishes.contract import WishLimits
from workflows.notices import Notifier
from workflows.wish_notice_steps import WishNotice, WishNoticeOutcome, WishNoticeSteps
from workflows.wish_steps import (
    LimitActionRequest,
    OrgPathRequest,
    OrgRef,
    OrgStep,
    ReminderRequest,
    WishRef,
    WishSnapshot,
    org_kind_number,
)

HOUR = 3600


LIMITS = WishLimits(review_seconds=48 * HOUR, publish_seconds=24 * HOUR, claim_seconds=72 * HOUR)


class SendToEveryone:
    """Dispatch's routing of notices as a deployment where nobody asked for a digest and no purpose is capped."""

    async def RouteNotice(self, request: pb.RouteNoticeRequest, timeout: float) -> pb.RouteNoticeResponse:
        return pb.RouteNoticeResponse(
            routes=[pb.RecipientRoute(recipient=r, route=pb.NOTICE_ROUTE_SEND) for r in request.recipients]
        )


@dataclass
class World:
    """What the services would say, and what the workflow told them."""

    wish: WishSnapshot = field(default_factory=lambda: WishSnapshot(1, "submitted", ""))
    recommended: list[str] = field(default_factory=lambda: ["11", "12"])
    # The org tree around community 5: grid 6 below it; street 4, district 3, city 2 above it.
    parent_of: dict[str, str] = field(default_factory=lambda: {"6": "5", "5": "4", "4": "3", "3": "2"})
    kind_of: dict[str, str] = field(
        default_factory=lambda: {"6": "grid", "5": "community", "4": "street", "3": "district", "2": "city"}
    )
    org_paths_read: int = 0
    reminders: list[ReminderRequest] = field(default_factory=list)
    actions: list[LimitActionRequest] = field(default_factory=list)
    services_recorded: list[str] = field(default_factory=list)
    started: list[WorkflowHandle] = field(default_factory=list)
    task_queue: str = ""
    # The notices the workflow sent; with notifiers (e.g. a WebhookNotifier to a test gateway) they are really sent.
    notices: list[WishNotice] = field(default_factory=list)
    notifiers: list[Notifier] | None = None

    async def end_started(self) -> None:
        """Terminates the workflows a test left running, each once its steps in flight (a notice sent beside the
        timers) are done: a step left scheduled would hold the shared time-skipping server's clock for the next
        test."""
        for handle in self.started:
            with contextlib.suppress(RPCError):
                await handle.query("status")  # answered once the signals before it are handled: their steps scheduled
                for _ in range(200):
                    described = await handle.describe()
                    if described.status is None or described.status.name != "RUNNING":
                        break
                    raw = described.raw_description
                    if not raw.pending_activities and not raw.HasField("pending_workflow_task"):
                        await handle.terminate("test over")
                        break
                    await asyncio.sleep(0.05)
                else:
                    # A loaded machine's steps may take longer still: never leave it running past its worker, whose
                    # next workflow task nobody would take, holding the clock of every test after it.
                    await handle.terminate("test over, steps still in flight")

    def activities(self) -> list[object]:
        @activity.defn(name="read_wish")
        async def read_wish(ref: WishRef) -> WishSnapshot:
            return self.wish

        @activity.defn(name="recommend_claimants")
        async def recommend_claimants(ref: WishRef) -> list[str]:
            return self.recommended

        @activity.defn(name="parent_org")
        async def parent_org(ref: OrgRef) -> OrgRef:
            return OrgRef(self.parent_of.get(ref.org_unit_id, ""))

        @activity.defn(name="org_path")
        async def org_path(request: OrgPathRequest) -> list[OrgStep]:
            # Like the activity over the registry: ancestors nearest first, up to the top level or the root.
            self.org_paths_read += 1
            top = org_kind_number(request.top_kind) if request.top_kind else 0
            steps, unit = [], request.org_unit_id
            while unit := self.parent_of.get(unit, ""):
                steps.append(OrgStep(unit, self.kind_of[unit]))
                if org_kind_number(self.kind_of[unit]) <= top:
                    break
            return steps

        @activity.defn(name="record_reminder")
        async def record_reminder(request: ReminderRequest) -> bool:
            if all(r.request_id != request.request_id for r in self.reminders):
                self.reminders.append(request)
            return True

        @activity.defn(name="act_on_limit")
        async def act_on_limit(request: LimitActionRequest) -> WishSnapshot:
            self.actions.append(request)
            if self.wish.version == request.version:
                now = self.wish
                if request.action == "reopen_claim":
                    self.wish = WishSnapshot(now.version + 1, "published", "", now.category, now.deadline)
                else:
                    self.wish = WishSnapshot(now.version + 1, "closed", now.claimant_member_id, now.category)
            return self.wish

        @activity.defn(name="record_service")
        async def record_service(ref: WishRef) -> str:
            # Like the registry: one record per wish however often it is asked.
            if ref.wish_id not in self.services_recorded:
                self.services_recorded.append(ref.wish_id)
            return f"record-{ref.wish_id}"

        sender = WishNoticeSteps(SendToEveryone(), self.notifiers or [], {})  # type: ignore[arg-type]

        @activity.defn(name="send_wish_notice")
        async def send_wish_notice(notice: WishNotice) -> WishNoticeOutcome:
            if self.notifiers is not None:
                outcome = await sender.send_wish_notice(notice)
                self.notices.append(notice)
                return outcome
            if all(n.key != notice.key for n in self.notices):
                self.notices.append(notice)
            return WishNoticeOutcome(len(notice.recipients), 0)

        return [
            read_wish,
            recommend_claimants,
            parent_org,
            org_path,
            record_reminder,
            act_on_limit,
            record_service,
            send_wish_notice,
        ]
