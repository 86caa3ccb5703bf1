"""The chart meets a real kube-apiserver: dev and prod synced in Argo CD's order, every object admitted,
defaulted, validated against the upstream CRDs and stored as rendered."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from matjip_devstack.cluster import versions
from matjip_devstack.cluster.control_plane import Cluster, crds_to_install, node_names
from matjip_devstack.cluster.environments import Environment, cluster_setup
from matjip_devstack.cluster.kube import Kube, KubeError, difference, tls_context, wait_for

Obj = dict[str, Any]
ENVIRONMENTS = ("dev", "prod")


def test_the_api_server_is_the_pinned_kubernetes_and_refuses_strangers(cluster: Cluster, kube: Kube) -> None:
    assert kube.http.get("/version").json()["gitVersion"] == versions.KUBERNETES
    anonymous = httpx.get(f"{cluster.layout.server}/api/v1/namespaces", verify=tls_context(cluster.pki.ca_cert))
    assert anonymous.status_code == 401


def test_the_upstream_crds_are_established_and_enforce_their_schemas(kube: Kube, environments: dict[str, Environment]
                                                                     ) -> None:
    for crd in crds_to_install():
        live = kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"])
        assert live is not None
        assert [v["name"] for v in live["spec"]["versions"]] == [v["name"] for v in crd["spec"]["versions"]]
    # The same objects the chart installs are refused once broken: the checks below can fail.
    rollout = next(o for o in environments["prod"].render("order") if o["kind"] == "Rollout")
    misspelled = copy.deepcopy(rollout)
    misspelled["spec"]["strategy"]["canary"]["maxSurges"] = 1
    wrong_type = copy.deepcopy(rollout)
    wrong_type["spec"]["strategy"]["canary"]["steps"][0] = {"setWeight": "a fifth"}
    for broken, reason in ((misspelled, "maxSurges"), (wrong_type, "setWeight")):
        with pytest.raises(KubeError) as refused:
            kube.apply(broken, field_manager="matjip-test", dry_run=True)
        assert reason in str(refused.value), str(refused.value)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_object_of_every_application_is_stored_as_rendered(
    kube: Kube, environments: dict[str, Environment], environment: str
) -> None:
    env = environments[environment]
    kinds = set()
    objects = [*cluster_setup(environment), *(o for app in env.applications() for o in env.render(app.service))]
    for obj in objects:
        live = kube.live(obj)
        assert live is not None, f"{environment}: {obj['kind']}/{obj['metadata']['name']} missing"
        for field in ("labels", "annotations"):
            rendered = obj["metadata"].get(field) or {}
            assert rendered.items() <= (live["metadata"].get(field) or {}).items(), (obj["kind"], field)
        for key in set(obj) - {"apiVersion", "kind", "metadata", "status"}:
            changed = difference(obj[key], live[key], key)
            assert changed is None, f"{obj['kind']}/{obj['metadata']['name']}: {changed}"
        kinds.add(obj["kind"])
    # The environment exercises every kind the chart's templates and the cluster set-up make.
    assert {"ClusterSecretStore", "Rollout", "AnalysisTemplate", "HorizontalPodAutoscaler", "ScaledObject",
            "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor", "ExternalSecret", "Ingress", "Job",
            "Policy"} <= kinds, kinds


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_server_had_no_warning_for_any_object(environments: dict[str, Environment], environment: str) -> None:
    # Deprecated APIs and fields, duplicate env names or ports and the like come back as warnings.
    warnings = [w for record in environments[environment].records.values() for w in record.warnings]
    assert warnings == []


def _pod_from(workload: Obj, suffix: str) -> Obj:
    template = workload["spec"]["template"]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{workload['metadata']['name']}-{suffix}",
                         "namespace": workload["metadata"]["namespace"],
                         "labels": template.get("metadata", {}).get("labels", {})},
            "spec": copy.deepcopy(template["spec"])}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_pods_of_every_rollout_and_job_are_admitted_under_restricted_pod_security(
    kube: Kube, environments: dict[str, Environment], environment: str
) -> None:
    env = environments[environment]
    namespace = kube.get("v1", "Namespace", env.namespace)
    assert namespace is not None
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    # kube-controller-manager makes a `default` ServiceAccount in every namespace (a Job hook may run as
    # it); no controller runs here, so it is made as that controller would.
    kube.apply({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": env.namespace}}, field_manager="matjip-test")
    workloads: list[Obj] = []
    for app in env.applications():
        for obj in env.render(app.service):
            if obj["kind"] in ("Rollout", "Job"):
                live = kube.live(obj)
                assert live is not None, obj["metadata"]["name"]
                workloads.append(live)
    assert len(workloads) > len(env.services)
    for workload in workloads:
        # A dry-run Pod goes through the whole admission chain (PodSecurity enforces on Pods only).
        admitted = kube.create(_pod_from(workload, "admission-check"), dry_run=True)
        assert admitted.warnings == (), admitted.warnings
    # The same check refuses a pod that escalates: it is not a rubber stamp.
    escalating = _pod_from(workloads[0], "escalating")
    escalating["spec"]["containers"][0].setdefault("securityContext", {})["allowPrivilegeEscalation"] = True
    with pytest.raises(KubeError) as refused:
        kube.create(escalating, dry_run=True)
    assert refused.value.status == 403 and "violates PodSecurity" in str(refused.value)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_autoscalers_find_their_rollout_floor_through_the_scale_subresource(
    kube: Kube, environments: dict[str, Environment], environment: str
) -> None:
    env = environments[environment]
    rollouts = kube.resource("argoproj.io/v1alpha1", "Rollout")
    assert "scale" in rollouts.subresources
    floors = {}
    for hpa in kube.list("autoscaling/v2", "HorizontalPodAutoscaler", env.namespace):
        floors[hpa["spec"]["scaleTargetRef"]["name"]] = hpa["spec"].get("minReplicas", 1)
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Rollout"
    for scaled in kube.list("keda.sh/v1alpha1", "ScaledObject", env.namespace):
        floors[scaled["spec"]["scaleTargetRef"]["name"]] = scaled["spec"]["minReplicaCount"]
        assert scaled["spec"]["scaleTargetRef"]["kind"] == "Rollout"
    assert floors and set(floors) <= set(env.services)
    for name, floor in floors.items():
        # What an HPA (and KEDA's HPA) reads: the Rollout's size through /scale.
        scale = kube.http.get(rollouts.path(env.namespace, name) + "/scale")
        Kube.check(scale)
        assert scale.json()["spec"]["replicas"] == floor, name
    # Why the chart sets spec.replicas on an autoscaled Rollout: without it the API server cannot
    # answer /scale at all, so an autoscaler can neither read nor write its target (FailedGetScale).
    name = next(iter(floors))
    unsized = copy.deepcopy(kube.live({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                                       "metadata": {"name": name, "namespace": env.namespace}}))
    assert unsized is not None
    unsized["metadata"] = {"name": f"{name}-unsized", "namespace": env.namespace}
    del unsized["spec"]["replicas"]
    unsized.pop("status", None)
    kube.apply(unsized, field_manager="matjip-test")
    try:
        scale = kube.http.get(rollouts.path(env.namespace, f"{name}-unsized") + "/scale")
        assert scale.status_code >= 400
        assert 'the spec replicas field ".spec.replicas" does not exist' in scale.json()["message"]
    finally:
        kube.delete(unsized)


def _condition(obj: Obj, kind: str) -> bool:
    return any(c["type"] == kind and c["status"] == "True" for c in obj.get("status", {}).get("conditions", []))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_rollout_becomes_healthy_on_kwoks_nodes_and_every_hook_job_completes(
    kube: Kube, environments: dict[str, Environment], environment: str
) -> None:
    env = environments[environment]
    rendered = [o for app in env.applications() for o in env.render(app.service)]
    rollouts = [o["metadata"]["name"] for o in rendered if o["kind"] == "Rollout"]
    assert rollouts

    def all_healthy() -> bool:
        live = {r["metadata"]["name"]: r for r in kube.list("argoproj.io/v1alpha1", "Rollout", env.namespace)}
        return all(live[name].get("status", {}).get("phase") == "Healthy" for name in rollouts)

    wait_for(all_healthy, 240, f"every Rollout of {environment} Healthy", interval=2.0)
    nodes = {n["metadata"]["name"]: n["metadata"]["labels"]["topology.kubernetes.io/zone"]
             for n in kube.list("v1", "Node")}
    assert set(nodes) == set(node_names())
    for name in rollouts:
        rollout = kube.get("argoproj.io/v1alpha1", "Rollout", name, env.namespace)
        assert rollout is not None
        replicas = rollout["spec"]["replicas"]
        assert rollout["status"]["availableReplicas"] == replicas, name
        pods = kube.list("v1", "Pod", env.namespace,
                         labels={"rollouts-pod-template-hash": rollout["status"]["stableRS"]})
        assert len(pods) == replicas and all(_condition(p, "Ready") for p in pods), name
        # Scheduled by kube-scheduler onto the fake nodes; prod's zone spread is a hard constraint
        # (DoNotSchedule), dev's a preference only.
        zones = {nodes[p["spec"]["nodeName"]] for p in pods}
        if env.name == "prod":
            assert len(zones) == min(replicas, len(set(nodes.values()))), (name, zones)
    # The hook Jobs (migrations, topics) ran their pods to completion (kwok completes Job pods).
    jobs = [o["metadata"]["name"] for o in rendered if o["kind"] == "Job"]
    assert jobs

    def all_complete() -> bool:
        live = {j["metadata"]["name"]: j for j in kube.list("batch/v1", "Job", env.namespace)}
        return all(name in live and _condition(live[name], "Complete") for name in jobs)

    wait_for(all_complete, 120, f"every Job of {environment} Complete", interval=2.0)
