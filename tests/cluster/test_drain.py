"""`kubectl drain` against the PodDisruptionBudgets: evictions go through the API server's eviction
subresource, which refuses any that would take a service below its budget."""

from __future__ import annotations

import subprocess
import time

from simulation import Simulation, pods, wait_rollout

from matjip_devstack.cluster.kube import Obj, wait_for

SERVICE = "store"
PDB_REFUSAL = "Cannot evict pod as it would violate the pod's disruption budget"


def _set_ready(sim: Simulation, pod: Obj, ready: bool) -> None:
    """What a kubelet reports when a readiness probe fails or recovers (kwok does not probe)."""
    status = "True" if ready else "False"
    conditions = [{**c, "status": status} if c["type"] in ("Ready", "ContainersReady") else c
                  for c in pod["status"]["conditions"]]
    statuses = [{**c, "ready": ready} for c in pod["status"]["containerStatuses"]]
    sim.kube.patch_status("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"],
                          {"status": {"conditions": conditions, "containerStatuses": statuses}})


def test_drain_evicts_only_as_the_disruption_budgets_allow(sim: Simulation) -> None:
    env = sim.prod
    for service in env.services:
        wait_rollout(env, service, "Healthy")
    store_pods = pods(env, SERVICE)
    assert len(store_pods) >= 3
    node = store_pods[0]["spec"]["nodeName"]
    victim = store_pods[0]
    # One store pod on another node goes unready: the budget (maxUnavailable 1) is used up.
    sick = next(p for p in store_pods if p["spec"]["nodeName"] != node)
    _set_ready(sim, sick, False)
    wait_for(lambda: (sim.kube.get("PodDisruptionBudget", SERVICE, env.namespace) or {})
             .get("status", {}).get("disruptionsAllowed") == 0, 60, "the store PDB at 0 disruptions allowed")
    others_on_node = [p for p in sim.kube.list("Pod", fields={"spec.nodeName": node})
                      if p["metadata"]["namespace"].startswith("matjip-")
                      and p["metadata"]["uid"] != victim["metadata"]["uid"]]

    drain = subprocess.Popen(
        [str(sim.kube.kubectl_path), "drain", node, "--ignore-daemonsets", "--delete-emptydir-data",
         "--timeout=240s"],
        env=sim.kube.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        # Everything else leaves the node; the store pod stays while its budget is spent.
        def others_gone() -> bool:
            left = {p["metadata"]["uid"] for p in sim.kube.list("Pod", fields={"spec.nodeName": node})}
            return not left & {p["metadata"]["uid"] for p in others_on_node}

        wait_for(others_gone, 180, f"the other pods evicted from {node}")
        time.sleep(6)  # more than kubectl's 5 s retry: the refused eviction was tried again
        assert sim.kube.get("Pod", victim["metadata"]["name"], env.namespace) is not None, \
            "the store pod was evicted although its PDB allowed no disruption"
        assert drain.poll() is None, "kubectl drain finished while a budget still blocked it"

        # The unready pod recovers: the budget allows one disruption again and the drain completes.
        _set_ready(sim, sim.kube.get("Pod", sick["metadata"]["name"], env.namespace) or sick, True)
        output, _ = drain.communicate(timeout=240)
    finally:
        if drain.poll() is None:
            drain.kill()
            drain.wait()
    assert drain.returncode == 0, output
    assert PDB_REFUSAL in output, output
    assert f"node/{node} drained" in output, output
    try:
        left = [p for p in sim.kube.list("Pod", fields={"spec.nodeName": node})
                if p["metadata"]["namespace"].startswith("matjip-")]
        assert not left, [p["metadata"]["name"] for p in left]
        # The replacements were scheduled, kept the zone spread and the Rollouts are Healthy again.
        for service in env.services:
            wait_rollout(env, service, "Healthy")
        assert all(p["spec"]["nodeName"] != node for p in pods(env, SERVICE))
    finally:
        sim.kube.kubectl("uncordon", node)
