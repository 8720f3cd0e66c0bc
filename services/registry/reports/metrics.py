"""The reports' metrics, exported by the registry service."""

from __future__ import annotations

from prometheus_client import Counter

REPORTS_STORED = Counter(
    "linli_reports_stored_total", "Reports stored (a report already stored for its period is not counted).", ["kind"]
)
