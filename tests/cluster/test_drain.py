"""Draining nodes as `kubectl drain` does (cordon, then the Eviction API for each pod, retrying what is
refused) against the chart's PodDisruptionBudget: the real disruption controller and eviction handler
let one server pod go at a time, and the ReplicaSet controller, scheduler and kwok replace it elsewhere."""

from __future__ import annotations

from typing import Any

from canary_stage import Stage

from matjip_devstack.cluster.control_plane import Cluster, node_names
from matjip_devstack.cluster.kube import Kube, wait_for

Obj = dict[str, Any]


def _cordon(kube: Kube, node: str) -> None:
    response = kube.http.patch(f"/api/v1/nodes/{node}", json={"spec": {"unschedulable": True}},
                               headers={"Content-Type": "application/strategic-merge-patch+json"})
    Kube.check(response)


def _uncordon(kube: Kube, node: str) -> None:
    response = kube.http.patch(f"/api/v1/nodes/{node}", json={"spec": {"unschedulable": None}},
                               headers={"Content-Type": "application/strategic-merge-patch+json"})
    Kube.check(response)


def _evict(kube: Kube, pod: Obj) -> int:
    """POST the pod's eviction, as kubectl drain does; the status code (201 evicted, 429 refused)."""
    name, namespace = pod["metadata"]["name"], pod["metadata"]["namespace"]
    response = kube.http.post(f"/api/v1/namespaces/{namespace}/pods/{name}/eviction",
                              json={"apiVersion": "policy/v1", "kind": "Eviction",
                                    "metadata": {"name": name, "namespace": namespace}})
    if response.status_code != 429:
        Kube.check(response)
    return response.status_code


def _ready(pod: Obj) -> bool:
    conditions = pod.get("status", {}).get("conditions", [])
    return pod["metadata"].get("deletionTimestamp") is None and any(
        c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def test_draining_the_nodes_of_both_pods_evicts_one_at_a_time_as_the_pdb_allows(cluster: Cluster, kube: Kube) -> None:
    stage = Stage(cluster, kube, "store", "drain")
    stage.sync("v1")
    stable_hash = stage.wait_healthy()["status"]["stableRS"]
    pdb = kube.get("policy/v1", "PodDisruptionBudget", "store", stage.namespace)
    assert pdb is not None and pdb["spec"]["maxUnavailable"] == 1
    wait_for(lambda: (kube.get("policy/v1", "PodDisruptionBudget", "store", stage.namespace) or {})
             .get("status", {}).get("disruptionsAllowed") == 1, 60, "the PDB to allow one disruption")
    pods = kube.list("v1", "Pod", stage.namespace, labels={"rollouts-pod-template-hash": stable_hash})
    assert len(pods) == 2
    drained = {p["spec"]["nodeName"] for p in pods}
    # Every node cordoned at first (a drain of the nodes while no capacity is free): the first pod's
    # replacement stays Pending, so the budget cannot recover between the two evictions below.
    for node in node_names():
        _cordon(kube, node)
    try:
        first, second = pods
        assert _evict(kube, first) == 201
        # The first eviction used the budget: the second pod stays until a replacement is Ready.
        assert _evict(kube, second) == 429
        assert kube.get("v1", "Pod", second["metadata"]["name"], stage.namespace) is not None
        # Capacity back on the nodes not being drained: the replacement is scheduled there.
        for node in set(node_names()) - drained:
            _uncordon(kube, node)

        def replaced() -> bool:
            live = kube.list("v1", "Pod", stage.namespace, labels={"rollouts-pod-template-hash": stable_hash})
            return sum(_ready(p) for p in live) == 2 and first["metadata"]["name"] not in {
                p["metadata"]["name"] for p in live}

        wait_for(replaced, 120, "a Ready replacement for the first pod", interval=1.0)
        # kubectl drain retries a refused eviction; it goes through once the budget allows it.
        wait_for(lambda: _evict(kube, second) == 201, 120, "the second eviction allowed", interval=2.0)

        def settled() -> list[Obj] | None:
            live = kube.list("v1", "Pod", stage.namespace, labels={"rollouts-pod-template-hash": stable_hash})
            ready = [p for p in live if _ready(p)]
            names = {p["metadata"]["name"] for p in live}
            gone = not names & {first["metadata"]["name"], second["metadata"]["name"]}
            return ready if len(ready) == 2 and len(live) == 2 and gone else None

        survivors = wait_for(settled, 120, "both pods replaced off the drained nodes", interval=1.0)
        assert not {p["spec"]["nodeName"] for p in survivors} & drained
        assert stage.wait_healthy()["status"]["stableRS"] == stable_hash
    finally:
        for node in node_names():
            _uncordon(kube, node)
