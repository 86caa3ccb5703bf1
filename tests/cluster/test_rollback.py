"""Rolling back by pinning the previous image: the sync runs the migration Job in its place in Argo CD's
order (after the service's NetworkPolicy and configuration, before the workload), then the Rollout
returns to the previous revision and is Healthy."""

from __future__ import annotations

import datetime as dt

from simulation import Simulation, pods, replica_sets, wait_rollout

from matjip_devstack.cluster.kube import Obj

SERVICE = "order"
# dev: the same Argo CD hooks and waves as prod, with fewer canary steps (a shorter test).
ENVIRONMENT = "dev"
BAD = "sha-3000004"


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _applied_at(obj: Obj, manager: str = "argocd-controller") -> dt.datetime:
    """When `manager` last applied this object, as the API server recorded it."""
    times = [_time(f["time"]) for f in obj["metadata"]["managedFields"]
             if f["manager"] == manager and f["operation"] == "Apply"]
    assert times, obj["metadata"]["managedFields"]
    return max(times)


def _image_of_stable(sim: Simulation) -> str:
    env = sim.env(ENVIRONMENT)
    stable = env.rollout(SERVICE)["status"]["stableRS"]
    return str(replica_sets(env, SERVICE)[stable]["spec"]["template"]["spec"]["containers"][0]["image"])


def test_pinning_the_previous_image_rolls_back_to_healthy_after_the_migration(sim: Simulation) -> None:
    env = sim.env(ENVIRONMENT)
    sim.script({})
    wait_rollout(env, SERVICE, "Healthy", timeout=300)
    good = env.tags[SERVICE]
    good_hash = env.rollout(SERVICE)["status"]["stableRS"]
    env.release(SERVICE, BAD)
    wait_rollout(env, SERVICE, "Healthy", timeout=300)
    assert _image_of_stable(sim).endswith(f":{BAD}")

    # The bad version is found after promotion: pin the previous image again and sync.
    record = env.release(SERVICE, good)
    job = env.kube.get("Job", f"{SERVICE}-migrate", env.namespace)
    assert job is not None and job["spec"]["template"]["spec"]["containers"][0]["image"].endswith(f":{good}")
    assert any(c["type"] == "Complete" and c["status"] == "True" for c in job["status"]["conditions"])
    # Argo CD's order in this sync: configuration and NetworkPolicy, then the migration, then the workload.
    job_step = record.position(f"Job/{SERVICE}-migrate")
    assert record.position(f"ConfigMap/{SERVICE}") < job_step
    assert record.position(f"NetworkPolicy/{SERVICE}") < job_step, record.steps
    assert job_step < record.position(f"Rollout/{SERVICE}")
    # ...and as the server saw it: the Rollout was changed only after the Job had completed.
    rollout = env.rollout(SERVICE)
    completed = _time(job["status"]["completionTime"])
    assert _applied_at(rollout) >= completed

    wait_rollout(env, SERVICE, "Healthy", timeout=300)
    status = env.rollout(SERVICE)["status"]
    assert _image_of_stable(sim).endswith(f":{good}")
    # The previous revision's ReplicaSet came back (same pod template hash), not a new one.
    assert status["stableRS"] == good_hash
    assert all(p["spec"]["containers"][0]["image"].endswith(f":{good}") for p in pods(env, SERVICE, good_hash))
