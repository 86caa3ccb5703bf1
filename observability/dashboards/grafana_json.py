"""Small builders for Grafana dashboard JSON (schemaVersion 39, Grafana 10/11).

Each function returns the plain dict Grafana stores; `Dashboard` lays panels out left to right in rows
of 24 grid units and numbers them. Only what Matjip's dashboards use is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

PROMETHEUS: JSON = {"type": "prometheus", "uid": "${datasource}"}
LOKI: JSON = {"type": "loki", "uid": "${loki}"}
GRID_WIDTH = 24


# --- targets -------------------------------------------------------------------------------------------


def prom(expr: str, legend: str = "", *, instant: bool = False, fmt: str = "time_series") -> JSON:
    """A Prometheus query (refId is set by the panel)."""
    target: JSON = {"datasource": PROMETHEUS, "expr": expr, "legendFormat": legend or "__auto"}
    if instant:
        target.update(instant=True, range=False)
    else:
        target.update(instant=False, range=True)
    if fmt != "time_series":
        target["format"] = fmt
    return target


def loki(expr: str) -> JSON:
    return {"datasource": LOKI, "expr": expr, "queryType": "range"}


def _with_ref_ids(targets: list[JSON]) -> list[JSON]:
    return [{**target, "refId": chr(ord("A") + index)} for index, target in enumerate(targets)]


# --- links -------------------------------------------------------------------------------------------


def dashboard_link(uid: str, title: str, *, job_from: str | None = None) -> JSON:
    """A data link to another Matjip dashboard, keeping the time range, datasource and namespace.

    job_from sets that dashboard's `job` variable, e.g. from the series' label (`${__field.labels.job}`)
    or from a table cell (`${__value.raw}`).
    """
    query = "${datasource:queryparam}&${namespace:queryparam}&${__url_time_range}"
    if job_from is not None:
        query = f"var-job={job_from}&" + query
    return {"title": title, "url": f"/d/{uid}?{query}", "targetBlank": False}


def matjip_dashboards_link() -> JSON:
    """The dashboard-level dropdown to every dashboard tagged `matjip`, variables and time kept."""
    return {
        "title": "Matjip dashboards",
        "type": "dashboards",
        "tags": ["matjip"],
        "asDropdown": True,
        "includeVars": True,
        "keepTime": True,
        "targetBlank": False,
        "icon": "external link",
        "tooltip": "",
        "url": "",
    }


# --- panels ------------------------------------------------------------------------------------------


def thresholds(*steps: tuple[float | None, str]) -> JSON:
    return {"mode": "absolute", "steps": [{"value": value, "color": color} for value, color in steps]}


GREEN_ONLY = thresholds((None, "green"))


def timeseries(
    title: str,
    targets: list[JSON],
    *,
    unit: str,
    description: str,
    width: int = 12,
    height: int = 8,
    stack: bool = False,
    bars: bool = False,
    links: list[JSON] | None = None,
    threshold_steps: JSON | None = None,
    minimum: float | None = 0,
) -> JSON:
    custom: JSON = {
        "drawStyle": "bars" if bars else "line",
        "lineWidth": 1,
        "fillOpacity": 80 if bars else 10,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"mode": "normal" if stack else "none", "group": "A"},
        "thresholdsStyle": {"mode": "line" if threshold_steps else "off"},
    }
    defaults: JSON = {
        "unit": unit,
        "color": {"mode": "palette-classic"},
        "custom": custom,
        "thresholds": threshold_steps or GREEN_ONLY,
        "links": links or [],
    }
    if minimum is not None:
        defaults["min"] = minimum
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": PROMETHEUS,
        "targets": _with_ref_ids(targets),
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "showLegend": True,
                "calcs": ["mean", "max", "lastNotNull"],
            },
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        "gridPos": {"w": width, "h": height},
    }


def stat(
    title: str,
    targets: list[JSON],
    *,
    unit: str,
    description: str,
    width: int = 4,
    height: int = 4,
    threshold_steps: JSON | None = None,
    mappings: list[JSON] | None = None,
    links: list[JSON] | None = None,
    decimals: int | None = None,
) -> JSON:
    defaults: JSON = {
        "unit": unit,
        "color": {"mode": "thresholds"},
        "thresholds": threshold_steps or GREEN_ONLY,
        "mappings": mappings or [],
        "links": links or [],
    }
    if decimals is not None:
        defaults["decimals"] = decimals
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": PROMETHEUS,
        "targets": _with_ref_ids(targets),
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background",
            "graphMode": "none",
            "justifyMode": "auto",
            "orientation": "auto",
            "textMode": "value_and_name",
        },
        "gridPos": {"w": width, "h": height},
    }


def up_down_mappings() -> list[JSON]:
    return [
        {
            "type": "value",
            "options": {
                "0": {"text": "DOWN", "color": "red", "index": 0},
                "1": {"text": "UP", "color": "green", "index": 1},
            },
        }
    ]


def table(
    title: str,
    targets: list[JSON],
    *,
    description: str,
    columns: dict[str, tuple[str, str]],
    width: int = 24,
    height: int = 8,
    links_on: dict[str, list[JSON]] | None = None,
) -> JSON:
    """A table of instant queries merged on their labels.

    columns: "Value #<refId>" -> (column title, unit).
    """
    overrides: list[JSON] = [
        {"matcher": {"id": "byName", "options": name}, "properties": [{"id": "unit", "value": unit}]}
        for name, unit in columns.values()
    ]
    for column, links in (links_on or {}).items():
        overrides.append(
            {"matcher": {"id": "byName", "options": column}, "properties": [{"id": "links", "value": links}]}
        )
    return {
        "type": "table",
        "title": title,
        "description": description,
        "datasource": PROMETHEUS,
        "targets": _with_ref_ids(targets),
        "transformations": [
            {"id": "merge", "options": {}},
            {
                "id": "organize",
                "options": {
                    "excludeByName": {"Time": True},
                    "renameByName": {value: name for value, (name, _) in columns.items()},
                },
            },
        ],
        "fieldConfig": {"defaults": {"unit": "short", "thresholds": GREEN_ONLY}, "overrides": overrides},
        "options": {"showHeader": True, "cellHeight": "sm", "footer": {"show": False}},
        "gridPos": {"w": width, "h": height},
    }


def bargauge(title: str, targets: list[JSON], *, unit: str, description: str, width: int = 12, height: int = 8) -> JSON:
    return {
        "type": "bargauge",
        "title": title,
        "description": description,
        "datasource": PROMETHEUS,
        "targets": _with_ref_ids(targets),
        "fieldConfig": {
            "defaults": {"unit": unit, "min": 0, "thresholds": GREEN_ONLY, "color": {"mode": "palette-classic"}},
            "overrides": [],
        },
        "options": {
            "orientation": "horizontal",
            "displayMode": "gradient",
            "showUnfilled": True,
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        },
        "gridPos": {"w": width, "h": height},
    }


def heatmap(title: str, target: JSON, *, unit: str, description: str, width: int = 12, height: int = 8) -> JSON:
    return {
        "type": "heatmap",
        "title": title,
        "description": description,
        "datasource": PROMETHEUS,
        "targets": _with_ref_ids([target]),
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {
            "calculate": False,
            "yAxis": {"unit": unit},
            "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64},
            "cellGap": 1,
            "tooltip": {"mode": "single", "yHistogram": True},
        },
        "gridPos": {"w": width, "h": height},
    }


def logs(title: str, expr: str, *, description: str, width: int = 24, height: int = 12) -> JSON:
    return {
        "type": "logs",
        "title": title,
        "description": description,
        "datasource": LOKI,
        "targets": _with_ref_ids([loki(expr)]),
        "options": {
            "showTime": True,
            "showLabels": False,
            "showCommonLabels": False,
            "wrapLogMessage": True,
            "prettifyLogMessage": False,
            "enableLogDetails": True,
            "dedupStrategy": "none",
            "sortOrder": "Descending",
        },
        "gridPos": {"w": width, "h": height},
    }


def text(title: str, markdown: str, *, width: int = 24, height: int = 4) -> JSON:
    return {
        "type": "text",
        "title": title,
        "options": {"mode": "markdown", "content": markdown},
        "gridPos": {"w": width, "h": height},
    }


# --- variables ---------------------------------------------------------------------------------------


def datasource_variable(name: str, plugin: str, label: str) -> JSON:
    return {
        "name": name,
        "label": label,
        "type": "datasource",
        "query": plugin,
        "current": {},
        "hide": 0,
        "includeAll": False,
        "multi": False,
        "options": [],
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
    }


def query_variable(
    name: str,
    label: str,
    query: str,
    *,
    multi: bool = False,
    include_all: bool = False,
    all_value: str | None = None,
) -> JSON:
    variable: JSON = {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": PROMETHEUS,
        "definition": query,
        "query": {"qryType": 1, "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "current": {},
        "hide": 0,
        "includeAll": include_all,
        "multi": multi,
        "options": [],
        "refresh": 2,
        "regex": "",
        "sort": 1,
        "skipUrlSync": False,
    }
    if all_value is not None:
        variable["allValue"] = all_value
    if include_all:
        variable["current"] = all_selected(multi=multi)
    return variable


def all_selected(*, multi: bool) -> JSON:
    """A variable's `current` with All selected (a list for multi-value variables)."""
    if multi:
        return {"selected": True, "text": ["All"], "value": ["$__all"]}
    return {"selected": True, "text": "All", "value": "$__all"}


def custom_variable(name: str, label: str, values: list[str], *, all_value: str) -> JSON:
    return {
        "name": name,
        "label": label,
        "type": "custom",
        "query": ",".join(values),
        "current": all_selected(multi=True),
        "hide": 0,
        "includeAll": True,
        "allValue": all_value,
        "multi": True,
        "options": [],
        "skipUrlSync": False,
    }


def textbox_variable(name: str, label: str, default: str = "") -> JSON:
    return {
        "name": name,
        "label": label,
        "type": "textbox",
        "query": default,
        "current": {"text": default, "value": default},
        "hide": 0,
        "options": [],
        "skipUrlSync": False,
    }


# --- the dashboard -----------------------------------------------------------------------------------


@dataclass
class Dashboard:
    uid: str
    title: str
    description: str
    tags: list[str]
    variables: list[JSON]
    links: list[JSON] = field(default_factory=list)
    panels: list[JSON] = field(default_factory=list)
    _x: int = 0
    _y: int = 0
    _row_height: int = 0

    def row(self, title: str) -> None:
        self._newline()
        self.panels.append(
            {
                "type": "row",
                "title": title,
                "collapsed": False,
                "panels": [],
                "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": self._y},
            }
        )
        self._y += 1

    def add(self, *panels: JSON) -> None:
        for panel in panels:
            width, height = panel["gridPos"]["w"], panel["gridPos"]["h"]
            if self._x + width > GRID_WIDTH:
                self._newline()
            panel["gridPos"] = {"h": height, "w": width, "x": self._x, "y": self._y}
            self._x += width
            self._row_height = max(self._row_height, height)
            self.panels.append(panel)

    def _newline(self) -> None:
        if self._x:
            self._y += self._row_height
        self._x, self._row_height = 0, 0

    def to_json(self) -> JSON:
        panels = [{"id": index, **panel} for index, panel in enumerate(self.panels, start=1)]
        return {
            "id": None,
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": self.tags,
            "timezone": "browser",
            "editable": True,
            "graphTooltip": 1,
            "schemaVersion": 39,
            "version": 1,
            "refresh": "30s",
            "time": {"from": "now-1h", "to": "now"},
            "timepicker": {},
            "fiscalYearStartMonth": 0,
            "liveNow": False,
            "weekStart": "",
            "links": [matjip_dashboards_link(), *self.links],
            "annotations": {
                "list": [
                    {
                        "builtIn": 1,
                        "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                        "enable": True,
                        "hide": True,
                        "iconColor": "rgba(0, 211, 255, 1)",
                        "name": "Annotations & Alerts",
                        "type": "dashboard",
                    }
                ]
            },
            "templating": {"list": self.variables},
            "panels": panels,
        }
