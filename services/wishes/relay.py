"""The transition relay: delivers committed wish transitions to their WishLifecycle workflows, through the one
outbox relay (services/runtime/outbox.py explains why). A transition is committed with its row in wish_events;
that row, sent as signal `transition`, starts the wish's workflow on the first one.
"""

from __future__ import annotations

import asyncpg
from temporalio.client import Client

from services.runtime.config import Settings
from services.runtime.config import WishLimits as WishLimitSettings
from services.runtime.env import ConfigError
from services.runtime.outbox import Outbox, OutboxRelay, Row, SignalWithStart
from services.runtime.search_attributes import search_attributes
from services.wishes import contract
from services.wishes.domain import CATEGORY_NUMBERS

OUTBOX = Outbox(
    "wish",
    "wish_events",
    "wish_id",
    """select e.id, e.wish_id, e.version, e.state, e.at, w.community_id, w.claimant_member_id, w.category, w.deadline
       from wish_events e join wishes w on w.id = e.wish_id""",
    where="e.kind = 'transition'",
)


def workflow_limits(limits: WishLimitSettings) -> contract.WishLimits:
    """The deployment's limits as the workflow takes them (seconds), checking the category names."""
    unknown = set(limits.by_category) - set(CATEGORY_NUMBERS)
    if unknown:
        raise ConfigError(
            f"LINLI_WISH_CATEGORY_LIMITS: unknown categories {', '.join(sorted(unknown))} "
            f"(known: {', '.join(CATEGORY_NUMBERS)})"
        )
    return contract.WishLimits(
        review_seconds=limits.review.total_seconds(),
        publish_seconds=limits.publish.total_seconds(),
        claim_seconds=limits.claim.total_seconds(),
        overdue_grace_seconds=limits.overdue_grace.total_seconds(),
        confirm_seconds=limits.confirm.total_seconds(),
        by_category={
            category: {name: duration.total_seconds() for name, duration in overrides.items()}
            for category, overrides in limits.by_category.items()
        },
        escalate_to=limits.escalate_to,
        claim_notice_seconds=limits.claim_notice.total_seconds(),
    )


class TransitionRelay(OutboxRelay):
    def __init__(self, pool: asyncpg.Pool, temporal: Client, settings: Settings) -> None:
        super().__init__(pool, temporal, settings, OUTBOX)
        self.limits = workflow_limits(settings.wish_limits)

    def letter(self, row: Row) -> SignalWithStart:
        wish_id = str(row["wish_id"])
        claimant = row["claimant_member_id"]
        return SignalWithStart(
            workflow=contract.WORKFLOW,
            input=contract.WishLifecycleInput(
                wish_id=wish_id, community_id=str(row["community_id"]), limits=self.limits
            ),
            workflow_id=contract.workflow_id(wish_id),
            signal=contract.TRANSITION_SIGNAL,
            signal_arg=contract.WishTransition(
                row["version"],
                row["state"],
                str(claimant) if claimant else "",
                row["category"] or "",
                row["deadline"].timestamp() if row["deadline"] else 0.0,
            ),
            search_attributes=search_attributes(str(row["community_id"]), row["state"], row["category"] or ""),
        )
