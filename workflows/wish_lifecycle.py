"""WishLifecycle: one workflow per wish drives its time.

Postgres holds what is true now; this workflow holds the clock. The wishes service commits every
transition first and then tells the workflow (signal `transition`, carrying the wish's new version), from
an outbox, so no committed transition is lost. The workflow keeps the highest version it has heard of, and
when a limit passes it first re-reads the wish (a signal still in flight cannot make it act on a stale
state), then reminds, then escalates up the org tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.wish_activities import OrgRef, ReminderRequest, WishActivities, WishRef

# States that end the lifecycle.
CLOSED_STATES = frozenset({"rejected"})


@dataclass
class WishLimits:
    """Seconds a wish may wait in a state before a reminder; the same again before an escalation."""

    review_seconds: float
    publish_seconds: float
    claim_seconds: float

    def for_state(self, state: str) -> float | None:
        return {
            "submitted": self.review_seconds,
            "approved": self.publish_seconds,
            "published": self.claim_seconds,
        }.get(state)


@dataclass
class WishLifecycleInput:
    wish_id: str
    community_id: str
    limits: WishLimits


@dataclass
class WishTransition:
    """A committed transition, as the outbox relays it."""

    version: int
    state: str
    claimant_member_id: str = ""


@dataclass
class WishLifecycleStatus:
    state: str
    version: int
    reminders: list[str] = field(default_factory=list)


_ACTIVITY_OPTIONS = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
}


def workflow_id(wish_id: str) -> str:
    return f"wish-{wish_id}"


@workflow.defn
class WishLifecycle:
    @workflow.init
    def __init__(self, params: WishLifecycleInput) -> None:
        self.state = ""
        self.version = 0
        self.claimant_member_id = ""
        self.reminders: list[str] = []

    @workflow.signal
    def transition(self, change: WishTransition) -> None:
        self._apply(change.version, change.state, change.claimant_member_id)

    @workflow.query
    def status(self) -> WishLifecycleStatus:
        return WishLifecycleStatus(state=self.state, version=self.version, reminders=list(self.reminders))

    def _apply(self, version: int, state: str, claimant_member_id: str) -> None:
        # Signals may repeat (the outbox delivers at least once) and re-reads may race them: highest version wins.
        if version > self.version:
            self.version, self.state, self.claimant_member_id = version, state, claimant_member_id

    @workflow.run
    async def run(self, params: WishLifecycleInput) -> str:
        await workflow.wait_condition(lambda: self.version > 0)
        while self.state not in CLOSED_STATES:
            await self._follow_up(params)
        return self.state

    async def _follow_up(self, params: WishLifecycleInput) -> None:
        """Waits for the wish to move on; if a limit passes first, reminds, then escalates, then waits on."""
        state, version = self.state, self.version
        moved = lambda: self.version != version
        limit = params.limits.for_state(state)
        if limit is not None:
            for step in ("reminder", "escalation"):
                try:
                    await workflow.wait_condition(moved, timeout=timedelta(seconds=limit))
                    return
                except TimeoutError:
                    pass
                # Re-read the record before acting: a transition committed but not yet relayed is not missed.
                snapshot = await workflow.execute_activity_method(
                    WishActivities.read_wish, WishRef(params.wish_id), **_ACTIVITY_OPTIONS
                )
                self._apply(snapshot.version, snapshot.state, snapshot.claimant_member_id)
                if moved():
                    return
                await self._remind(params, step, state, version, limit)
        await workflow.wait_condition(moved)

    async def _remind(self, params: WishLifecycleInput, step: str, state: str, version: int, limit: float) -> None:
        waited = _humanise(limit)
        if step == "reminder":
            recipients = [f"org:{params.community_id}"]
            note = f"{_WAITING_FOR[state]} for {waited}: reminded the community"
            if state == "published":
                recommended = await self._recommended_claimants(params.wish_id)
                recipients += [f"member:{member_id}" for member_id in recommended]
                note += f" and {len(recommended)} recommended members"
        else:
            parent = await workflow.execute_activity_method(
                WishActivities.parent_org, OrgRef(params.community_id), **_ACTIVITY_OPTIONS
            )
            recipients = [f"org:{parent.org_unit_id}"] if parent.org_unit_id else [f"org:{params.community_id}"]
            note = f"{_WAITING_FOR[state]} for {waited} more: escalated to the parent org"
        await workflow.execute_activity_method(
            WishActivities.record_reminder,
            ReminderRequest(
                request_id=f"{workflow.info().workflow_id}/v{version}/{step}",
                wish_id=params.wish_id,
                kind=step,
                state=state,
                note=note,
                recipients=recipients,
            ),
            **_ACTIVITY_OPTIONS,
        )
        self.reminders.append(f"{step}:{state}")

    async def _recommended_claimants(self, wish_id: str) -> list[str]:
        try:
            return await workflow.execute_activity_method(
                WishActivities.recommend_claimants,
                WishRef(wish_id),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=3),
            )
        except ActivityError:
            # Recommendations help but are not essential: the community is reminded either way.
            workflow.logger.warning("no recommended claimants", extra={"wish_id": wish_id})
            return []


def _humanise(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


_WAITING_FOR = {
    "submitted": "not reviewed",
    "approved": "not published",
    "published": "not claimed",
}
