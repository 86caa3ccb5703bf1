"""Grafana dashboards as data: structure, variables, units, links, generator drift and PromQL syntax."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import generate_dashboards
import yaml
from obs_files import DASHBOARDS_DIR, run_promtool
from observability_contract import dashboard_promql, datasource_type, walk_panels

# Grafana unit ids (packages/grafana-data/src/valueFormats/categories.ts) the dashboards may use.
UNITS = {"none", "short", "percentunit", "s", "ms", "reqps", "cps", "cpm", "currencyKRW"}
# Panels that show data and so need queries; rows and text panels have none.
DATA_PANELS = {"timeseries", "stat", "table", "bargauge", "heatmap", "logs"}
GRAFANA_DURATIONS = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}


def _data_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in walk_panels(dashboard["panels"]) if panel["type"] in DATA_PANELS]


def test_the_five_dashboards_exist(dashboards: dict[str, dict[str, Any]]) -> None:
    assert set(dashboards) == {
        "platform-overview.json",
        "service-red.json",
        "kafka-outbox.json",
        "order-funnel.json",
        "canary.json",
    }


def test_committed_json_is_what_the_generator_writes() -> None:
    for name, content in generate_dashboards.render().items():
        committed = (DASHBOARDS_DIR / name).read_text(encoding="utf-8")
        assert committed == content, f"{name} is stale: run python observability/dashboards/generate_dashboards.py"


def test_uids_titles_and_panel_ids_are_unique(dashboards: dict[str, dict[str, Any]]) -> None:
    uids = [dashboard["uid"] for dashboard in dashboards.values()]
    assert len(set(uids)) == len(uids)
    titles = [dashboard["title"] for dashboard in dashboards.values()]
    assert len(set(titles)) == len(titles)
    for name, dashboard in dashboards.items():
        assert re.fullmatch(r"[a-z0-9-]{1,40}", dashboard["uid"]), name
        ids = [panel["id"] for panel in walk_panels(dashboard["panels"])]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        assert "matjip" in dashboard["tags"], name


def test_panels_have_targets_titles_and_fit_the_grid(dashboards: dict[str, dict[str, Any]]) -> None:
    for name, dashboard in dashboards.items():
        assert _data_panels(dashboard), f"{name} has no data panels"
        for panel in walk_panels(dashboard["panels"]):
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0, f"{name}: panel {panel['id']} overflows"
            assert panel.get("title"), f"{name}: panel {panel['id']} has no title"
            if panel["type"] not in DATA_PANELS:
                continue
            assert panel.get("description"), f"{name}: {panel['title']!r} needs a description"
            targets = panel.get("targets", [])
            assert targets, f"{name}: {panel['title']!r} has no targets"
            ref_ids = [target["refId"] for target in targets]
            assert len(ref_ids) == len(set(ref_ids)), f"{name}: {panel['title']!r} repeats a refId"
            assert all(target.get("expr", "").strip() for target in targets), f"{name}: {panel['title']!r}"


def test_panels_overlap_nowhere(dashboards: dict[str, dict[str, Any]]) -> None:
    for name, dashboard in dashboards.items():
        cells: dict[tuple[int, int], int] = {}
        for panel in dashboard["panels"]:
            grid = panel["gridPos"]
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    assert (x, y) not in cells, f"{name}: panels {cells[(x, y)]} and {panel['id']} overlap"
                    cells[(x, y)] = panel["id"]


def test_datasources_come_from_variables(dashboards: dict[str, dict[str, Any]]) -> None:
    for name, dashboard in dashboards.items():
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource"
        assert variables["datasource"]["query"] == "prometheus"
        for panel in _data_panels(dashboard):
            for obj in (panel, *panel["targets"]):
                kind = datasource_type(obj)
                expected = {"prometheus": "${datasource}", "loki": "${loki}"}[kind]
                assert obj["datasource"]["uid"] == expected, f"{name}: {panel['title']!r} hard-codes a datasource"
                if kind == "loki":
                    assert variables["loki"]["type"] == "datasource" and variables["loki"]["query"] == "loki"
        for variable in variables.values():
            if variable["type"] == "query":
                assert variable["datasource"]["uid"] == "${datasource}", f"{name}: variable {variable['name']}"


def test_every_variable_used_is_defined(dashboards: dict[str, dict[str, Any]]) -> None:
    builtins = {"__rate_interval", "__interval", "__range", "__all", "__url_time_range", "__field", "__value"}
    for name, dashboard in dashboards.items():
        defined = {v["name"] for v in dashboard["templating"]["list"]} | builtins
        text = str(dashboard["panels"]) + str(dashboard["links"]) + str(dashboard["templating"])
        used = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))
        assert used <= defined, f"{name}: undefined variables {used - defined}"


def test_units_are_grafana_units(dashboards: dict[str, dict[str, Any]]) -> None:
    for name, dashboard in dashboards.items():
        for panel in _data_panels(dashboard):
            if panel["type"] == "logs":
                continue
            config = panel["fieldConfig"]
            units = [config["defaults"].get("unit")] + [
                prop["value"] for o in config["overrides"] for prop in o["properties"] if prop["id"] == "unit"
            ]
            assert all(unit in UNITS for unit in units), f"{name}: {panel['title']!r} units {units}"


def test_links_point_at_existing_dashboards(dashboards: dict[str, dict[str, Any]]) -> None:
    uids = {dashboard["uid"] for dashboard in dashboards.values()}
    linked: set[str] = set()
    for name, dashboard in dashboards.items():
        assert any(link["type"] == "dashboards" and "matjip" in link["tags"] for link in dashboard["links"]), name
        urls = re.findall(r"'url': '([^']*)'", str(dashboard))
        for url in urls:
            if url.startswith("/d/"):
                uid = url[3:].split("?")[0]
                assert uid in uids, f"{name} links to unknown dashboard {uid}"
                linked.add(uid)
    # every dashboard but the start page is reachable by a data link, not only by the dropdown
    assert linked >= uids - {"matjip-overview"}


def test_service_dashboard_is_templated_by_job(dashboards: dict[str, dict[str, Any]]) -> None:
    dashboard = dashboards["service-red.json"]
    job = next(v for v in dashboard["templating"]["list"] if v["name"] == "job")
    assert job["type"] == "query" and not job["multi"]
    for where, expr in dashboard_promql(dashboard):
        if where.startswith("panel"):
            assert 'job="$job"' in expr, f"{where} ignores the job variable"


def test_canary_dashboard_splits_by_pod_template_hash(dashboards: dict[str, dict[str, Any]]) -> None:
    for where, expr in dashboard_promql(dashboards["canary.json"]):
        if where.startswith("panel"):
            assert "by (rollouts_pod_template_hash" in expr, where


def test_logs_panels_query_loki_with_a_service_matcher(dashboards: dict[str, dict[str, Any]]) -> None:
    found = 0
    for name, dashboard in dashboards.items():
        for panel in _data_panels(dashboard):
            if panel["type"] != "logs":
                continue
            found += 1
            expr = panel["targets"][0]["expr"]
            # Loki needs one matcher that cannot match the empty string: service="..." or service=~"a|b"
            assert re.match(r'\{service(=|=~)"[^"]+"', expr), f"{name}: {expr}"
            assert expr.count("{") == expr.count("}")
            assert "trace_id" not in expr.split("}")[0] and "order_id" not in expr.split("}")[0], (
                "trace_id/order_id are structured metadata, not stream labels"
            )
    assert found >= 3


def test_every_dashboard_query_is_valid_promql(promtool: str, dashboards: dict[str, dict[str, Any]]) -> None:
    """promtool parses each query (Grafana's interval variables replaced by durations) as a recording rule."""
    queries = [
        (f"{name}: {where}", expr)
        for name, dashboard in dashboards.items()
        for where, expr in dashboard_promql(dashboard)
    ]
    rules = []
    for index, (_, expr) in enumerate(queries):
        for variable, duration in GRAFANA_DURATIONS.items():
            expr = expr.replace(variable, duration)
        rules.append({"record": f"dashboard_query:check:{index}", "expr": expr})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dashboard-queries.yml"
        path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}), encoding="utf-8")
        result = run_promtool(promtool, "check", "rules", "--lint=none", str(path))
    assert result.returncode == 0, (
        result.stdout + result.stderr + "\n" + "\n".join(f"{i}: {where}" for i, (where, _) in enumerate(queries))
    )
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout
