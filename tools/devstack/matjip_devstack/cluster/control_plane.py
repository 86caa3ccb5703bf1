"""Start and stop a Kubernetes control plane as processes on loopback: etcd and kube-apiserver, no
containers, with the CustomResourceDefinitions Matjip's manifests need, from the projects' own YAML.

The API server runs as a cluster's does: TLS, token authentication, RBAC, the default admission chain
(NamespaceLifecycle, ServiceAccount, PodSecurity, LimitRanger, ResourceQuota, ...), service-account
signing keys. No controller runs (no kube-controller-manager, scheduler, kubelet or Argo Rollouts
controller): objects are admitted, defaulted, validated and stored, and nothing acts on them.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from matjip_devstack.cluster import chart
from matjip_devstack.cluster.build import Binaries, ensure_binaries
from matjip_devstack.cluster.kube import Kube, KubeError, kubeconfig_text, tls_context, wait_for
from matjip_devstack.cluster.layout import Layout
from matjip_devstack.cluster.pki import TOKEN_USERS, Pki, create_pki
from matjip_devstack.processes import StackError, log_tail, read_pidfile, spawn, stop_pidfile

SERVICE_CIDR = "10.96.0.0/16"
ISSUER = "https://kubernetes.default.svc.cluster.local"
# Components in start order; stopped in reverse.
COMPONENTS = ("etcd", "kube-apiserver")
FIELD_MANAGER = "matjip-cluster-bootstrap"

# The custom kinds Matjip's manifests use (the chart for dev and prod, deploy/argocd, deploy/platform),
# by the project whose CRD manifests define them. The projects ship dozens more; they would only cost
# the API server memory and OpenAPI work. tests/cluster/test_cluster_parts.py checks this covers every
# custom kind the manifests use.
CRD_KINDS: dict[str, tuple[str, ...]] = {
    "argo-rollouts": ("Rollout", "AnalysisTemplate"),
    "argo-cd": ("Application", "ApplicationSet", "AppProject"),
    "prometheus-operator": ("ServiceMonitor",),
    "keda": ("ScaledObject",),
    "external-secrets": ("ExternalSecret", "ClusterSecretStore"),
    "kyverno": ("Policy",),
}


class _CrdLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Some CRDs list `=` among enum values, which YAML 1.1 reads as its "value" tag: keep it a string."""


_CrdLoader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_scalar)


@functools.cache
def crds_to_install() -> list[dict[str, Any]]:
    """The CustomResourceDefinitions the cluster installs, from the projects' own manifests (fetched from
    their Go modules by tools/deploy-tools/install.sh, at the versions the offline suite validates with).
    Parsed once per process (about 12 MB of YAML); callers must not change what it returns."""
    wanted: list[dict[str, Any]] = []
    for project, kinds in CRD_KINDS.items():
        for path in chart.crd_manifests(project):
            for doc in yaml.load_all(path.read_text(), Loader=_CrdLoader):  # a SafeLoader
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition" \
                        and doc["spec"]["names"]["kind"] in kinds:
                    wanted.append(doc)
    found = {d["spec"]["names"]["kind"] for d in wanted}
    missing = {k for kinds in CRD_KINDS.values() for k in kinds} - found
    if missing:
        raise StackError(f"no upstream CRD found for {sorted(missing)} under {chart.TOOLS_DIR / 'crds'}")
    return wanted


def _crd_established(kube: Kube, name: str) -> bool:
    crd = kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name) or {}
    conditions = crd.get("status", {}).get("conditions", [])
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


@dataclass
class Cluster:
    layout: Layout
    binaries: Binaries
    pki: Pki

    def admin(self) -> Kube:
        return Kube(self.layout.server, self.pki.token("admin"), self.pki.ca_cert)

    def _write_kubeconfig(self) -> None:
        user, _groups = TOKEN_USERS["admin"]
        path = self.layout.admin_kubeconfig
        path.write_text(kubeconfig_text(self.layout.server, self.pki.ca_cert, user, self.pki.token("admin")))
        path.chmod(0o600)

    # --- processes -------------------------------------------------------------------------------
    def _pidfile(self, name: str) -> Path:
        return self.layout.run / f"{name}.pid"

    def log(self, name: str) -> Path:
        return self.layout.logs / f"{name}.log"

    def running(self, name: str) -> bool:
        return read_pidfile(self._pidfile(name)) is not None

    def _start(self, name: str, argv: list[str], ready: Callable[[], bool], timeout: float) -> None:
        if self.running(name) and ready():
            return
        handle = spawn(name, argv, log_path=self.log(name), pid_dir=self.layout.run, cwd=self.layout.home)

        def check() -> bool:
            if not handle.alive():
                raise StackError(f"{name} exited at start; last lines of {self.log(name)}:\n{log_tail(self.log(name))}")
            return ready()

        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise StackError(f"{name} not ready after {timeout:.0f}s; last lines of {self.log(name)}:\n"
                                 f"{log_tail(self.log(name))}")
            time.sleep(0.3)

    @staticmethod
    def _http_ok(url: str, **kwargs: Any) -> bool:
        try:
            return httpx.get(url, timeout=2.0, **kwargs).status_code == 200
        except httpx.HTTPError:
            return False

    def _start_etcd(self) -> None:
        lay = self.layout
        client, peer = f"http://127.0.0.1:{lay.etcd_client_port}", f"http://127.0.0.1:{lay.etcd_peer_port}"
        self._start("etcd", [
            str(self.binaries.etcd), "--name=matjip", f"--data-dir={lay.etcd_data}",
            f"--listen-client-urls={client}", f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=matjip={peer}", "--initial-cluster-state=new",
            # A throwaway cluster: durability buys nothing, fsync costs every write.
            "--unsafe-no-fsync", "--log-level=warn",
        ], lambda: self._http_ok(f"{client}/health"), timeout=60)

    def _start_apiserver(self) -> None:
        lay, pki = self.layout, self.pki
        self._start("kube-apiserver", [
            str(self.binaries.kube_apiserver),
            f"--etcd-servers=http://127.0.0.1:{lay.etcd_client_port}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={lay.apiserver_port}",
            f"--tls-cert-file={pki.server_cert}", f"--tls-private-key-file={pki.server_key}",
            f"--client-ca-file={pki.ca_cert}", f"--token-auth-file={pki.token_file}",
            "--authorization-mode=RBAC", "--anonymous-auth=false",
            f"--service-account-issuer={ISSUER}", f"--api-audiences={ISSUER}",
            f"--service-account-key-file={pki.sa_public_key}",
            f"--service-account-signing-key-file={pki.sa_private_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            # The default admission chain stays as it is (PodSecurity, ServiceAccount, LimitRanger, ...).
            "--profiling=false", f"--cert-dir={lay.home / 'apiserver-certs'}",
        ], lambda: self._http_ok(f"{lay.server}/readyz", verify=tls_context(pki.ca_cert),
                                 headers={"Authorization": f"Bearer {pki.token('admin')}"}),
            timeout=240)

    def install_crds(self, kube: Kube) -> list[str]:
        docs = crds_to_install()
        for doc in docs:
            kube.apply(doc, field_manager=FIELD_MANAGER)
        names = [str(d["metadata"]["name"]) for d in docs]
        for name in names:
            wait_for(functools.partial(_crd_established, kube, name), 120, f"CRD {name} Established")
        # Discovery lags Establishment a little: wait until every kind is served.
        kinds = [(f"{d['spec']['group']}/{v['name']}", d["spec"]["names"]["kind"])
                 for d in docs for v in d["spec"]["versions"] if v.get("served")]

        def all_served() -> bool:
            kube.refresh_discovery()
            return all(kube.served(gv, kind) for gv, kind in kinds)

        wait_for(all_served, 60, "every CRD's kinds in discovery", interval=1.0)
        return names

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Kube:
        lay = self.layout
        for folder in (lay.home, lay.logs, lay.run, lay.etcd_data):
            folder.mkdir(parents=True, exist_ok=True)
        lay.etcd_data.chmod(0o700)
        self._write_kubeconfig()
        self._start_etcd()
        self._start_apiserver()
        kube = self.admin()
        # The API server makes the default namespaces itself, just after /readyz.
        wait_for(lambda: kube.get("v1", "Namespace", "default"), 60, "the default namespace")
        self.install_crds(kube)
        return kube

    def status(self) -> dict[str, bool]:
        return {name: self.running(name) for name in COMPONENTS}


def cluster_for(layout: Layout) -> Cluster:
    """A cluster at `layout`, building what is missing first (a warm call only checks stamps)."""
    return Cluster(layout, ensure_binaries(), create_pki(layout.pki))


def stop_cluster(layout: Layout, *, remove_state: bool = True) -> list[str]:
    """Stop every component found through its pid file; remove the cluster's state (it is throwaway)."""
    stopped = []
    for name in reversed(COMPONENTS):
        if stop_pidfile(layout.run / f"{name}.pid", timeout=15):
            stopped.append(name)
    if remove_state:
        for folder in ("etcd", "pki", "run", "apiserver-certs"):
            shutil.rmtree(layout.home / folder, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            layout.admin_kubeconfig.unlink()
    return stopped


__all__ = ["Cluster", "KubeError", "cluster_for", "stop_cluster"]
