"""Render Matjip's chart the way Argo CD does for each Application, plus the simulated cluster's overlay.

Argo CD renders `deploy/helm/matjip` once per Application of an environment's ApplicationSet, with the
value files and parameters the ApplicationSet names (`global.only=<service>`). The simulation reads
those from deploy/argocd/applicationset-<env>.yaml itself, so a wrong file name or parameter there
fails here as it would in Argo CD.

What differs in a simulated cluster (the overlay, made by `sim_overlay`):
- `global.prometheus.address`: the Argo Rollouts controller runs on this machine, not in the cluster,
  so the analyses query the fake Prometheus on loopback instead of a cluster DNS name;
- canary pause durations and the analyses' interval/window are seconds instead of minutes, so a
  whole canary fits in a test. The steps' weights, the metrics, their queries, conditions and limits
  stay exactly as the environment sets them.
Traffic routing is not changed: dev keeps NGINX, prod keeps the ALB. Argo Rollouts drives both by
writing Ingress objects (a canary Ingress with a weight for NGINX; the weighted forward action in the
Ingress annotation for the ALB), which is what the scenarios read. Only the controllers that would turn
those objects into proxy rules (ingress-nginx, the AWS Load Balancer Controller) are absent, and the
Rollouts controller only calls AWS when `--aws-verify-target-group` is on (it is not).
"""

from __future__ import annotations

import copy
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
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

# Canary timing in the simulation: a pause of minutes becomes seconds (the first pause is the longest,
# as in every environment: the analysis needs its window before it can judge).
SIM_ANALYSIS = {"interval": "3s", "window": "6s"}
SIM_FIRST_PAUSE = "14s"
SIM_LATER_PAUSE = "8s"


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
    work = Path(tempfile.mkdtemp(prefix="matjip-sim-chart-"))
    shutil.copytree(HELM_DIR, work / "helm", ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    proc = subprocess.run([str(helm()), "dependency", "build", str(work / "helm" / "matjip"), "--skip-refresh"],
                          env=_helm_env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise StackError(f"helm dependency build failed:\n{proc.stdout}\n{proc.stderr}")
    return work / "helm" / "matjip"


def refresh_chart_copy() -> None:
    """Forget the copy (a test that edits nothing needs this only after deploy/helm changed)."""
    chart_copy.cache_clear()


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


def _environment_values(environment: str) -> Obj:
    defaults = yaml.safe_load((HELM_DIR / "matjip-service" / "values.yaml").read_text())
    env = yaml.safe_load((UMBRELLA / f"values-{environment}.yaml").read_text()) or {}
    steps = copy.deepcopy(defaults["global"]["canary"]["steps"])
    steps.update(env.get("global", {}).get("canary", {}).get("steps", {}))
    return {"steps": steps}


def _shorten(steps: Sequence[Obj]) -> list[Obj]:
    out, first = [], True
    for step in steps:
        step = copy.deepcopy(dict(step))
        if "pause" in step:
            step["pause"] = {"duration": SIM_FIRST_PAUSE if first else SIM_LATER_PAUSE}
            first = False
        out.append(step)
    return out


def sim_overlay(environment: str, prometheus_url: str) -> Obj:
    """The values a simulated cluster needs on top of the environment's own (see the module doc)."""
    steps = _environment_values(environment)["steps"]
    return {"global": {
        "prometheus": {"address": prometheus_url},
        "canary": {"analysis": dict(SIM_ANALYSIS),
                   "steps": {profile: _shorten(s) for profile, s in steps.items()}},
    }}


def render(app: Application, overlay: Obj, images: Mapping[str, str] | None = None) -> list[Obj]:
    """`helm template` as Argo CD runs it for `app`, plus the overlay and image tag pins."""
    chart = chart_copy()
    extra: Obj = copy.deepcopy(overlay)
    for service, tag in (images or {}).items():
        extra.setdefault(service, {}).setdefault("image", {})["tag"] = tag
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=chart.parent, delete=False) as handle:
        yaml.safe_dump(extra, handle)
        overlay_file = Path(handle.name)
    try:
        args = [str(helm()), "template", app.release, str(chart), "--namespace", app.namespace,
                "--kube-version", versions.KUBERNETES.lstrip("v")]
        for name in app.value_files:
            args += ["-f", str(chart / name)]
        args += ["-f", str(overlay_file)]
        for key, value in app.parameters:
            args += ["--set", f"{key}={value}"]
        proc = subprocess.run(args, env=_helm_env(), capture_output=True, text=True, check=False)
    finally:
        overlay_file.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise StackError(f"helm template for {app.name} failed:\n{proc.stderr}")
    docs = [d for d in yaml.safe_load_all(proc.stdout) if isinstance(d, dict)]
    for doc in docs:
        doc.setdefault("metadata", {}).setdefault("namespace", app.namespace)
    return docs
