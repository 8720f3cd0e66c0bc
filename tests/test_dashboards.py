"""deploy/monitoring: the Grafana dashboards are what devstack/monitoring/ writes (`./linli gen`), every panel reads the
`datasource` variable and says what it shows and in what unit, every query is listed for the checks that run them,
the gauges read from the database are never summed over replicas, and Grafana's provisioning finds both."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.monitoring import dashboards, metrics
from devstack.monitoring.grafana import DATASOURCE, GRID_WIDTH, NAMESPACE

REPO = dashboards.REPO
PROVISIONING = REPO / "deploy" / "monitoring" / "grafana" / "provisioning"
# The Grafana units the panels may use: a rate of calls, of other operations, a share, seconds, a plain count.
UNITS = {"reqps", "ops", "percentunit", "s", "short"}
COMMITTED = {path.name: path.read_text() for path in sorted(dashboards.FOLDER.glob("*.json"))}
LOADED: dict[str, dict[str, Any]] = {name: json.loads(text) for name, text in COMMITTED.items()}
each_dashboard = pytest.mark.parametrize("name", list(LOADED), ids=list(LOADED))

# A reader of the metric names in a PromQL expression: enough of the syntax for the dashboards' queries.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_WORD = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "group_left", "group_right"}
_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def metric_names(expr: str) -> set[str]:
    text = _GROUPING.sub(" ", _RANGE.sub(" ", _MATCHERS.sub(" ", _STRING.sub('""', expr))))
    return {
        word.group()
        for word in _WORD.finditer(text)
        if word.group() not in _KEYWORDS and not text[word.end() :].lstrip().startswith("(")
    }


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in dashboard["panels"] if panel["type"] != "row"]


def test_the_metric_name_reader_sees_what_it_should() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, grpc_service) (rate(grpc_server_handling_seconds_bucket{job=~"a|b"}[5m])))'
        ' / on (job) group_left max by (job) (up{x="rate(y)"}) or vector(0) > bool 1'
    )
    assert metric_names(expr) == {"grpc_server_handling_seconds_bucket", "up"}


def test_the_committed_dashboards_are_what_the_generator_writes() -> None:
    assert COMMITTED == dashboards.render(), "deploy/monitoring/dashboards/ is stale: run ./linli gen"


@each_dashboard
def test_every_dashboard_picks_its_data_source_and_namespace(name: str) -> None:
    dashboard = LOADED[name]
    assert dashboard["uid"] == f"linli-{Path(name).stem}" and "linli" in dashboard["tags"]
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert (variables["datasource"]["type"], variables["datasource"]["query"]) == ("datasource", "prometheus")
    assert variables["namespace"]["type"] == "query"
    for variable in variables.values():
        if variable["type"] == "query":
            assert variable["datasource"] == DATASOURCE, variable["name"]
            # "All" must match series without the label too (a local Prometheus has no namespaces).
            assert variable["includeAll"] and variable["allValue"] == ".*", variable["name"]
    used = {
        next(group for group in match.groups() if group)
        for panel in panels(dashboard)
        for target in panel["targets"]
        for match in _VARIABLE.finditer(target["expr"])
    }
    assert {v for v in used if not v.startswith("__")} <= set(variables), f"{name} uses undefined variables"


@each_dashboard
def test_every_panel_reads_the_datasource_variable_and_says_what_it_shows(name: str) -> None:
    found = panels(LOADED[name])
    assert found, f"{name} has no panels"
    for panel in found:
        where = f"{name}: {panel.get('title')!r}"
        assert panel["title"] and panel["description"], where
        assert panel["datasource"] == DATASOURCE, where
        assert panel["fieldConfig"]["defaults"]["unit"] in UNITS, where
        assert panel["targets"], where
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE and target["expr"].strip(), where
        assert len({target["refId"] for target in panel["targets"]}) == len(panel["targets"]), where


@each_dashboard
def test_panels_lie_on_the_grid_without_overlapping(name: str) -> None:
    taken: set[tuple[int, int]] = set()
    for panel in LOADED[name]["panels"]:
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= GRID_WIDTH, panel["title"]
        cells = {
            (x, y) for x in range(grid["x"], grid["x"] + grid["w"]) for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, f"{name}: {panel['title']!r} overlaps another panel"
        taken |= cells
    ids = [panel["id"] for panel in LOADED[name]["panels"]]
    assert len(set(ids)) == len(ids), name


def test_every_query_is_listed() -> None:
    committed = [target["expr"] for name in LOADED for panel in panels(LOADED[name]) for target in panel["targets"]]
    assert sorted(committed) == sorted(dashboards.panel_queries())
    # all_queries() is what promtool and a live Prometheus can run: no Grafana interval left in it.
    listed = dashboards.all_queries()
    assert len(listed) == len(committed) and not [query for query in listed if "$__" in query]


def test_every_query_reads_the_metrics_named_in_one_place() -> None:
    named = {value for key, value in vars(metrics).items() if key.isupper() and isinstance(value, str)}
    known = named | {f"{name}_bucket" for name in named} | {"up"}
    unknown = {name for query in dashboards.panel_queries() for name in metric_names(query)} - known
    assert unknown == set(), "name them in devstack/monitoring/metrics.py"


def test_every_series_a_query_reads_is_filtered_by_namespace() -> None:
    for query in dashboards.panel_queries():
        for name in metric_names(query):
            selectors = re.findall(rf"\b{re.escape(name)}(\{{[^}}]*\}})?", query)
            assert selectors and all(NAMESPACE in s for s in selectors), f"{name} without {NAMESPACE} in {query}"


def test_gauges_read_from_the_database_are_never_summed_over_replicas() -> None:
    read = set()
    for query in dashboards.panel_queries():
        for gauge in metrics.DATABASE_GAUGES:
            for found in re.finditer(rf"\b{gauge}\{{", query):
                read.add(gauge)
                # Straight inside max by (...): the figure every replica reports alike counted once.
                assert re.search(r"\bmax by \([^)]*\) \($", query[: found.start()]), query
    assert read == metrics.DATABASE_GAUGES, "a gauge from the database that no dashboard shows"


def test_grafana_provisioning_names_a_prometheus_by_a_configurable_address() -> None:
    sources = [
        source
        for path in sorted((PROVISIONING / "datasources").glob("*.yaml"))
        for source in yaml.safe_load(path.read_text())["datasources"]
    ]
    prometheus = [source for source in sources if source["type"] == "prometheus"]
    assert len(prometheus) == 1 and prometheus[0]["isDefault"] is True
    # Grafana fills ${NAME} from its environment: one file for every Prometheus.
    assert re.fullmatch(r"\$\{[A-Z_]+\}", prometheus[0]["url"]), prometheus[0]["url"]


def test_grafana_provisioning_loads_the_dashboards_folder_read_only() -> None:
    providers = [
        provider
        for path in sorted((PROVISIONING / "dashboards").glob("*.yaml"))
        for provider in yaml.safe_load(path.read_text())["providers"]
    ]
    (provider,) = providers
    assert provider["type"] == "file" and provider["allowUiUpdates"] is False
    # The folder the files are mounted at, as docs/dashboards.md tells an operator to mount them.
    guide = (REPO / "docs" / "dashboards.md").read_text()
    assert f"deploy/monitoring/dashboards:{provider['options']['path']}" in guide
