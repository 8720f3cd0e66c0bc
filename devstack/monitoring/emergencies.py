"""The emergencies dashboard (365 志愿者工作室): open alerts by state and escalation, those nobody has acknowledged, the
time to acknowledge, and the hours with nobody on duty in each community."""

from __future__ import annotations

from devstack.monitoring import metrics as m
from devstack.monitoring.grafana import Dashboard, Panel, Query, Row, counted, from_database, quantile, selector

_ALERT = ("state", "escalation")
_HOUR = "1h"
_UNACKNOWLEDGED = 'state="raised"'

NOW = Row(
    "Now",
    (
        Panel(
            "Unacknowledged alerts",
            "Alerts raised that nobody has acknowledged yet.",
            "short",
            (Query(from_database(m.ALERTS_OPEN, _ALERT, (), _UNACKNOWLEDGED)),),
            kind="stat",
            width=6,
            height=5,
            red_from=1,
        ),
        Panel(
            "Open alerts",
            "Alerts raised, acknowledged or with someone on the way, not yet resolved or cancelled.",
            "short",
            (Query(from_database(m.ALERTS_OPEN, _ALERT, ())),),
            kind="stat",
            width=6,
            height=5,
        ),
        Panel(
            "Oldest unacknowledged alert",
            "How long the oldest alert nobody has acknowledged has waited (none waiting: 0).",
            "s",
            (Query(f"max(time() - ({from_database(m.ALERT_OLDEST_UNACKNOWLEDGED, ())} > 0)) or vector(0)"),),
            kind="stat",
            width=6,
            height=5,
            red_from=60,
        ),
        Panel(
            "Communities uncovered tomorrow",
            "Communities with some stretch of tomorrow when nobody is on duty (those rostered but away count as "
            "nobody).",
            "short",
            (Query(from_database(m.DUTY_UNCOVERED_TOMORROW, ("community_id",), ())),),
            kind="stat",
            width=6,
            height=5,
            red_from=1,
        ),
        Panel(
            "Open alerts by state",
            "Open alerts by state: raised (nobody has answered), acknowledged, arrived.",
            "short",
            (Query(from_database(m.ALERTS_OPEN, _ALERT, ("state",)), "{{state}}"),),
            stacked=True,
        ),
        Panel(
            "Open alerts by escalation",
            "Open alerts by how far they have been escalated beyond the first volunteers.",
            "short",
            (Query(from_database(m.ALERTS_OPEN, _ALERT, ("escalation",)), "{{escalation}}"),),
            stacked=True,
        ),
    ),
)

RESPONSE = Row(
    "Response",
    (
        Panel(
            "Time to acknowledge",
            "Time from an alert being raised to its first acknowledgement (alerts acknowledged in the last hour).",
            "s",
            (
                *(
                    Query(quantile(q, m.ALERT_ACKNOWLEDGE_SECONDS, _HOUR), f"p{round(q * 100)}")
                    for q in (0.5, 0.9, 0.99)
                ),
                # The settings' limits, against which an answer is late and the next one is called.
                Query(f"max by (called) ({selector(m.ALERT_ACKNOWLEDGE_LIMIT)})", "limit {{called}}"),
            ),
        ),
        Panel(
            "Alerts raised and acknowledged",
            "Alerts raised and acknowledged each hour, by kind.",
            "short",
            (
                Query(counted(m.ALERTS_RAISED, _HOUR, ("kind",)), "raised {{kind}}"),
                Query(counted(m.ALERTS_ACKNOWLEDGED, _HOUR, ("kind",)), "acknowledged {{kind}}"),
            ),
        ),
        Panel(
            "Escalations by level",
            "Alert escalations beyond the volunteers each hour, by the level reached.",
            "short",
            (Query(counted(m.ALERTS_ESCALATED, _HOUR, ("level",)), "{{level}}"),),
            stacked=True,
        ),
        Panel(
            "Alerts closed",
            "Alerts resolved each hour by outcome, and those cancelled as false alarms.",
            "short",
            (
                Query(counted(m.ALERTS_RESOLVED, _HOUR, ("outcome",)), "resolved {{outcome}}"),
                Query(counted(m.ALERTS_CANCELLED, _HOUR), "cancelled"),
            ),
            stacked=True,
        ),
    ),
)

DUTY = Row(
    "Duty (值班)",
    (
        Panel(
            "Duty gaps by community",
            "Time with nobody on duty in the next 7 days, by community id, where there is any (GetDutyGaps names "
            "the hours).",
            "s",
            (Query(from_database(m.DUTY_GAP, ("community_id",)) + " > 0", "community {{community_id}} {{namespace}}"),),
            kind="bargauge",
        ),
        Panel(
            "Communities with a duty gap",
            "Communities with a time in the next 7 days when nobody is on duty.",
            "short",
            (Query(f"count({from_database(m.DUTY_GAP, ('community_id',))} > 0) or vector(0)"),),
        ),
    ),
)

DASHBOARD = Dashboard(
    name="emergencies",
    title="linli — emergencies and duty",
    description="Emergency alerts (from elderly-care monitoring or a call) until someone answers, and who is on duty.",
    rows=(NOW, RESPONSE, DUTY),
    namespace_metric=m.ALERTS_OPEN,
    tags=("dispatch",),
)
