"""Install Matjip's environments into the cluster as an operator and Argo CD would.

Per environment: the one-time cluster set-up an operator applies before any Application
(deploy/platform/secret-store-<env>.yaml: the ClusterSecretStore and its ServiceAccount), then every
Application of the environment's ApplicationSet rendered (chart.render) and synced (argocd.sync).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import yaml

from matjip_devstack.cluster import argocd, chart
from matjip_devstack.cluster.kube import Kube
from matjip_devstack.paths import ROOT

Obj = dict[str, Any]
PLATFORM_DIR = ROOT / "deploy" / "platform"
OPERATOR = "matjip-operator"


def cluster_setup(environment: str) -> list[Obj]:
    """What deploy/README.md has an operator apply once per cluster for `environment`, namespaces first."""
    docs = [d for d in yaml.safe_load_all((PLATFORM_DIR / f"secret-store-{environment}.yaml").read_text())
            if isinstance(d, dict)]
    namespaces = sorted({str(d["metadata"]["namespace"]) for d in docs if d["metadata"].get("namespace")})
    return [argocd.namespace_object(n, {}) for n in namespaces] + docs


@dataclass
class Environment:
    """One environment (dev or prod) in the cluster."""

    name: str
    kube: Kube
    records: dict[str, argocd.SyncRecord] = field(default_factory=dict)
    _rendered: dict[str, list[Obj]] = field(default_factory=dict, repr=False)

    @property
    def namespace(self) -> str:
        return f"matjip-{self.name}"

    def applications(self) -> list[chart.Application]:
        return chart.applications(self.name)

    def application(self, service: str) -> chart.Application:
        for app in self.applications():
            if app.service == service:
                return app
        raise KeyError(service)

    @property
    def services(self) -> list[str]:
        return [a.service for a in self.applications() if a.service != "platform"]

    def render(self, service: str) -> list[Obj]:
        """The Application's objects (rendered once; each call gets its own copy to change)."""
        if service not in self._rendered:
            self._rendered[service] = chart.render(self.application(service))
        return copy.deepcopy(self._rendered[service])

    def sync(self, service: str) -> argocd.SyncRecord:
        app = self.application(service)
        argocd.ensure_namespace(self.kube, app.namespace, app.namespace_labels)
        record = argocd.sync(self.kube, app.name, self.render(service))
        self.records[service] = record
        return record

    def install(self) -> dict[str, argocd.SyncRecord]:
        """The cluster set-up, then every Application: platform first (its objects are namespace-wide)."""
        for obj in cluster_setup(self.name):
            self.kube.apply(obj, field_manager=OPERATOR)
        for service in ["platform", *self.services]:
            self.sync(service)
        return self.records
