"""Sync an Application's objects in Argo CD's order, against the simulated cluster's API server.

Argo CD's application controller is not simulated (it needs its repo server, Redis and Git); this
module applies what it would, in the order it would, and gates waves the way it does:

- order: phase (PreSync, Sync, PostSync), then sync wave (`argocd.argoproj.io/sync-wave`, default 0),
  then kind (gitops-engine's kindOrder: Namespace, NetworkPolicy, ..., ConfigMap, ..., Service, ...,
  Job, ..., Ingress; other kinds after them), then name - pkg/sync/sync_tasks.go of the gitops-engine
  version Argo CD v3.1 uses;
- hooks (`argocd.argoproj.io/hook`) are created, not applied; `BeforeHookCreation` deletes the previous
  one first; a Sync hook counts in its wave like any object;
- a wave starts only when the previous one is healthy: a hook Job has completed, a Rollout or
  Deployment is available. Kinds whose controllers the simulation does not run (ExternalSecret,
  ServiceMonitor, ScaledObject, Kyverno's Policy) count as healthy once the API server has accepted
  them; their controllers' behaviour is outside what this cluster shows.
- CreateNamespace with managedNamespaceMetadata: the namespace is created with the labels the
  ApplicationSet gives it (Pod Security `restricted`), before anything else.
Objects are applied server-side with the field manager `argocd-controller`, as Argo CD does with
ServerSideApply; the API server's admission, defaulting and validation all run.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matjip_devstack.cluster.kube import Kube, KubeError, resource_path, wait_for

Obj = dict[str, Any]

HOOK = "argocd.argoproj.io/hook"
WAVE = "argocd.argoproj.io/sync-wave"
DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"
PHASES = {"PreSync": -1, "Sync": 0, "PostSync": 1, "SyncFail": 2}
# gitops-engine pkg/sync/sync_tasks.go (kindOrder); kinds not listed sort after all of these.
KIND_ORDER = (
    "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
    "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
    "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
    "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
    "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job",
    "CronJob", "IngressClass", "Ingress", "APIService",
)
FIELD_MANAGER = "argocd-controller"


def _annotations(obj: Obj) -> Mapping[str, str]:
    annotations: Mapping[str, str] = obj.get("metadata", {}).get("annotations") or {}
    return annotations


def kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) - len(KIND_ORDER) if kind in KIND_ORDER else 0


@dataclass(frozen=True)
class SyncTask:
    obj: Obj = field(hash=False, compare=False)
    phase: str
    wave: int
    kind: str
    name: str
    hook: bool

    @classmethod
    def of(cls, obj: Obj) -> SyncTask:
        annotations = _annotations(obj)
        hook = annotations.get(HOOK)
        phase = hook.split(",")[0].strip() if hook else "Sync"
        return cls(obj, phase, int(annotations.get(WAVE, "0")), obj["kind"], obj["metadata"]["name"], bool(hook))

    def sort_key(self) -> tuple[int, int, int, str]:
        return (PHASES[self.phase], self.wave, kind_rank(self.kind), self.name)

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"


def plan(objects: Sequence[Obj]) -> list[SyncTask]:
    """Argo CD's order for these objects."""
    return sorted((SyncTask.of(o) for o in objects), key=SyncTask.sort_key)


def waves(tasks: Sequence[SyncTask]) -> list[list[SyncTask]]:
    groups: list[list[SyncTask]] = []
    for task in tasks:
        if groups and (groups[-1][0].phase, groups[-1][0].wave) == (task.phase, task.wave):
            groups[-1].append(task)
        else:
            groups.append([task])
    return groups


@dataclass
class SyncRecord:
    """What was applied when: one entry per wave, in the order it ran."""

    app: str
    steps: list[tuple[str, int, list[str], float, float]] = field(default_factory=list)

    def position(self, label: str) -> int:
        for index, (_phase, _wave, labels, _start, _end) in enumerate(self.steps):
            if label in labels:
                return index
        raise KeyError(label)


def ensure_namespace(kube: Kube, namespace: str, labels: Mapping[str, str]) -> None:
    kube.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": dict(labels)}}],
               field_manager=FIELD_MANAGER)


def _job_done(kube: Kube, namespace: str, name: str) -> bool:
    job = kube.get("Job", name, namespace)
    if job is None:
        return False
    for condition in job.get("status", {}).get("conditions", []):
        if condition["status"] != "True":
            continue
        if condition["type"] == "Complete":
            return True
        if condition["type"] == "Failed":
            raise KubeError(f"hook Job {namespace}/{name} failed: {condition.get('message')}")
    return False


def workload_healthy(obj: Obj | None) -> bool:
    """Argo CD's health of a Rollout or Deployment: the current revision fully available."""
    if obj is None:
        return False
    status = obj.get("status", {})
    if obj["kind"] == "Rollout":
        return bool(status.get("phase") == "Healthy" and status.get("observedGeneration") == str(
            obj["metadata"]["generation"]))
    wanted = obj.get("spec", {}).get("replicas", 1)
    return bool(status.get("observedGeneration") == obj["metadata"]["generation"]
                and status.get("updatedReplicas") == wanted and status.get("availableReplicas") == wanted)


def _wait_healthy(kube: Kube, namespace: str, tasks: Sequence[SyncTask], timeout: float) -> None:
    for task in tasks:
        if task.kind == "Job":
            wait_for(functools.partial(_job_done, kube, namespace, task.name), timeout, f"Job {namespace}/{task.name}")
        elif task.kind in ("Rollout", "Deployment"):
            wait_for(functools.partial(_workload_healthy_now, kube, task.kind, task.name, namespace), timeout,
                     f"{task.label} healthy")


def _workload_healthy_now(kube: Kube, kind: str, name: str, namespace: str) -> bool:
    return workload_healthy(kube.get(kind, name, namespace))


def _run_hook(kube: Kube, namespace: str, task: SyncTask) -> None:
    policies = {p.strip() for p in _annotations(task.obj).get(DELETE_POLICY, "BeforeHookCreation").split(",")}
    path = resource_path(task.kind, namespace, task.name)
    if "BeforeHookCreation" in policies and kube.get(task.kind, task.name, namespace) is not None:
        kube.raw("DELETE", path, {"propagationPolicy": "Foreground"})
        wait_for(lambda: kube.get(task.kind, task.name, namespace) is None, 60, f"old hook {task.label} deleted")
    kube.apply([task.obj], field_manager=FIELD_MANAGER)


def sync(kube: Kube, app_name: str, namespace: str, objects: Sequence[Obj], *,
         wave_timeout: float = 180) -> SyncRecord:
    record = SyncRecord(app_name)
    groups = waves(plan(objects))
    for index, group in enumerate(groups):
        started = time.monotonic()
        for task in group:
            if task.hook:
                _run_hook(kube, namespace, task)
        kube.apply([t.obj for t in group if not t.hook], field_manager=FIELD_MANAGER)
        # The last wave is not waited for: Argo CD ends the sync there and reports health separately
        # (a Rollout walks its canary long after the sync). Hooks are always waited for.
        last = index == len(groups) - 1
        _wait_healthy(kube, namespace, [t for t in group if t.hook or not last], wave_timeout)
        record.steps.append((group[0].phase, group[0].wave, [t.label for t in group], started, time.monotonic()))
    return record
