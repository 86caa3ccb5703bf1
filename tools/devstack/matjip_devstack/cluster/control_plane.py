"""Start and stop a simulated Kubernetes cluster as processes on loopback: no containers.

etcd -> kube-apiserver (token auth, RBAC, admission, service-account keys) -> CRDs, RBAC, fake nodes
-> kube-controller-manager, kube-scheduler, kwok (plays every kubelet: node heartbeats, pods Ready at
once, Job pods Succeeded, deletions finished), the fake Prometheus and the Argo Rollouts controller
(running as its own ServiceAccount with the ClusterRole its project ships).
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from matjip_devstack.cluster import chart
from matjip_devstack.cluster.build import Binaries, argo_rollouts_source, ensure_binaries
from matjip_devstack.cluster.kube import Kube, KubeError, kubeconfig_text, wait_for
from matjip_devstack.cluster.layout import Layout
from matjip_devstack.cluster.pki import TOKEN_USERS, Pki, create_pki
from matjip_devstack.processes import StackError, log_tail, read_pidfile, spawn, stop_pidfile

SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.0/16"
ISSUER = "https://kubernetes.default.svc.cluster.local"
# Fake nodes: three zones with two nodes each, so a drained node's pods can stay in their zone.
ZONES = ("ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c")
NODES_PER_ZONE = 2
NODE_CAPACITY = {"cpu": "32", "memory": "128Gi", "pods": "110", "ephemeral-storage": "200Gi"}
# Components in start order; stopped in reverse.
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok",
              "fake-prometheus", "argo-rollouts")
ROLLOUTS_NAMESPACE = "argo-rollouts"


# CRDs installed besides all of Argo Rollouts' (its controller watches every kind of its own): the
# kinds Matjip's manifests use (chart, deploy/argocd, deploy/platform). The projects ship dozens more;
# they would only cost the API server memory and OpenAPI work. test_simulation_parts checks the list.
CRD_KINDS: dict[str, tuple[str, ...]] = {
    "argo-cd": ("Application", "ApplicationSet", "AppProject"),
    "prometheus-operator": ("ServiceMonitor",),
    "keda": ("ScaledObject",),
    "external-secrets": ("ExternalSecret", "ClusterSecretStore"),
    "kyverno": ("Policy",),
}


class _CrdLoader(yaml.SafeLoader):
    """Some CRDs list `=` among enum values, which YAML 1.1 reads as its "value" tag: keep it a string."""


_CrdLoader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_scalar)


def crds_to_install() -> list[dict[str, Any]]:
    """The CustomResourceDefinitions the simulated cluster installs, from the projects' own manifests."""
    wanted: list[dict[str, Any]] = []
    for project in ("argo-rollouts", *CRD_KINDS):
        for path in chart.crd_manifests(project):
            for doc in yaml.load_all(path.read_text(), Loader=_CrdLoader):  # noqa: S506 (a SafeLoader)
                if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                    continue
                if project == "argo-rollouts" or doc["spec"]["names"]["kind"] in CRD_KINDS[project]:
                    wanted.append(doc)
    return wanted


def node_names() -> list[str]:
    return [f"kwok-{zone[-1]}{i}" for zone in ZONES for i in range(1, NODES_PER_ZONE + 1)]


def fake_node(name: str, zone: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            # kwok manages nodes carrying this annotation (and only those).
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": "m7i.8xlarge", "type": "kwok",
                "topology.kubernetes.io/region": "ap-northeast-2", "topology.kubernetes.io/zone": zone,
            },
        },
        "status": {"allocatable": NODE_CAPACITY, "capacity": NODE_CAPACITY},
    }


@dataclass
class Cluster:
    layout: Layout
    binaries: Binaries
    pki: Pki

    # --- identities ------------------------------------------------------------------------------
    def kubeconfig(self, component: str) -> Path:
        return self.layout.kubeconfigs / f"{component}.kubeconfig"

    def admin(self) -> Kube:
        return Kube(self.layout.server, self.pki.token("admin"), self.pki.ca_cert, self.layout.admin_kubeconfig,
                    self.binaries.kubectl, self.binaries.bin_dirs)

    def _write_kubeconfigs(self) -> None:
        self.layout.kubeconfigs.mkdir(parents=True, exist_ok=True)
        for component, (user, _groups) in TOKEN_USERS.items():
            path = self.kubeconfig(component)
            path.write_text(kubeconfig_text(self.layout.server, self.pki.ca_cert, user, self.pki.token(component)))
            path.chmod(0o600)
        self.layout.admin_kubeconfig.write_text(self.kubeconfig("admin").read_text())
        self.layout.admin_kubeconfig.chmod(0o600)

    # --- processes -------------------------------------------------------------------------------
    def _pidfile(self, name: str) -> Path:
        return self.layout.run / f"{name}.pid"

    def _log(self, name: str) -> Path:
        return self.layout.logs / f"{name}.log"

    def running(self, name: str) -> bool:
        return read_pidfile(self._pidfile(name)) is not None

    def _start(self, name: str, argv: list[str], ready: Callable[[], bool], timeout: float,
               env: dict[str, str] | None = None) -> None:
        if self.running(name) and ready():
            return
        handle = spawn(name, argv, log_path=self._log(name), pid_dir=self.layout.run, env=env, cwd=self.layout.home)

        def check() -> bool:
            if not handle.alive():
                raise StackError(f"{name} exited at start; last lines of {self._log(name)}:\n"
                                 f"{log_tail(self._log(name))}")
            return ready()

        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise StackError(f"{name} not ready after {timeout:.0f}s; last lines of {self._log(name)}:\n"
                                 f"{log_tail(self._log(name))}")
            time.sleep(0.3)

    @staticmethod
    def _http_ok(url: str, **kwargs: object) -> bool:
        try:
            return httpx.get(url, timeout=2.0, **kwargs).status_code == 200  # type: ignore[arg-type]
        except httpx.HTTPError:
            return False

    def _start_etcd(self) -> None:
        lay = self.layout
        client, peer = f"http://127.0.0.1:{lay.etcd_client_port}", f"http://127.0.0.1:{lay.etcd_peer_port}"
        self._start("etcd", [
            str(self.binaries.etcd), "--name=sim", f"--data-dir={lay.etcd_data}",
            f"--listen-client-urls={client}", f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=sim={peer}", "--initial-cluster-state=new",
            # A throwaway cluster: durability buys nothing, fsync costs every write.
            "--unsafe-no-fsync", "--quota-backend-bytes=2147483648", "--log-level=warn",
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
            # The default admission chain (PodSecurity, ServiceAccount, LimitRanger, ResourceQuota, ...).
            "--enable-admission-plugins=NodeRestriction",
            "--enable-priority-and-fairness=false", "--profiling=false", "--event-ttl=1h",
            f"--cert-dir={lay.home / 'apiserver-certs'}",
        ], lambda: self._http_ok(f"{lay.server}/readyz", verify=str(pki.ca_cert),
                                 headers={"Authorization": f"Bearer {pki.token('admin')}"}),
            timeout=180)

    def _component_flags(self, component: str, port: int) -> list[str]:
        kubeconfig = str(self.kubeconfig(component))
        return [f"--kubeconfig={kubeconfig}", f"--authentication-kubeconfig={kubeconfig}",
                f"--authorization-kubeconfig={kubeconfig}", "--bind-address=127.0.0.1", f"--secure-port={port}",
                f"--cert-dir={self.layout.home / (component + '-certs')}", "--leader-elect=false"]

    def _start_controller_manager(self) -> None:
        port = self.layout.controller_manager_port
        self._start("kube-controller-manager", [
            str(self.binaries.kube_controller_manager), *self._component_flags("kube-controller-manager", port),
            # Each controller acts as its own ServiceAccount (bootstrap RBAC grants each its role).
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={self.pki.sa_private_key}", f"--root-ca-file={self.pki.ca_cert}",
            f"--cluster-cidr={POD_CIDR}", f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--horizontal-pod-autoscaler-sync-period=5s",
        ], lambda: self._http_ok(f"https://127.0.0.1:{port}/healthz", verify=False), timeout=120)

    def _start_scheduler(self) -> None:
        port = self.layout.scheduler_port
        argv = [str(self.binaries.kube_scheduler), *self._component_flags("kube-scheduler", port)]
        self._start("kube-scheduler", argv,
                    lambda: self._http_ok(f"https://127.0.0.1:{port}/healthz", verify=False), timeout=120)

    def _start_kwok(self) -> None:
        port = self.layout.kwok_port
        self._start("kwok", [
            str(self.binaries.kwok), f"--kubeconfig={self.kubeconfig('kwok')}",
            "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            f"--cidr={POD_CIDR}", "--node-ip=10.0.0.1", f"--server-address=127.0.0.1:{port}",
            "--node-lease-duration-seconds=40",
        ], lambda: self._http_ok(f"http://127.0.0.1:{port}/healthz"), timeout=60,
            # kwok reads ~/.kwok/kwok.yaml when present: give it a home of its own.
            env={"HOME": str(self.layout.home / "kwok-home"), "PATH": "/usr/bin:/bin"})

    def _start_fake_prometheus(self) -> None:
        self._start("fake-prometheus", [sys.executable, "-m", "matjip_devstack.cluster.fake_prometheus",
                                        f"--port={self.layout.prometheus_port}"],
                    lambda: self._http_ok(f"{self.layout.prometheus_url}/-/ready"), timeout=60)

    def _start_rollouts_controller(self) -> None:
        lay = self.layout
        self._start("argo-rollouts", [
            str(self.binaries.rollouts_controller), f"--kubeconfig={self.kubeconfig('argo-rollouts')}",
            f"--metricsport={lay.rollouts_metrics_port}", f"--healthzPort={lay.rollouts_healthz_port}",
            "--loglevel=info", "--logformat=text",
        ], lambda: self._http_ok(f"http://127.0.0.1:{lay.rollouts_healthz_port}/healthz"), timeout=120,
            env={"POD_NAMESPACE": ROLLOUTS_NAMESPACE, "HOME": str(lay.home / "rollouts-home"), "PATH": "/usr/bin:/bin"})

    # --- bootstrap objects -----------------------------------------------------------------------
    def _install_crds(self, kube: Kube) -> None:
        docs = crds_to_install()
        kube.apply(docs, field_manager="matjip-sim-bootstrap")
        names = [str(d["metadata"]["name"]) for d in docs]  # type: ignore[index]
        kube.kubectl("wait", "--for=condition=Established", "--timeout=120s",
                     *[f"crd/{name}" for name in names])

    def _install_rollouts_identity(self, kube: Kube) -> None:
        """The controller's namespace, ServiceAccount and the RBAC its project ships, and a bound token."""
        source = argo_rollouts_source()
        rbac = [yaml.safe_load((source / "manifests" / "role" / "argo-rollouts-clusterrole.yaml").read_text()),
                yaml.safe_load((source / "manifests" / "cluster-install" /
                                "argo-rollouts-clusterrolebinding.yaml").read_text())]
        kube.apply([
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ROLLOUTS_NAMESPACE}},
            {"apiVersion": "v1", "kind": "ServiceAccount",
             "metadata": {"name": "argo-rollouts", "namespace": ROLLOUTS_NAMESPACE}},
            *rbac,
            # The ingress classes the chart's environments name (their controllers are not simulated).
            {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "nginx"},
             "spec": {"controller": "k8s.io/ingress-nginx"}},
            {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "alb"},
             "spec": {"controller": "ingress.k8s.aws/alb"}},
        ], field_manager="matjip-sim-bootstrap")
        path = self.kubeconfig("argo-rollouts")
        if not path.exists():
            token = kube.kubectl("create", "token", "argo-rollouts", "-n", ROLLOUTS_NAMESPACE,
                                 "--duration=720h").stdout.strip()
            path.write_text(kubeconfig_text(self.layout.server, self.pki.ca_cert,
                                            "system:serviceaccount:argo-rollouts:argo-rollouts", token))
            path.chmod(0o600)

    def _create_nodes(self, kube: Kube) -> None:
        nodes = []
        for zone in ZONES:
            for i in range(1, NODES_PER_ZONE + 1):
                nodes.append(fake_node(f"kwok-{zone[-1]}{i}", zone))
        existing = {n["metadata"]["name"] for n in kube.list("Node")}
        missing = [n for n in nodes if n["metadata"]["name"] not in existing]  # type: ignore[index]
        if missing:
            kube.kubectl("create", "-f", "-", stdin=yaml.safe_dump_all(missing))

        def all_ready() -> bool:
            ready = 0
            for node in kube.list("Node"):
                conditions = node.get("status", {}).get("conditions", [])
                ready += any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
            return ready == len(nodes)

        wait_for(all_ready, 60, "kwok to make every fake node Ready")

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Kube:
        lay = self.layout
        for folder in (lay.home, lay.logs, lay.run, lay.etcd_data):
            folder.mkdir(parents=True, exist_ok=True)
        lay.etcd_data.chmod(0o700)
        self._write_kubeconfigs()
        self._start_etcd()
        self._start_apiserver()
        kube = self.admin()
        # The default namespace and bootstrap RBAC appear just after /readyz.
        wait_for(lambda: kube.get("Namespace", "default"), 60, "the default namespace")
        self._install_crds(kube)
        self._install_rollouts_identity(kube)
        self._start_controller_manager()
        self._start_scheduler()
        self._start_kwok()
        self._create_nodes(kube)
        self._start_fake_prometheus()
        self._start_rollouts_controller()
        return kube

    def stop(self) -> list[str]:
        stopped = []
        for name in reversed(COMPONENTS):
            if stop_pidfile(self._pidfile(name), timeout=15):
                stopped.append(name)
        return stopped

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
        for folder in ("etcd", "pki", "kubeconfigs", "run", "apiserver-certs", "kube-controller-manager-certs",
                       "kube-scheduler-certs", "kwok-home", "rollouts-home"):
            shutil.rmtree(layout.home / folder, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            layout.admin_kubeconfig.unlink()
    return stopped


__all__ = ["Cluster", "KubeError", "cluster_for", "node_names", "stop_cluster"]
