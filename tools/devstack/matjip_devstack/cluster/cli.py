"""`./matjip cluster up|down|status|test`: a Kubernetes control plane on loopback (kwok's fake nodes, the
Argo Rollouts controller, a fake Prometheus) with Matjip's dev and prod installed in Argo CD's order."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from matjip_devstack.cluster import versions
from matjip_devstack.cluster.control_plane import COMPONENTS, cluster_for, node_names, stop_cluster
from matjip_devstack.cluster.environments import Environment
from matjip_devstack.cluster.layout import Layout
from matjip_devstack.paths import ROOT
from matjip_devstack.processes import StackError, read_pidfile


def cmd_up(args: argparse.Namespace) -> int:
    layout = Layout.default()
    started = time.monotonic()
    try:
        cluster = cluster_for(layout)
        kube = cluster.start()
        print(f"control plane, nodes and controllers ready in {time.monotonic() - started:.0f}s", flush=True)
        for name in args.env:
            records = Environment(name, kube).install()
            warnings = sum(len(r.warnings) for r in records.values())
            print(f"matjip-{name}: {len(records)} Applications synced ({warnings} warnings from the server)",
                  flush=True)
    except (StackError, TimeoutError, RuntimeError) as exc:
        print(f"error: {exc}\n(what started is left running to look at; ./matjip cluster down stops it)",
              file=sys.stderr)
        return 1
    print(f"""
Kubernetes {versions.KUBERNETES} ready in {time.monotonic() - started:.0f}s (etcd {versions.ETCD}, kwok \
{versions.KWOK} with {len(node_names())} fake nodes, Argo Rollouts {versions.ARGO_ROLLOUTS}); a fake Prometheus \
at {layout.prometheus_url} answers the canary analyses that point at it (tests/cluster's scenarios do; \
dev's and prod's name their in-cluster Prometheus, which does not run here).

  export KUBECONFIG={layout.admin_kubeconfig}
  kubectl get rollouts,pods,jobs -n matjip-prod      (any kubectl >= 1.33)
  kubectl argo rollouts get rollout order -n matjip-prod   (the plugin, if installed)
  curl --cacert {layout.pki}/ca.crt -H "Authorization: Bearer $(cut -d, -f1 {layout.pki}/tokens.csv)" \\
      {layout.server}/apis/argoproj.io/v1alpha1/namespaces/matjip-prod/rollouts/order

  logs: {layout.logs}/<component>.log
  stop: ./matjip cluster down
""", flush=True)
    return 0


def cmd_down(_: argparse.Namespace) -> int:
    stopped = stop_cluster(Layout.default())
    print(f"stopped: {', '.join(stopped)}" if stopped else "no cluster was running")
    return 0


def cmd_status(_: argparse.Namespace) -> int:
    layout = Layout.default()
    for name in COMPONENTS:
        handle = read_pidfile(layout.run / f"{name}.pid")
        print(f"{name:<24} {'running (pid ' + str(handle.pid) + ')' if handle else 'down'}")
    if layout.admin_kubeconfig.exists():
        print(f"\nexport KUBECONFIG={layout.admin_kubeconfig}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    argv = [sys.executable, "-m", "pytest", "tests/cluster", *args.pytest_args]
    return subprocess.run(argv, cwd=ROOT, stdin=subprocess.DEVNULL, check=False).returncode


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cluster = sub.add_parser("cluster", help="a Kubernetes cluster on loopback (kwok, Argo Rollouts) with the chart")
    verbs = cluster.add_subparsers(dest="cluster_command", required=True)
    up = verbs.add_parser("up", help="build (first time) and start the cluster, install dev and prod")
    up.add_argument("--env", nargs="*", default=["dev", "prod"], choices=["dev", "prod"],
                    help="environments to install (default: both; none: the bare cluster with the CRDs)")
    up.set_defaults(func=cmd_up)
    verbs.add_parser("down", help="stop it and remove its state").set_defaults(func=cmd_down)
    verbs.add_parser("status", help="which components run").set_defaults(func=cmd_status)
    test = verbs.add_parser("test", help="the cluster suite (tests/cluster) on a cluster of its own")
    test.add_argument("pytest_args", nargs="*", metavar="PYTEST_ARG")
    test.set_defaults(func=cmd_test)
