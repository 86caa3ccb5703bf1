"""Build the cluster's two programs from the Go module proxy, once per version.

Nothing prebuilt can be downloaded here, so both are built from source with the machine's Go and cached
per version under ~/.cache/matjip/cluster/ (shared by every checkout on the machine):

  kubernetes-<v>/bin/kube-apiserver  a wrapper module requiring k8s.io/kubernetes, whose staging
                                     modules (required as v0.0.0) are replaced by their published
                                     versions; only the API server is built
  etcd-<v>/bin/etcd                  a wrapper module around go.etcd.io/etcd/server/v3's etcdmain

A finished build leaves a `.complete` stamp (with how long it took); concurrent callers serialise on a
lock file, so a background prebuild and the test that needs the binaries never build twice. A warm call
is two stat() calls.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
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


@dataclass(frozen=True)
class Binaries:
    etcd: Path
    kube_apiserver: Path


def _go() -> str:
    found = shutil.which("go") or (str(GO) if GO.exists() else None)
    if found is None:
        raise StackError("Go is needed to build the cluster's etcd and kube-apiserver (https://go.dev/doc/install)")
    return found


def _go_env() -> dict[str, str]:
    # Static binaries like the upstream releases; no VCS stamping (sources come from module zips);
    # -mod=mod lets the wrapper modules resolve their graph and write their go.sum.
    return os.environ | {"CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false -mod=mod", "GO111MODULE": "on"}


def _run(argv: Sequence[str], cwd: Path, log: Path) -> None:
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        # Lowest priority: a build must not steal CPU from the services and tests sharing the machine.
        proc = subprocess.run(["nice", "-n", "19", *argv], cwd=cwd, env=_go_env(), stdout=out,
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


def _build_once(target: Path, build: Callable[[Path], None], what: str) -> Path:
    """Run `build(staging_dir)` unless `target` is complete; publish the result atomically."""
    if (target / ".complete").exists():
        return target
    with _locked(target.name):
        if (target / ".complete").exists():
            return target
        for leftover in target.parent.glob(f".{target.name}-*"):  # an interrupted build's staging folder
            shutil.rmtree(leftover, ignore_errors=True)
        print(f"building {what} (once per version; cached in {target.parent}) ...", flush=True)
        started = time.monotonic()
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
        try:
            build(staging)
            (staging / ".complete").write_text(f"built in {time.monotonic() - started:.0f}s\n")
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        print(f"  {what}: {time.monotonic() - started:.0f}s", flush=True)
    return target


# --- kube-apiserver -----------------------------------------------------------------------------------


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


def _build_kube_apiserver(out: Path) -> None:
    src = CLUSTER_CACHE / "src" / f"kubernetes-{versions.KUBERNETES}"
    src.mkdir(parents=True, exist_ok=True)
    upstream = module_dir("k8s.io/kubernetes", versions.KUBERNETES)
    (src / "go.mod").write_text(kubernetes_go_mod((upstream / "go.mod").read_text()))
    (out / "bin").mkdir()
    _run([_go(), "build", "-ldflags", version_ldflags(), "-o", str(out / "bin" / "kube-apiserver"),
          "k8s.io/kubernetes/cmd/kube-apiserver"], src, out / "build.log")


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


def ensure_binaries() -> Binaries:
    """Build whatever is missing for the pinned versions; a warm call only checks the stamps."""
    etcd = _build_once(CLUSTER_CACHE / f"etcd-{versions.ETCD}", _build_etcd, f"etcd {versions.ETCD}")
    kube = _build_once(CLUSTER_CACHE / f"kubernetes-{versions.KUBERNETES}", _build_kube_apiserver,
                       f"kube-apiserver {versions.KUBERNETES}")
    return Binaries(etcd=etcd / "bin" / "etcd", kube_apiserver=kube / "bin" / "kube-apiserver")


def main() -> None:
    """`python -m matjip_devstack.cluster.build`: build what is missing (./matjip test starts it early)."""
    binaries = ensure_binaries()
    for name, path in vars(binaries).items():
        print(f"{name:16} {path}")


if __name__ == "__main__":
    main()
