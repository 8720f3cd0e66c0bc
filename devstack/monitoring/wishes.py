"""The wishes dashboard (微心愿): wishes by state and category, overdue, escalations and reminders, time to claim and
to close, and the wish notices the worker sends."""

from __future__ import annotations

from devstack.monitoring import metrics as m
from devstack.monitoring.grafana import Dashboard, Panel, Query, Row, Variable, counted, from_database, quantile

_CATEGORY = 'category=~"$category"'
_WISH = ("state", "category")
# Events at human pace are counted per hour; durations of hours and days over a day of wishes leaving a state.
_HOUR = "1h"
_DAY = "1d"
_OPEN = 'state=~"submitted|approved|published|claimed|fulfilled"'


def _time_in(title: str, description: str, state: str) -> Panel:
    return Panel(
        title,
        description,
        "s",
        tuple(
            Query(quantile(q, m.WISH_STATE_SECONDS, _DAY, (), f'state="{state}"'), f"p{round(q * 100)}")
            for q in (0.5, 0.9)
        ),
        width=8,
    )


NOW = Row(
    "Now",
    (
        Panel(
            "Open wishes",
            "Wishes not yet closed (submitted, approved, published, claimed or fulfilled).",
            "short",
            (Query(from_database(m.WISHES, _WISH, (), _OPEN, _CATEGORY)),),
            kind="stat",
            width=6,
            height=5,
        ),
        Panel(
            "Overdue",
            "Open wishes past their deadline.",
            "short",
            (Query(from_database(m.WISHES_OVERDUE, ("category",), (), _CATEGORY)),),
            kind="stat",
            width=6,
            height=5,
            red_from=1,
        ),
        Panel(
            "Waiting to be claimed",
            "Wishes published on the wish wall and not yet claimed.",
            "short",
            (Query(from_database(m.WISHES, _WISH, (), 'state="published"', _CATEGORY)),),
            kind="stat",
            width=6,
            height=5,
        ),
        Panel(
            "Escalated in the last day",
            "Escalations up the org tree over the last 24 hours.",
            "short",
            (Query(counted(m.WISH_ESCALATIONS, _DAY, (), _CATEGORY)),),
            kind="stat",
            width=6,
            height=5,
            red_from=1,
        ),
        Panel(
            "Wishes by state",
            "Wishes in each state, read from the database.",
            "short",
            (Query(from_database(m.WISHES, _WISH, ("state",), _CATEGORY), "{{state}}"),),
            stacked=True,
        ),
        Panel(
            "Open wishes by category",
            "Open wishes in each category (政策宣传, 法律援助, 医疗保健, …); no category yet: not reviewed.",
            "short",
            (Query(from_database(m.WISHES, _WISH, ("category",), _OPEN, _CATEGORY), "{{category}}"),),
            stacked=True,
        ),
        Panel(
            "Overdue by category",
            "Open wishes past their deadline, by category.",
            "short",
            (Query(from_database(m.WISHES_OVERDUE, ("category",), ("category",), _CATEGORY), "{{category}}"),),
            stacked=True,
            width=24,
        ),
    ),
)

FLOW = Row(
    "What happens to them (per hour)",
    (
        Panel(
            "Transitions by the state entered",
            "Wish transitions committed each hour, by the state entered.",
            "short",
            (Query(counted(m.WISH_TRANSITIONS, _HOUR, ("state",), _CATEGORY), "{{state}}"),),
            stacked=True,
        ),
        Panel(
            "Limits passed",
            "Each hour, wishes that waited too long in a state, or claims that ran past their deadline, by state.",
            "short",
            (Query(counted(m.WISH_SLA_BREACHES, _HOUR, ("state",), _CATEGORY), "{{state}}"),),
            stacked=True,
        ),
        Panel(
            "Escalations by level",
            "Escalations up the org tree each hour, by the level escalated to.",
            "short",
            (Query(counted(m.WISH_ESCALATIONS, _HOUR, ("level",), _CATEGORY), "{{level}}"),),
            stacked=True,
        ),
        Panel(
            "Reminders by kind",
            "Reminders and escalations recorded each hour, by kind and the state that overran.",
            "short",
            (Query(counted(m.WISH_REMINDERS, _HOUR, ("kind", "state")), "{{kind}} ({{state}})"),),
            stacked=True,
        ),
    ),
)

TIMES = Row(
    "How long they take (wishes leaving the state over the last day)",
    (
        _time_in(
            "Time to claim", "Time from publication on the wish wall to a claim (time spent published).", "published"
        ),
        _time_in("Time to fulfil", "Time from a claim to its fulfilment report (time spent claimed).", "claimed"),
        _time_in(
            "Time to close", "Time from fulfilment to the resident's confirmation (time spent fulfilled).", "fulfilled"
        ),
        Panel(
            "Median time in each state",
            "Median time wishes spent in each state before leaving it.",
            "s",
            (Query(quantile(0.5, m.WISH_STATE_SECONDS, _DAY, ("state",)), "{{state}}"),),
            width=24,
        ),
    ),
)

NOTICES = Row(
    "Notices to people (sent by the worker, per hour)",
    (
        Panel(
            "Wish notices by purpose and outcome",
            "Notices per recipient each hour: delivered (every sender took it) or refused for good, by purpose.",
            "short",
            (Query(counted(m.WISH_NOTICES, _HOUR, ("purpose", "outcome")), "{{purpose}} {{outcome}}"),),
            stacked=True,
        ),
        Panel(
            "Wish notices given up on",
            "Notices given up on after six hours of retries, by purpose (each is told to the office above).",
            "short",
            (Query(counted(m.WISH_NOTICES_GIVEN_UP, _HOUR, ("purpose",)), "{{purpose}}"),),
            stacked=True,
            red_from=1,
        ),
    ),
)

DASHBOARD = Dashboard(
    name="wishes",
    title="linli — wishes",
    description="Residents' micro-wishes (微心愿): how many in each state, overdue, escalated, how long they take, and "
    "the notices that tell people.",
    rows=(NOW, FLOW, TIMES, NOTICES),
    namespace_metric=m.WISHES,
    variables=(Variable("category", "category", m.WISHES, "Category"),),
    tags=("wishes",),
)
