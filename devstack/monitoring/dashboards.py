"""The Grafana dashboards, written as plain JSON into deploy/monitoring/dashboards/ (`./linli gen`; the test holds the
committed files to this output), and every query they run."""

from __future__ import annotations

import json
import re
from pathlib import Path

from devstack.monitoring import activities, emergencies, outboxes, overview, wishes, workflows
from devstack.monitoring.grafana import Dashboard

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "deploy" / "monitoring" / "dashboards"
DASHBOARDS: tuple[Dashboard, ...] = (
    overview.DASHBOARD,
    wishes.DASHBOARD,
    emergencies.DASHBOARD,
    activities.DASHBOARD,
    workflows.DASHBOARD,
    outboxes.DASHBOARD,
)
# What Grafana puts in place of its interval variables, for checking a query outside Grafana.
_GRAFANA_INTERVALS = re.compile(r"\$__(rate_interval|interval|range)\b")


def render() -> dict[str, str]:
    """File name: its JSON, as written."""
    return {
        f"{dashboard.name}.json": json.dumps(dashboard.to_json(), indent=2, ensure_ascii=False) + "\n"
        for dashboard in DASHBOARDS
    }


def panel_queries() -> list[str]:
    """Every panel's every query, as Grafana runs it (with its `$variables`)."""
    return [query.expr for dashboard in DASHBOARDS for panel in dashboard.panels() for query in panel.queries]


def all_queries() -> list[str]:
    """Every query as PromQL that promtool parses: Grafana's interval variables given a duration (the others stand
    inside label matchers' strings already)."""
    return [_GRAFANA_INTERVALS.sub("5m", expr) for expr in panel_queries()]


def write(folder: Path = FOLDER) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render().items():
        path = folder / name
        path.write_text(text)
        written.append(path)
    for stale in sorted(set(folder.glob("*.json")) - set(written)):
        stale.unlink()
    return written
