"""The workflows and schedules dashboard: the worker's Temporal SDK metrics (workflow and activity failures, task
latencies, free task slots) and the runs of linli's Temporal Schedules (weekly and yearly reports, recurring
activities, the daily digest)."""

from __future__ import annotations

from devstack.monitoring import metrics as m
from devstack.monitoring.grafana import Dashboard, Panel, Query, Row, Variable, counted, quantile, selector

_WINDOW = "$__rate_interval"
_TASK_QUEUE = 'task_queue=~"$task_queue"'

FAILURES = Row(
    "Failures",
    (
        Panel(
            "Workflow task failures",
            "Workflow tasks that failed (a workflow's code raised, or a replay did not match its history: a "
            "non-determinism error), per 5 minutes, by workflow type.",
            "short",
            (
                Query(
                    counted(m.TEMPORAL_WORKFLOW_TASK_FAILED, "5m", ("workflow_type",), _TASK_QUEUE), "{{workflow_type}}"
                ),
            ),
            stacked=True,
            red_from=1,
        ),
        Panel(
            "Step failures",
            "Attempts of workflow steps (Temporal activities) that failed, per 5 minutes, by step; each is retried by "
            "its policy.",
            "short",
            (Query(counted(m.TEMPORAL_ACTIVITY_FAILED, "5m", ("activity_type",), _TASK_QUEUE), "{{activity_type}}"),),
            stacked=True,
        ),
        Panel(
            "Workflows completed and failed",
            "Workflow runs that completed or failed each hour, by workflow type.",
            "short",
            (
                Query(
                    counted(m.TEMPORAL_WORKFLOW_COMPLETED, "1h", ("workflow_type",), _TASK_QUEUE),
                    "done {{workflow_type}}",
                ),
                Query(
                    counted(m.TEMPORAL_WORKFLOW_FAILED, "1h", ("workflow_type",), _TASK_QUEUE),
                    "failed {{workflow_type}}",
                ),
            ),
            width=24,
        ),
    ),
)

LATENCY = Row(
    "Waiting and running",
    (
        Panel(
            "Workflow task schedule-to-start",
            "Time workflow tasks waited on the task queue for a worker: growing means too few workers.",
            "s",
            tuple(
                Query(
                    quantile(q, m.TEMPORAL_WORKFLOW_TASK_SCHEDULE_TO_START, _WINDOW, (), _TASK_QUEUE),
                    f"p{round(q * 100)}",
                )
                for q in (0.5, 0.99)
            ),
            width=8,
        ),
        Panel(
            "Step schedule-to-start",
            "Time steps (Temporal activities) waited on the task queue for a worker.",
            "s",
            tuple(
                Query(
                    quantile(q, m.TEMPORAL_ACTIVITY_SCHEDULE_TO_START, _WINDOW, (), _TASK_QUEUE), f"p{round(q * 100)}"
                )
                for q in (0.5, 0.99)
            ),
            width=8,
        ),
        Panel(
            "Step run time p99",
            "99th percentile of the time one attempt of a step ran, by step.",
            "s",
            (
                Query(
                    quantile(0.99, m.TEMPORAL_ACTIVITY_EXECUTION, _WINDOW, ("activity_type",), _TASK_QUEUE),
                    "{{activity_type}}",
                ),
            ),
            width=8,
        ),
    ),
)

WORKERS = Row(
    "Workers",
    (
        Panel(
            "Free task slots",
            "Task slots free on the worker with the fewest, by kind: at 0 that worker takes no more tasks.",
            "short",
            (Query(f"min by (worker_type) ({selector(m.TEMPORAL_SLOTS_AVAILABLE, _TASK_QUEUE)})", "{{worker_type}}"),),
            width=8,
        ),
        Panel(
            "Task slots in use",
            "Task slots in use over every worker, by kind.",
            "short",
            (Query(f"sum by (worker_type) ({selector(m.TEMPORAL_SLOTS_USED, _TASK_QUEUE)})", "{{worker_type}}"),),
            stacked=True,
            width=8,
        ),
        Panel(
            "Pollers",
            "Pollers of the task queue over every worker, by kind; none means no worker is listening.",
            "short",
            (Query(f"sum by (poller_type) ({selector(m.TEMPORAL_POLLERS, _TASK_QUEUE)})", "{{poller_type}}"),),
            width=8,
        ),
    ),
)

SCHEDULES = Row(
    "Schedules and reports",
    (
        Panel(
            "Schedule runs by outcome",
            "Runs of linli's Temporal Schedules each day, by schedule and outcome (failed runs are retried by the "
            "Schedule's next run).",
            "short",
            (Query(counted(m.SCHEDULE_RUNS, "1d", ("schedule", "outcome")), "{{schedule}} {{outcome}}"),),
            stacked=True,
        ),
        Panel(
            "Reports stored",
            "Weekly and yearly reports stored each day, by kind (a report already stored for its period is not "
            "counted).",
            "short",
            (Query(counted(m.REPORTS_STORED, "1d", ("kind",)), "{{kind}}"),),
            stacked=True,
        ),
    ),
)

DASHBOARD = Dashboard(
    name="workflows",
    title="linli — workflows and schedules",
    description="The worker: its Temporal workflows and steps (failures, time waiting for a worker, free slots) and the "
    "runs of the Schedules. The Temporal SDK's own `namespace` label (the Temporal namespace) becomes "
    "`exported_namespace` where Prometheus sets the Kubernetes namespace.",
    rows=(FAILURES, LATENCY, WORKERS, SCHEDULES),
    namespace_metric=m.TEMPORAL_SLOTS_AVAILABLE,
    variables=(Variable("task_queue", "task_queue", m.TEMPORAL_SLOTS_AVAILABLE, "Task queue"),),
    tags=("temporal",),
)
