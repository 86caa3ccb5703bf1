"""What the scenarios share: the running simulation and ways to watch Rollouts through the API."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from matjip_devstack.cluster.control_plane import Cluster, cluster_for, stop_cluster
from matjip_devstack.cluster.environments import Environment, script_prometheus
from matjip_devstack.cluster.kube import Kube, wait_for
from matjip_devstack.cluster.layout import Layout

Obj = dict[str, Any]
ALB_ACTION = "alb.ingress.kubernetes.io/actions.{service}"
NGINX_WEIGHT = "nginx.ingress.kubernetes.io/canary-weight"


@dataclass
class Simulation:
    cluster: Cluster
    kube: Kube
    layout: Layout
    dev: Environment
    prod: Environment

    def env(self, name: str) -> Environment:
        return {"dev": self.dev, "prod": self.prod}[name]

    def script(self, services: Mapping[str, str], default: str = "healthy") -> None:
        script_prometheus(self.layout, services, default)

    def queries(self, job: str) -> list[Obj]:
        response = httpx.get(f"{self.layout.prometheus_url}/-/queries", params={"job": job}, timeout=10)
        response.raise_for_status()
        queries: list[Obj] = response.json()
        return queries

    def stop(self) -> None:
        self.kube.close()
        stop_cluster(self.layout)
        shutil.rmtree(self.layout.home, ignore_errors=True)


def start_simulation(home: Path) -> Simulation:
    layout = Layout.for_tests(home)
    stop_cluster(layout)  # a previous run killed halfway must not be in the way
    cluster = cluster_for(layout)
    try:
        kube = cluster.start()
        script_prometheus(layout)
        dev, prod = Environment("dev", kube, layout), Environment("prod", kube, layout)
        for env in (dev, prod):
            env.install()
        for env in (dev, prod):
            env.wait_all_healthy()
    except BaseException:
        stop_cluster(layout)
        raise
    return Simulation(cluster, kube, layout, dev, prod)


# --- reading a Rollout's state ------------------------------------------------------------------------


def replica_sets(env: Environment, service: str) -> dict[str, Obj]:
    """The Rollout's ReplicaSets by pod template hash."""
    sets = env.kube.list("ReplicaSet", env.namespace, labels={"app.kubernetes.io/name": service,
                                                               "app.kubernetes.io/component": "server"})
    return {rs["metadata"]["labels"]["rollouts-pod-template-hash"]: rs for rs in sets}


def pods(env: Environment, service: str, pod_hash: str | None = None) -> list[Obj]:
    labels = {"app.kubernetes.io/name": service, "app.kubernetes.io/component": "server"}
    if pod_hash:
        labels["rollouts-pod-template-hash"] = pod_hash
    return [p for p in env.kube.list("Pod", env.namespace, labels=labels)
            if not p["metadata"].get("deletionTimestamp")]


def alb_weights(env: Environment, service: str) -> dict[str, int]:
    """Target group weights Argo Rollouts wrote into the ALB Ingress's forward action, by Service name."""
    ingress = env.kube.get("Ingress", service, env.namespace)
    assert ingress is not None
    raw = ingress["metadata"].get("annotations", {}).get(ALB_ACTION.format(service=service))
    if raw is None:
        return {}
    action = json.loads(raw)
    return {tg["ServiceName"]: int(tg["Weight"]) for tg in action["ForwardConfig"]["TargetGroups"]}


def nginx_canary_weight(env: Environment, service: str) -> int | None:
    """The weight on the canary Ingress Argo Rollouts cloned from the stable one (None: no canary Ingress)."""
    ingress = env.kube.get("Ingress", f"{service}-{service}-canary", env.namespace)
    if ingress is None:
        return None
    return int(ingress["metadata"]["annotations"][NGINX_WEIGHT])


def wait_rollout(env: Environment, service: str, condition: str, timeout: float = 240) -> Obj:
    """Wait until the Rollout's status satisfies `condition` (Healthy, Paused, Degraded/aborted)."""

    def check() -> Obj | None:
        rollout = env.rollout(service)
        status = rollout.get("status", {})
        observed = status.get("observedGeneration") == str(rollout["metadata"]["generation"])
        if condition == "aborted":
            return rollout if status.get("abort") and status.get("phase") == "Degraded" else None
        return rollout if observed and status.get("phase") == condition else None

    return wait_for(check, timeout, f"Rollout {env.namespace}/{service} {condition}", interval=1.0)


def step_history(env: Environment, service: str, until: str, timeout: float = 300) -> list[tuple[int, int]]:
    """(step index, canary weight) pairs the Rollout passes through, until its phase is `until`."""
    seen: list[tuple[int, int]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = env.rollout(service).get("status", {})
        weight = status.get("canary", {}).get("weights", {}).get("canary", {}).get("weight")
        point = (int(status.get("currentStepIndex", -1)), int(weight) if weight is not None else -1)
        if not seen or seen[-1] != point:
            seen.append(point)
        if status.get("phase") == until and not status.get("abort"):
            return seen
        if status.get("abort"):
            raise AssertionError(f"{service} aborted: {status.get('message')}; steps seen {seen}")
        time.sleep(0.5)
    raise TimeoutError(f"{service} not {until} after {timeout}s; steps seen {seen}")


# --- watching a canary from start to end ----------------------------------------------------------------


@dataclass
class Observation:
    """One change seen on a Rollout during a canary."""

    at: float
    phase: str
    step: int
    canary_weight: int | None
    traffic: dict[str, int] | int | None


@dataclass
class CanaryRun:
    """A release of one service and everything seen until the Rollout settled."""

    env: Environment
    service: str
    tag: str
    stable_before: str
    stable_pod_uids: set[str]
    timeline: list[Observation]
    final: Obj | None = None
    error: str | None = None

    @property
    def status(self) -> Obj:
        assert self.final is not None, self.error
        status: Obj = self.final.get("status", {})
        return status


def traffic(env: Environment, service: str) -> dict[str, int] | int | None:
    """What decides the canary's share: ALB weights by Service (prod), the NGINX canary Ingress's
    weight (dev), or for a consumer (no routing) the replicas of each ReplicaSet by pod hash."""
    rollout = env.rollout(service)
    routing = rollout["spec"]["strategy"]["canary"].get("trafficRouting") or {}
    if "alb" in routing:
        return alb_weights(env, service)
    if "nginx" in routing:
        return nginx_canary_weight(env, service)
    return {h: int(rs["spec"].get("replicas", 0)) for h, rs in replica_sets(env, service).items()
            if rs["spec"].get("replicas", 0)}


def watch_canary(run: CanaryRun, timeout: float = 420) -> CanaryRun:
    """Poll until the Rollout is Healthy on the new revision or aborted; fill in the run."""
    deadline = time.monotonic() + timeout
    new_hash: str | None = None
    try:
        while time.monotonic() < deadline:
            rollout = run.env.rollout(run.service)
            status = rollout.get("status", {})
            weight = status.get("canary", {}).get("weights", {}).get("canary", {}).get("weight")
            seen = Observation(time.monotonic(), str(status.get("phase")), int(status.get("currentStepIndex", -1)),
                               weight, traffic(run.env, run.service))
            last = run.timeline[-1] if run.timeline else None
            if last is None or (last.phase, last.step, last.canary_weight, last.traffic) != (
                    seen.phase, seen.step, seen.canary_weight, seen.traffic):
                run.timeline.append(seen)
            new_hash = status.get("currentPodHash")
            settled = status.get("phase") == "Healthy" and new_hash != run.stable_before \
                and status.get("stableRS") == new_hash
            if settled or status.get("abort"):
                run.final = rollout
                return run
            time.sleep(0.5)
        run.error = f"{run.service}: neither promoted nor aborted after {timeout}s; timeline {run.timeline}"
    except Exception as exc:  # the test that reads this run reports it
        run.error = f"{run.service}: watching failed: {exc!r}"
    return run


def start_release(env: Environment, service: str, tag: str) -> CanaryRun:
    """Record the stable state, pin `service` to `tag` and sync it (the canary starts)."""
    wait_rollout(env, service, "Healthy")
    stable = env.rollout(service)["status"]["stableRS"]
    uids = {p["metadata"]["uid"] for p in pods(env, service, stable)}
    env.release(service, tag)
    return CanaryRun(env, service, tag, stable, uids, [])


def analysis_runs(env: Environment, service: str) -> list[Obj]:
    runs = env.kube.list("AnalysisRun", env.namespace)
    owned = [r for r in runs if any(o["kind"] == "Rollout" and o["name"] == service
                                     for o in r["metadata"].get("ownerReferences", []))]
    return sorted(owned, key=lambda r: r["metadata"]["creationTimestamp"])
