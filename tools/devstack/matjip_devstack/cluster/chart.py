"""Render Matjip's chart the way Argo CD does for each Application.

Argo CD renders `deploy/helm/matjip` once per Application of an environment's ApplicationSet, with the
value files and parameters the ApplicationSet names (`global.only=<service>`). This module reads those
from deploy/argocd/applicationset-<env>.yaml itself, so a wrong file name or parameter there fails here
as it would in Argo CD. Nothing is overlaid: the cluster receives exactly the environment's objects.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from matjip_devstack.cluster import versions
from matjip_devstack.paths import ROOT
from matjip_devstack.processes import StackError

HELM_DIR = ROOT / "deploy" / "helm"
UMBRELLA = HELM_DIR / "matjip"
ARGOCD_DIR = ROOT / "deploy" / "argocd"
TOOLS_DIR = Path(os.environ.get("MATJIP_TOOLS_DIR", ROOT / ".tools"))
RELEASE = "matjip"
ENVIRONMENTS = ("dev", "prod")

Obj = dict[str, Any]


@functools.cache
def deploy_tools() -> Path:
    """The deploy toolchain's folder: tools/deploy-tools/install.sh builds helm and fetches the
    projects' CRD manifests into .tools/ once; later calls only check its stamps."""
    script = ROOT / "tools" / "deploy-tools" / "install.sh"
    proc = subprocess.run(["bash", str(script)], env=os.environ | {"PYTHON": sys.executable},
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise StackError(f"{script} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return TOOLS_DIR


def helm() -> Path:
    return deploy_tools() / "bin" / "helm"


def crd_manifests(project: str) -> list[Path]:
    """The upstream CRD manifests of one project (argo-rollouts, argo-cd, keda, ...), as install.sh fetched them."""
    return sorted((deploy_tools() / "crds" / project).glob("*.yaml"))


def _helm_env() -> dict[str, str]:
    home = TOOLS_DIR / "helm"
    return os.environ | {"HELM_CACHE_HOME": str(home / "cache"), "HELM_CONFIG_HOME": str(home / "config"),
                         "HELM_DATA_HOME": str(home / "data")}


@functools.cache
def chart_copy() -> Path:
    """A private copy of deploy/helm with the umbrella's dependencies built (the work tree is never written)."""
    work = Path(tempfile.mkdtemp(prefix="matjip-chart-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    shutil.copytree(HELM_DIR, work / "helm", ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    proc = subprocess.run([str(helm()), "dependency", "build", str(work / "helm" / "matjip"), "--skip-refresh"],
                          env=_helm_env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise StackError(f"helm dependency build failed:\n{proc.stdout}\n{proc.stderr}")
    return work / "helm" / "matjip"


@dataclass(frozen=True)
class Application:
    """One Application an environment's ApplicationSet generates (only what rendering needs)."""

    name: str
    service: str
    namespace: str
    release: str
    value_files: tuple[str, ...]
    parameters: tuple[tuple[str, str], ...]
    namespace_labels: Mapping[str, str]


def application_set(environment: str) -> Obj:
    doc: Obj = yaml.safe_load((ARGOCD_DIR / f"applicationset-{environment}.yaml").read_text())
    return doc


def _go_template(text: str, element: Mapping[str, str]) -> str:
    # The ApplicationSet uses plain `{{.key}}` substitutions only (goTemplate, missingkey=error).
    out = text
    for key, value in element.items():
        out = out.replace("{{." + key + "}}", value)
    if "{{" in out:
        raise StackError(f"unresolved template in {text!r} for {dict(element)}")
    return out


def applications(environment: str) -> list[Application]:
    appset = application_set(environment)
    template = appset["spec"]["template"]
    source = template["spec"]["source"]
    sync_policy = template["spec"].get("syncPolicy", {})
    apps = []
    for generator in appset["spec"]["generators"]:
        for element in generator["list"]["elements"]:
            params = tuple((p["name"], _go_template(str(p["value"]), element))
                           for p in source["helm"].get("parameters", []))
            apps.append(Application(
                name=_go_template(template["metadata"]["name"], element),
                service=element["service"],
                namespace=template["spec"]["destination"]["namespace"],
                release=source["helm"].get("releaseName", RELEASE),
                value_files=tuple(source["helm"]["valueFiles"]),
                parameters=params,
                namespace_labels=sync_policy.get("managedNamespaceMetadata", {}).get("labels", {}),
            ))
    return apps


def render(app: Application) -> list[Obj]:
    """`helm template` as Argo CD runs it for `app`; each object carries its namespace."""
    chart = chart_copy()
    args = [str(helm()), "template", app.release, str(chart), "--namespace", app.namespace,
            "--kube-version", versions.KUBERNETES.lstrip("v")]
    for name in app.value_files:
        args += ["-f", str(chart / name)]
    for key, value in app.parameters:
        args += ["--set", f"{key}={value}"]
    proc = subprocess.run(args, env=_helm_env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise StackError(f"helm template for {app.name} failed:\n{proc.stderr}")
    docs = [d for d in yaml.safe_load_all(proc.stdout) if isinstance(d, dict)]
    for doc in docs:
        doc.setdefault("metadata", {}).setdefault("namespace", app.namespace)
    return docs
