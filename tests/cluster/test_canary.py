"""Canaries watched on a real Argo Rollouts controller: the chart's Rollout and AnalysisTemplate (dev's
values with short clocks, values-scenarios.yaml), kwok's pods, the fake Prometheus's scripted answers.
Every assertion reads what the controllers wrote to the API server."""

from __future__ import annotations

from typing import Any

from canary_stage import HOLD, ROLLOUTS_API, Stage, script

from matjip_devstack.cluster.control_plane import Cluster
from matjip_devstack.cluster.kube import Kube, wait_for

Obj = dict[str, Any]
HTTP_SERVICE = "store"
HTTP_MEASURES = {"request-volume", "success-rate", "latency-p99"}


def _run_for(stage: Stage, pod_hash: str) -> Obj:
    runs = [r for r in stage.analysis_runs()
            if r["metadata"]["labels"].get("rollouts-pod-template-hash") == pod_hash]
    assert len(runs) == 1, [r["metadata"]["name"] for r in runs]
    return runs[0]


def _finished_run(stage: Stage, pod_hash: str, timeout: float = 120) -> Obj:
    def finished() -> Obj | None:
        run = _run_for(stage, pod_hash)
        return run if run.get("status", {}).get("phase") in ("Successful", "Failed", "Error") else None

    return wait_for(finished, timeout, f"the AnalysisRun of {pod_hash} to finish", interval=1.0)


def _aborted(stage: Stage) -> Obj | None:
    live = stage.rollout()
    return live if live.get("status", {}).get("abort") else None


def _metric_phases(run: Obj) -> dict[str, str]:
    return {m["name"]: m["phase"] for m in run["status"].get("metricResults", [])}


def test_a_healthy_canary_walks_every_step_and_is_promoted(cluster: Cluster, kube: Kube) -> None:
    stage = Stage(cluster, kube, HTTP_SERVICE, "canary-promote")
    stage.script("healthy")
    stage.sync("v1")
    first = stage.wait_healthy()
    old_hash = first["status"]["stableRS"]
    assert stage.replica_sets()[old_hash]["status"].get("readyReplicas") == 2  # kwok's pods, Ready

    stage.sync("v2")
    # Watch the controller walk the steps: (step index, canary weight) as each poll finds them. (Its
    # RolloutStepCompleted events are not a dependable record: client-go's recorder rate-limits and
    # aggregates events per object, and one run showed steps 1 and 2 of 4 only.)
    seen: list[tuple[int, int | None]] = []

    def walked() -> Obj | None:
        live = stage.rollout()
        status = live.get("status", {})
        if status.get("currentPodHash") != first["status"]["currentPodHash"]:
            point = (status.get("currentStepIndex", 0), stage.canary_weight())
            if not seen or seen[-1] != point:
                seen.append(point)
        current = status.get("observedGeneration") == str(live["metadata"]["generation"])
        return live if current and status.get("phase") == "Healthy" and status.get("stableRS") != old_hash else None

    promoted = wait_for(walked, 240, "the canary promoted", interval=0.5)
    print(f"\npromoted:\n{stage.summary()}\nsteps seen (index, weight): {seen}")
    new_hash = promoted["status"]["stableRS"]
    assert new_hash != old_hash
    assert promoted["status"]["currentPodHash"] == new_hash
    steps = stage.steps()
    assert promoted["status"]["currentStepIndex"] == len(steps)
    # Every pause was held at its step's weight (setWeight 25, pause; setWeight 50, pause), in order.
    pauses = [(i, steps[i - 1]["setWeight"]) for i, step in enumerate(steps) if "pause" in step]
    assert pauses == [(1, 25), (3, 50)]
    assert [point for point in seen if point in pauses] == pauses, seen
    assert [i for i, _ in seen] == sorted(i for i, _ in seen), seen
    # The background analysis ran against the fake Prometheus and passed every metric.
    run = _finished_run(stage, new_hash)
    assert run["status"]["phase"] == "Successful", run["status"]
    assert _metric_phases(run) == dict.fromkeys(HTTP_MEASURES, "Successful")
    assert all(m.get("count", 0) >= 1 for m in run["status"]["metricResults"])
    assert {q["measure"] for q in stage.queries()} == HTTP_MEASURES
    assert all(q["status"] == 200 and f'rollouts_pod_template_hash="{new_hash}"' in q["query"]
               for q in stage.queries())
    # All traffic on the new stable (the canary Ingress's weight back to 0 once the stable Service
    # selects the new pods); the old ReplicaSet scaled away after scaleDownDelaySeconds.
    wait_for(lambda: stage.canary_weight() == 0, 60, "the canary weight back to 0", interval=1.0)
    wait_for(lambda: stage.replica_sets()[old_hash]["spec"]["replicas"] == 0, 120,
             "the old stable ReplicaSet scaled to 0", interval=1.0)
    print(f"\nold revision scaled away:\n{stage.summary()}")
    assert stage.replica_sets()[new_hash]["status"].get("readyReplicas") == 2


def test_a_5xx_heavy_canary_fails_its_analysis_is_aborted_and_pinning_the_previous_image_recovers(
    cluster: Cluster, kube: Kube
) -> None:
    stage = Stage(cluster, kube, HTTP_SERVICE, "canary-abort", (HOLD,))
    stage.script("healthy")
    stage.sync("v1")
    stable_hash = stage.wait_healthy()["status"]["stableRS"]
    stable_pods = stage.pods(stable_hash)
    assert len(stable_pods) == 2

    stage.script("errors-5xx")
    stage.sync("v2")

    rollout = wait_for(lambda: _aborted(stage), 180, "the Rollout aborted", interval=1.0)
    print(f"\naborted:\n{stage.summary()}")
    canary_hash = rollout["status"]["currentPodHash"]
    assert canary_hash != stable_hash
    run = _finished_run(stage, canary_hash)
    assert run["status"]["phase"] == "Failed"
    # The evidence was there (enough requests); the success rate is what failed.
    phases = _metric_phases(run)
    assert phases["success-rate"] == "Failed" and phases["request-volume"] == "Successful", phases
    answers = {q["answer"] for q in stage.queries() if q["measure"] == "success-rate"}
    assert answers == {"0.62"}
    assert stage.rollout()["status"]["phase"] == "Degraded"
    # Traffic back on stable at once; the canary scaled to 0 after abortScaleDownDelaySeconds.
    wait_for(lambda: stage.canary_weight() == 0, 30, "the canary weight back to 0", interval=1.0)
    wait_for(lambda: stage.replica_sets()[canary_hash]["spec"]["replicas"] == 0, 120,
             "the canary ReplicaSet scaled to 0", interval=1.0)
    # The stable set untouched: same revision, same pods, all ready.
    assert stage.rollout()["status"]["stableRS"] == stable_hash
    stable_rs = stage.replica_sets()[stable_hash]
    assert stable_rs["spec"]["replicas"] == 2 and stable_rs["status"].get("readyReplicas") == 2
    assert stage.pods(stable_hash) == stable_pods
    print(f"\ncanary scaled away:\n{stage.summary()}")

    # Rolling back = pinning the previous image again: the spec matches the stable revision, so the
    # controller returns to Healthy on it without a canary.
    stage.sync("v1")
    recovered = stage.wait_healthy()
    assert recovered["status"]["stableRS"] == stable_hash
    assert not recovered["status"].get("abort")
    assert stage.pods(stable_hash) == stable_pods
    assert kube.get(ROLLOUTS_API, "AnalysisRun", run["metadata"]["name"], stage.namespace) is not None


# Prometheus answers that must each end a canary, by (service, answer): the AnalysisRun's phase and the
# metrics that may end in it - at least one does, and no other. (The run ends at the first metric past
# its limit; the others are then assessed on what they had, so which of several bad ones gets there first
# is a matter of timing.) notification is a consumer: no traffic routing, its own metrics.
ALL_HTTP = {"request-volume", "success-rate", "latency-p99"}
FAILING_ANSWERS: dict[tuple[str, str], tuple[str, set[str]]] = {
    (HTTP_SERVICE, "slow"): ("Failed", {"latency-p99"}),  # evidence and success rate fine
    (HTTP_SERVICE, "empty"): ("Failed", ALL_HTTP),  # the canary not scraped
    (HTTP_SERVICE, "nan"): ("Failed", ALL_HTTP),  # no traffic in the window: 0/0
    (HTTP_SERVICE, "erroring"): ("Error", ALL_HTTP),  # Prometheus down: three errors in a row
    # A consumer canary that holds partitions and processes nothing: no evidence of work.
    ("notification", "idle"): ("Failed", {"work-evidence"}),
}


def test_slow_empty_nan_erroring_and_idle_canaries_are_each_aborted_and_stable_keeps_serving(
    cluster: Cluster, kube: Kube
) -> None:
    # One namespace per answer, all at once: the controller judging five canaries side by side.
    stages = {key: Stage(cluster, kube, key[0], f"canary-{key[1]}", (HOLD,)) for key in FAILING_ANSWERS}
    script(cluster, {})
    for stage in stages.values():
        stage.sync("v1")
    stable = {}
    for key, stage in stages.items():
        stable_hash = stage.wait_healthy()["status"]["stableRS"]
        stable[key] = (stable_hash, stage.pods(stable_hash))
    script(cluster, {stage: behaviour for (_, behaviour), stage in stages.items()})
    for stage in stages.values():
        stage.sync("v2")
    for key, stage in stages.items():
        phase, culprits = FAILING_ANSWERS[key]
        rollout = wait_for(lambda s=stage: _aborted(s), 180, f"the {key} canary aborted", interval=1.0)
        print(f"\n{key[1]}:\n{stage.summary()}")
        run = _finished_run(stage, rollout["status"]["currentPodHash"])
        assert run["status"]["phase"] == phase, (key, run["status"])
        phases = _metric_phases(run)
        bad = {name for name, p in phases.items() if p in ("Failed", "Error")}
        assert bad and bad <= culprits and {phases[name] for name in bad} == {phase}, (key, phases)
        # The Rollout says which metric ended it.
        wait_for(lambda s=stage, b=bad, p=phase: any(f'Metric "{n}" assessed {p}' in s.rollout()["status"].get(
            "message", "") for n in b), 30, f"the {key} Rollout to name its failed metric", interval=1.0)
        assert key[1] in {q["behaviour"] for q in stage.queries()}
        stable_hash, stable_pods = stable[key]
        assert rollout["status"]["stableRS"] == stable_hash
        if key[0] == HTTP_SERVICE:
            # Traffic-routed: the stable set is never scaled down, so its very pods serve on.
            wait_for(lambda s=stage: s.canary_weight() == 0, 30, "the canary weight back to 0", interval=1.0)
            assert stage.pods(stable_hash) == stable_pods
        else:
            # A replica-ratio canary shrank the stable set for its pods; aborted, it is whole again.
            wait_for(lambda s=stage, h=stable_hash: s.replica_sets()[h]["status"].get("readyReplicas") == 2,
                     90, "the stable set whole again", interval=1.0)
