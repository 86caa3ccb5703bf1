"""Install Matjip's environments into a simulated cluster and release new image tags, as Argo CD would.

Each environment's ApplicationSet (deploy/argocd) lists its Applications; each is rendered
(chart.render) and synced (argocd.sync). Image tags play the part of images-<env>.yaml: a release pins
a service to a new tag and syncs that service's Application, and Argo Rollouts takes it from there.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import yaml

from matjip_devstack.cluster import argocd, chart
from matjip_devstack.cluster.kube import Kube, Obj, wait_for
from matjip_devstack.cluster.layout import Layout
from matjip_devstack.paths import ROOT

PLATFORM_DIR = ROOT / "deploy" / "platform"
# The tag every service runs after install; releases move to others.
INITIAL_TAG = "sha-1000001"


@dataclass
class Environment:
    """One environment (dev or prod) in the simulated cluster, and the tags it is pinned to."""

    name: str
    kube: Kube
    layout: Layout
    tags: dict[str, str] = field(default_factory=dict)

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
        overlay = chart.sim_overlay(self.name, self.layout.prometheus_url)
        return chart.render(self.application(service), overlay, self.tags)

    def sync(self, service: str) -> argocd.SyncRecord:
        app = self.application(service)
        argocd.ensure_namespace(self.kube, app.namespace, app.namespace_labels)
        return argocd.sync(self.kube, app.name, app.namespace, self.render(service))

    def apply_cluster_setup(self) -> None:
        """What an operator applies once per cluster before any Application (deploy/README.md, step 1):
        the environment's ClusterSecretStore and its ServiceAccount in external-secrets' namespace."""
        docs = [d for d in yaml.safe_load_all((PLATFORM_DIR / f"secret-store-{self.name}.yaml").read_text())
                if isinstance(d, dict)]
        namespaces = sorted({str(d["metadata"]["namespace"]) for d in docs if d["metadata"].get("namespace")})
        self.kube.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in namespaces]
                        + docs, field_manager="matjip-operator")

    def install(self) -> dict[str, argocd.SyncRecord]:
        """Sync every Application of the environment (side by side, as Argo CD syncs Applications)."""
        self.apply_cluster_setup()
        self.tags = {service: INITIAL_TAG for service in self.services}
        records = {"platform": self.sync("platform")}
        with ThreadPoolExecutor(max_workers=4) as pool:
            for service, record in zip(self.services, pool.map(self.sync, self.services), strict=True):
                records[service] = record
        return records

    def release(self, service: str, tag: str) -> argocd.SyncRecord:
        """A new image pin for one service, synced (images-<env>.yaml changed, Argo CD syncs)."""
        self.tags[service] = tag
        return self.sync(service)

    def rollout(self, service: str) -> Obj:
        obj = self.kube.get("Rollout", service, self.namespace)
        if obj is None:
            raise KeyError(f"no Rollout {self.namespace}/{service}")
        return obj

    def wait_all_healthy(self, timeout: float = 300) -> None:
        for service in self.services:
            wait_for(functools.partial(self.rollout_healthy, service), timeout,
                     f"Rollout {self.namespace}/{service} Healthy")

    def rollout_healthy(self, service: str) -> bool:
        return argocd.workload_healthy(self.kube.get("Rollout", service, self.namespace))


def script_prometheus(layout: Layout, services: Mapping[str, str] | None = None, default: str = "healthy") -> None:
    """Tell the fake Prometheus what each service's canary looks like (see analysis_script)."""
    response = httpx.put(f"{layout.prometheus_url}/-/script",
                         json={"default": default, "services": dict(services or {})}, timeout=10)
    response.raise_for_status()
