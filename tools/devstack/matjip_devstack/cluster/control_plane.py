"""Start and stop a Kubernetes cluster as processes on loopback, no containers.

etcd -> kube-apiserver (TLS, token authentication, RBAC, the default admission chain, service-account
keys) -> the CustomResourceDefinitions Matjip's manifests need, from the projects' own YAML -> the
controllers: kube-controller-manager (ReplicaSets, Jobs, PodDisruptionBudgets, HPAs, ServiceAccounts,
garbage collection, ...), kube-scheduler, kwok (plays the kubelet of six fake nodes in three zones: node
heartbeats, pods Ready without running them, Job pods Succeeded, deletions finished), a fake Prometheus
(fake_prometheus.py) and the Argo Rollouts controller, as its own ServiceAccount with the ClusterRole its
project ships.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from matjip_devstack.cluster import chart, versions
from matjip_devstack.cluster.build import Binaries, ensure_binaries, module_dir
from matjip_devstack.cluster.kube import Kube, KubeError, kubeconfig_text, tls_context, wait_for
from matjip_devstack.cluster.layout import Layout
from matjip_devstack.cluster.pki import TOKEN_USERS, Pki, create_pki
from matjip_devstack.processes import StackError, log_tail, read_pidfile, spawn, stop_pidfile

SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.0/16"
ISSUER = "https://kubernetes.default.svc.cluster.local"
# Components in start order; stopped in reverse.
COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "fake-prometheus",
              "argo-rollouts")
FIELD_MANAGER = "matjip-cluster-bootstrap"
ROLLOUTS_NAMESPACE = "argo-rollouts"
# Fake nodes: three zones (prod spreads each revision over zones with DoNotSchedule), two nodes in each,
# so a drained node's pods have somewhere to go in their own zone.
ZONES = ("ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c")
NODES_PER_ZONE = 2
NODE_CAPACITY = {"cpu": "32", "memory": "128Gi", "pods": "110", "ephemeral-storage": "200Gi"}
# The kube-controller-manager controllers the chart's objects need (the rest would only cost CPU). The
# node lifecycle controller lifts the not-ready taint a node is admitted with once kwok reports it Ready.
CONTROLLERS = (
    "node-lifecycle-controller", "serviceaccount-controller", "serviceaccount-token-controller",
    "namespace-controller", "garbage-collector-controller", "pod-garbage-collector-controller",
    "replicaset-controller", "deployment-controller", "job-controller", "ttl-after-finished-controller",
    "disruption-controller", "endpointslice-controller", "horizontal-pod-autoscaler-controller",
    "root-ca-certificate-publisher-controller",
)

# The custom kinds Matjip's manifests use (the chart for dev and prod, deploy/argocd, deploy/platform),
# and those the controllers that run here watch (the Argo Rollouts controller: all five of its own), by
# the project whose CRD manifests define them. The projects ship dozens more; they would only cost the
# API server memory and OpenAPI work. tests/cluster/test_cluster_parts.py checks this covers every
# custom kind the manifests use.
CRD_KINDS: dict[str, tuple[str, ...]] = {
    "argo-rollouts": ("Rollout", "AnalysisTemplate", "AnalysisRun", "ClusterAnalysisTemplate", "Experiment"),
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


def node_names() -> list[str]:
    return [f"kwok-{zone[-1]}{i}" for zone in ZONES for i in range(1, NODES_PER_ZONE + 1)]


def fake_node(name: str, zone: str) -> dict[str, Any]:
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


def _node_schedulable(node: dict[str, Any]) -> bool:
    """Ready (kwok's heartbeat) and rid of the not-ready taint it was admitted with (the node lifecycle
    controller's work)."""
    conditions = node.get("status", {}).get("conditions", [])
    taints = node.get("spec", {}).get("taints", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions) \
        and not any(t["key"] == "node.kubernetes.io/not-ready" for t in taints)


@dataclass
class Cluster:
    layout: Layout
    binaries: Binaries
    pki: Pki

    def admin(self) -> Kube:
        return Kube(self.layout.server, self.pki.token("admin"), self.pki.ca_cert)

    def _write_kubeconfigs(self) -> None:
        for component, (user, _groups) in TOKEN_USERS.items():
            path = self.layout.kubeconfig(component)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(kubeconfig_text(self.layout.server, self.pki.ca_cert, user, self.pki.token(component)))
            path.chmod(0o600)
        self.layout.admin_kubeconfig.write_text(self.layout.kubeconfig("admin").read_text())
        self.layout.admin_kubeconfig.chmod(0o600)

    # --- processes -------------------------------------------------------------------------------
    def _pidfile(self, name: str) -> Path:
        return self.layout.run / f"{name}.pid"

    def log(self, name: str) -> Path:
        return self.layout.logs / f"{name}.log"

    def running(self, name: str) -> bool:
        return read_pidfile(self._pidfile(name)) is not None

    def _start(self, name: str, argv: list[str], ready: Callable[[], bool], timeout: float,
               env: dict[str, str] | None = None) -> None:
        if self.running(name) and ready():
            return
        handle = spawn(name, argv, log_path=self.log(name), pid_dir=self.layout.run, cwd=self.layout.home,
                       env=env)

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

    def _component_flags(self, component: str, port: int) -> list[str]:
        kubeconfig = str(self.layout.kubeconfig(component))
        # No --authentication/authorization-kubeconfig: the health port is loopback-only and serves no
        # one but the start-up check (with them, both retry the request-header CA no one configures).
        return [f"--kubeconfig={kubeconfig}", "--bind-address=127.0.0.1", f"--secure-port={port}",
                f"--cert-dir={self.layout.home / (component + '-certs')}",
                # One instance of each: a leader lease would only be renewed every two seconds for nothing.
                "--leader-elect=false"]

    def _start_controller_manager(self) -> None:
        port = self.layout.controller_manager_port
        self._start("kube-controller-manager", [
            str(self.binaries.kube_controller_manager), *self._component_flags("kube-controller-manager", port),
            f"--controllers={','.join(CONTROLLERS)}",
            # Each controller acts as its own ServiceAccount, as kubeadm sets it up (bootstrap RBAC).
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={self.pki.sa_private_key}", f"--root-ca-file={self.pki.ca_cert}",
            f"--cluster-cidr={POD_CIDR}", f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--horizontal-pod-autoscaler-sync-period=5s", "--v=1",
        ], lambda: self._http_ok(f"https://127.0.0.1:{port}/healthz", verify=False), timeout=120)

    def _start_scheduler(self) -> None:
        port = self.layout.scheduler_port
        argv = [str(self.binaries.kube_scheduler), *self._component_flags("kube-scheduler", port)]
        self._start("kube-scheduler", argv,
                    lambda: self._http_ok(f"https://127.0.0.1:{port}/healthz", verify=False), timeout=120)

    def _start_kwok(self) -> None:
        port = self.layout.kwok_port
        self._start("kwok", [
            str(self.binaries.kwok), f"--kubeconfig={self.layout.kubeconfig('kwok')}",
            "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            f"--cidr={POD_CIDR}", "--node-ip=10.0.0.1", f"--server-address=127.0.0.1:{port}",
            "--node-lease-duration-seconds=40",
        ], lambda: self._http_ok(f"http://127.0.0.1:{port}/healthz"), timeout=60,
            # kwok reads ~/.kwok/kwok.yaml when present: give it a home of its own (its default stages).
            env=os.environ | {"HOME": str(self.layout.home / "kwok-home")})

    def _start_fake_prometheus(self) -> None:
        self._start("fake-prometheus", [sys.executable, "-m", "matjip_devstack.cluster.fake_prometheus",
                                        f"--port={self.layout.prometheus_port}"],
                    lambda: self._http_ok(f"{self.layout.prometheus_url}/-/ready"), timeout=60)

    def _start_rollouts_controller(self) -> None:
        lay = self.layout
        self._start("argo-rollouts", [
            str(self.binaries.rollouts_controller), f"--kubeconfig={lay.kubeconfig('argo-rollouts')}",
            f"--metricsport={lay.rollouts_metrics_port}", f"--healthzPort={lay.rollouts_healthz_port}",
            "--loglevel=info", "--logformat=text",
        ], lambda: self._http_ok(f"http://127.0.0.1:{lay.rollouts_healthz_port}/healthz"), timeout=120,
            # Its namespace holds its leader lease (and its optional config maps).
            env=os.environ | {"POD_NAMESPACE": ROLLOUTS_NAMESPACE, "HOME": str(lay.home / "rollouts-home")})

    def install_rollouts_identity(self, kube: Kube) -> None:
        """The controller's namespace and ServiceAccount, and the RBAC its project ships for it."""
        source = module_dir("github.com/argoproj/argo-rollouts", versions.ARGO_ROLLOUTS) / "manifests"
        kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ROLLOUTS_NAMESPACE}},
                   field_manager=FIELD_MANAGER)
        kube.apply({"apiVersion": "v1", "kind": "ServiceAccount",
                    "metadata": {"name": "argo-rollouts", "namespace": ROLLOUTS_NAMESPACE}},
                   field_manager=FIELD_MANAGER)
        for path in (source / "role" / "argo-rollouts-clusterrole.yaml",
                     source / "cluster-install" / "argo-rollouts-clusterrolebinding.yaml"):
            kube.apply(yaml.safe_load(path.read_text()), field_manager=FIELD_MANAGER)

    def create_nodes(self, kube: Kube) -> None:
        existing = {n["metadata"]["name"] for n in kube.list("v1", "Node")}
        for zone in ZONES:
            for i in range(1, NODES_PER_ZONE + 1):
                name = f"kwok-{zone[-1]}{i}"
                if name not in existing:
                    # Created (not applied): status is part of a created object, as a kubelet registers.
                    kube.create(fake_node(name, zone))
        wait_for(lambda: sum(_node_schedulable(n) for n in kube.list("v1", "Node")) == len(node_names()), 90,
                 "every fake node Ready and schedulable")

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
        self._write_kubeconfigs()
        self._start_etcd()
        self._start_apiserver()
        kube = self.admin()
        # The API server makes the default namespaces itself, just after /readyz.
        wait_for(lambda: kube.get("v1", "Namespace", "default"), 60, "the default namespace")
        self.install_crds(kube)
        self.install_rollouts_identity(kube)
        self._start_controller_manager()
        self._start_scheduler()
        self._start_kwok()
        self.create_nodes(kube)
        self._start_fake_prometheus()
        self._start_rollouts_controller()
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
        for folder in ("etcd", "pki", "kubeconfigs", "run", "apiserver-certs", "kube-controller-manager-certs",
                       "kube-scheduler-certs", "kwok-home", "rollouts-home"):
            shutil.rmtree(layout.home / folder, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            layout.admin_kubeconfig.unlink()
    return stopped


__all__ = ["Cluster", "KubeError", "cluster_for", "node_names", "stop_cluster"]
