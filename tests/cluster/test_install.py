"""The chart applied for real: dev and prod synced into the simulated cluster, every object admitted."""

from __future__ import annotations

import pytest
from simulation import Simulation, pods

from matjip_devstack.cluster.argocd import workload_healthy
from matjip_devstack.cluster.control_plane import ZONES
from matjip_devstack.cluster.kube import wait_for

# Every kind the chart renders in dev/prod; each must exist on the server as rendered.
KINDS = ("ConfigMap", "ServiceAccount", "Service", "Rollout", "AnalysisTemplate", "HorizontalPodAutoscaler",
         "ScaledObject", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor", "ExternalSecret", "Ingress",
         "Job", "Policy")


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_rendered_object_is_accepted_by_the_api_server(sim: Simulation, environment: str) -> None:
    env = sim.env(environment)
    for app in env.applications():
        for obj in env.render(app.service):
            kind, name = obj["kind"], obj["metadata"]["name"]
            assert kind in KINDS, f"the suite does not know {kind}; add it to KINDS and kube.RESOURCES"
            live = env.kube.get(kind, name, env.namespace)
            assert live is not None, f"{environment}: {kind}/{name} is not on the server"
            # Server-side apply kept every label and annotation as rendered (nothing pruned or renamed).
            for field in ("labels", "annotations"):
                rendered = obj["metadata"].get(field) or {}
                assert rendered.items() <= (live["metadata"].get(field) or {}).items(), (kind, name, field)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_rollout_is_healthy_with_pods_admitted_under_restricted_pod_security(
    sim: Simulation, environment: str
) -> None:
    env = sim.env(environment)
    namespace = env.kube.get("Namespace", env.namespace)
    assert namespace is not None
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for service in env.services:
        rollout = env.rollout(service)
        assert workload_healthy(rollout), (service, rollout.get("status"))
        running = pods(env, service)
        assert running and all(p["status"]["phase"] == "Running" for p in running)


def test_hpas_act_on_the_rollouts_through_the_scale_subresource(sim: Simulation) -> None:
    env = sim.prod
    for hpa in env.kube.list("HorizontalPodAutoscaler", env.namespace):
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"]) == ("argoproj.io/v1alpha1", "Rollout")
        minimum = hpa["spec"]["minReplicas"]
        # The HPA controller read the Rollout's scale: the replicas it reports are the Rollout's, and it
        # has not disabled itself (it does when the scale subresource reports 0 replicas).
        wait_for(lambda h=hpa, m=minimum: (env.kube.get("HorizontalPodAutoscaler", h["metadata"]["name"], env.namespace)
                                             or {}).get("status", {}).get("currentReplicas") == m,
                 120, f"HPA {hpa['metadata']['name']} seeing {minimum} replicas")
        current = env.kube.get("HorizontalPodAutoscaler", hpa["metadata"]["name"], env.namespace) or {}
        reasons = {c["type"]: c["reason"] for c in current["status"].get("conditions", [])}
        assert reasons.get("ScalingActive") != "ScalingDisabled", reasons
    # Taken below its floor by hand, a Rollout is brought back by its HPA (a write through the scale).
    env.kube.kubectl("scale", "rollouts.argoproj.io/user", "-n", env.namespace, "--replicas=1")
    minimum = (env.kube.get("HorizontalPodAutoscaler", "user", env.namespace) or {})["spec"]["minReplicas"]
    wait_for(lambda: env.rollout("user")["spec"]["replicas"] == minimum, 120, "the HPA restoring user's floor")
    wait_for(lambda: env.rollout("user").get("status", {}).get("availableReplicas") == minimum, 120,
             "user's pods back")


def test_prod_pods_spread_over_the_three_zones(sim: Simulation) -> None:
    env = sim.prod
    zone_of = {n["metadata"]["name"]: n["metadata"]["labels"]["topology.kubernetes.io/zone"]
               for n in env.kube.list("Node")}
    for service in env.services:
        zones = [zone_of[p["spec"]["nodeName"]] for p in pods(env, service)]
        counts = [zones.count(z) for z in ZONES]
        assert max(counts) - min(counts) <= 1, f"{service}: {dict(zip(ZONES, counts, strict=True))}"


def test_pdbs_allow_one_disruption_per_service(sim: Simulation) -> None:
    env = sim.prod
    for service in env.services:
        wait_for(lambda s=service: (env.kube.get("PodDisruptionBudget", s, env.namespace) or {})
                 .get("status", {}).get("disruptionsAllowed") == 1, 60, f"{service}'s PDB computed")
