"""The metric names the dashboards read, in one place, so a rename is one line here: the names of docs/metrics.md.

linli's own metrics are defined beside the code that counts them (services/*/metrics.py, services/runtime/outbox.py,
workflows/metrics.py); the worker's `temporal_*` metrics are the Temporal Python SDK's, served with Prometheus'
conventions (counters with `_total`, durations in seconds with `_seconds`).
"""

from __future__ import annotations

# gRPC, as go-grpc-prometheus names them (services/runtime/metrics.py).
GRPC_HANDLED = "grpc_server_handled_total"
GRPC_STARTED = "grpc_server_started_total"
GRPC_SECONDS = "grpc_server_handling_seconds"
SERVICE_READY = "linli_service_ready"
SYSTEM_CALLS_REFUSED = "linli_system_calls_refused_total"
REVOCATIONS_READ = "linli_revocations_read_timestamp_seconds"
# Status codes that mean the server failed, not the caller: the error ratio counts these alone (a caller's bad
# input, a wrong state or a refusal is an answer, shown apart by code).
# The same codes as the error-ratio alert, spelt as go-grpc-prometheus spells them.
SERVER_ERROR_CODES = ("Internal", "Unavailable", "Unknown", "DataLoss", "DeadlineExceeded")

# Wishes (services/wishes/metrics.py; the notice counters are the worker's, workflows/wish_notice_steps.py).
WISHES = "linli_wishes"
WISHES_OVERDUE = "linli_wishes_overdue"
WISH_TRANSITIONS = "linli_wish_transitions_total"
WISH_STATE_SECONDS = "linli_wish_state_seconds"
WISH_SLA_BREACHES = "linli_wish_sla_breaches_total"
WISH_ESCALATIONS = "linli_wish_escalations_total"
WISH_REMINDERS = "linli_wish_reminders_total"
WISH_NOTICES = "linli_wish_notices_total"
WISH_NOTICES_GIVEN_UP = "linli_wish_notices_given_up_total"

# Emergencies and duty (services/dispatch/metrics.py).
ALERTS_OPEN = "linli_alerts_open"
ALERTS_RAISED = "linli_alerts_raised_total"
ALERTS_ACKNOWLEDGED = "linli_alerts_acknowledged_total"
ALERTS_ESCALATED = "linli_alerts_escalated_total"
ALERTS_RESOLVED = "linli_alerts_resolved_total"
ALERTS_CANCELLED = "linli_alerts_cancelled_total"
ALERT_ACKNOWLEDGE_SECONDS = "linli_alert_acknowledge_seconds"
ALERT_ACKNOWLEDGE_LIMIT = "linli_alert_acknowledge_limit_seconds"  # from the settings, alike in every replica
ALERT_OLDEST_UNACKNOWLEDGED = "linli_alert_oldest_unacknowledged_timestamp_seconds"  # 0 when none waits
DUTY_GAP = "linli_duty_gap_seconds"
DUTY_UNCOVERED_TOMORROW = "linli_duty_uncovered_tomorrow"  # 1 when some stretch of tomorrow has nobody on duty

# Activities (services/dispatch/activities/metrics.py).
ACTIVITIES = "linli_activities"
ACTIVITY_TRANSITIONS = "linli_activity_transitions_total"
ACTIVITY_SIGN_UPS = "linli_activity_sign_ups_total"
ACTIVITY_CHECK_INS = "linli_activity_check_ins_total"
ACTIVITY_CHECK_OUTS = "linli_activity_check_outs_total"
ACTIVITY_NOTICES = "linli_activity_notice_deliveries_total"

# Reports and Schedules (services/registry/reports/metrics.py, workflows/steps.py).
REPORTS_STORED = "linli_reports_stored_total"
SCHEDULE_RUNS = "linli_schedule_runs_total"

# The outbox relay (services/runtime/outbox.py), in each of wishes and dispatch.
OUTBOX_PENDING = "linli_outbox_pending"
OUTBOX_DELIVERED = "linli_outbox_delivered_total"
OUTBOX_FAILURES = "linli_outbox_failures_total"
OUTBOX_LAG_SECONDS = "linli_outbox_lag_seconds"

# The Temporal SDK's worker metrics.
TEMPORAL_WORKFLOW_COMPLETED = "temporal_workflow_completed_total"
TEMPORAL_WORKFLOW_FAILED = "temporal_workflow_failed_total"
TEMPORAL_WORKFLOW_TASK_FAILED = "temporal_workflow_task_execution_failed_total"
TEMPORAL_ACTIVITY_FAILED = "temporal_activity_execution_failed_total"
TEMPORAL_WORKFLOW_TASK_SCHEDULE_TO_START = "temporal_workflow_task_schedule_to_start_latency_seconds"
TEMPORAL_ACTIVITY_SCHEDULE_TO_START = "temporal_activity_schedule_to_start_latency_seconds"
TEMPORAL_ACTIVITY_EXECUTION = "temporal_activity_execution_latency_seconds"
TEMPORAL_SLOTS_AVAILABLE = "temporal_worker_task_slots_available"
TEMPORAL_SLOTS_USED = "temporal_worker_task_slots_used"
TEMPORAL_POLLERS = "temporal_num_pollers"
TEMPORAL_STICKY_CACHE_SIZE = "temporal_sticky_cache_size"

# Gauges read from the database: every replica reports the same figure, so a dashboard takes max by (...) of them,
# never sum (tests/test_dashboards.py holds every query to it).
# (The acknowledge limits come from the settings every replica shares: the same holds.)
DATABASE_GAUGES = frozenset(
    {
        WISHES,
        WISHES_OVERDUE,
        ALERTS_OPEN,
        ALERT_OLDEST_UNACKNOWLEDGED,
        ALERT_ACKNOWLEDGE_LIMIT,
        DUTY_GAP,
        DUTY_UNCOVERED_TOMORROW,
        ACTIVITIES,
    }
)
