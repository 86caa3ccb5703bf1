"""The canary scenarios' stage: one service of dev, in a namespace of its own, with the test overlay
(values-scenarios.yaml) and the fake Prometheus's address; new images synced as Argo CD would sync an
image pin; what the real Argo Rollouts controller did, read back from the API server."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from matjip_devstack.cluster import argocd, chart
from matjip_devstack.cluster.control_plane import Cluster
from matjip_devstack.cluster.kube import Kube, wait_for

Obj = dict[str, Any]
OVERLAY = Path(__file__).with_name("values-scenarios.yaml")
# For canaries that must fail: pauses long enough for any failure to come first.
HOLD = Path(__file__).with_name("values-hold.yaml")
ROLLOUTS_API = "argoproj.io/v1alpha1"


def script(cluster: Cluster, behaviours: dict[Stage, str]) -> None:
    """Replace the fake Prometheus's script (and forget the queries it logged): one behaviour per stage,
    healthy for anything else."""
    response = httpx.put(f"{cluster.layout.prometheus_url}/-/script",
                         json={"default": "healthy", "services": {s.key: b for s, b in behaviours.items()}})
    response.raise_for_status()


@dataclass(eq=False)
class Stage:
    cluster: Cluster
    kube: Kube
    service: str
    namespace: str
    overlays: tuple[Path, ...] = ()

    # --- the fake Prometheus --------------------------------------------------------------------------
    @property
    def key(self) -> str:
        """This stage's service as the fake Prometheus's script names it."""
        return f"{self.namespace}/{self.service}"

    def script(self, behaviour: str) -> None:
        """What the fake Prometheus answers for this service's canary queries from now on."""
        script(self.cluster, {self: behaviour})

    def queries(self) -> list[Obj]:
        """The analysis queries the controller sent for this service since the last script."""
        answered: list[Obj] = httpx.get(f"{self.cluster.layout.prometheus_url}/-/queries").json()
        return [q for q in answered if q["job"] == self.service and q["namespace"] == self.namespace]

    # --- syncing --------------------------------------------------------------------------------------
    def application(self, tag: str) -> chart.Application:
        dev = next(a for a in chart.applications("dev") if a.service == self.service)
        return dataclasses.replace(
            dev, namespace=self.namespace, value_files=(*dev.value_files, str(OVERLAY), *map(str, self.overlays)),
            parameters=(*dev.parameters, ("global.prometheus.address", self.cluster.layout.prometheus_url),
                        (f"{self.service}.image.tag", tag)))

    def sync(self, tag: str) -> None:
        """Render the service with its image at `tag` and sync it (namespace first, as CreateNamespace)."""
        app = self.application(tag)
        argocd.ensure_namespace(self.kube, self.namespace, app.namespace_labels)
        argocd.sync(self.kube, f"{self.namespace}-{self.service}", chart.render(app))

    # --- reading the controller's work ----------------------------------------------------------------
    def rollout(self) -> Obj:
        live = self.kube.get(ROLLOUTS_API, "Rollout", self.service, self.namespace)
        assert live is not None
        return live

    def replica_sets(self) -> dict[str, Obj]:
        """The Rollout's ReplicaSets by pod-template hash."""
        return {rs["metadata"]["labels"]["rollouts-pod-template-hash"]: rs
                for rs in self.kube.list("apps/v1", "ReplicaSet", self.namespace)
                if any(o["kind"] == "Rollout" and o["name"] == self.service
                       for o in rs["metadata"].get("ownerReferences", []))}

    def pods(self, pod_hash: str) -> dict[str, str]:
        """Name -> uid of the pods of one revision."""
        return {p["metadata"]["name"]: p["metadata"]["uid"]
                for p in self.kube.list("v1", "Pod", self.namespace, labels={"rollouts-pod-template-hash": pod_hash})}

    def analysis_runs(self) -> list[Obj]:
        return self.kube.list(ROLLOUTS_API, "AnalysisRun", self.namespace)

    def canary_weight(self) -> int | None:
        """The weight the controller set on its canary Ingress (None: no canary Ingress)."""
        ingress = self.kube.get("networking.k8s.io/v1", "Ingress", f"{self.service}-{self.service}-canary",
                                self.namespace)
        if ingress is None:
            return None
        return int(ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"])

    def wait_healthy(self, timeout: float = 180) -> Obj:
        """The Rollout once the controller has seen its latest spec and calls it Healthy."""
        def healthy() -> Obj | None:
            live = self.rollout()
            status = live.get("status", {})
            current = status.get("observedGeneration") == str(live["metadata"]["generation"])
            return live if current and status.get("phase") == "Healthy" else None

        return wait_for(healthy, timeout, f"Rollout {self.namespace}/{self.service} Healthy", interval=1.0)

    def steps(self) -> list[Obj]:
        steps: list[Obj] = self.rollout()["spec"]["strategy"]["canary"]["steps"]
        return steps

    def summary(self) -> str:
        """The Rollout as `kubectl argo rollouts get rollout` shows it (its status fields, its ReplicaSets
        and AnalysisRuns, as the server holds them); printed by the scenarios, read on failure."""
        live = self.rollout()
        status = live.get("status", {})
        steps = self.steps()
        image = live["spec"]["template"]["spec"]["containers"][0]["image"]
        lines = [f"Name:        {self.service}   Namespace: {self.namespace}",
                 f"Status:      {status.get('phase')}   {status.get('message', '')}".rstrip(),
                 f"Step:        {status.get('currentStepIndex')}/{len(steps)}   "
                 f"Canary weight: {self.canary_weight()}   Abort: {bool(status.get('abort'))}",
                 f"Image:       {image}",
                 "ReplicaSets:"]
        def revision(rs: Obj) -> int:
            return int(rs["metadata"].get("annotations", {}).get("rollout.argoproj.io/revision", 0))

        for pod_hash, rs in sorted(self.replica_sets().items(), key=lambda item: revision(item[1])):
            role = ("stable" if pod_hash == status.get("stableRS")
                    else "canary" if pod_hash == status.get("currentPodHash") else "old")
            lines.append(f"  {rs['metadata']['name']:<22} revision {revision(rs)}  {role:<6}  "
                         f"replicas {rs['spec']['replicas']}  ready {rs['status'].get('readyReplicas', 0)}")
        for run in self.analysis_runs():
            results = ", ".join(f"{m['name']} {m['phase']} ({m.get('count', 0)})"
                                for m in run.get("status", {}).get("metricResults", []))
            lines.append(f"AnalysisRun: {run['metadata']['name']}  {run.get('status', {}).get('phase')}: "
                         f"{results}")
        return "\n".join(lines)
