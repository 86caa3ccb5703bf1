"""Matjip's Grafana dashboards, as code. `python observability/dashboards/generate_dashboards.py` rewrites the JSON.

The JSON files beside this script are its output and what Grafana loads; tests/observability fails when
they drift from it. The services come from docs/conventions.md, so a new service appears everywhere.

Every dashboard has a Prometheus datasource variable (`datasource`), a `namespace` variable (All matches
series without a namespace too, as on the local stack), a dropdown to the other Matjip dashboards that
keeps variables and time range, and data links from per-service series to the Service RED dashboard.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # observability_contract
sys.path.insert(0, str(HERE))  # grafana_json

import observability_contract  # noqa: E402
from grafana_json import (  # noqa: E402
    JSON,
    Dashboard,
    bargauge,
    custom_variable,
    dashboard_link,
    datasource_variable,
    heatmap,
    logs,
    prom,
    query_variable,
    stat,
    table,
    text,
    textbox_variable,
    thresholds,
    timeseries,
    up_down_mappings,
)

SERVICES = "|".join(service.name for service in observability_contract.parse_services())
NS = 'namespace=~"$namespace"'
RI = "$__rate_interval"

OVERVIEW, SERVICE, KAFKA, FUNNEL, CANARY = (
    "matjip-overview",
    "matjip-service",
    "matjip-kafka-outbox",
    "matjip-order-funnel",
    "matjip-canary",
)
TO_SERVICE = dashboard_link(SERVICE, "Service RED: ${__field.labels.job}", job_from="${__field.labels.job}")
TO_KAFKA = dashboard_link(KAFKA, "Kafka & outbox")
TO_FUNNEL = dashboard_link(FUNNEL, "Order funnel")
LEVELS = ["debug", "info", "warning", "error", "critical"]
AVAILABILITY = 'slo="order-placement-availability"'
LATENCY = 'slo="order-placement-latency"'


def prometheus_variable() -> JSON:
    return datasource_variable("datasource", "prometheus", "Prometheus")


def loki_variable() -> JSON:
    return datasource_variable("loki", "loki", "Loki")


def namespace_variable() -> JSON:
    return query_variable(
        "namespace", "Namespace", f'label_values(up{{job=~"{SERVICES}"}}, namespace)', include_all=True, all_value=".*"
    )


def job_variable(*, multi: bool) -> JSON:
    query = f'label_values(up{{job=~"{SERVICES}", {NS}}}, job)'
    if multi:  # "All" is the explicit list, so Loki's `service=~"$job"` still has a non-empty matcher
        return query_variable("job", "Service", query, multi=True, include_all=True, all_value=SERVICES)
    return query_variable("job", "Service", query)


def rate(metric: str, selector: str, by: str = "", window: str = RI) -> str:
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate({metric}{{{selector}}}[{window}]))"


def ratio_5xx(selector: str, by: str) -> str:
    errors = rate("http_requests_total", selector + ', status=~"5.."', by)
    return f"{errors}\n/\n{rate('http_requests_total', selector, by)}"


def quantile(q: float, metric: str, selector: str, by: str) -> str:
    labels = f"{by}, le" if by else "le"
    return f"histogram_quantile({q}, sum by ({labels}) (rate({metric}_bucket{{{selector}}}[{RI}])))"


# ---------------------------------------------------------------------------------------------------


def overview() -> Dashboard:
    every = f'job=~"{SERVICES}", {NS}'
    d = Dashboard(
        OVERVIEW,
        "Matjip / Platform overview",
        "Start here: is a service down, is order placement within its SLO, are orders moving, is anything piling up.",
        ["matjip", "overview"],
        [prometheus_variable(), loki_variable(), namespace_variable()],
    )
    d.row("Is anything broken?")
    d.add(
        stat(
            "Services up",
            [prom(f"max by (job) (up{{{every}}})", "{{job}}", instant=True)],
            unit="none",
            description="Each service's scrape state. DOWN: every target of the service fails its scrape.",
            width=12,
            threshold_steps=thresholds((None, "red"), (1, "green")),
            mappings=up_down_mappings(),
            links=[TO_SERVICE],
        ),
        stat(
            "Order placement availability (1h)",
            [prom(f"1 - max(slo:sli_error:ratio_rate1h{{{AVAILABILITY}, {NS}}})", "non-5xx", instant=True)],
            unit="percentunit",
            decimals=3,
            description="Share of POST /api/order/orders answered without a 5xx over the last hour. SLO: 99.9%.",
            threshold_steps=thresholds((None, "red"), (0.999, "green")),
            links=[TO_FUNNEL],
        ),
        stat(
            "Placements within 500 ms (1h)",
            [prom(f"1 - max(slo:sli_error:ratio_rate1h{{{LATENCY}, {NS}}})", "under 500 ms", instant=True)],
            unit="percentunit",
            decimals=2,
            description="Share of POST /api/order/orders answered within 500 ms over the last hour. SLO: 99%.",
            threshold_steps=thresholds((None, "red"), (0.99, "green")),
            links=[TO_FUNNEL],
        ),
        stat(
            "Oldest unpublished event",
            [prom(f"max(outbox_oldest_pending_age_seconds{{{NS}}})", "outbox age", instant=True)],
            unit="s",
            description="Age of the oldest event waiting in any service's outbox. Over 60 s: a relay is stuck.",
            threshold_steps=thresholds((None, "green"), (10, "orange"), (60, "red")),
            links=[TO_KAFKA],
        ),
    )
    d.add(
        stat(
            "Orders placed",
            [prom(f'sum(increase(orders_placed_total{{job="order", {NS}}}[$__range]))', "placed", instant=True)],
            unit="short",
            decimals=0,
            description="Orders placed in the selected time range.",
            links=[TO_FUNNEL],
        ),
        stat(
            "Waiting for acceptance (15 min)",
            [
                prom(
                    f"sum(job:orders_placed:increase15m{{{NS}}})"
                    f" - sum(job:orders_accepted:increase15m{{{NS}}})"
                    f" - sum(job:orders_cancelled:increase15m{{{NS}}})",
                    "placed - accepted - cancelled",
                    instant=True,
                )
            ],
            unit="short",
            decimals=0,
            description=(
                "Orders placed in the last 15 minutes minus orders accepted or cancelled in the same window: "
                "roughly the orders somewhere between PLACED and ACCEPTED. A number that keeps growing "
                "means the saga is stuck (alert OrdersStuck)."
            ),
            threshold_steps=thresholds((None, "green"), (10, "orange"), (30, "red")),
            links=[TO_FUNNEL],
        ),
        stat(
            "Revenue",
            [prom(f'sum(increase(order_revenue_won_total{{job="order", {NS}}}[$__range]))', "revenue", instant=True)],
            unit="currencyKRW",
            decimals=0,
            description="Revenue in won over the selected time range.",
            links=[TO_FUNNEL],
        ),
        stat(
            "Dead-lettered messages",
            [prom(f"sum(increase(dead_letter_messages_total{{{NS}}}[$__range]))", "dead letters", instant=True)],
            unit="short",
            decimals=0,
            description="Messages any consumer gave up on in the selected range (they are in <topic>.dlq).",
            threshold_steps=thresholds((None, "green"), (1, "red")),
            links=[TO_KAFKA],
        ),
        stat(
            "Consumer lag",
            [prom(f"sum(kafka_consumer_lag{{{NS}}})", "lag", instant=True)],
            unit="short",
            decimals=0,
            description="Messages not yet consumed, summed over every consumer group, topic and partition.",
            threshold_steps=thresholds((None, "green"), (100, "orange"), (1000, "red")),
            links=[TO_KAFKA],
        ),
        stat(
            "Payment gateway failures (5m)",
            [
                prom(
                    f'sum(rate(payment_gateway_requests_total{{outcome=~"error|timeout", {NS}}}[5m]))'
                    f" / sum(rate(payment_gateway_requests_total{{{NS}}}[5m]))",
                    "errors + timeouts",
                    instant=True,
                )
            ],
            unit="percentunit",
            decimals=1,
            description="Share of payment gateway calls that ended in an error or a timeout (declines excluded).",
            threshold_steps=thresholds((None, "green"), (0.01, "orange"), (0.05, "red")),
            links=[TO_FUNNEL],
        ),
    )
    d.row("Which service is slow or failing?")
    d.add(
        table(
            "Service scorecard (now)",
            [
                prom(f"max by (job) (up{{{every}}})", instant=True, fmt="table"),
                prom(f"sum by (job) (job:http_requests:rate5m{{{NS}}})", instant=True, fmt="table"),
                prom(f"max by (job) (job:http_requests_error:ratio_rate5m{{{NS}}})", instant=True, fmt="table"),
                prom(f"max by (job) (job:http_requests_error:ratio_rate1h{{{NS}}})", instant=True, fmt="table"),
                prom(f"max by (job) (job:http_request_duration_seconds:p99_rate5m{{{NS}}})", instant=True, fmt="table"),
                prom(f"max by (job) (job:http_request_duration_seconds:p99_rate1h{{{NS}}})", instant=True, fmt="table"),
                prom(f"sum by (job) (kafka_consumer_lag{{{NS}}})", instant=True, fmt="table"),
                prom(f"max by (job) (outbox_oldest_pending_age_seconds{{{NS}}})", instant=True, fmt="table"),
            ],
            description="One line per service from the recording rules: click a service for its RED dashboard.",
            columns={
                "Value #A": ("up", "none"),
                "Value #B": ("req/s (5m)", "reqps"),
                "Value #C": ("5xx (5m)", "percentunit"),
                "Value #D": ("5xx (1h)", "percentunit"),
                "Value #E": ("p99 (5m)", "s"),
                "Value #F": ("p99 (1h)", "s"),
                "Value #G": ("consumer lag", "short"),
                "Value #H": ("oldest outbox event", "s"),
            },
            links_on={"job": [dashboard_link(SERVICE, "Service RED: ${__value.raw}", job_from="${__value.raw}")]},
        ),
    )
    d.add(
        timeseries(
            "Requests per second",
            [prom(rate("http_requests_total", every, "job"), "{{job}}")],
            unit="reqps",
            description="HTTP requests served per second, per service.",
            width=8,
            links=[TO_SERVICE],
        ),
        timeseries(
            "5xx ratio",
            [prom(ratio_5xx(every, "job"), "{{job}}")],
            unit="percentunit",
            description="Share of each service's HTTP requests answered with a server error.",
            width=8,
            links=[TO_SERVICE],
            threshold_steps=thresholds((None, "green"), (0.05, "red")),
        ),
        timeseries(
            "p99 latency",
            [prom(quantile(0.99, "http_request_duration_seconds", every, "job"), "{{job}}")],
            unit="s",
            description=(
                "The slowest 1% of each service's HTTP requests take at least this long "
                "(notification's SSE streams last as long as the client stays connected)."
            ),
            width=8,
            links=[TO_SERVICE],
        ),
    )
    d.row("Where are the orders?")
    d.add(
        timeseries(
            "Order flow (per minute)",
            [
                prom(f'sum(rate(orders_placed_total{{job="order", {NS}}}[{RI}])) * 60', "placed"),
                prom(f'sum(rate(orders_accepted_total{{job="order", {NS}}}[{RI}])) * 60', "accepted"),
                prom(f'sum(rate(orders_completed_total{{job="order", {NS}}}[{RI}])) * 60', "completed"),
                prom(f'sum(rate(orders_cancelled_total{{job="order", {NS}}}[{RI}])) * 60', "cancelled"),
            ],
            unit="cpm",
            description="Placed should be followed by accepted (within minutes) and completed or cancelled.",
            links=[TO_FUNNEL],
            width=8,
        ),
        timeseries(
            "Consumer lag by service and topic",
            [prom(f"sum by (job, topic) (kafka_consumer_lag{{{NS}}})", "{{job}} ← {{topic}}")],
            unit="short",
            description="Messages behind per consumer group (service) and topic. Growing: slow or stuck consumer.",
            links=[TO_KAFKA],
            width=8,
        ),
        timeseries(
            "Logins by outcome",
            [prom(f'sum by (outcome) (rate(auth_logins_total{{job="auth", {NS}}}[{RI}])) * 60', "{{outcome}}")],
            unit="cpm",
            description="auth's login attempts per minute: a wall of invalid_credentials or throttled is an attack.",
            stack=True,
            width=8,
        ),
    )
    d.row("Logs")
    d.add(
        logs(
            "Errors and warnings from every service",
            f'{{service=~"{SERVICES}", {NS}, level=~"warning|error|critical"}}',
            description="Expand a line for its trace_id and order_id; the trace_id links to the trace.",
        )
    )
    return d


def service() -> Dashboard:
    sel = f'job="$job", {NS}'
    routed = f'{sel}, route=~"$route"'
    d = Dashboard(
        SERVICE,
        "Matjip / Service RED",
        "Rate, errors and duration of one service's HTTP API, its Kafka consumers and outbox, and its logs.",
        ["matjip", "red"],
        [
            prometheus_variable(),
            loki_variable(),
            namespace_variable(),
            job_variable(multi=False),
            query_variable(
                "route",
                "Route",
                f'label_values(http_requests_total{{job="$job", {NS}}}, route)',
                multi=True,
                include_all=True,
                all_value=".*",
            ),
            custom_variable("level", "Log level", LEVELS, all_value=".+"),
            textbox_variable("search", "Log search"),
        ],
        links=[
            {
                "title": "Canary comparison",
                "type": "link",
                "url": f"/d/{CANARY}",
                "includeVars": True,
                "keepTime": True,
                "asDropdown": False,
                "icon": "dashboard",
                "tags": [],
                "targetBlank": False,
                "tooltip": "Stable vs canary pods of this service",
            },
        ],
    )
    d.row("$job now")
    d.add(
        stat(
            "Targets up",
            [prom(f"sum(up{{{sel}}})", "up", instant=True), prom(f"count(up{{{sel}}})", "scraped", instant=True)],
            unit="none",
            description="Targets (pods or local processes) answering their scrape, out of all discovered.",
            threshold_steps=thresholds((None, "red"), (1, "green")),
        ),
        stat(
            "Requests/s",
            [prom(rate("http_requests_total", routed), "req/s", instant=True)],
            unit="reqps",
            description="HTTP requests per second over the selected routes.",
        ),
        stat(
            "5xx ratio",
            [prom(ratio_5xx(routed, ""), "5xx", instant=True)],
            unit="percentunit",
            decimals=2,
            description="Share of requests answered with a server error.",
            threshold_steps=thresholds((None, "green"), (0.01, "orange"), (0.05, "red")),
        ),
        stat(
            "p99 latency",
            [prom(quantile(0.99, "http_request_duration_seconds", routed, ""), "p99", instant=True)],
            unit="s",
            description="The slowest 1% of requests take at least this long.",
            threshold_steps=thresholds((None, "green"), (0.5, "orange"), (1, "red")),
        ),
        stat(
            "In flight",
            [prom(f"sum(http_requests_in_flight{{{sel}}})", "in flight", instant=True)],
            unit="short",
            description="Requests being served right now (open SSE streams count for notification).",
        ),
        stat(
            "Oldest outbox event",
            [prom(f"max(outbox_oldest_pending_age_seconds{{{sel}}})", "age", instant=True)],
            unit="s",
            description="Age of the oldest event this service has committed but not yet published.",
            threshold_steps=thresholds((None, "green"), (10, "orange"), (60, "red")),
            links=[TO_KAFKA],
        ),
    )
    d.row("Rate, errors, duration")
    d.add(
        timeseries(
            "Requests by route and status",
            [prom(rate("http_requests_total", routed, "route, status"), "{{status}} {{route}}")],
            unit="reqps",
            description="Requests per second by route and HTTP status.",
            stack=True,
        ),
        timeseries(
            "5xx ratio by route",
            [prom(ratio_5xx(routed, "route"), "{{route}}")],
            unit="percentunit",
            description="Share of each route's requests answered with a server error.",
            threshold_steps=thresholds((None, "green"), (0.05, "red")),
        ),
        timeseries(
            "Latency percentiles",
            [
                prom(quantile(0.5, "http_request_duration_seconds", routed, ""), "p50"),
                prom(quantile(0.9, "http_request_duration_seconds", routed, ""), "p90"),
                prom(quantile(0.99, "http_request_duration_seconds", routed, ""), "p99"),
            ],
            unit="s",
            description="Request duration percentiles over the selected routes.",
        ),
        timeseries(
            "p99 latency by route",
            [prom(quantile(0.99, "http_request_duration_seconds", routed, "route"), "{{route}}")],
            unit="s",
            description="Which route is slow.",
        ),
        heatmap(
            "Latency distribution",
            prom(
                f"sum by (le) (increase(http_request_duration_seconds_bucket{{{routed}}}[{RI}]))",
                "{{le}}",
                fmt="heatmap",
            ),
            unit="s",
            description="Requests per latency bucket over time: a second band appearing is a new slow path.",
        ),
        timeseries(
            "Requests in flight",
            [prom(f"sum by (instance) (http_requests_in_flight{{{sel}}})", "{{instance}}")],
            unit="short",
            description="Concurrent requests per target: a climb with flat traffic means requests are hanging.",
        ),
    )
    d.row("Kafka and outbox of $job")
    d.add(
        timeseries(
            "Messages consumed by topic and outcome",
            [prom(rate("kafka_messages_consumed_total", sel, "topic, outcome"), "{{outcome}} {{topic}}")],
            unit="cps",
            description="processed: handled; duplicate: already seen (idempotent inbox); dead_lettered: given up.",
            stack=True,
            links=[TO_KAFKA],
        ),
        timeseries(
            "Processing time p99 by event type",
            [
                prom(
                    quantile(0.99, "kafka_message_processing_seconds", sel, "topic, event_type"),
                    "{{event_type}} ({{topic}})",
                )
            ],
            unit="s",
            description="Time to handle one message, retries included.",
        ),
        timeseries(
            "Consumer lag by topic",
            [prom(f"sum by (topic) (kafka_consumer_lag{{{sel}}})", "{{topic}}")],
            unit="short",
            description="Messages behind the end of each topic for this service's consumer group (matjip-$job).",
            links=[TO_KAFKA],
        ),
        timeseries(
            "Dead-lettered by topic and reason",
            [
                prom(
                    f"sum by (topic, reason) (increase(dead_letter_messages_total{{{sel}}}[{RI}]))",
                    "{{reason}} {{topic}}",
                )
            ],
            unit="short",
            description="Messages sent to <topic>.dlq. invalid: unparseable; failed: the handler kept failing.",
            bars=True,
        ),
        timeseries(
            "Messages produced by topic",
            [prom(rate("kafka_messages_produced_total", sel, "topic, event_type"), "{{event_type}} → {{topic}}")],
            unit="cps",
            description="Events this service's outbox relay published, by topic and event type.",
        ),
        timeseries(
            "Outbox backlog",
            [prom(f"sum(outbox_pending_events{{{sel}}})", "pending events")],
            unit="short",
            description="Events committed but not yet published. It should drain to 0 within seconds.",
        ),
    )
    d.row("Logs of $job")
    d.add(
        logs(
            "$job logs",
            f'{{service="$job", {NS}, level=~"$level"}} |= "$search"',
            description="Filter with the Log level and Log search variables (an order id, a trace id, an error code).",
        )
    )
    return d


def kafka_outbox() -> Dashboard:
    sel = f'job=~"$job", {NS}'
    topical = f'{sel}, topic=~"$topic"'
    d = Dashboard(
        KAFKA,
        "Matjip / Kafka & outbox",
        "Where events wait: consumer lag, processing time, dead letters, and each service's transactional outbox.",
        ["matjip", "kafka"],
        [
            prometheus_variable(),
            loki_variable(),
            namespace_variable(),
            job_variable(multi=True),
            query_variable(
                "topic",
                "Topic",
                f'label_values(kafka_messages_consumed_total{{job=~"$job", {NS}}}, topic)',
                multi=True,
                include_all=True,
                all_value=".*",
            ),
        ],
    )
    d.row("Consumers")
    d.add(
        timeseries(
            "Consumer lag by service and topic",
            [prom(f"sum by (job, topic) (kafka_consumer_lag{{{topical}}})", "{{job}} ← {{topic}}")],
            unit="short",
            description="Messages behind per consumer group (matjip-<service>) and topic.",
            links=[TO_SERVICE],
        ),
        table(
            "Lag by partition (now)",
            [prom(f"max by (job, topic, partition) (kafka_consumer_lag{{{topical}}}) > 0", instant=True, fmt="table")],
            description="Partitions with a lag: one partition stuck while others drain is a poison message.",
            columns={"Value": ("lag", "short")},
            width=12,
        ),
        timeseries(
            "Consumed by outcome",
            [
                prom(
                    rate("kafka_messages_consumed_total", topical, "job, topic, outcome"),
                    "{{job}} {{outcome}} {{topic}}",
                )
            ],
            unit="cps",
            description="processed, duplicate (skipped by the inbox) and dead_lettered messages per second.",
            stack=True,
            links=[TO_SERVICE],
        ),
        timeseries(
            "Processing time p99",
            [prom(quantile(0.99, "kafka_message_processing_seconds", topical, "job, topic"), "{{job}} {{topic}}")],
            unit="s",
            description="Time to handle one message, retries included, per consumer and topic.",
            links=[TO_SERVICE],
        ),
        timeseries(
            "Processing time p99 by event type",
            [
                prom(
                    quantile(0.99, "kafka_message_processing_seconds", topical, "job, event_type"),
                    "{{job}} {{event_type}}",
                )
            ],
            unit="s",
            description="Which event type is slow to handle.",
        ),
        timeseries(
            "Duplicates skipped",
            [
                prom(
                    rate("kafka_messages_consumed_total", topical + ', outcome="duplicate"', "job, topic"),
                    "{{job}} {{topic}}",
                )
            ],
            unit="cps",
            description="Redeliveries the idempotent inbox recognised (normal after rebalances and restarts).",
        ),
    )
    d.row("Dead letters")
    d.add(
        stat(
            "Dead-lettered in range",
            [prom(f"sum(increase(dead_letter_messages_total{{{topical}}}[$__range]))", "dead letters", instant=True)],
            unit="short",
            decimals=0,
            description="Inspect with `./matjip tail <topic>.dlq`; each keeps its headers plus dlq_reason/dlq_error.",
            threshold_steps=thresholds((None, "green"), (1, "red")),
            width=6,
            height=8,
        ),
        timeseries(
            "Dead-lettered by service, topic and reason",
            [
                prom(
                    f"sum by (job, topic, reason) (increase(dead_letter_messages_total{{{topical}}}[{RI}]))",
                    "{{job}} {{reason}} {{topic}}",
                )
            ],
            unit="short",
            description="invalid: the message could not be parsed; failed: the handler kept failing after retries.",
            bars=True,
            width=18,
        ),
    )
    d.row("Outbox")
    d.add(
        timeseries(
            "Pending events",
            [prom(f"sum by (job) (outbox_pending_events{{{sel}}})", "{{job}}")],
            unit="short",
            description="Events committed with their state change but not yet published to Kafka.",
            width=8,
            links=[TO_SERVICE],
        ),
        timeseries(
            "Oldest pending event",
            [prom(f"max by (job) (outbox_oldest_pending_age_seconds{{{sel}}})", "{{job}}")],
            unit="s",
            description="Over 60 s for 2 minutes pages (OutboxOldestEventTooOld): the relay is stuck or Kafka is down.",
            width=8,
            threshold_steps=thresholds((None, "green"), (60, "red")),
            links=[TO_SERVICE],
        ),
        timeseries(
            "Published by topic",
            [prom(rate("outbox_published_total", topical, "job, topic"), "{{job}} → {{topic}}")],
            unit="cps",
            description="Events the relay published per second.",
            width=8,
        ),
        timeseries(
            "Produced by topic and event type",
            [
                prom(
                    rate("kafka_messages_produced_total", topical, "job, topic, event_type"),
                    "{{job}} {{event_type}} → {{topic}}",
                )
            ],
            unit="cps",
            description="Kafka messages produced per second (acks=all, idempotent producer).",
            width=24,
        ),
    )
    d.row("Logs")
    d.add(
        logs(
            "Retries and dead letters",
            f'{{service=~"$job", {NS}}} |~ "(?i)dead.?letter|dlq|retry"',
            description="Consumer log lines about retries and dead-lettering, with the failing event's ids.",
        )
    )
    return d


def order_funnel() -> Dashboard:
    order = f'job="order", {NS}'
    services = f'service=~"{SERVICES}", {NS}'
    d = Dashboard(
        FUNNEL,
        "Matjip / Order funnel",
        "Orders from placement to completion: the funnel, cancellations by reason, revenue, the saga's steps, "
        "the order placement SLOs, and the log trail of one order.",
        ["matjip", "orders"],
        [
            prometheus_variable(),
            loki_variable(),
            namespace_variable(),
            textbox_variable("order_id", "Order id"),
            textbox_variable("trace_id", "Trace id"),
            textbox_variable("zipkin", "Zipkin URL", "http://127.0.0.1:59411"),
        ],
        links=[
            {
                "title": "Trace ${trace_id} in Zipkin",
                "type": "link",
                "url": "${zipkin}/zipkin/traces/${trace_id}",
                "asDropdown": False,
                "icon": "external link",
                "includeVars": False,
                "keepTime": False,
                "tags": [],
                "targetBlank": True,
                "tooltip": "Open the trace of the Trace id variable",
            },
        ],
    )
    d.row("Funnel over the selected range")
    d.add(
        *(
            stat(
                f"Orders {what}",
                [prom(f"sum(increase({metric}{{{order}}}[$__range]))", what, instant=True)],
                unit="short",
                decimals=0,
                description=f"Orders {what} in the selected time range.",
            )
            for what, metric in (
                ("placed", "orders_placed_total"),
                ("accepted", "orders_accepted_total"),
                ("completed", "orders_completed_total"),
                ("cancelled", "orders_cancelled_total"),
            )
        ),
        stat(
            "Cancelled / placed",
            [
                prom(
                    f"sum(increase(orders_cancelled_total{{{order}}}[$__range]))"
                    f" / sum(increase(orders_placed_total{{{order}}}[$__range]))",
                    "cancelled share",
                    instant=True,
                )
            ],
            unit="percentunit",
            decimals=1,
            description="Over 30% for 10 minutes pages (OrderCancellationRateHigh).",
            threshold_steps=thresholds((None, "green"), (0.1, "orange"), (0.3, "red")),
        ),
        stat(
            "Revenue",
            [prom(f"sum(increase(order_revenue_won_total{{{order}}}[$__range]))", "won", instant=True)],
            unit="currencyKRW",
            decimals=0,
            description="Revenue in won over the selected time range.",
        ),
    )
    d.row("Flow")
    d.add(
        timeseries(
            "Orders per minute",
            [
                prom(f"sum(rate(orders_placed_total{{{order}}}[{RI}])) * 60", "placed"),
                prom(f"sum(rate(orders_accepted_total{{{order}}}[{RI}])) * 60", "accepted"),
                prom(f"sum(rate(orders_completed_total{{{order}}}[{RI}])) * 60", "completed"),
                prom(f"sum(rate(orders_cancelled_total{{{order}}}[{RI}])) * 60", "cancelled"),
            ],
            unit="cpm",
            description="Each stage follows placement: accepted within minutes, completed after prep and delivery.",
        ),
        timeseries(
            "Waiting for acceptance (15 min window)",
            [
                prom(f"sum(job:orders_placed:increase15m{{{NS}}})", "placed"),
                prom(
                    f"sum(job:orders_accepted:increase15m{{{NS}}}) + sum(job:orders_cancelled:increase15m{{{NS}}})",
                    "accepted + cancelled",
                ),
            ],
            unit="short",
            description=(
                "Orders placed vs orders leaving the pre-acceptance stage, both over the last 15 minutes. "
                "The lines should overlap; OrdersStuck pages when the second falls under half the first."
            ),
        ),
        timeseries(
            "Cancellations by reason",
            [prom(f"sum by (reason) (rate(orders_cancelled_total{{{order}}}[{RI}])) * 60", "{{reason}}")],
            unit="cpm",
            description="Why orders are cancelled: payment failure, store rejection, store timeout, customer.",
            stack=True,
            bars=True,
        ),
        bargauge(
            "Cancellation reasons in range",
            [
                prom(
                    f"sort_desc(sum by (reason) (increase(orders_cancelled_total{{{order}}}[$__range])))",
                    "{{reason}}",
                    instant=True,
                )
            ],
            unit="short",
            description="Cancellations per reason over the selected time range.",
        ),
        timeseries(
            "Revenue per hour",
            [prom(f"sum(rate(order_revenue_won_total{{{order}}}[{RI}])) * 3600", "won / hour")],
            unit="currencyKRW",
            description="Revenue rate in won per hour.",
            width=24,
        ),
    )
    d.row("Saga steps")
    d.add(
        timeseries(
            "Step duration p95",
            [prom(quantile(0.95, "saga_step_duration_seconds", order, "step"), "{{step}}")],
            unit="s",
            description="How long each saga step (reserve stock, authorize payment, store acceptance, ...) takes.",
        ),
        timeseries(
            "Step outcomes per minute",
            [
                prom(
                    f"sum by (step, outcome) (rate(saga_step_duration_seconds_count{{{order}}}[{RI}])) * 60",
                    "{{step}} {{outcome}}",
                )
            ],
            unit="cpm",
            description="Which step fails or is compensated, and how often.",
            stack=True,
        ),
        table(
            "Steps in range",
            [
                prom(
                    f"sum by (step, outcome) (increase(saga_step_duration_seconds_count{{{order}}}[$__range]))",
                    instant=True,
                    fmt="table",
                ),
                prom(
                    "histogram_quantile(0.95, sum by (step, outcome, le) "
                    f"(increase(saga_step_duration_seconds_bucket{{{order}}}[$__range])))",
                    instant=True,
                    fmt="table",
                ),
            ],
            description="Count and p95 duration of every step and outcome over the selected range.",
            columns={"Value #A": ("count", "short"), "Value #B": ("p95", "s")},
            width=12,
        ),
        timeseries(
            "Payment gateway calls",
            [
                prom(
                    f"sum by (operation, outcome) (rate(payment_gateway_requests_total{{{NS}}}[{RI}])) * 60",
                    "{{operation}} {{outcome}}",
                )
            ],
            unit="cpm",
            description="Gateway confirm/cancel calls by outcome; error and timeout are the gateway's failures.",
            stack=True,
        ),
    )
    d.row("Order placement SLOs")
    d.add(
        timeseries(
            "Error ratio by window",
            [
                prom(f"max by (slo) (slo:sli_error:ratio_rate{window}{{{NS}}})", f"{{{{slo}}}} {window}")
                for window in ("5m", "1h", "6h", "1d")
            ],
            unit="percentunit",
            description=(
                "Bad placements (availability: 5xx; latency: over 500 ms) over each alerting window. "
                "Budgets: 0.1% and 1%."
            ),
        ),
        timeseries(
            "Burn rate",
            [
                prom(f"max(slo:sli_error:ratio_rate1h{{{AVAILABILITY}, {NS}}}) / 0.001", "availability 1h"),
                prom(f"max(slo:sli_error:ratio_rate6h{{{AVAILABILITY}, {NS}}}) / 0.001", "availability 6h"),
                prom(f"max(slo:sli_error:ratio_rate1h{{{LATENCY}, {NS}}}) / 0.01", "latency 1h"),
                prom(f"max(slo:sli_error:ratio_rate6h{{{LATENCY}, {NS}}}) / 0.01", "latency 6h"),
            ],
            unit="none",
            description="How many times faster than sustainable the error budget burns. Pages at 14.4 (1h) and 6 (6h).",
            threshold_steps=thresholds((None, "green"), (6, "orange"), (14.4, "red")),
        ),
    )
    d.row("One order")
    d.add(
        text(
            "How to follow one order",
            "Paste an **order id** (from the API response, the customer, or a log line) into *Order id*, or a "
            "**trace id** (the middle part of the response's `traceparent` header, or `trace_id` in any log "
            "line) into *Trace id*. The panel below shows every service's log lines for it; expand a line and "
            "follow its `trace_id` to the trace, or use the *Trace in Zipkin* link at the top. "
            "See observability/README.md.",
            height=3,
        ),
        logs(
            "Order trail across services",
            f'{{{services}}} |= "$order_id" |= "$trace_id"',
            description="Every service's log lines that mention the order id and trace id, newest first.",
            height=14,
        ),
    )
    return d


def canary() -> Dashboard:
    sel = f'job="$job", {NS}, rollouts_pod_template_hash=~"$hash"'
    by = "rollouts_pod_template_hash"
    d = Dashboard(
        CANARY,
        "Matjip / Canary comparison",
        "Stable vs canary pods of one service during an Argo Rollouts canary, side by side.",
        ["matjip", "canary"],
        [
            prometheus_variable(),
            namespace_variable(),
            job_variable(multi=False),
            query_variable(
                "hash",
                "ReplicaSet hash",
                f'label_values(up{{job="$job", {NS}}}, {by})',
                multi=True,
                include_all=True,
                all_value=".*",
            ),
        ],
    )
    d.row("Stable vs canary")
    d.add(
        text(
            "Reading this dashboard",
            "Argo Rollouts labels every pod with `rollouts-pod-template-hash`, one value per ReplicaSet; the "
            "ServiceMonitor copies it to the target label `rollouts_pod_template_hash`. During a canary "
            "there are two hashes: `kubectl argo rollouts get rollout $job` tells which is stable. A canary "
            "with **no** series here is not healthy, it is unmeasured: its analysis must fail, not pass.",
            height=3,
        ),
        stat(
            "Pods per ReplicaSet",
            [prom(f"count by ({by}) (up{{{sel}}} == 1)", f"{{{{{by}}}}}", instant=True)],
            unit="none",
            description="Pods answering their scrape, per ReplicaSet hash.",
            width=6,
            height=6,
        ),
        table(
            "Now, per ReplicaSet (5m)",
            [
                prom(rate("http_requests_total", sel, by, "5m"), instant=True, fmt="table"),
                prom(ratio_5xx(sel, by).replace(RI, "5m"), instant=True, fmt="table"),
                prom(
                    quantile(0.99, "http_request_duration_seconds", sel, by).replace(RI, "5m"),
                    instant=True,
                    fmt="table",
                ),
                prom(
                    f'sum by ({by}) (rate(kafka_messages_consumed_total{{{sel}, outcome="dead_lettered"}}[5m]))',
                    instant=True,
                    fmt="table",
                ),
            ],
            description="The numbers a canary analysis compares: traffic, 5xx ratio, p99, dead letters.",
            columns={
                "Value #A": ("req/s", "reqps"),
                "Value #B": ("5xx ratio", "percentunit"),
                "Value #C": ("p99", "s"),
                "Value #D": ("dead-lettered/s", "cps"),
            },
            width=18,
            height=6,
        ),
    )
    d.add(
        timeseries(
            "Requests per second",
            [prom(rate("http_requests_total", sel, by), f"{{{{{by}}}}}")],
            unit="reqps",
            description="Traffic per ReplicaSet: the canary's share follows the rollout's setWeight steps.",
            width=8,
        ),
        timeseries(
            "5xx ratio",
            [prom(ratio_5xx(sel, by), f"{{{{{by}}}}}")],
            unit="percentunit",
            description="Server-error share per ReplicaSet.",
            width=8,
        ),
        timeseries(
            "4xx ratio",
            [
                prom(
                    rate("http_requests_total", sel + ', status=~"4.."', by)
                    + "\n/\n"
                    + rate("http_requests_total", sel, by),
                    f"{{{{{by}}}}}",
                )
            ],
            unit="percentunit",
            description="Client-error share per ReplicaSet: a jump on the canary alone is often a contract break.",
            width=8,
        ),
        timeseries(
            "p99 latency",
            [prom(quantile(0.99, "http_request_duration_seconds", sel, by), f"{{{{{by}}}}}")],
            unit="s",
            description="p99 request duration per ReplicaSet.",
        ),
        timeseries(
            "p50 latency",
            [prom(quantile(0.5, "http_request_duration_seconds", sel, by), f"{{{{{by}}}}}")],
            unit="s",
            description="Median request duration per ReplicaSet.",
        ),
        timeseries(
            "Message processing p99",
            [prom(quantile(0.99, "kafka_message_processing_seconds", sel, by), f"{{{{{by}}}}}")],
            unit="s",
            description="Kafka message handling time per ReplicaSet.",
        ),
        timeseries(
            "Messages by outcome",
            [prom(rate("kafka_messages_consumed_total", sel, f"{by}, outcome"), f"{{{{{by}}}}} {{{{outcome}}}}")],
            unit="cps",
            description="processed / duplicate / dead_lettered per ReplicaSet.",
        ),
    )
    return d


DASHBOARDS = {
    "platform-overview.json": overview,
    "service-red.json": service,
    "kafka-outbox.json": kafka_outbox,
    "order-funnel.json": order_funnel,
    "canary.json": canary,
}


def render() -> dict[str, str]:
    """File name -> JSON text of every dashboard."""
    return {
        name: json.dumps(build().to_json(), indent=2, ensure_ascii=False) + "\n" for name, build in DASHBOARDS.items()
    }


def main() -> None:
    for name, content in render().items():
        (HERE / name).write_text(content, encoding="utf-8")
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
