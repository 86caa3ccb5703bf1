"""Canary scenarios, watched through the API server while the real Argo Rollouts controller acts.

All releases of this module start together (each on its own service, the fake Prometheus scripted per
namespace/service) and are watched side by side; each test then reads its own run. Traffic routing is
the environments' own: ALB in prod (weights in the Ingress's forward action), NGINX in dev (a canary
Ingress with a weight); consumers have none (a replica ratio).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from simulation import (
    CanaryRun,
    Simulation,
    alb_weights,
    analysis_runs,
    nginx_canary_weight,
    pods,
    replica_sets,
    start_release,
    wait_rollout,
    watch_canary,
)

from matjip_devstack.cluster.analysis_script import classify
from matjip_devstack.cluster.kube import wait_for

NEW_TAG = "sha-2000002"
# scenario -> (environment, service, what the fake Prometheus answers for that canary)
SCENARIOS = {
    "promote-alb": ("prod", "order", "healthy"),
    "promote-nginx": ("dev", "order", "healthy"),
    "promote-consumer": ("prod", "notification", "healthy"),
    "abort-5xx": ("prod", "auth", "errors-5xx"),
    "abort-slow": ("prod", "user", "slow"),
    "abort-empty": ("prod", "store", "empty"),
    "abort-erroring": ("prod", "ai", "erroring"),
    "abort-nan-nginx": ("dev", "auth", "nan"),
    "abort-idle-consumer": ("prod", "payment", "idle"),
}
# Argo Rollouts' own default for traffic-routed canaries, and the chart's abortScaleDownDelaySeconds.
SCALE_DOWN_DELAY = 30


@pytest.fixture(scope="module")
def runs(sim: Simulation) -> Iterator[dict[str, CanaryRun]]:
    sim.script({f"matjip-{env}/{service}": behaviour for env, service, behaviour in SCENARIOS.values()})
    with ThreadPoolExecutor(max_workers=len(SCENARIOS)) as pool:
        started = {name: pool.submit(start_release, sim.env(env), service, NEW_TAG)
                   for name, (env, service, _) in SCENARIOS.items()}
        watched = {name: pool.submit(watch_canary, future.result()) for name, future in started.items()}
        results = {name: future.result() for name, future in watched.items()}
    yield results
    # Revert what was aborted (the operator's "revert the image pin"), so later modules start Healthy.
    sim.script({})
    with ThreadPoolExecutor(max_workers=len(SCENARIOS)) as pool:
        for run in results.values():
            if run.final is None or run.status.get("abort"):
                pool.submit(_revert, run)


def _revert(run: CanaryRun) -> None:
    previous = run.env.rollout(run.service)["status"]["stableRS"]
    stable_tag = [rs for h, rs in replica_sets(run.env, run.service).items() if h == previous]
    image = stable_tag[0]["spec"]["template"]["spec"]["containers"][0]["image"] if stable_tag else ""
    run.env.release(run.service, image.rsplit(":", 1)[-1])
    wait_rollout(run.env, run.service, "Healthy")


def _run(runs: dict[str, CanaryRun], name: str) -> CanaryRun:
    run = runs[name]
    assert run.error is None, run.error
    return run


def _set_weights(run: CanaryRun) -> list[int]:
    steps = run.env.rollout(run.service)["spec"]["strategy"]["canary"]["steps"]
    return [int(s["setWeight"]) for s in steps if "setWeight" in s]


def _canary_hash(run: CanaryRun) -> str:
    return str(run.status["currentPodHash"])


# --- promotion ----------------------------------------------------------------------------------------


def test_healthy_canary_behind_the_alb_walks_every_step_and_is_promoted(runs: dict[str, CanaryRun]) -> None:
    run = _run(runs, "promote-alb")
    assert run.status["phase"] == "Healthy" and not run.status.get("abort")
    new = _canary_hash(run)
    assert run.status["stableRS"] == new != run.stable_before
    # Every setWeight of prod's steps was written into the ALB's forward action, in order.
    stable_svc, canary_svc = "order-stable", "order-canary"
    seen = [t for t in (o.traffic for o in run.timeline) if isinstance(t, dict) and t.get(canary_svc)]
    weights = [t[canary_svc] for t in seen]
    assert [w for i, w in enumerate(weights) if i == 0 or w != weights[i - 1]] == _set_weights(run)
    assert all(t[stable_svc] + t[canary_svc] == 100 for t in seen)
    # Promoted: all traffic on the (new) stable, and the analysis judged the new pods only.
    assert alb_weights(run.env, "order") == {stable_svc: 100, canary_svc: 0}
    [analysis] = analysis_runs(run.env, "order")[-1:]
    assert analysis["status"]["phase"] == "Successful", analysis["status"]


def test_promotion_replaces_the_stable_replicaset(sim: Simulation, runs: dict[str, CanaryRun]) -> None:
    run = _run(runs, "promote-alb")
    old, new = run.stable_before, _canary_hash(run)
    # The old stable is scaled to zero once the ALB has moved (scaleDownDelaySeconds), never deleted
    # before; the new one carries the whole fleet.
    wait_for(lambda: replica_sets(run.env, "order")[old]["spec"]["replicas"] == 0, SCALE_DOWN_DELAY + 90,
             "the old stable ReplicaSet scaled to 0")
    wanted = run.env.rollout("order")["spec"]["replicas"]
    wait_for(lambda: len(pods(run.env, "order", new)) == wanted, 60, "the new stable's pods")
    assert all(p["spec"]["containers"][0]["image"].endswith(f":{NEW_TAG}") for p in pods(run.env, "order", new))
    queried = {q["canary_hash"] for q in sim.queries("order") if q["canary_hash"] and q["behaviour"] == "healthy"}
    assert new in queried, "the analysis never asked Prometheus about the canary's pods"


def test_healthy_canary_behind_nginx_is_promoted_through_its_canary_ingress(runs: dict[str, CanaryRun]) -> None:
    run = _run(runs, "promote-nginx")
    assert run.status["phase"] == "Healthy" and run.status["stableRS"] == _canary_hash(run)
    weights = [t for t in (o.traffic for o in run.timeline) if isinstance(t, int) and t > 0]
    assert [w for i, w in enumerate(weights) if i == 0 or w != weights[i - 1]] == _set_weights(run)
    assert nginx_canary_weight(run.env, "order") in (0, None)


def test_healthy_consumer_canary_is_promoted_by_replica_ratio(runs: dict[str, CanaryRun]) -> None:
    run = _run(runs, "promote-consumer")
    assert run.status["phase"] == "Healthy" and run.status["stableRS"] == _canary_hash(run)
    assert run.env.rollout("notification")["spec"]["strategy"]["canary"].get("trafficRouting") is None
    # Both revisions ran side by side (the canary's share of the pods), then only the new one.
    new = _canary_hash(run)
    both = [t for t in (o.traffic for o in run.timeline)
            if isinstance(t, dict) and t.get(new) and t.get(run.stable_before)]
    assert both, f"never saw canary and stable pods together: {run.timeline}"


# --- aborts -------------------------------------------------------------------------------------------


def _assert_aborted(run: CanaryRun, metric: str | None, phase: str) -> None:
    """Aborted by its analysis: the run ended in `phase` because of `metric` (None: any of them)."""
    status = run.status
    assert status["abort"] is True and status["phase"] == "Degraded", status
    assert status["stableRS"] == run.stable_before, "the stable revision changed"
    [analysis] = analysis_runs(run.env, run.service)[-1:]
    assert analysis["status"]["phase"] == phase, analysis["status"]
    results = {m["name"]: m for m in analysis["status"]["metricResults"]}
    ended = [name for name, m in results.items() if m["phase"] == phase]
    assert ended and (metric is None or metric in ended), results
    assert any(name in status.get("message", "") for name in ended), status.get("message")


def _assert_back_on_stable(run: CanaryRun) -> None:
    """Traffic back on stable at once, canary scaled to 0, the stable revision whole again.

    With traffic routing the stable ReplicaSet is never scaled down during a canary, so its very pods
    must have stayed; a consumer's canary (a replica ratio) took some stable pods' place, so there the
    stable ReplicaSet must be back to the full count.
    """
    service, canary = run.service, _canary_hash(run)
    routing = run.env.rollout(service)["spec"]["strategy"]["canary"].get("trafficRouting") or {}
    if "alb" in routing:
        assert alb_weights(run.env, service) == {f"{service}-stable": 100, f"{service}-canary": 0}
    elif "nginx" in routing:
        assert nginx_canary_weight(run.env, service) == 0
    wait_for(lambda: replica_sets(run.env, service)[canary]["spec"]["replicas"] == 0, SCALE_DOWN_DELAY + 90,
             f"{service}'s canary ReplicaSet scaled to 0")
    wait_for(lambda: not pods(run.env, service, canary), 60, f"{service}'s canary pods gone")
    wanted = run.env.rollout(service)["spec"]["replicas"]
    wait_for(lambda: len(pods(run.env, service, run.stable_before)) == wanted, 60, f"{service}'s stable whole")
    if routing:
        current = {p["metadata"]["uid"] for p in pods(run.env, service, run.stable_before)}
        assert run.stable_pod_uids <= current, "a stable pod was replaced during a traffic-routed canary"


def _assert_canary_was_judged(sim: Simulation, run: CanaryRun) -> None:
    canary = _canary_hash(run)
    asked = [q for q in sim.queries(run.service) if q["canary_hash"] == canary]
    assert asked, f"no query about {run.service}'s canary pods ({canary})"


@pytest.mark.parametrize(("scenario", "metric", "phase"), [
    ("abort-5xx", "success-rate", "Failed"),
    ("abort-slow", "latency-p99", "Failed"),
    # No data and NaN fail every metric at once; a failing Prometheus is an Error (consecutiveErrorLimit).
    ("abort-empty", None, "Failed"),
    ("abort-erroring", None, "Error"),
    ("abort-nan-nginx", None, "Failed"),
])
def test_bad_canary_is_aborted_and_traffic_returns_to_stable(
    sim: Simulation, runs: dict[str, CanaryRun], scenario: str, metric: str | None, phase: str
) -> None:
    run = _run(runs, scenario)
    _assert_aborted(run, metric, phase)
    _assert_canary_was_judged(sim, run)
    _assert_back_on_stable(run)


def test_consumer_canary_that_does_no_work_is_aborted(sim: Simulation, runs: dict[str, CanaryRun]) -> None:
    run = _run(runs, "abort-idle-consumer")
    status = run.status
    assert status["abort"] is True and status["phase"] == "Degraded", status
    [analysis] = analysis_runs(run.env, "payment")[-1:]
    assert analysis["status"]["phase"] == "Failed"
    failed = [m for m in analysis["status"]["metricResults"] if m["phase"] == "Failed"]
    templates = {m["name"]: m for m in run.env.kube.get("AnalysisTemplate", "payment-canary",
                                                          run.env.namespace)["spec"]["metrics"]}
    # What failed is a measure of work done (processed messages, their processing time, lag), not an
    # error or a crash; the evidence of work is among them.
    measures = {classify(templates[m["name"]]["provider"]["prometheus"]["query"]) for m in failed}
    assert "processed" in measures, json.dumps(failed)[:2000]
    assert measures <= {"processed", "processing-slowdown", "consumer-lag"}, json.dumps(failed)[:2000]
    _assert_back_on_stable(run)
