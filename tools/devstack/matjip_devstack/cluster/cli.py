"""`./matjip cluster up|down|status|test`: a simulated Kubernetes cluster with Matjip installed."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from matjip_devstack.cluster import versions
from matjip_devstack.cluster.control_plane import ZONES, cluster_for, node_names, stop_cluster
from matjip_devstack.cluster.environments import Environment, script_prometheus
from matjip_devstack.cluster.layout import Layout
from matjip_devstack.paths import ROOT
from matjip_devstack.processes import StackError


def cmd_up(args: argparse.Namespace) -> int:
    layout = Layout.default()
    started = time.monotonic()
    cluster = cluster_for(layout)
    try:
        kube = cluster.start()
        print(f"control plane ready in {time.monotonic() - started:.0f}s; installing {', '.join(args.env)} ...",
              flush=True)
        script_prometheus(layout)
        for name in args.env:
            env = Environment(name, kube, layout)
            env.install()
            env.wait_all_healthy()
    except (StackError, TimeoutError, RuntimeError) as exc:
        print(f"error: {exc}\n(the cluster is left running to look at; ./matjip cluster down stops it)",
              file=sys.stderr)
        return 1
    path = os.pathsep.join(str(d) for d in cluster.binaries.bin_dirs)
    print(f"""
Simulated cluster ready in {time.monotonic() - started:.0f}s: Kubernetes {versions.KUBERNETES}, \
Argo Rollouts {versions.ARGO_ROLLOUTS}, {len(node_names())} kwok nodes in {len(ZONES)} zones.
Installed: {', '.join(f'matjip-{e}' for e in args.env)} (every Rollout Healthy).

  export KUBECONFIG={layout.admin_kubeconfig}
  export PATH={path}:$PATH
  kubectl get rollouts,pods -A
  kubectl argo rollouts get rollout order -n matjip-prod

  fake Prometheus: {layout.prometheus_url}  (curl -X PUT {layout.prometheus_url}/-/script \\
      -d '{{"services": {{"order": "errors-5xx"}}}}'  - behaviours: deploy/README.md)
  logs: {layout.logs}/<component>.log
  stop: ./matjip cluster down
""", flush=True)
    return 0


def cmd_down(_: argparse.Namespace) -> int:
    stopped = stop_cluster(Layout.default())
    print(f"stopped: {', '.join(stopped)}" if stopped else "no simulated cluster was running")
    return 0


def cmd_status(_: argparse.Namespace) -> int:
    layout = Layout.default()
    from matjip_devstack.cluster.control_plane import COMPONENTS
    from matjip_devstack.processes import read_pidfile

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
    cluster = sub.add_parser("cluster", help="a simulated Kubernetes cluster with the chart installed")
    verbs = cluster.add_subparsers(dest="cluster_command", required=True)
    up = verbs.add_parser("up", help="build (first time) and start the control plane, install dev and prod")
    up.add_argument("--env", nargs="*", default=["dev", "prod"], choices=["dev", "prod"],
                    help="environments to install (default: both; none: the bare cluster)")
    up.set_defaults(func=cmd_up)
    verbs.add_parser("down", help="stop every component and remove the cluster's state").set_defaults(func=cmd_down)
    verbs.add_parser("status", help="which components run").set_defaults(func=cmd_status)
    test = verbs.add_parser("test", help="the scenario suite (tests/cluster) on a cluster of its own")
    test.add_argument("pytest_args", nargs="*", metavar="PYTEST_ARG")
    test.set_defaults(func=cmd_test)
