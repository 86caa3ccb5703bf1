"""Build the cluster's programs from the Go module proxy, once per version.

Nothing prebuilt can be downloaded here, so everything is built from source with the machine's Go and
cached per version under ~/.cache/matjip/cluster/ (shared by every checkout on the machine):

  etcd-<v>/bin/etcd                  a wrapper module around go.etcd.io/etcd/server/v3's etcdmain
  kube-apiserver-<v>/bin/...         one folder per command (kube-apiserver, kube-controller-manager,
  kube-controller-manager-<v>/bin/.. kube-scheduler), each built in one wrapper module requiring
  kube-scheduler-<v>/bin/...         k8s.io/kubernetes, whose staging modules (required as v0.0.0) are
                                     replaced by their published versions; they share Go's build cache
  kwok-<v>/bin/kwok                  `go install sigs.k8s.io/kwok/cmd/kwok@<v>`
  argo-rollouts-<v>/bin/rollouts-controller  built inside a writable copy of the downloaded module
                                     (its go.mod carries its own replaces; -mod=mod fills its go.sum)

A finished build leaves a `.complete` stamp (wall time and CPU time it took); concurrent callers serialise
on a lock file, so a background prebuild and the test that needs the binaries never build twice. A warm
call is one stat() per program.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from matjip_devstack.cluster import versions
from matjip_devstack.paths import CACHE
from matjip_devstack.processes import StackError

CLUSTER_CACHE = Path(os.environ.get("MATJIP_CLUSTER_CACHE", CACHE / "cluster"))
GO = Path("/usr/local/go/bin/go")


KUBE_COMMANDS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")


@dataclass(frozen=True)
class Binaries:
    etcd: Path
    kube_apiserver: Path
    kube_controller_manager: Path
    kube_scheduler: Path
    kwok: Path
    rollouts_controller: Path


def _go() -> str:
    found = shutil.which("go") or (str(GO) if GO.exists() else None)
    if found is None:
        raise StackError("Go is needed to build the cluster's programs (https://go.dev/doc/install)")
    return found


def _go_env() -> dict[str, str]:
    # Static binaries like the upstream releases; no VCS stamping (sources come from module zips);
    # -mod=mod lets the wrapper modules resolve their graph and write their go.sum.
    return os.environ | {"CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false -mod=mod", "GO111MODULE": "on"}


def _run(argv: Sequence[str], cwd: Path, log: Path, env: dict[str, str] | None = None) -> None:
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        # Lowest priority: a build must not steal CPU from the services and tests sharing the machine.
        proc = subprocess.run(["nice", "-n", "19", *argv], cwd=cwd, env=env or _go_env(), stdout=out,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False)
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise StackError(f"`{' '.join(argv)}` failed ({proc.returncode}); log {log}:\n{tail}")


@contextmanager
def _locked(name: str) -> Iterator[None]:
    CLUSTER_CACHE.mkdir(parents=True, exist_ok=True)
    with (CLUSTER_CACHE / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def module_dir(module: str, version: str) -> Path:
    """`go mod download` a module (fetch only) and return its read-only source folder."""
    CLUSTER_CACHE.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([_go(), "mod", "download", "-json", f"{module}@{version}"], cwd=CLUSTER_CACHE,
                          env=_go_env() | {"GOFLAGS": "-buildvcs=false"}, capture_output=True, text=True,
                          check=False)
    info = json.loads(proc.stdout) if proc.stdout.strip() else {}
    if proc.returncode != 0 or "Dir" not in info:
        raise StackError(f"go mod download {module}@{version} failed: {info.get('Error') or proc.stderr}")
    return Path(info["Dir"])


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _build_once(target: Path, build: Callable[[Path], None], what: str) -> Path:
    """Run `build(staging_dir)` unless `target` is complete; publish the result atomically. The stamp
    records the build's wall time and the CPU time of the commands it ran (go and its compilers)."""
    if (target / ".complete").exists():
        return target
    with _locked(target.name):
        if (target / ".complete").exists():
            return target
        for leftover in target.parent.glob(f".{target.name}-*"):  # an interrupted build's staging folder
            shutil.rmtree(leftover, ignore_errors=True)
        print(f"building {what} (once per version; cached in {target.parent}) ...", flush=True)
        started, cpu_before = time.monotonic(), _children_cpu_seconds()
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            build(staging)
            cost = f"{time.monotonic() - started:.0f}s wall, {_children_cpu_seconds() - cpu_before:.0f} CPU-s"
            (staging / ".complete").write_text(f"built in {cost}\n")
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        print(f"  {what}: {(target / '.complete').read_text().strip()}", flush=True)
    return target


# --- Kubernetes' commands ------------------------------------------------------------------------------


def kubernetes_go_mod(kubernetes_go_mod_text: str) -> str:
    """The wrapper module's go.mod: require k8s.io/kubernetes, replace every v0.0.0 staging module.

    Only requirements at exactly v0.0.0 are staging modules; k8s.io/utils and kube-openapi carry real
    pseudo-versions and must stay as they are.
    """
    staging = sorted(set(re.findall(r"^\s+(k8s\.io/[\w.-]+) v0\.0\.0$", kubernetes_go_mod_text, re.MULTILINE)))
    if not staging:
        raise StackError("k8s.io/kubernetes' go.mod lists no v0.0.0 staging modules; has its layout changed?")
    lines = ["module matjip.local/cluster/kubernetes", "", "go 1.24.0", "",
             f"require k8s.io/kubernetes {versions.KUBERNETES}", ""]
    lines += [f"replace {m} => {m} {versions.KUBERNETES_STAGING}" for m in staging]
    return "\n".join(lines) + "\n"


def version_ldflags() -> str:
    # What Kubernetes' own build stamps in (hack/lib/version.sh): /version reports it, and helm's
    # kubeVersion checks and clients' feature detection read it.
    major, minor = versions.KUBERNETES.lstrip("v").split(".")[:2]
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [f"-X {pkg}.gitVersion={versions.KUBERNETES}", f"-X {pkg}.gitMajor={major}",
                  f"-X {pkg}.gitMinor={minor}", f"-X {pkg}.gitTreeState=clean"]
    return " ".join(flags)


def _kube_command_builder(command: str) -> Callable[[Path], None]:
    def build(out: Path) -> None:
        # One wrapper module for every command (its go.sum and Go's build cache are shared).
        src = CLUSTER_CACHE / "src" / f"kubernetes-{versions.KUBERNETES}"
        src.mkdir(parents=True, exist_ok=True)
        upstream = module_dir("k8s.io/kubernetes", versions.KUBERNETES)
        (src / "go.mod").write_text(kubernetes_go_mod((upstream / "go.mod").read_text()))
        (out / "bin").mkdir()
        _run([_go(), "build", "-ldflags", version_ldflags(), "-o", str(out / "bin" / command),
              f"k8s.io/kubernetes/cmd/{command}"], src, out / "build.log")

    return build


# --- etcd ---------------------------------------------------------------------------------------------

ETCD_MAIN = """// The etcd server, as the upstream etcd binary runs it.
package main

import (
\t"os"

\t"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
"""


def _build_etcd(out: Path) -> None:
    src = CLUSTER_CACHE / "src" / f"etcd-{versions.ETCD}"
    src.mkdir(parents=True, exist_ok=True)
    (src / "go.mod").write_text(f"module matjip.local/cluster/etcd\n\ngo 1.24.0\n\n"
                                f"require go.etcd.io/etcd/server/v3 {versions.ETCD}\n")
    (src / "main.go").write_text(ETCD_MAIN)
    (out / "bin").mkdir()
    log = out / "build.log"
    _run([_go(), "mod", "tidy"], src, log)
    _run([_go(), "build", "-ldflags", "-s -w", "-o", str(out / "bin" / "etcd"), "."], src, log)


# --- kwok ---------------------------------------------------------------------------------------------


def _build_kwok(out: Path) -> None:
    (out / "bin").mkdir()
    env = _go_env() | {"GOBIN": str(out / "bin"), "GOFLAGS": "-buildvcs=false"}
    _run([_go(), "install", "-ldflags", "-s -w", f"sigs.k8s.io/kwok/cmd/kwok@{versions.KWOK}"], CLUSTER_CACHE,
         out / "build.log", env)


# --- the Argo Rollouts controller ---------------------------------------------------------------------


def _build_rollouts_controller(out: Path) -> None:
    src = CLUSTER_CACHE / "src" / f"argo-rollouts-{versions.ARGO_ROLLOUTS}"
    if not (src / "go.mod").exists():
        # The module cache is read-only and -mod=mod writes go.sum: build in a writable copy.
        upstream = module_dir("github.com/argoproj/argo-rollouts", versions.ARGO_ROLLOUTS)
        shutil.rmtree(src, ignore_errors=True)
        shutil.copytree(upstream, src)
        for path in (src, *src.rglob("*")):
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)
    (out / "bin").mkdir()
    pkg = "github.com/argoproj/argo-rollouts/utils/version"
    version = versions.ARGO_ROLLOUTS
    ldflags = f"-s -w -X {pkg}.version={version.lstrip('v')} -X {pkg}.gitTag={version} -X {pkg}.gitTreeState=clean"
    _run([_go(), "build", "-ldflags", ldflags, "-o", str(out / "bin" / "rollouts-controller"),
          "./cmd/rollouts-controller"], src, out / "build.log")


def ensure_binaries() -> Binaries:
    """Build whatever is missing for the pinned versions; a warm call only checks the stamps."""
    etcd = _build_once(CLUSTER_CACHE / f"etcd-{versions.ETCD}", _build_etcd, f"etcd {versions.ETCD}")
    kube = {command: _build_once(CLUSTER_CACHE / f"{command}-{versions.KUBERNETES}",
                                 _kube_command_builder(command), f"{command} {versions.KUBERNETES}")
            / "bin" / command for command in KUBE_COMMANDS}
    kwok = _build_once(CLUSTER_CACHE / f"kwok-{versions.KWOK}", _build_kwok, f"kwok {versions.KWOK}")
    rollouts = _build_once(CLUSTER_CACHE / f"argo-rollouts-{versions.ARGO_ROLLOUTS}", _build_rollouts_controller,
                           f"the Argo Rollouts controller {versions.ARGO_ROLLOUTS}")
    return Binaries(etcd=etcd / "bin" / "etcd", kube_apiserver=kube["kube-apiserver"],
                    kube_controller_manager=kube["kube-controller-manager"], kube_scheduler=kube["kube-scheduler"],
                    kwok=kwok / "bin" / "kwok", rollouts_controller=rollouts / "bin" / "rollouts-controller")


def main() -> None:
    """`python -m matjip_devstack.cluster.build`: build what is missing (./matjip test starts it early)."""
    binaries = ensure_binaries()
    for name, path in vars(binaries).items():
        print(f"{name:24} {path}")


if __name__ == "__main__":
    main()
