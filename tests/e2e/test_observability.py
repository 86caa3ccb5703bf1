"""One order, seen by an engineer on call: one trace across the services, metrics that moved, and
dashboards and alerts that only use metrics the running services really export."""

import json
import re
import sys
from pathlib import Path

import httpx

from e2e_support import (
    SERVICE_SCHEMAS,
    Platform,
    eventually,
    expect,
    owner_moves,
    place_order,
    shop,
    wait_for_inbox,
    wait_for_status,
)

OBSERVABILITY = Path(__file__).resolve().parents[2] / "observability"
for folder in (OBSERVABILITY, OBSERVABILITY.parent / "tests" / "observability"):
    sys.path.insert(0, str(folder))

import observability_contract  # noqa: E402
from obs_files import DASHBOARD_FILES, RULE_FILES, load_yaml  # noqa: E402

ORDER_PATH_SERVICES = {"order", "store", "payment", "notification"}


def trace_id_of(response: httpx.Response) -> str:
    return response.headers["traceparent"].split("-")[1]


def zipkin_trace(platform: Platform, trace_id: str) -> list[dict[str, object]]:
    response = httpx.get(f"{platform.zipkin_url}/api/v2/trace/{trace_id}", timeout=5)
    return list(response.json()) if response.status_code == 200 else []


def scrape(platform: Platform, service: str) -> str:
    return httpx.get(f"{platform.stack.url(service)}/metrics", timeout=5).text


def sample(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(\{{(.*)\}})? (\S+)$", line)
        if match and all(f'{k}="{v}"' in (match.group(2) or "") for k, v in labels.items()):
            total += float(match.group(3))
    return total


def exported_series(text: str) -> set[str]:
    """Series names a scrape can contain, from the metric families declared (even those not used yet)."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split(" ", 3)
            if kind == "histogram":
                names |= {f"{family}_bucket", f"{family}_count", f"{family}_sum"}
            elif kind == "counter":
                base = family.removesuffix("_total")
                names |= {f"{base}_total", f"{base}_created"}
            else:
                names.add(family)
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


SPAN_KINDS = {"SERVER", "CLIENT", "PRODUCER", "CONSUMER"}


def test_one_order_is_one_trace_across_the_services_and_the_metrics_move(platform: Platform) -> None:
    s = shop(platform)
    placed = place_order(s.customer, s.store["id"], [(s.dish["id"], 1)])
    order_id = expect(placed, 201)["order_id"]
    trace_id = trace_id_of(placed)
    wait_for_status(s.customer, order_id, "AWAITING_STORE")
    wait_for_inbox(s.owner, s.store["id"], order_id)
    owner_moves(s.owner, s.store["id"], order_id, "accept", prep_minutes=10)
    for step in ("preparing", "ready", "picked-up"):
        owner_moves(s.owner, s.store["id"], order_id, step)
    wait_for_status(s.customer, order_id, "COMPLETED")

    # The checkout's trace follows the saga through the outbox and Kafka into every service on the path.
    # Each process exports its spans in its own batches, so the whole trace is waited for, not its first
    # complete set of services (a full run once read it before the order service's request span arrived).
    def spans_of_every_service() -> list[dict[str, object]] | None:
        spans = zipkin_trace(platform, trace_id)
        services = {str(span.get("localEndpoint", {}).get("serviceName")) for span in spans}  # type: ignore[union-attr]
        kinds = {span.get("kind") for span in spans}
        return spans if services >= ORDER_PATH_SERVICES and kinds >= SPAN_KINDS else None

    spans = eventually(
        spans_of_every_service, timeout=60, what=f"trace {trace_id} to reach {ORDER_PATH_SERVICES} with {SPAN_KINDS}"
    )
    databases = {span.get("tags", {}).get("db.system") for span in spans}  # type: ignore[union-attr]
    assert {"postgresql", "redis"} <= databases, "SQL and Redis calls are spans of the trace too"
    tagged = [span for span in spans if span.get("tags", {}).get("matjip.order_id") == order_id]  # type: ignore[union-attr]
    assert tagged, "spans carry the order id"

    # The owner's later steps are traces of their own, found by the same order id tag.
    def traces_of_the_order() -> list[object] | None:
        response = httpx.get(
            f"{platform.zipkin_url}/api/v2/traces",
            params={"annotationQuery": f"matjip.order_id={order_id}", "limit": 50, "lookback": 3_600_000},
            timeout=5,
        )
        found = response.json() if response.status_code == 200 else []
        return found if len(found) >= 2 else None

    eventually(traces_of_the_order, timeout=60, what="the owner's steps to be found by order id")

    order_metrics = scrape(platform, "order")
    assert sample(order_metrics, "orders_placed_total") >= 1
    assert sample(order_metrics, "orders_completed_total") >= 1
    assert sample(order_metrics, "order_revenue_won_total") >= 9000
    assert sample(order_metrics, "saga_step_duration_seconds_count", step="store_acceptance") >= 1
    assert sample(order_metrics, "http_requests_total", route="/api/order/orders", method="POST", status="201") >= 1
    assert sample(order_metrics, "outbox_published_total") >= 1
    store_metrics = scrape(platform, "store")
    reserve = {"event_type": "store.reserve-stock", "outcome": "processed"}
    assert sample(store_metrics, "kafka_messages_consumed_total", **reserve) >= 1
    payment_metrics = scrape(platform, "payment")
    assert sample(payment_metrics, "payment_gateway_requests_total", operation="confirm", outcome="success") >= 1


def test_dashboards_and_rules_use_only_metrics_the_running_services_export(platform: Platform) -> None:
    exported: set[str] = {"up"}
    for service in SERVICE_SCHEMAS:
        exported |= exported_series(scrape(platform, service))

    recorded: set[str] = set()
    expressions: list[tuple[str, str]] = []
    for path in RULE_FILES:
        for rule in observability_contract.rules_in(load_yaml(path)):
            if "record" in rule:
                recorded.add(rule["record"])
            expressions.append((f"{path.name}:{rule.get('record') or rule.get('alert')}", rule["expr"]))
    for path in DASHBOARD_FILES:
        for where, expr in observability_contract.dashboard_promql(json.loads(path.read_text())):
            expressions.append((f"{path.name}:{where}", expr))

    assert len(expressions) > 50
    unknown = {
        (where, name)
        for where, expr in expressions
        for name in observability_contract.metric_names_in_expr(expr)
        if name not in exported and name not in recorded
    }
    assert not unknown, f"queries use metrics no running service exports: {sorted(unknown)}"
