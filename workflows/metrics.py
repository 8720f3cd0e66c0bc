"""The worker's own metrics, beside the Temporal SDK's: made through the SDK's meter, so they are served on the
worker's /metrics with them (their counters get `_total` there: see `prometheus_config`).

Each is named once here, for the steps and workflows that count and for the series made at 0 when the worker starts:
a counter that appears only at its first event gives increase() and the alert rules nothing to read until then.
"""

from __future__ import annotations

from temporalio.common import MetricMeter
from temporalio.runtime import PrometheusConfig

SCHEDULE_RUNS = ("linli_schedule_runs", "Runs of linli's Temporal Schedules, by schedule kind and outcome.")
SCHEDULE_OUTCOMES = {
    "weekly_report": ("stored", "already_stored", "failed"),
    "yearly_report": ("stored",),
    "recurring_activity": ("done", "failed"),
    "commitment_check": ("done",),
}
WISH_NOTICES = (
    "linli_wish_notices",
    "Wish notices per recipient, by purpose and outcome (delivered: every sender took it; refused for good; held for "
    "the daily digest; capped: past the purpose's daily cap, not sent).",
)
WISH_NOTICES_GIVEN_UP = (
    "linli_wish_notices_given_up",
    "Wish notices given up on after six hours of retries, by purpose.",
)

DUTY_NOTICES = (
    "linli_duty_notices",
    "Duty notices (an uncovered day tomorrow) per recipient, by purpose and outcome (delivered; refused for good).",
)
DUTY_NOTICES_GIVEN_UP = (
    "linli_duty_notices_given_up",
    "Duty notices given up on after six hours of retries, by purpose.",
)

CARE_NOTICES = (
    "linli_care_notices",
    "Care pair notices per recipient, by purpose and outcome (delivered: every sender took it; refused for good).",
)
CARE_NOTICES_GIVEN_UP = (
    "linli_care_notices_given_up",
    "Care pair notices given up on after six hours of retries, by purpose.",
)
CARE_VISITS_OVERDUE = (
    "linli_care_visits_overdue",
    "Care visits not made within the cadence, by who was told (carers: reminded; office: after the grace).",
)

COMMITMENT_NOTICES = (
    "linli_commitment_notices",
    "Service commitment notices (a commitment lagging mid-year) per recipient, by purpose and outcome (delivered: "
    "every sender took it; refused for good).",
)
COMMITMENT_NOTICES_GIVEN_UP = (
    "linli_commitment_notices_given_up",
    "Service commitment notices given up on after six hours of retries, by purpose.",
)


def prometheus_config(bind_address: str) -> PrometheusConfig:
    """Prometheus' conventions for the SDK's metrics: counters end in _total, durations are seconds and say so."""
    return PrometheusConfig(
        bind_address=bind_address, counters_total_suffix=True, unit_suffix=True, durations_as_seconds=True
    )


def initialise_worker_metrics(meter: MetricMeter) -> None:
    """Every schedule's outcomes at 0; the notice counters, whose purposes are many, as one series without a
    purpose at 0, so `sum(increase(...))` sees the first one."""
    runs = meter.create_counter(*SCHEDULE_RUNS)
    for schedule, outcomes in SCHEDULE_OUTCOMES.items():
        for outcome in outcomes:
            runs.add(0, {"schedule": schedule, "outcome": outcome})
    meter.create_counter(*WISH_NOTICES).add(0)
    meter.create_counter(*WISH_NOTICES_GIVEN_UP).add(0)
    meter.create_counter(*DUTY_NOTICES).add(0)
    meter.create_counter(*DUTY_NOTICES_GIVEN_UP).add(0)
    meter.create_counter(*CARE_NOTICES).add(0)
    meter.create_counter(*CARE_NOTICES_GIVEN_UP).add(0)
    meter.create_counter(*COMMITMENT_NOTICES).add(0)
    meter.create_counter(*COMMITMENT_NOTICES_GIVEN_UP).add(0)
    overdue = meter.create_counter(*CARE_VISITS_OVERDUE)
    for told in ("carers", "office"):
        overdue.add(0, {"told": told})
