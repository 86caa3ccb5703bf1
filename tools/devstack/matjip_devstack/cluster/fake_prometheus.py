"""A fake Prometheus for the cluster's canary analyses: answers `/api/v1/query` from a script.

The real Argo Rollouts controller runs the chart's AnalysisTemplates against it. A query is recognised
by the metric it reads (the templates in deploy/helm/matjip-service/templates/analysistemplate.yaml are
the contract) and attributed to a service by its `job="<service>"` matcher (or its consumer group) and
its `namespace`. A test sets the script - one behaviour per service (`<namespace>/<service>`, or `<service>` in any
namespace), a default for the rest - and reads back the queries the controller sent:

  PUT /-/script   {"default": "healthy", "services": {"canary-abort/store": "errors-5xx"}}
  GET /-/queries  every query received, oldest first ([{"job", "measure", "behaviour", "answer"}, ...])
  GET /-/ready

Behaviours, each what a real Prometheus would return for such a canary:
  healthy     plenty of canary requests, 99.8% success, p99 120 ms; consumers keep up and do work
  errors-5xx  38% of the canary's answers are 5xx
  slow        p99 2.4 s; a consumer canary 3.2 times slower per message than the stable pods
  empty       no series at all (the canary is not scraped)
  nan         series with no traffic in the window (0/0)
  erroring    Prometheus itself fails (HTTP 503)
  idle        a consumer canary that holds partitions and processes nothing (lag grows)

Run: `python -m matjip_devstack.cluster.fake_prometheus --port P` (stdlib only).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BEHAVIOURS = ("healthy", "errors-5xx", "slow", "empty", "nan", "erroring", "idle")

# What a healthy canary shows, per measurement (the metric a query reads).
HEALTHY: dict[str, float] = {
    "request-volume": 600.0,
    "success-rate": 0.998,
    "latency-p99": 0.12,
    "processed": 250.0,
    "group-lag": 3.0,
    "processing-slowdown": 1.05,
    "dead-letters": 0.0,
}
DEVIATIONS: dict[str, dict[str, float]] = {
    "errors-5xx": {"success-rate": 0.62},
    "slow": {"latency-p99": 2.4, "processing-slowdown": 3.2},
    "nan": dict.fromkeys(HEALTHY, math.nan),
    "idle": {"processed": 0.0, "group-lag": 5400.0},
}

_JOB = re.compile(r'\bjob\s*=\s*"([^"]+)"')
_GROUP = re.compile(r'\bconsumergroup\s*=\s*"[^"]*?matjip-([^"]+)"')
_NAMESPACE = re.compile(r'\bnamespace\s*=\s*"([^"]+)"')


def measure_of(query: str) -> str | None:
    """Which canary measurement a PromQL query is (None: not one the chart's templates make)."""
    if "http_request_duration_seconds" in query:
        return "latency-p99"
    if "http_requests_total" in query:
        return "success-rate" if "5.." in query else "request-volume"
    if "kafka_consumergroup_lag" in query:
        return "group-lag"
    if "kafka_message_processing_seconds" in query:
        return "processing-slowdown"
    if "dead_letter_messages_total" in query:
        return "dead-letters"
    if "kafka_messages_consumed_total" in query:
        return "processed"
    return None


def job_of(query: str) -> str | None:
    """The service a query is about: its consumer group's service, else its `job` label."""
    match = _GROUP.search(query) or _JOB.search(query)
    return match.group(1) if match else None


def namespace_of(query: str) -> str | None:
    match = _NAMESPACE.search(query)
    return match.group(1) if match else None


@dataclass
class Script:
    default: str = "healthy"
    services: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for behaviour in (self.default, *self.services.values()):
            if behaviour not in BEHAVIOURS:
                raise ValueError(f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")

    def behaviour(self, job: str | None, namespace: str | None = None) -> str:
        return self.services.get(f"{namespace}/{job}", self.services.get(job or "", self.default))


def answer(behaviour: str, measure: str | None) -> tuple[int, dict[str, Any]]:
    """The HTTP status and body Prometheus' API would send."""
    if measure is None:
        return 400, {"status": "error", "errorType": "bad_data", "error": "not a query of the chart's templates"}
    if behaviour == "erroring":
        return 503, {"status": "error", "errorType": "unavailable", "error": "scripted: Prometheus unavailable"}
    samples: list[dict[str, Any]] = []
    if behaviour != "empty":
        value = DEVIATIONS.get(behaviour, {}).get(measure, HEALTHY[measure])
        samples.append({"metric": {}, "value": [time.time(), "NaN" if math.isnan(value) else repr(value)]})
    return 200, {"status": "success", "data": {"resultType": "vector", "result": samples}}


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.script = Script()
        self.queries: list[dict[str, Any]] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _query(self, params: dict[str, list[str]]) -> None:
        promql = (params.get("query") or [""])[-1]
        state = self.server.state
        measure, job, namespace = measure_of(promql), job_of(promql), namespace_of(promql)
        with state.lock:
            behaviour = state.script.behaviour(job, namespace)
            status, body = answer(behaviour, measure)
            result = body.get("data", {}).get("result")
            state.queries.append({"at": time.time(), "job": job, "namespace": namespace, "measure": measure,
                                  "behaviour": behaviour,
                                  "status": status, "answer": result[0]["value"][1] if result else None,
                                  "query": promql})
        self._send(status, body)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/api/v1/query":
            self._query(parse_qs(url.query))
        elif url.path == "/-/queries":
            with self.server.state.lock:
                self._send(200, list(self.server.state.queries))
        elif url.path in ("/-/ready", "/-/healthy"):
            self._send(200, {"ready": True})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/api/v1/query":
            self._send(404, {"error": "not found"})
            return
        # Prometheus' Go client (which Argo Rollouts uses) posts the query form-encoded.
        params = parse_qs(url.query) | parse_qs(self._body().decode())
        self._query(params)

    def do_PUT(self) -> None:
        if urlsplit(self.path).path != "/-/script":
            self._send(404, {"error": "not found"})
            return
        try:
            body = json.loads(self._body())
            script = Script(default=str(body.get("default", "healthy")),
                            services={str(k): str(v) for k, v in dict(body.get("services", {})).items()})
        except (ValueError, TypeError, AttributeError) as exc:
            self._send(400, {"error": str(exc)})
            return
        with self.server.state.lock:
            self.server.state.script = script
            self.server.state.queries.clear()
        self._send(200, {"default": script.default, "services": script.services})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.state = _State()


def serve(host: str, port: int) -> _Server:
    """A server bound to (host, port); call serve_forever() on it (tests may run it on a thread)."""
    return _Server((host, port))


def main() -> None:
    parser = argparse.ArgumentParser(description="a fake Prometheus for canary analyses")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve(args.host, args.port).serve_forever()


if __name__ == "__main__":
    main()
