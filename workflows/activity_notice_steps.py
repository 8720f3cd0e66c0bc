"""Sending the notices of HolidayActivity and the daily digest (Temporal activities, steps of those workflows): to
each recipient through every sender (workflows/notices.py, the same as alert notices), each delivery recorded in
dispatch as it goes, so a retry sends only what has not got through; and, once retries run out, what is given up."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from linli.dispatch.v1 import activities_pb2, activities_pb2_grpc
from temporalio import activity

from services.dispatch.activities.domain import MAX_NOTE
from services.runtime.enums import name_of
from workflows.activity_steps import (
    PAGE,
    DigestRun,
    GiveUp,
    NoticeOutcome,
    NoticeRef,
    NoticeRequest,
    notify_request,
    timestamp,
)
from workflows.notices import GatewayRefused, Notice, Notifier, clip, raise_first_failure, send_through
from workflows.steps import TIMEOUT_SECONDS, call

_SEND_PAGE = 50  # recipients sent to at once, then recorded together


class ActivityNoticeSteps:
    def __init__(self, activities: activities_pb2_grpc.ActivityServiceStub, notifiers: Sequence[Notifier]) -> None:
        self.activities = activities
        self.notifiers = list(notifiers)

    async def _pending(
        self, activity_id: str, sequence: int, page_size: int
    ) -> activities_pb2.GetNoticeDeliveryResponse:
        """The notice, its activity, and a page of the recipients it has not reached yet."""
        request = activities_pb2.GetNoticeDeliveryRequest(
            activity_id=activity_id, sequence=sequence, page_size=page_size
        )
        return await call(self.activities.GetNoticeDelivery(request, timeout=TIMEOUT_SECONDS))

    async def _record(
        self, request: activities_pb2.RecordNoticeDeliveryRequest
    ) -> activities_pb2.RecordNoticeDeliveryResponse:
        return await call(self.activities.RecordNoticeDelivery(request, timeout=TIMEOUT_SECONDS))

    @activity.defn
    async def send_activity_notice(self, ref: NoticeRef) -> NoticeOutcome:
        """Sends a recorded notice to each recipient it has not reached yet, through every sender, and records
        each delivery. Reads the recipients from dispatch itself. A gateway that is down fails the attempt after
        recording what got through; the retry goes on from there, and the idempotency key (one per notice and
        recipient) lets the gateway drop a repeat of one it took just before a crash."""
        outcome = NoticeOutcome(0, 0)
        while True:
            page = await self._pending(ref.activity_id, ref.sequence, _SEND_PAGE)
            if not page.pending:
                return outcome
            results = await asyncio.gather(
                *(self._send_one(page.notice, page.activity, r) for r in page.pending), return_exceptions=True
            )
            delivered = [r.delivery_id for r, error in zip(page.pending, results, strict=True) if error is None]
            refused = [
                activities_pb2.NoticeFailure(delivery_id=r.delivery_id, reason=str(error))
                for r, error in zip(page.pending, results, strict=True)
                if isinstance(error, GatewayRefused)
            ]
            await self._record(
                activities_pb2.RecordNoticeDeliveryRequest(
                    activity_id=ref.activity_id, sequence=ref.sequence, delivered=delivered, failed=refused
                )
            )
            outcome.delivered += len(delivered)
            outcome.refused += len(refused)
            raise_first_failure(results)

    @activity.defn
    async def give_up_notice(self, give_up: GiveUp) -> NoticeRef:
        """Records every recipient a notice did not reach as failed, and records a notice to the organising org
        naming them (one per notice: a retry returns the first). Returns that notice, sequence 0 when none."""
        missed: list[str] = []
        notice: activities_pb2.ActivityEvent | None = None
        while True:
            page = await self._pending(give_up.activity_id, give_up.sequence, PAGE)
            notice = notice or page.notice
            if not page.pending:
                break
            recorded = await self._record(
                activities_pb2.RecordNoticeDeliveryRequest(
                    activity_id=give_up.activity_id,
                    sequence=give_up.sequence,
                    failed=[
                        activities_pb2.NoticeFailure(delivery_id=p.delivery_id, reason=give_up.reason)
                        for p in page.pending
                    ],
                    given_up=True,
                )
            )
            missed += [p.recipient for p in page.pending]
            notice = recorded.notice
        activity.logger.warning(
            "activity notice given up",
            extra={"activity_id": give_up.activity_id, "sequence": give_up.sequence, "recipients": len(missed)},
        )
        if not give_up.tell or notice is None or notice.failed == 0:
            return NoticeRef(give_up.activity_id, 0)
        kind = name_of(activities_pb2.ActivityNoticeKind, notice.notice_kind)
        # A retry after the failures were recorded no longer knows whom they were; the first record is returned.
        who = ", ".join(missed) if missed else "see the notice's record"
        note = (
            f"{notice.failed} of {len(notice.recipients)} recipient(s) of notice {notice.sequence} ({kind}) could not "
            f"be reached ({give_up.reason}): {who}"
        )
        request = NoticeRequest(
            request_id=f"activity-{give_up.activity_id}/undelivered/{give_up.sequence}",
            activity_id=give_up.activity_id,
            kind="undelivered",
            note=clip(note, MAX_NOTE),
            include_signed_up=False,
            recipients=[give_up.tell],
        )
        response = await call(self.activities.NotifyParticipants(notify_request(request), timeout=TIMEOUT_SECONDS))
        return NoticeRef(give_up.activity_id, response.notice.sequence)

    async def _send_one(
        self, notice: activities_pb2.ActivityEvent, about: activities_pb2.Activity, to: activities_pb2.NoticeRecipient
    ) -> None:
        kind = name_of(activities_pb2.ActivityNoticeKind, notice.notice_kind)
        when = f"{about.start_time.ToDatetime(tzinfo=UTC):%Y-%m-%d %H:%M} UTC"
        message = Notice(
            key=f"activity-{about.id}/notice-{notice.sequence}/{to.delivery_id}",
            alert_id="",  # an activity notice: the key and purpose say which
            purpose=f"activity_{kind}",
            recipient=to.recipient,
            alert_kind="",
            unit_id=about.org_unit_id,
            address=about.place,
            text=f"{about.title} ({when}, {about.place}): {notice.note}",
        )
        await self._send(message)

    @activity.defn
    async def send_notice_digests(self, run: DigestRun) -> NoticeOutcome:
        """Sends each recipient with held notices one digest of them, and records each digest as it goes; as
        send_activity_notice does, a retry sends only the digests not yet recorded, under the same keys."""
        outcome = NoticeOutcome(0, 0)
        day = f"{datetime.fromtimestamp(run.before, UTC):%Y%m%d}"
        while True:
            page = await call(
                self.activities.GetNoticeDigests(
                    activities_pb2.GetNoticeDigestsRequest(before=timestamp(run.before), page_size=_SEND_PAGE),
                    timeout=TIMEOUT_SECONDS,
                )
            )
            if not page.digests:
                return outcome
            results = await asyncio.gather(*(self._send_digest(day, d) for d in page.digests), return_exceptions=True)
            taken = [d for d, e in zip(page.digests, results, strict=True) if e is None]
            refused = [(d, str(e)) for d, e in zip(page.digests, results, strict=True) if isinstance(e, GatewayRefused)]
            record = activities_pb2.RecordDigestDeliveryRequest(
                delivered=[i.delivery_id for d in taken for i in d.items],
                failed=[
                    activities_pb2.NoticeFailure(delivery_id=i.delivery_id, reason=why)
                    for d, why in refused
                    for i in d.items
                ],
                held_delivered=[h.held_id for d in taken for h in d.held],
                held_failed=[
                    activities_pb2.NoticeFailure(delivery_id=h.held_id, reason=why)
                    for d, why in refused
                    for h in d.held
                ],
            )
            await call(self.activities.RecordDigestDelivery(record, timeout=TIMEOUT_SECONDS))
            outcome.delivered += sum(1 for e in results if e is None)
            outcome.refused += sum(1 for e in results if isinstance(e, GatewayRefused))
            raise_first_failure(results)

    async def _send_digest(self, day: str, digest: activities_pb2.NoticeDigest) -> None:
        lines = [
            f"{i.title} ({i.start_time.ToDatetime(tzinfo=UTC):%Y-%m-%d %H:%M} UTC, {i.place}): {i.note}"
            for i in digest.items
        ] + [h.text for h in digest.held]
        # Named by what it holds first: a retry of the same digest has the same key.
        first = f"{digest.items[0].delivery_id}" if digest.items else f"held-{digest.held[0].held_id}"
        message = Notice(
            key=f"notice-digest-{day}/{first}",
            alert_id="",
            purpose="notice_digest",
            recipient=digest.recipient,
            alert_kind="",
            unit_id="",
            text=f"{len(lines)} notice(s):\n" + "\n".join(lines),
        )
        await self._send(message)

    async def _send(self, message: Notice) -> None:
        await send_through(self.notifiers, message)
