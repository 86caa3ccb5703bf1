"""The fake Prometheus on its own (a real HTTP server on a thread): the chart's own analysis queries
recognised, each behaviour answered as Prometheus' API would, the script swapped per test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from matjip_devstack.cluster import chart
from matjip_devstack.cluster.fake_prometheus import BEHAVIOURS, job_of, measure_of, serve


@pytest.fixture(scope="module")
def prometheus() -> Iterator[str]:
    server = serve("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _template_queries(environment: str, service: str) -> dict[str, str]:
    app = next(a for a in chart.applications(environment) if a.service == service)
    template = next(o for o in chart.render(app) if o["kind"] == "AnalysisTemplate")
    return {m["name"]: m["provider"]["prometheus"]["query"] for m in template["spec"]["metrics"]}


def test_every_query_of_the_charts_templates_is_recognised_and_attributed() -> None:
    http = _template_queries("prod", "store")
    assert {name: measure_of(q) for name, q in http.items()} == {
        "request-volume": "request-volume", "success-rate": "success-rate", "latency-p99": "latency-p99"}
    consumer = _template_queries("prod", "notification")
    assert {name: measure_of(q) for name, q in consumer.items()} == {
        "work-evidence": "processed", "group-lag": "group-lag", "processing-time": "processing-slowdown",
        "dead-letter-rate": "dead-letters"}
    assert {job_of(q) for q in [*http.values()]} == {"store"}
    assert {job_of(q) for q in consumer.values()} == {"notification"}


def _query(url: str, promql: str, post: bool = False) -> httpx.Response:
    if post:  # as Prometheus' Go client sends it
        return httpx.post(f"{url}/api/v1/query", data={"query": promql})
    return httpx.get(f"{url}/api/v1/query", params={"query": promql})


def test_behaviours_answer_as_prometheus_would(prometheus: str) -> None:
    success = _template_queries("prod", "store")["success-rate"]
    answers: dict[str, Any] = {}
    for behaviour in BEHAVIOURS:
        httpx.put(f"{prometheus}/-/script", json={"services": {"store": behaviour}}).raise_for_status()
        response = _query(prometheus, success, post=True)
        answers[behaviour] = (response.status_code, response.json().get("data", {}).get("result"))
    assert answers["healthy"][0] == 200 and answers["healthy"][1][0]["value"][1] == "0.998"
    assert answers["errors-5xx"][1][0]["value"][1] == "0.62"
    assert answers["empty"] == (200, [])
    assert answers["nan"][1][0]["value"][1] == "NaN"
    assert answers["erroring"] == (503, None)
    # Another service's queries keep the default; a namespace's own entry wins over the service's.
    other = _query(prometheus, success.replace('job="store"', 'job="auth"'))
    assert other.json()["data"]["result"][0]["value"][1] == "0.998"
    # The log holds what was asked since the last script, with what was answered.
    log = httpx.get(f"{prometheus}/-/queries").json()
    assert [(q["job"], q["behaviour"], q["status"]) for q in log] == [("store", "idle", 200), ("auth", "healthy", 200)]
    httpx.put(f"{prometheus}/-/script", json={"services": {"store": "slow", "matjip-prod/store": "empty"}})
    assert _query(prometheus, success).json()["data"]["result"] == []
    elsewhere = _query(prometheus, success.replace('namespace="matjip-prod"', 'namespace="canary"'))
    assert elsewhere.json()["data"]["result"][0]["value"][1] == "0.998"  # slow: only latency differs
    assert [q["namespace"] for q in httpx.get(f"{prometheus}/-/queries").json()] == ["matjip-prod", "canary"]


def test_a_query_it_does_not_know_and_a_bad_script_are_refused(prometheus: str) -> None:
    assert _query(prometheus, "up").status_code == 400
    refused = httpx.put(f"{prometheus}/-/script", json={"services": {"store": "flaky"}})
    assert refused.status_code == 400 and "flaky" in refused.json()["error"]
