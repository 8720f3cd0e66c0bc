"""Delivers committed activity transitions to their HolidayActivity workflows, through the one outbox relay
(services/runtime/outbox.py explains why): a transition is committed together with its row in activity_events,
sent as signal `changed` (starting the workflow on the first one). A notice the service records itself (a place
come free from the waiting list) reaches the workflow the same way, as signal `notice`, and the workflow sends it.

The daily digest's Temporal Schedule is created here too, the first time someone asks for a digest.
"""

from __future__ import annotations

import asyncpg
from temporalio.client import Client, ScheduleAlreadyRunningError
from temporalio.service import RPCError

from services.dispatch.activities import contract
from services.runtime.config import Settings
from services.runtime.errors import Unavailable
from services.runtime.outbox import Outbox, OutboxRelay, Row, SignalWithStart
from services.runtime.search_attributes import search_attributes

# Transitions and the notices the service records itself (the workflow's own are delivered as it records them).
OUTBOX = Outbox(
    "activity",
    "activity_events",
    "activity_id",
    """select e.id, e.activity_id, e.version, e.state, e.kind, e.at, a.org_unit_id
       from activity_events e join activities a on a.id = e.activity_id""",
)


class ActivityRelay(OutboxRelay):
    def __init__(self, pool: asyncpg.Pool, temporal: Client, settings: Settings) -> None:
        super().__init__(pool, temporal, settings, OUTBOX)
        self.limits = contract.ActivityLimits(approval_seconds=settings.activity_approval_limit.total_seconds())
        self.timezone = settings.timezone
        self._digest_scheduled = False

    def letter(self, row: Row) -> SignalWithStart:
        activity_id = str(row["activity_id"])
        argument: contract.ActivityChange | contract.NoticeRecorded
        if row["kind"] == "transition":
            signal, argument = contract.CHANGED_SIGNAL, contract.ActivityChange(row["version"], row["state"])
        else:
            signal, argument = contract.NOTICE_SIGNAL, contract.NoticeRecorded(row["id"])
        return SignalWithStart(
            workflow=contract.WORKFLOW,
            input=contract.HolidayActivityInput(
                activity_id=activity_id, org_unit_id=str(row["org_unit_id"]), limits=self.limits
            ),
            workflow_id=contract.workflow_id(activity_id),
            signal=signal,
            signal_arg=argument,
            search_attributes=search_attributes(str(row["org_unit_id"])),  # its state is not kept: read the workflow
        )

    async def ensure_digest_schedule(self) -> None:
        """Creates the daily digest's Temporal Schedule if it does not exist yet (once someone asks for a digest)."""
        if self._digest_scheduled:
            return
        try:
            await self.temporal.create_schedule(
                contract.DIGEST_SCHEDULE_ID, contract.digest_schedule(self.task_queue, self.timezone)
            )
        except ScheduleAlreadyRunningError:
            pass
        except (RPCError, RuntimeError, OSError) as exc:
            raise Unavailable("Temporal is not reachable to schedule the daily digest; retry") from exc
        self._digest_scheduled = True
