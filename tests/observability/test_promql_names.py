"""observability_contract's PromQL extractor and conventions.md parser."""

from __future__ import annotations

import pytest
from observability_contract import (
    Matcher,
    grafana_variable_label,
    grafana_variable_promql,
    label_names_in_expr,
    metric_names_in_expr,
    parse_expr,
    parse_metric_contract,
    parse_services,
)


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (job) (rate(http_requests_total{job="order",status=~"5.."}[5m]))', {"http_requests_total"}),
        ("sum(rate(x_total[5m])) by (job, route)", {"x_total"}),
        ("sum without (instance, pod) (x)", {"x"}),
        ("histogram_quantile(0.99, sum by (le) (rate(d_bucket[$__rate_interval])))", {"d_bucket"}),
        ("a / on (job) group_left (route) b", {"a", "b"}),
        ("a * ignoring(le) group_right b", {"a", "b"}),
        ("a > bool 0.5 and b unless c or d", {"a", "b", "c", "d"}),
        ("rate(x[5m] offset 1h) @ start()", {"x"}),
        ("max_over_time(deriv(x[10m])[1h:5m])", {"x"}),
        ('label_replace(x, "dst", "$1", "src", "(.*)")', {"x"}),
        ('count_values("version", build_info)', {"build_info"}),
        ("time() - x > Inf or y < -NaN", {"x", "y"}),
        ("vector(1) + scalar(x) + 0x1F + 1e-3 + .5", {"x"}),
        ('{__name__="direct", job="j"}', {"direct"}),
        (
            'job:http_requests:rate5m{job=~"${job:regex}"} or slo:sli_error:ratio_rate1h',
            {"job:http_requests:rate5m", "slo:sli_error:ratio_rate1h"},
        ),
        ('x{job="$job", route=~"[[route]]"}', {"x"}),
        ("# a comment naming not_a_metric\nsum(x) # trailing\n", {"x"}),
        ("sum by (on, by) (x)", {"x"}),
        ('absent(up{job="payment"}) unless on () (up{job="payment"} == 0)', {"up"}),
        ("topk(5, sort_desc(x))", {"x"}),
        ("sum BY (job) (x) AND y", {"x", "y"}),
        ('x{label="a \\" quote } and {brace"}', {"x"}),
        ("`raw` == x", {"x"}),
    ],
)
def test_metric_names(expr: str, names: set[str]) -> None:
    assert metric_names_in_expr(expr) == names


def test_label_names_come_from_matchers_and_grouping() -> None:
    expr = 'sum by (job, le) (rate(b{route="/x", status=~"5.."}[5m])) / on (job) group_left (pod) c{namespace!=""}'
    assert label_names_in_expr(expr) == {"job", "le", "route", "status", "pod", "namespace"}


def test_selectors_keep_matchers() -> None:
    selectors = parse_expr('rate(http_requests_total{job="order", status=~"5.."}[5m]) + up').selectors
    assert selectors[0].name == "http_requests_total"
    assert selectors[0].matchers == (Matcher("job", "=", "order"), Matcher("status", "=~", "5.."))
    assert selectors[1].name == "up" and selectors[1].matchers == ()


def test_regex_metric_name_is_refused() -> None:
    with pytest.raises(ValueError, match="exact metric name"):
        metric_names_in_expr('{__name__=~"http_.*"}')


@pytest.mark.parametrize("broken", ["sum(x", "x{job=}", "x ? y"])
def test_malformed_expressions_are_errors(broken: str) -> None:
    with pytest.raises(ValueError):
        metric_names_in_expr(broken)


def test_grafana_variable_queries() -> None:
    assert grafana_variable_promql('label_values(up{job="a"}, namespace)') == 'up{job="a"}'
    assert grafana_variable_label('label_values(up{job="a"}, namespace)') == "namespace"
    assert grafana_variable_promql("label_values(job)") is None
    assert grafana_variable_promql("query_result(topk(3, x))") == "topk(3, x)"
    assert grafana_variable_promql("a,b,c") is None


def test_conventions_tables_parse() -> None:
    contract = parse_metric_contract()
    assert contract["http_request_duration_seconds"].type == "histogram"
    assert contract["http_request_duration_seconds"].series_names() == (
        "http_request_duration_seconds_bucket",
        "http_request_duration_seconds_sum",
        "http_request_duration_seconds_count",
    )
    consumed = contract["kafka_messages_consumed_total"]
    assert consumed.label_names == {"topic", "event_type", "outcome"}
    outcomes = {label.name: label.values for label in consumed.labels}["outcome"]
    assert {"processed", "duplicate", "dead_lettered"} <= set(outcomes)
    assert contract["orders_placed_total"].service == "order"
    assert contract["http_requests_in_flight"].label_names == frozenset()

    services = {service.name: service.port for service in parse_services()}
    assert services["order"] == 8104
    assert "edge" not in services  # the proxy owns no schema and is not a service
