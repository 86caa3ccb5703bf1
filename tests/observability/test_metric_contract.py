"""Every metric and label a dashboard or rule queries is one docs/conventions.md promises.

Allowed metric names: the contract's (a histogram as its _bucket/_sum/_count series), the recording rules
defined in observability/prometheus, and `up`. Allowed labels: the metric's own, the scrape labels
(job, namespace, pod, instance), the canary's rollouts_pod_template_hash, `le` on buckets, and the labels a
recording rule keeps or sets.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from observability_contract import (
    CANARY_LABEL,
    SCRAPE_LABELS,
    MetricSpec,
    contract_series_names,
    dashboard_promql,
    metric_names_in_expr,
    parse_expr,
)

UP_LABELS = SCRAPE_LABELS | {CANARY_LABEL}
# Labels Prometheus or the alerting pipeline adds to any series (alerts keep the labels of their series).
ALWAYS = frozenset({"__name__"})


def _contract_labels(contract: dict[str, MetricSpec]) -> frozenset[str]:
    return frozenset().union(*(spec.labels_of_series(s) for spec in contract.values() for s in spec.series_names()))


@pytest.fixture(scope="session")
def recorded_labels(rules: list[dict[str, Any]]) -> dict[str, frozenset[str]]:
    """Recording rule name -> the labels its series can carry: those it aggregates by, and those it sets."""
    labels: dict[str, set[str]] = {}
    for rule in rules:
        if "record" in rule:
            kept = parse_expr(rule["expr"]).grouping_labels
            labels.setdefault(rule["record"], set()).update(kept | set(rule.get("labels") or {}))
    return {name: frozenset(found) for name, found in labels.items()}


def _queries(rules: list[dict[str, Any]], dashboards: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    found = [(f"{rule['_file']}: {rule.get('record') or rule.get('alert')}", str(rule["expr"])) for rule in rules]
    for name, dashboard in dashboards.items():
        found += [(f"{name}: {where}", expr) for where, expr in dashboard_promql(dashboard)]
    return found


def test_every_metric_name_is_in_the_contract(
    contract: dict[str, MetricSpec],
    rules: list[dict[str, Any]],
    dashboards: dict[str, dict[str, Any]],
    recorded_labels: dict[str, frozenset[str]],
) -> None:
    allowed = set(contract_series_names(contract)) | set(recorded_labels) | {"up"}
    unknown = {
        f"{where}: {name}"
        for where, expr in _queries(rules, dashboards)
        for name in metric_names_in_expr(expr)
        if name not in allowed
    }
    assert not unknown, "metrics no service exports:\n" + "\n".join(sorted(unknown))


def test_every_contract_metric_is_watched(
    contract: dict[str, MetricSpec], rules: list[dict[str, Any]], dashboards: dict[str, dict[str, Any]]
) -> None:
    """The converse, per dashboard set: a metric in the contract that nothing shows is a metric nobody reads."""
    used = {name for _, expr in _queries(rules, dashboards) for name in metric_names_in_expr(expr)}
    series = contract_series_names(contract)
    unwatched = {spec.name for spec in contract.values()} - {series[name].name for name in used if name in series}
    assert not unwatched, f"contract metrics no dashboard or rule uses: {unwatched}"


def test_every_label_is_one_the_metric_has(
    contract: dict[str, MetricSpec],
    rules: list[dict[str, Any]],
    dashboards: dict[str, dict[str, Any]],
    recorded_labels: dict[str, frozenset[str]],
) -> None:
    series = contract_series_names(contract)
    problems: list[str] = []
    for where, expr in _queries(rules, dashboards):
        for selector in parse_expr(expr).selectors:
            assert selector.name is not None
            if selector.name in series:
                allowed = series[selector.name].labels_of_series(selector.name)
            elif selector.name == "up":
                allowed = UP_LABELS
            else:
                allowed = recorded_labels.get(selector.name, frozenset())
            problems += [
                f"{where}: {selector.name} has no label {m.label}"
                for m in selector.matchers
                if m.label not in allowed | ALWAYS
            ]
    assert not problems, "\n".join(problems)


def test_grouping_labels_exist(
    contract: dict[str, MetricSpec],
    rules: list[dict[str, Any]],
    dashboards: dict[str, dict[str, Any]],
    recorded_labels: dict[str, frozenset[str]],
) -> None:
    known = _contract_labels(contract) | UP_LABELS | {label for labels in recorded_labels.values() for label in labels}
    for where, expr in _queries(rules, dashboards):
        unknown = parse_expr(expr).grouping_labels - known
        assert not unknown, f"{where}: groups by labels no metric has: {unknown}"


def test_label_values_are_documented_values(
    contract: dict[str, MetricSpec], rules: list[dict[str, Any]], dashboards: dict[str, dict[str, Any]]
) -> None:
    """Where conventions.md lists a label's values, a query may only match those."""
    series = contract_series_names(contract)
    for where, expr in _queries(rules, dashboards):
        for selector in parse_expr(expr).selectors:
            spec = series.get(selector.name or "")
            if spec is None:
                continue
            documented = {label.name: set(label.values) for label in spec.labels if label.values}
            for matcher in selector.matchers:
                if matcher.label not in documented or "$" in matcher.value:
                    continue
                values = matcher.value.split("|") if matcher.op in ("=~", "!~") else [matcher.value]
                for value in values:
                    assert re.fullmatch(r"[a-z_]+", value), f"{where}: match {matcher.label} literally"
                    assert value in documented[matcher.label], (
                        f"{where}: {selector.name}{{{matcher.label}={value!r}}} is not a documented value"
                    )
