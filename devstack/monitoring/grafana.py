"""A small model of a Grafana dashboard (rows of panels of PromQL queries) and its JSON, plus the query shapes the
dashboards use, so every panel reads its data source from the `datasource` variable and every query filters by the
`namespace` variable in the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Json = dict[str, Any]

# Every panel and query names the data source through the variable, so one dashboard serves any Prometheus.
DATASOURCE: Json = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39
GRID_WIDTH = 24
# The namespace (one district on Kubernetes). "All" is `.*`, which also matches series without the label (a local
# Prometheus scraping `./linli up`).
NAMESPACE = 'namespace=~"$namespace"'

PanelKind = Literal["timeseries", "stat", "bargauge"]


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    title: str
    description: str
    unit: str  # a Grafana unit id: reqps, percentunit, s, ms, h, short, none
    queries: tuple[Query, ...]
    kind: PanelKind = "timeseries"
    width: int = 12
    height: int = 8
    stacked: bool = False
    # A stat that should be 0 turns red from this value on.
    red_from: float | None = None


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class Variable:
    """A query variable: the values of `label` on `metric`, several at once, `All` by default."""

    name: str
    label: str
    metric: str
    title: str = ""

    @property
    def definition(self) -> str:
        # The namespace's own values come from every series; the others' from the namespaces chosen.
        series = self.metric if self.name == "namespace" else selector(self.metric)
        return f"label_values({series}, {self.label})"


@dataclass(frozen=True)
class Dashboard:
    name: str  # the file's stem in deploy/monitoring/dashboards/
    title: str
    description: str
    rows: tuple[Row, ...]
    # Beyond `datasource` and `namespace`, which every dashboard has.
    variables: tuple[Variable, ...] = ()
    namespace_metric: str = "up"
    tags: tuple[str, ...] = field(default=())

    @property
    def uid(self) -> str:
        return f"linli-{self.name}"

    def panels(self) -> list[Panel]:
        return [panel for row in self.rows for panel in row.panels]

    def to_json(self) -> Json:
        namespace = Variable("namespace", "namespace", self.namespace_metric, "Namespace")
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["linli", *self.tags],
            "editable": True,
            "graphTooltip": 1,  # a shared crosshair across panels
            "schemaVersion": SCHEMA_VERSION,
            "version": 1,
            "refresh": "1m",
            "time": {"from": "now-6h", "to": "now"},
            "timepicker": {},
            "timezone": "browser",
            "fiscalYearStartMonth": 0,
            "liveNow": False,
            "weekStart": "",
            "annotations": {"list": []},
            # Every linli dashboard links to the others, keeping the time range and the variables.
            "links": [
                {
                    "type": "dashboards",
                    "title": "linli",
                    "tags": ["linli"],
                    "asDropdown": True,
                    "includeVars": True,
                    "keepTime": True,
                    "icon": "external link",
                    "targetBlank": False,
                    "tooltip": "",
                    "url": "",
                }
            ],
            "templating": {
                "list": [_datasource_variable(), *(_query_variable(v) for v in (namespace, *self.variables))]
            },
            "panels": _layout(self.rows),
        }


def _datasource_variable() -> Json:
    return {
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "includeAll": False,
        "multi": False,
        "options": [],
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
    }


def _query_variable(variable: Variable) -> Json:
    return {
        "name": variable.name,
        "label": variable.title or variable.name.capitalize(),
        "type": "query",
        "datasource": DATASOURCE,
        "definition": variable.definition,
        "query": {"query": variable.definition, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "hide": 0,
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "options": [],
        "refresh": 2,  # on a change of the time range: new pods, new communities
        "regex": "",
        "skipUrlSync": False,
        "sort": 1,
    }


def _layout(rows: tuple[Row, ...]) -> list[Json]:
    """Rows one under another; a row's panels left to right, wrapping at the grid's width."""
    out: list[Json] = []
    y = 0
    next_id = 1
    for row in rows:
        out.append(
            {
                "id": next_id,
                "type": "row",
                "title": row.title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": y},
                "panels": [],
            }
        )
        next_id += 1
        y += 1
        x = 0
        line_height = 0
        for panel in row.panels:
            if x + panel.width > GRID_WIDTH:
                x, y, line_height = 0, y + line_height, 0
            out.append(_panel_json(panel, next_id, {"h": panel.height, "w": panel.width, "x": x, "y": y}))
            next_id += 1
            x += panel.width
            line_height = max(line_height, panel.height)
        y += line_height
    return out


def _panel_json(panel: Panel, panel_id: int, grid: Json) -> Json:
    steps: list[Json] = [{"color": "green", "value": None}]
    if panel.red_from is not None:
        steps.append({"color": "red", "value": panel.red_from})
    defaults: Json = {
        "unit": panel.unit,
        "min": 0,
        "color": {"mode": "thresholds" if panel.kind != "timeseries" else "palette-classic"},
        "thresholds": {"mode": "absolute", "steps": steps},
        "mappings": [],
    }
    if panel.kind == "timeseries":
        defaults["custom"] = {
            "drawStyle": "line",
            "lineWidth": 1,
            "fillOpacity": 20 if panel.stacked else 5,
            "showPoints": "never",
            "spanNulls": False,
            "stacking": {"mode": "normal" if panel.stacked else "none", "group": "A"},
        }
    if panel.unit == "percentunit":
        defaults["max"] = 1
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": grid,
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": q.expr,
                "legendFormat": q.legend,
                "range": True,
            }
            for i, q in enumerate(panel.queries)
        ],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": _options(panel.kind),
    }


def _options(kind: PanelKind) -> Json:
    if kind == "timeseries":
        return {
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
            "tooltip": {"mode": "multi", "sort": "desc"},
        }
    reduce = {"calcs": ["lastNotNull"], "fields": "", "values": False}
    if kind == "stat":
        return {
            "reduceOptions": reduce,
            "colorMode": "value",
            "graphMode": "area",
            "justifyMode": "auto",
            "orientation": "auto",
            "textMode": "auto",
        }
    return {"reduceOptions": reduce, "displayMode": "gradient", "orientation": "horizontal", "showUnfilled": True}


# The query shapes. `labels` are extra matchers, e.g. 'state="raised"'.


def selector(metric: str, *labels: str) -> str:
    return f"{metric}{{{', '.join((NAMESPACE, *labels))}}}"


def _by(labels: tuple[str, ...]) -> str:
    return f"by ({', '.join(labels)}) " if labels else ""


def per_second(metric: str, by: tuple[str, ...] = (), *labels: str) -> str:
    """A counter's rate, summed over the replicas (each counts its own)."""
    return f"sum {_by(by)}(rate({selector(metric, *labels)}[$__rate_interval]))"


def counted(metric: str, window: str, by: tuple[str, ...] = (), *labels: str) -> str:
    """How many a counter counted in each `window` (for events at human pace: wishes, alerts, notices)."""
    return f"sum {_by(by)}(increase({selector(metric, *labels)}[{window}]))"


def from_database(metric: str, dimensions: tuple[str, ...], by: tuple[str, ...] | None = None, *labels: str) -> str:
    """A gauge every replica reads from the database: max over the replicas of one namespace (district) for each of
    its `dimensions` (its own labels), then, given `by`, summed over the rest (districts and dimensions not in it)."""
    one = f"max by ({', '.join(('namespace', *dimensions))}) ({selector(metric, *labels)})"
    if by is None:
        return one
    return f"sum {_by(by)}({one})"


def quantile(q: float, histogram: str, window: str, by: tuple[str, ...] = (), *labels: str) -> str:
    """The q-quantile of a histogram over the replicas, per `by`."""
    return (
        f"histogram_quantile({q}, sum by ({', '.join(('le', *by))}) "
        f"(rate({selector(histogram + '_bucket', *labels)}[{window}])))"
    )
