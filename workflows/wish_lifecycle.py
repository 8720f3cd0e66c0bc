"""WishLifecycle: one workflow per wish drives its time.

Postgres holds what is true now; this workflow holds the clock. The wishes service commits every
transition first and then tells the workflow (signal `transition`, carrying the wish's new version), from
an outbox, so no committed transition is lost. The workflow keeps the highest version it has heard of, and
when a limit passes it first re-reads the wish (a signal still in flight cannot make it act on a stale
state), then reminds, then escalates up the org tree.

Submitted, approved or published too long (release 4): after the state's limit the community is reminded (an
unclaimed wish's recommended members too) — or, for a wish located in a grid or building, that unit; after each
further limit the wish is escalated one level further up (grid → community → street → district), and the climb
stops at `WishLimits.escalate_to` (services/wishes/contract.py) (the district: the office that runs linli) or at the tree's root. The path is
read once per waiting state (activity org_path), when the first escalation is due.

Claimed and past its deadline: the claimant is reminded, then (after a grace) the wish is escalated and reopened
for claiming. Fulfilled and not confirmed within the limit: closed as confirmed by default, with a note. Closed:
the service is recorded to the claimant in the registry, once (the registry is idempotent by wish id).

Not feasible, duplicate or referred (release 3, CloseWish): the workflow ends; nothing is recorded.

Notices (release 5, "wish-notices"): every reminder and escalation is also sent, once per recipient, through the
notice path (workflows/notices.py, step send_wish_notice) beside the timers: the offices it names, the recommended
members ("a wish near you fits your skills"), the claimant before the deadline, at it and at the lapse, and the
resident (`resident:<wish id>`) when the wish is published, claimed, fulfilled and closed. A notice not delivered
within six hours of retries is recorded in the history and told to the office above the community.

Versioning: each of those behaviours came in release 2 behind its own workflow.patched() id, so a wish whose
history was written by release 1 replays the release-1 path at that point and stays deterministic, while
every wish reaching the point after the upgrade takes the new one. Release 4's climb sits behind
"escalation-climb" the same way: a wish started before it keeps the single escalation of releases 1–3. tests/integration/test_wish_replay.py
replays stored histories of every release.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from services.runtime.env import format_duration
    from services.runtime.search_attributes import CATEGORY as SEARCH_CATEGORY
    from services.runtime.search_attributes import STATE as SEARCH_STATE
    from services.wishes.contract import (
        STATUS_QUERY,
        TRANSITION_SIGNAL,
        WORKFLOW,
        WishLifecycleInput,
        WishLifecycleStatus,
        WishTransition,
    )
    from workflows.wish_lifecycle_notices import CLOSED_NEWS, PATCH_NOTICES, RESIDENT_NEWS, WishNotices
    from workflows.wish_steps import (
        LimitActionRequest,
        OrgPathRequest,
        OrgRef,
        OrgStep,
        ReminderRequest,
        WishRef,
        WishSnapshot,
        WishSteps,
    )

# States that end the lifecycle (release 1 knew only the first).
CLOSED_STATES = frozenset({"rejected", "closed", "withdrawn"})
# Release 2's behaviours, each behind its own patch so release-1 histories replay unchanged.
PATCH_CLAIM_DEADLINE = "claim-deadline"  # claimed past deadline: remind, escalate, reopen
PATCH_CONFIRM_LIMIT = "confirm-limit"  # fulfilled, not confirmed: close by default
PATCH_CLOSE_OUT = "close-out"  # closed or withdrawn ends the workflow; closed records the service
# Release 3: closing states that say what happened (CloseWish) end the workflow too.
PATCH_CLOSING_OUTCOMES = "closing-outcomes"
OUTCOME_STATES = frozenset({"not_feasible", "duplicate", "referred"})
# Release 4: a wish left waiting keeps climbing the org tree, one level per further limit, up to the top level.
PATCH_CLIMB = "escalation-climb"
# Release 6: a wish started with linli's search attributes keeps them current.
PATCH_SEARCH_ATTRIBUTES = "search-attributes"


_STEP_OPTIONS: workflow.ActivityConfig = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
}


@workflow.defn(name=WORKFLOW)
class WishLifecycle:
    @workflow.init
    def __init__(self, params: WishLifecycleInput) -> None:
        self.state = ""
        self.version = 0
        self.claimant_member_id = ""
        self.category = ""
        self.deadline = 0.0
        self.unit_id = ""  # the grid or building the wish lies in, learnt from a re-read (it never changes)
        self.reminders: list[str] = []
        self.service_record_id = ""
        self.notices = WishNotices(params.wish_id, params.community_id, lambda: self.state)

    @workflow.signal(name=TRANSITION_SIGNAL)
    def transition(self, change: WishTransition) -> None:
        self._apply(change)

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> WishLifecycleStatus:
        return WishLifecycleStatus(
            state=self.state,
            version=self.version,
            reminders=list(self.reminders),
            service_record_id=self.service_record_id,
        )

    def _apply(self, change: WishTransition | WishSnapshot) -> None:
        # Signals may repeat (the outbox delivers at least once) and re-reads may race them: highest version wins.
        if change.version > self.version:
            self.version, self.state, self.claimant_member_id = change.version, change.state, change.claimant_member_id
            self.category, self.deadline = change.category, change.deadline

    def _ended(self) -> bool:
        if self.state == "rejected":
            return True
        if self.state in OUTCOME_STATES:
            return workflow.patched(PATCH_CLOSING_OUTCOMES)
        return self.state in CLOSED_STATES and workflow.patched(PATCH_CLOSE_OUT)

    @workflow.run
    async def run(self, params: WishLifecycleInput) -> str:
        await workflow.wait_condition(lambda: self.version > 0)
        while not self._ended():
            self._keep_searchable()
            self.notices.tell_resident(self.state, self.version, RESIDENT_NEWS, self.claimant_member_id)
            await self._follow_up(params)
        self._keep_searchable()
        self.notices.tell_resident(self.state, self.version, CLOSED_NEWS, self.claimant_member_id)
        if self.state == "closed" and self.claimant_member_id:
            record = await workflow.execute_activity_method(
                WishSteps.record_service, WishRef(params.wish_id), **_STEP_OPTIONS
            )
            self.service_record_id = record
        # Nothing is left half-sent: every notice is through or given up on before the workflow ends.
        await workflow.wait_condition(self.notices.all_done)
        return self.state

    def _keep_searchable(self) -> None:
        """A wish started with linli's search attributes keeps its state and category in them, for the Temporal UI
        (release 6, behind its patch; a wish started without them is left so)."""
        current = workflow.info().typed_search_attributes
        if current.get(SEARCH_STATE) is None or not workflow.patched(PATCH_SEARCH_ATTRIBUTES):
            return
        if (current.get(SEARCH_STATE), current.get(SEARCH_CATEGORY) or "") != (self.state, self.category):
            category = SEARCH_CATEGORY.value_set(self.category) if self.category else SEARCH_CATEGORY.value_unset()
            workflow.upsert_search_attributes([SEARCH_STATE.value_set(self.state), category])

    async def _follow_up(self, params: WishLifecycleInput) -> None:
        """Waits for the wish to move on; if a limit passes first, reminds, then escalates, then waits on."""
        state, version = self.state, self.version
        moved = lambda: self.version != version
        if state == "claimed" and workflow.patched(PATCH_CLAIM_DEADLINE):
            await self._follow_claim(params, version)
            return
        if state == "fulfilled" and workflow.patched(PATCH_CONFIRM_LIMIT):
            await self._follow_fulfilment(params, version)
            return
        limit = params.limits.for_state(state, self.category)
        if limit is not None and workflow.patched(PATCH_CLIMB):
            await self._climb(params, state, version, limit)
            return
        if limit is not None:
            for step in ("reminder", "escalation"):
                try:
                    await workflow.wait_condition(moved, timeout=timedelta(seconds=limit))
                    return
                except TimeoutError:
                    pass
                # Re-read the record before acting: a transition committed but not yet relayed is not missed.
                if await self._reread_moved(params, version):
                    return
                await self._remind(params, step, state, version, limit)
        await workflow.wait_condition(moved)

    async def _climb(self, params: WishLifecycleInput, state: str, version: int, limit: float) -> None:
        """Waiting in `state`: after the limit remind the community (and, unclaimed, the recommended members);
        after each further limit escalate one level up the org tree (street, then district), stopping at the
        top level. Every step re-reads the wish first and is recorded once (its own request id)."""
        if await self._wait(version, limit) or await self._reread_moved(params, version):
            return
        # A wish located in a grid or building reminds it first, then climbs grid → community → street ...
        start = self.unit_id or params.community_id
        await self._remind(params, "reminder", state, version, limit, start)
        if await self._wait(version, limit) or await self._reread_moved(params, version):
            return
        path = await self._org_path(params, start)  # read once per waiting state, when the first escalation is due
        for level, org in enumerate(path, 1):
            if level > 1 and (await self._wait(version, limit) or await self._reread_moved(params, version)):
                return
            top = " (the top level)" if level == len(path) else ""
            waited = format_duration(limit * (level + 1))
            await self._record(
                params,
                "escalation",
                state,
                version,
                [f"org:{org.org_unit_id}"],
                f"{_WAITING_FOR[state]} for {waited}: escalated to the {org.kind}{top}",
                key=f"escalation-{level}",
                level=org.kind,
            )
            self.notices.send(
                self.unit_id,
                f"{version}/escalation-{level}",
                "wish_escalation",
                [f"org:{org.org_unit_id}"],
                f"wish {params.wish_id} {_WAITING_FOR[state]} for {waited}: escalated to your office, please act on it",
                urgent=True,
            )
        await workflow.wait_condition(lambda: self.version != version)

    async def _org_path(self, params: WishLifecycleInput, start: str) -> list[OrgStep]:
        try:
            return await workflow.execute_activity_method(
                WishSteps.org_path,
                OrgPathRequest(start, params.limits.escalate_to),
                **_STEP_OPTIONS,
            )
        except ActivityError:
            # Only a permanent error gets here (e.g. the community is gone): the reminder stands, nothing climbs.
            workflow.logger.warning("no org path to escalate along", extra={"wish_id": params.wish_id})
            return []

    async def _reread_moved(self, params: WishLifecycleInput, version: int) -> bool:
        """Re-reads the record before acting: a transition committed but not yet relayed is not missed."""
        snapshot = await workflow.execute_activity_method(WishSteps.read_wish, WishRef(params.wish_id), **_STEP_OPTIONS)
        self._apply(snapshot)
        self.unit_id = snapshot.unit_id
        return self.version != version

    async def _wait(self, version: int, seconds: float) -> bool:
        """True when the wish moved on within `seconds`."""
        try:
            await workflow.wait_condition(lambda: self.version != version, timeout=timedelta(seconds=seconds))
            return True
        except TimeoutError:
            return False

    async def _follow_claim(self, params: WishLifecycleInput, version: int) -> None:
        """Claimed: at the deadline remind the claimant; after the grace, escalate and reopen it for claiming."""
        if not self.deadline:
            await workflow.wait_condition(lambda: self.version != version)
            return
        grace = params.limits.seconds("overdue_grace", self.category)
        claimant = f"member:{self.claimant_member_id}"
        lapses = f"{datetime.fromtimestamp(self.deadline + grace, UTC):%Y-%m-%d %H:%M} UTC"
        if await self._claim_due_notice(params, version, claimant, lapses):
            return
        until_deadline = max(0.0, self.deadline - workflow.now().timestamp())
        if await self._wait(version, until_deadline) or await self._reread_moved(params, version):
            return
        await self._record(
            params,
            "reminder",
            "claimed",
            version,
            [claimant, f"org:{params.community_id}"],
            "past its deadline: reminded the claimant",
        )
        self.notices.send(
            self.unit_id,
            f"{version}/reminder",
            "wish_claim_deadline",
            [claimant],
            f"your claim on wish {params.wish_id} has reached its deadline: it lapses at {lapses} unless fulfilled",
            urgent=True,
        )
        if await self._wait(version, grace) or await self._reread_moved(params, version):
            return
        parent = await self._parent(params)
        await self._record(
            params,
            "escalation",
            "claimed",
            version,
            [parent],
            f"past its deadline by {format_duration(grace)} more: escalated to the parent org and reopened for claiming",
        )
        snapshot = await workflow.execute_activity_method(
            WishSteps.act_on_limit,
            LimitActionRequest(
                request_id=f"{workflow.info().workflow_id}/v{version}/reopen",
                wish_id=params.wish_id,
                action="reopen_claim",
                version=version,
                note=f"claim by member {self.claimant_member_id} lapsed past its deadline: reopened for claiming",
            ),
            **_STEP_OPTIONS,
        )
        self._apply(snapshot)
        if snapshot.state == "published":  # reopened (a move made meanwhile would have kept it from applying)
            self.notices.send(
                self.unit_id,
                f"{version}/escalation",
                "wish_claim_lapsed",
                [claimant],
                f"your claim on wish {params.wish_id} lapsed past its deadline: the wish is open for claiming again",
                urgent=True,
            )
            self.notices.send(
                self.unit_id,
                f"{version}/reopened",
                "wish_reopened",
                [parent],
                f"wish {params.wish_id}: its claim lapsed {format_duration(grace)} past the deadline; it is reopened for "
                "claiming and escalated to your office",
                urgent=True,
            )
        await workflow.wait_condition(lambda: self.version != version)

    async def _follow_fulfilment(self, params: WishLifecycleInput, version: int) -> None:
        """Fulfilled: if the resident has not confirmed within the limit, close it as confirmed by default."""
        limit = params.limits.seconds("confirm", self.category)
        if await self._wait(version, limit) or await self._reread_moved(params, version):
            return
        snapshot = await workflow.execute_activity_method(
            WishSteps.act_on_limit,
            LimitActionRequest(
                request_id=f"{workflow.info().workflow_id}/v{version}/close",
                wish_id=params.wish_id,
                action="close_unconfirmed",
                version=version,
                note=f"not confirmed within {format_duration(limit)}: closed as confirmed by default",
            ),
            **_STEP_OPTIONS,
        )
        self._apply(snapshot)
        await workflow.wait_condition(lambda: self.version != version)

    async def _parent(self, params: WishLifecycleInput) -> str:
        parent = await workflow.execute_activity_method(
            WishSteps.parent_org, OrgRef(params.community_id), **_STEP_OPTIONS
        )
        return f"org:{parent.org_unit_id}" if parent.org_unit_id else f"org:{params.community_id}"

    async def _record(
        self,
        params: WishLifecycleInput,
        step: str,
        state: str,
        version: int,
        recipients: list[str],
        note: str,
        key: str = "",
        level: str = "",
    ) -> None:
        """Records a reminder or escalation once: its request id names the wish, the version and the step."""
        await workflow.execute_activity_method(
            WishSteps.record_reminder,
            ReminderRequest(
                request_id=f"{workflow.info().workflow_id}/v{version}/{key or step}",
                wish_id=params.wish_id,
                kind=step,
                state=state,
                note=note,
                recipients=recipients,
                level=level,
            ),
            **_STEP_OPTIONS,
        )
        self.reminders.append(f"{step}:{state}")

    async def _claim_due_notice(self, params: WishLifecycleInput, version: int, claimant: str, lapses: str) -> bool:
        """Before the deadline (release 5): tells the claimant when the claim lapses and that it can be extended
        once. True when the wish moved on meanwhile."""
        if not workflow.patched(PATCH_NOTICES):
            return False
        ahead = params.limits.seconds("claim_notice", self.category)
        until = self.deadline - ahead - workflow.now().timestamp()
        if until <= 0:
            return False  # claimed at short notice: the deadline's own notice is the first
        if await self._wait(version, until) or await self._reread_moved(params, version):
            return True
        when = f"{datetime.fromtimestamp(self.deadline, UTC):%Y-%m-%d %H:%M} UTC"
        self.notices.send(
            self.unit_id,
            f"{version}/claim-due",
            "wish_claim_due",
            [claimant],
            f"your claim on wish {params.wish_id} is due at {when} and lapses at {lapses} unless fulfilled; "
            "a claim can be extended once before its deadline (ExtendClaim)",
        )
        return False

    async def _remind(
        self, params: WishLifecycleInput, step: str, state: str, version: int, limit: float, unit_id: str = ""
    ) -> None:
        waited = format_duration(limit)
        if step == "reminder":
            unit_id = unit_id or params.community_id
            recipients = [f"org:{unit_id}"]
            where = "the community" if unit_id == params.community_id else "the grid or building it lies in"
            note = f"{_WAITING_FOR[state]} for {waited}: reminded {where}"
            if state == "published":
                recommended = await self._recommended_claimants(params.wish_id)
                recipients += [f"member:{member_id}" for member_id in recommended]
                note += f" and {len(recommended)} recommended members"
        else:
            recipients = [await self._parent(params)]
            note = f"{_WAITING_FOR[state]} for {waited} more: escalated to the parent org"
        await self._record(params, step, state, version, recipients, note)
        if step != "reminder":
            return  # the single escalation of releases 1-3: only wishes started before the climb take it
        offices = [r for r in recipients if r.startswith("org:")]
        members = [r for r in recipients if r.startswith("member:")]
        self.notices.send(
            self.unit_id,
            f"{version}/reminder",
            "wish_reminder",
            offices,
            f"wish {params.wish_id} {_WAITING_FOR[state]} for {waited}: please {_PLEASE[state]}",
        )
        if members:
            self.notices.send(
                self.unit_id,
                f"{version}/reminder/recommended",
                "wish_recommended",
                members,
                f"a wish near you fits your skills: wish {params.wish_id} on the wish wall is waiting for a member",
            )

    async def _recommended_claimants(self, wish_id: str) -> list[str]:
        try:
            return await workflow.execute_activity_method(
                WishSteps.recommend_claimants,
                WishRef(wish_id),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=3),
            )
        except ActivityError:
            # Recommendations help but are not essential: the community is reminded either way.
            workflow.logger.warning("no recommended claimants", extra={"wish_id": wish_id})
            return []


_PLEASE = {"submitted": "review it", "approved": "publish it", "published": "find a member to claim it"}

_WAITING_FOR = {
    "submitted": "not reviewed",
    "approved": "not published",
    "published": "not claimed",
}
