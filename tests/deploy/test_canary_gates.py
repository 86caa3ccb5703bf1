"""The canary gates judged by Argo Rollouts' own code.

tools/canary-gates is a Go test module that links github.com/argoproj/argo-rollouts (its Prometheus
metric provider, utils/evaluate and utils/analysis) and the Prometheus engine. It reads the chart as
rendered here, measures every metric of every AnalysisTemplate against a fake Prometheus that runs the
real PromQL on scripted series (healthy, empty, NaN, Prometheus down, 5xx-heavy, slow, a canary with
no work, ...) and asserts the phase Argo would record. The negative tests below break a rendered
template the way a real mistake would and assert that the Go test notices.
"""

from __future__ import annotations

import copy
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import deploy_checks as dc
import pytest
import yaml

GATES = dc.REPO / "tools" / "canary-gates"
ANALYSED = ("dev", "prod")


def run_gates(tools: dc.Tools, rendered: dict[str, str], tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    for environment, text in rendered.items():
        (tmp / f"{environment}.yaml").write_text(text)
    return subprocess.run(
        [str(tools.canary_gates), "-test.v", "-test.count=1", *args],
        cwd=GATES,  # the module's go.mod and ../go-versions.env are read relative to it
        env={**dc.go_env(), "MATJIP_RENDERED_DIR": str(tmp)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_template_passes_every_scenario_as_intended(tools: dc.Tools, tmp_path: Path) -> None:
    proc = run_gates(tools, {e: dc.rendered_text(e) for e in ANALYSED}, tmp_path)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    passed = set(re.findall(r"--- PASS: (TestGates/\S+)", proc.stdout))
    for environment in ANALYSED:
        for template in dc.by_kind(dc.rendered(environment), "AnalysisTemplate"):
            prefix = f"TestGates/{environment}/{template['metadata']['name']}/"
            scenarios = {name.removeprefix(prefix) for name in passed if name.startswith(prefix)}
            # Both profiles are judged in at least these situations (consumers in more).
            assert {"healthy", "empty", "nan", "errors", "slow", "canary-without-work"} <= scenarios, prefix
    for test in (
        "TestTemplatesAreValid",
        "TestRolloutsPassTheHashes",
        "TestLinksArgoRolloutsV183",
        "TestReplaceDirectivesMatchArgoRollouts",
    ):
        assert f"--- PASS: {test} " in proc.stdout, test


def _metric(docs: list[dc.Manifest], template: str, metric: str) -> dict[str, Any]:
    analysis = dc.find(docs, "AnalysisTemplate", template)
    found: dict[str, Any] = next(m for m in analysis["spec"]["metrics"] if m["name"] == metric)
    return found


def _set_condition(template: str, metric: str, condition: str) -> Callable[[list[dc.Manifest]], None]:
    return lambda docs: _metric(docs, template, metric).update(successCondition=condition)


def _edit_query(template: str, metric: str, edit: Callable[[str], str]) -> Callable[[list[dc.Manifest]], None]:
    def mutate(docs: list[dc.Manifest]) -> None:
        prometheus = _metric(docs, template, metric)["provider"]["prometheus"]
        prometheus["query"] = edit(prometheus["query"])

    return mutate


def _drop_metric(template: str, metric: str) -> Callable[[list[dc.Manifest]], None]:
    def mutate(docs: list[dc.Manifest]) -> None:
        spec = dc.find(docs, "AnalysisTemplate", template)["spec"]
        spec["metrics"] = [m for m in spec["metrics"] if m["name"] != metric]

    return mutate


def _consumer_side_lag(query: str) -> str:
    # What the chart did before: the lag each consumer reports about itself.
    return 'sum(max by (topic, partition) (kafka_consumer_lag{namespace="matjip-prod", job="payment"}))'


MUTATIONS = {
    # Errors (instead of failing) when there is no data.
    "indexes-an-empty-result": ("order-canary", _set_condition("order-canary", "latency-p99", "result[0] <= 0.8")),
    # Passes when there is no data.
    "passes-on-no-data": (
        "order-canary",
        _set_condition("order-canary", "latency-p99", "len(result) == 0 || result[0] <= 0.8"),
    ),
    # Passes on NaN: every comparison with NaN is false, so a negated one is true.
    "passes-on-nan": (
        "order-canary",
        _set_condition("order-canary", "success-rate", "len(result) == 1 && !(result[0] < 0.99)"),
    ),
    # The old platform's mistake: a constant fallback.
    "or-vector-1": (
        "order-canary",
        _edit_query("order-canary", "success-rate", lambda q: f"({q.strip()}) or vector(1)"),
    ),
    # Counts the stable pods' requests as the canary's evidence.
    "volume-of-every-pod": (
        "order-canary",
        _edit_query(
            "order-canary", "request-volume", lambda q: re.sub(r',\s*rollouts_pod_template_hash="[^"]*"', "", q)
        ),
    ),
    # Lag as the consumer reports it: a hung canary freezes it.
    "consumer-side-lag": ("payment-canary", _edit_query("payment-canary", "group-lag", _consumer_side_lag)),
    # No evidence of work: a canary owning no partition is not noticed by the rest.
    "no-work-evidence": ("payment-canary", _drop_metric("payment-canary", "work-evidence")),
    # A failure condition alone passes when there is no data.
    "failure-condition-only": (
        "order-canary",
        lambda docs: _metric(docs, "order-canary", "success-rate").update(
            successCondition="", failureCondition="result[0] < 0.99"
        ),
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_the_gates_reject_a_broken_template(tools: dc.Tools, tmp_path: Path, mutation: str) -> None:
    template, mutate = MUTATIONS[mutation]
    docs = copy.deepcopy(dc.rendered("prod"))
    mutate(docs)
    prod = yaml.safe_dump_all(docs, sort_keys=False)
    proc = run_gates(
        tools,
        {"dev": dc.rendered_text("dev"), "prod": prod},
        tmp_path,
        "-test.run",
        f"^(TestGates|TestTemplatesAreValid)$/^prod$/^{template}$",
    )
    assert proc.returncode != 0, f"{mutation} was not noticed:\n{proc.stdout[-3000:]}"
    assert f"--- FAIL: TestGates/prod/{template}/" in proc.stdout or "--- FAIL: TestTemplatesAreValid" in proc.stdout
