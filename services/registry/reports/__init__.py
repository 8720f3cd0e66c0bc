"""Weekly and yearly reports (周报, 年报): ReportService, produced by workflows on Temporal Schedules."""
