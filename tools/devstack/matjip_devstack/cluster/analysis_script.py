"""What the fake Prometheus answers: the canary analyses' queries, classified, and scripted answers.

A query is recognised by the metric it reads (the AnalysisTemplates' queries are the contract, see
deploy/helm/matjip-service/templates/analysistemplate.yaml) and attributed to a service by its
`job="<service>"` matcher. A script names a behaviour per service; each behaviour is what a real
Prometheus would return for such a canary:

  healthy      plenty of canary requests, 99.8% success, p99 120 ms; consumers keep up and do work
  errors-5xx   38% of the canary's answers are 5xx
  slow         p99 of 2.4 s; a consumer canary 3.2 times slower per message than the stable pods
  empty        no series at all (the canary is not scraped, or nothing was recorded)
  nan          0/0: series exist but saw no traffic in the window
  erroring     Prometheus itself fails (HTTP 503, as when it is down or overloaded)
  idle         a consumer canary that takes its partitions but processes nothing: its own processed
               count stays 0, its processing time has no samples (NaN) and the group's lag grows
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

Measure = Literal[
    "request-volume", "success-rate", "latency-p99", "consumer-lag", "dead-letters", "processed",
    "processing-slowdown", "unknown",
]
MEASURES: tuple[Measure, ...] = ("request-volume", "success-rate", "latency-p99", "consumer-lag", "dead-letters",
                                 "processed", "processing-slowdown")
BEHAVIOURS = ("healthy", "errors-5xx", "slow", "empty", "nan", "erroring", "idle")

_JOB = re.compile(r'\bjob\s*=\s*"([^"]+)"')
_NAMESPACE = re.compile(r'\bnamespace\s*=\s*"([^"]+)"')
# Broker-side lag (kafka-exporter) is labelled by consumer group, `<topic prefix>matjip-<service>`.
_GROUP = re.compile(r'\bconsumergroup\s*=\s*"(?:[^"]*?)matjip-([^"]+)"')
_HASH = re.compile(r'\brollouts_pod_template_hash\s*=\s*"([^"]*)"')


def classify(query: str) -> Measure:
    """Which canary measurement a PromQL query is."""
    if "histogram_quantile" in query and "http_request_duration_seconds" in query:
        return "latency-p99"
    if "http_requests_total" in query:
        return "success-rate" if "5.." in query else "request-volume"
    if "kafka_consumer_lag" in query or "kafka_consumergroup_lag" in query:
        return "consumer-lag"
    if "kafka_message_processing_seconds" in query:
        return "processing-slowdown"
    if "dead_letter_messages_total" in query:
        return "dead-letters"
    if "kafka_messages_consumed_total" in query:
        return "processed"
    return "unknown"


def job_of(query: str) -> str | None:
    """The service a query is about: its consumer group's service, else its `job` label."""
    group = _GROUP.search(query)
    if group:
        return group.group(1)
    match = _JOB.search(query)
    return match.group(1) if match else None


def namespace_of(query: str) -> str | None:
    match = _NAMESPACE.search(query)
    return match.group(1) if match else None


def canary_hash_of(query: str) -> str | None:
    match = _HASH.search(query)
    return match.group(1) if match else None


# What a healthy canary shows for each measurement.
_HEALTHY: dict[Measure, float] = {
    "request-volume": 600.0,
    "success-rate": 0.998,
    "latency-p99": 0.12,
    "consumer-lag": 3.0,
    "dead-letters": 0.0,
    "processed": 250.0,
    # canary p95 per message over the stable pods'
    "processing-slowdown": 1.05,
}
# Where each unhealthy behaviour differs from healthy.
_DEVIATIONS: dict[str, dict[Measure, float]] = {
    "errors-5xx": {"success-rate": 0.62},
    "slow": {"latency-p99": 2.4, "processing-slowdown": 3.2},
    "nan": {m: math.nan for m in _HEALTHY},
    # No message handled: its processing histogram has no observations, so its p95 is NaN.
    "idle": {"processed": 0.0, "consumer-lag": 5400.0, "processing-slowdown": math.nan},
}


@dataclass(frozen=True)
class Answer:
    """A vector with one sample, an empty vector (`value` None, not an error), or an HTTP error."""

    value: float | None = None
    error: str | None = None


def answer(behaviour: str, measure: Measure) -> Answer:
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")
    if measure == "unknown":
        return Answer(error="the fake Prometheus does not know this query; teach analysis_script.classify")
    if behaviour == "erroring":
        return Answer(error="scripted failure: Prometheus unavailable")
    if behaviour == "empty":
        return Answer()
    return Answer(value=_DEVIATIONS.get(behaviour, {}).get(measure, _HEALTHY[measure]))


@dataclass
class Script:
    """Behaviour per service: keys are `<namespace>/<job>` or just `<job>` (any namespace); services
    not named get `default`."""

    default: str = "healthy"
    services: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for behaviour in (self.default, *self.services.values()):
            if behaviour not in BEHAVIOURS:
                raise ValueError(f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")

    def behaviour_for(self, query: str) -> str:
        job = job_of(query)
        if job is None:
            return self.default
        scoped = f"{namespace_of(query)}/{job}"
        return self.services.get(scoped, self.services.get(job, self.default))
