"""Talking to the simulated cluster: reads over HTTP (cheap enough to poll), writes through kubectl.

Reads go straight to the REST API with the admin token (a poll is one HTTP request, not a kubectl
process); applies, drains and the Argo Rollouts plugin go through kubectl as an operator would run them.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

Obj = dict[str, Any]
T = TypeVar("T")

# kind -> (API path prefix, plural, namespaced) for every kind the scenarios read.
RESOURCES: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("api/v1", "namespaces", False),
    "Node": ("api/v1", "nodes", False),
    "Pod": ("api/v1", "pods", True),
    "Service": ("api/v1", "services", True),
    "ConfigMap": ("api/v1", "configmaps", True),
    "Secret": ("api/v1", "secrets", True),
    "ServiceAccount": ("api/v1", "serviceaccounts", True),
    "Event": ("api/v1", "events", True),
    "ReplicaSet": ("apis/apps/v1", "replicasets", True),
    "Deployment": ("apis/apps/v1", "deployments", True),
    "Job": ("apis/batch/v1", "jobs", True),
    "PodDisruptionBudget": ("apis/policy/v1", "poddisruptionbudgets", True),
    "HorizontalPodAutoscaler": ("apis/autoscaling/v2", "horizontalpodautoscalers", True),
    "Ingress": ("apis/networking.k8s.io/v1", "ingresses", True),
    "NetworkPolicy": ("apis/networking.k8s.io/v1", "networkpolicies", True),
    "Rollout": ("apis/argoproj.io/v1alpha1", "rollouts", True),
    "AnalysisRun": ("apis/argoproj.io/v1alpha1", "analysisruns", True),
    "AnalysisTemplate": ("apis/argoproj.io/v1alpha1", "analysistemplates", True),
    "Application": ("apis/argoproj.io/v1alpha1", "applications", True),
    "ApplicationSet": ("apis/argoproj.io/v1alpha1", "applicationsets", True),
    "AppProject": ("apis/argoproj.io/v1alpha1", "appprojects", True),
    "ScaledObject": ("apis/keda.sh/v1alpha1", "scaledobjects", True),
    "ServiceMonitor": ("apis/monitoring.coreos.com/v1", "servicemonitors", True),
    "ExternalSecret": ("apis/external-secrets.io/v1", "externalsecrets", True),
    "ClusterSecretStore": ("apis/external-secrets.io/v1", "clustersecretstores", False),
    "Policy": ("apis/kyverno.io/v1", "policies", True),
    "CustomResourceDefinition": ("apis/apiextensions.k8s.io/v1", "customresourcedefinitions", False),
}


class KubeError(RuntimeError):
    pass


def resource_path(kind: str, namespace: str | None = None, name: str | None = None) -> str:
    prefix, plural, namespaced = RESOURCES[kind]
    path = f"/{prefix}"
    if namespaced and namespace:
        path += f"/namespaces/{namespace}"
    path += f"/{plural}"
    if name:
        path += f"/{name}"
    return path


@dataclass
class Kube:
    server: str
    token: str
    ca_cert: Path
    kubeconfig: Path
    kubectl_path: Path
    bin_dirs: Sequence[Path] = ()
    _http: httpx.Client | None = field(default=None, repr=False)

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(base_url=self.server, verify=str(self.ca_cert), timeout=15.0,
                                      headers={"Authorization": f"Bearer {self.token}"})
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # --- reads -----------------------------------------------------------------------------------
    def get(self, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        response = self.http.get(resource_path(kind, namespace, name))
        if response.status_code == 404:
            return None
        self._check(response)
        body: Obj = response.json()
        return body

    def list(self, kind: str, namespace: str | None = None, *, labels: Mapping[str, str] | None = None,
             fields: Mapping[str, str] | None = None) -> list[Obj]:
        params = {}
        if labels:
            params["labelSelector"] = ",".join(f"{k}={v}" for k, v in labels.items())
        if fields:
            params["fieldSelector"] = ",".join(f"{k}={v}" for k, v in fields.items())
        response = self.http.get(resource_path(kind, namespace), params=params)
        self._check(response)
        items: list[Obj] = response.json()["items"]
        return items

    def raw(self, method: str, path: str, body: Any = None, content_type: str = "application/json") -> httpx.Response:
        content = None if body is None else (body if isinstance(body, str | bytes) else json.dumps(body))
        return self.http.request(method, path, content=content, headers={"Content-Type": content_type})

    def patch_status(self, kind: str, name: str, namespace: str, patch: Obj) -> Obj:
        """A merge patch of the status subresource (what a kubelet or controller would write)."""
        response = self.raw("PATCH", resource_path(kind, namespace, name) + "/status", patch,
                            "application/merge-patch+json")
        self._check(response)
        body: Obj = response.json()
        return body

    @staticmethod
    def _check(response: httpx.Response) -> None:
        if response.status_code >= 400:
            raise KubeError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                            f"{response.text[:500]}")

    # --- kubectl ---------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        path = os.pathsep.join([*(str(d) for d in self.bin_dirs), os.environ.get("PATH", "")])
        return os.environ | {"KUBECONFIG": str(self.kubeconfig), "PATH": path}

    def kubectl(self, *args: str, stdin: str | None = None, check: bool = True,
                timeout: float = 300) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(self.kubectl_path), *args], input=stdin, env=self.env(), capture_output=True,
                              text=True, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise KubeError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def apply(self, objects: Iterable[Obj], *, field_manager: str = "matjip-sim") -> str:
        """Server-side apply (admission, defaulting, field ownership on the server)."""
        docs = list(objects)
        if not docs:
            return ""
        text = yaml.safe_dump_all(docs, sort_keys=False)
        proc = self.kubectl("apply", "--server-side", "--force-conflicts", f"--field-manager={field_manager}",
                            "-f", "-", stdin=text)
        return proc.stdout


def wait_for(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.5) -> T:
    """Poll `check` until it returns something truthy; its last exception is part of the timeout."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = check()
            if value:
                return value
        except (KubeError, httpx.HTTPError) as exc:
            last_error = exc
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}{detail}")
        time.sleep(interval)


def kubeconfig_text(server: str, ca_cert: Path, user: str, token: str) -> str:
    return yaml.safe_dump({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "matjip-sim", "cluster": {"server": server, "certificate-authority": str(ca_cert)}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "matjip-sim", "context": {"cluster": "matjip-sim", "user": user}}],
        "current-context": "matjip-sim",
    }, sort_keys=False)
