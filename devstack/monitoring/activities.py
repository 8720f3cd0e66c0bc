"""The activities and notices dashboard: holiday and neighbourhood activities by state, sign-ups and check-ins, and
every notice to people (activities' and wishes') by outcome, given-up ones apart."""

from __future__ import annotations

from devstack.monitoring import metrics as m
from devstack.monitoring.grafana import Dashboard, Panel, Query, Row, counted, from_database

_ACTIVITY = ("state", "kind")
_HOUR = "1h"
_DAY = "1d"

ACTIVITIES = Row(
    "Activities (活动)",
    (
        Panel(
            "Activities by state",
            "Activities in each state, read from the database.",
            "short",
            (Query(from_database(m.ACTIVITIES, _ACTIVITY, ("state",)), "{{state}}"),),
            stacked=True,
        ),
        Panel(
            "Activities by kind",
            "Activities of each kind, in any state.",
            "short",
            (Query(from_database(m.ACTIVITIES, _ACTIVITY, ("kind",)), "{{kind}}"),),
            stacked=True,
        ),
        Panel(
            "Transitions by the state entered",
            "Activity transitions committed each hour, by the state entered.",
            "short",
            (Query(counted(m.ACTIVITY_TRANSITIONS, _HOUR, ("state",)), "{{state}}"),),
            stacked=True,
            width=8,
        ),
        Panel(
            "Sign-ups",
            "Sign-ups each hour taken, withdrawn and promoted from the waiting list, by outcome and kind "
            "(participant or volunteer).",
            "short",
            (Query(counted(m.ACTIVITY_SIGN_UPS, _HOUR, ("outcome", "kind")), "{{outcome}} {{kind}}"),),
            stacked=True,
            width=8,
        ),
        Panel(
            "Check-ins and check-outs",
            "Check-ins (签到) and check-outs (签退) each hour, by kind.",
            "short",
            (
                Query(counted(m.ACTIVITY_CHECK_INS, _HOUR, ("kind",)), "in {{kind}}"),
                Query(counted(m.ACTIVITY_CHECK_OUTS, _HOUR, ("kind",)), "out {{kind}}"),
            ),
            width=8,
        ),
    ),
)

_GIVEN_UP = 'outcome="given_up"'


def _both(outcome: str, given_up: bool = False) -> str:
    """Activities' and wishes' notices of one outcome over the last day (either may have no series yet). The worker
    counts wishes' given-up notices apart, in their own counter."""
    wishes = counted(m.WISH_NOTICES_GIVEN_UP, _DAY) if given_up else counted(m.WISH_NOTICES, _DAY, (), outcome)
    return f"({counted(m.ACTIVITY_NOTICES, _DAY, (), outcome)} or vector(0)) + ({wishes} or vector(0))"


NOTICES = Row(
    "Notices to people",
    (
        Panel(
            "Given up on (last day)",
            "Notices to people given up on after six hours of retries over the last 24 hours, activities' and wishes'.",
            "short",
            (Query(_both(_GIVEN_UP, given_up=True)),),
            kind="stat",
            width=6,
            height=5,
            red_from=1,
        ),
        Panel(
            "Refused for good (last day)",
            "Notices the gateway refused for good over the last 24 hours, activities' and wishes'.",
            "short",
            (Query(_both('outcome="refused"')),),
            kind="stat",
            width=6,
            height=5,
            red_from=1,
        ),
        Panel(
            "Delivered (last day)",
            "Notices every sender took over the last 24 hours, activities' and wishes'.",
            "short",
            (Query(_both('outcome="delivered"')),),
            kind="stat",
            width=12,
            height=5,
        ),
        Panel(
            "Activity notices by kind and outcome",
            "Activity notices per recipient each hour: delivered, refused for good, or given up on, by notice kind.",
            "short",
            (Query(counted(m.ACTIVITY_NOTICES, _HOUR, ("notice_kind", "outcome")), "{{notice_kind}} {{outcome}}"),),
            stacked=True,
        ),
        Panel(
            "Wish notices by purpose and outcome",
            "Wish notices per recipient each hour, by purpose and outcome; given-up ones by purpose.",
            "short",
            (
                Query(counted(m.WISH_NOTICES, _HOUR, ("purpose", "outcome")), "{{purpose}} {{outcome}}"),
                Query(counted(m.WISH_NOTICES_GIVEN_UP, _HOUR, ("purpose",)), "{{purpose}} given_up"),
            ),
            stacked=True,
        ),
    ),
)

DASHBOARD = Dashboard(
    name="activities",
    title="linli — activities and notices",
    description="Holiday and neighbourhood activities from proposal to close-out, and every notice linli sends people "
    "through the SMS / app-push gateway.",
    rows=(ACTIVITIES, NOTICES),
    namespace_metric=m.ACTIVITIES,
    tags=("dispatch", "notices"),
)
