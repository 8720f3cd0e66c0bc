"""The outboxes dashboard: committed changes on their way to their workflows (the relay in
services/runtime/outbox.py, in the wishes and dispatch services) — pending, delivered, failed, and how long it took."""

from __future__ import annotations

from devstack.monitoring import metrics as m
from devstack.monitoring.grafana import Dashboard, Panel, Query, Row, counted, per_second, quantile, selector

_WINDOW = "$__rate_interval"

RELAY = Row(
    "Relay",
    (
        Panel(
            "Pending",
            "Changes of the relays' last batches not yet delivered, by outbox, over the replicas (each takes its own "
            "batch). Staying above 0 means Temporal is not taking the signals.",
            "short",
            (Query(f"sum by (outbox) ({selector(m.OUTBOX_PENDING)})", "{{outbox}}"),),
            red_from=1,
        ),
        Panel(
            "Delivered per second",
            "Committed changes delivered to their workflows per second, by outbox.",
            "ops",
            (Query(per_second(m.OUTBOX_DELIVERED, ("outbox",)), "{{outbox}}"),),
        ),
        Panel(
            "Delivery failures",
            "Failed attempts to deliver a committed change per 5 minutes, by outbox; each is tried again.",
            "short",
            (Query(counted(m.OUTBOX_FAILURES, "5m", ("outbox",)), "{{outbox}}"),),
            red_from=1,
        ),
        Panel(
            "Lag p50 and p99",
            "Time from a change's commit to its delivery to the workflow, by outbox.",
            "s",
            (
                Query(quantile(0.5, m.OUTBOX_LAG_SECONDS, _WINDOW, ("outbox",)), "p50 {{outbox}}"),
                Query(quantile(0.99, m.OUTBOX_LAG_SECONDS, _WINDOW, ("outbox",)), "p99 {{outbox}}"),
            ),
        ),
    ),
)

DASHBOARD = Dashboard(
    name="outboxes",
    title="linli — outboxes",
    description="Every state change commits with its outbox row, and a relay delivers it to its workflow as a signal: "
    "what waits, what got through, what failed and how long it took.",
    rows=(RELAY,),
    namespace_metric=m.OUTBOX_DELIVERED,
    tags=("outbox",),
)
