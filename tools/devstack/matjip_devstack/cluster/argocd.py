"""Sync an Application's objects in Argo CD's order, against the cluster's API server.

Argo CD's application controller is not run (it needs its repo server, Redis and Git); this module
applies what it would, in the order it would:

- order: phase (PreSync, Sync, PostSync), then sync wave (`argocd.argoproj.io/sync-wave`, default 0),
  then kind (gitops-engine's kindOrder: Namespace, NetworkPolicy, ..., ConfigMap, ..., Service, ...,
  Job, ..., Ingress; other kinds after them), then name - pkg/sync/sync_tasks.go of the gitops-engine
  version Argo CD v3.1 uses;
- hooks (`argocd.argoproj.io/hook`) are created, not applied; `BeforeHookCreation` (the default
  policy) deletes the previous one first;
- CreateNamespace with managedNamespaceMetadata: the namespace is created with the labels the
  ApplicationSet gives it (Pod Security `restricted`), before anything else;
- objects are applied server-side with the field manager `argocd-controller`, as Argo CD does with
  ServerSideApply, and with strict field validation.

Argo CD starts a wave only once the previous one is healthy (a hook Job completed, a Rollout
available). No controller runs on this cluster, so nothing ever becomes healthy: waves are applied
one after another, each admitted by the API server with every earlier wave already stored. What the
server shows is admission, defaulting, validation and the order; not health.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matjip_devstack.cluster.kube import Applied, Kube, wait_for

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
    """What was applied, wave by wave in the order it ran, and every warning the server returned."""

    app: str
    steps: list[tuple[str, int, list[str]]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def position(self, label: str) -> int:
        for index, (_phase, _wave, labels) in enumerate(self.steps):
            if label in labels:
                return index
        raise KeyError(label)


def namespace_object(namespace: str, labels: Mapping[str, str]) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": dict(labels)}}


def ensure_namespace(kube: Kube, namespace: str, labels: Mapping[str, str]) -> None:
    kube.apply(namespace_object(namespace, labels), field_manager=FIELD_MANAGER)


def _run_hook(kube: Kube, task: SyncTask) -> Applied:
    policies = {p.strip() for p in _annotations(task.obj).get(DELETE_POLICY, "BeforeHookCreation").split(",")}
    if "BeforeHookCreation" in policies and kube.live(task.obj) is not None:
        kube.delete(task.obj, propagation="Background")
        wait_for(lambda: kube.live(task.obj) is None, 60, f"old hook {task.label} deleted")
    return kube.create(task.obj)


def sync(kube: Kube, app_name: str, objects: Sequence[Obj]) -> SyncRecord:
    record = SyncRecord(app_name)
    for group in waves(plan(objects)):
        for task in group:
            applied = _run_hook(kube, task) if task.hook else kube.apply(task.obj, field_manager=FIELD_MANAGER)
            record.warnings += [(task.label, w) for w in applied.warnings]
        record.steps.append((group[0].phase, group[0].wave, [t.label for t in group]))
    return record
