"""Offline checks of Matjip's delivery: render the chart, validate it strictly, enforce policies.

Every checker returns a list of human-readable violations (empty = fine), so the positive tests assert
"no violations" and the negative tests assert that a specific mutation is reported.
"""

from __future__ import annotations

import atexit
import functools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from matjip_contracts import services as service_registry

REPO = Path(__file__).resolve().parents[2]
TOOLS_DIR = Path(os.environ.get("MATJIP_TOOLS_DIR", REPO / ".tools"))
HELM_DIR = REPO / "deploy" / "helm"
UMBRELLA = "matjip"
KUBE_VERSION = "1.33.0"
ENVIRONMENTS = ("local", "dev", "prod")
SERVICES = tuple(s.name for s in service_registry.SERVICES)  # matjip_contracts.services: the one list
RELEASE = "matjip"

Manifest = dict[str, Any]


# --------------------------------------------------------------------------------------------------
# Tools


@dataclass(frozen=True)
class Tools:
    helm: Path
    kubeconform: Path
    actionlint: Path
    canary_gates: Path
    schemas: Path


@functools.cache
def install_tools() -> Tools:
    """Build/fetch the toolchain once (idempotent script; a warm run is a few stat() calls)."""
    script = REPO / "tools" / "deploy-tools" / "install.sh"
    env = {**os.environ, "PYTHON": sys.executable}
    proc = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{script} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    bin_dir = TOOLS_DIR / "bin"
    return Tools(
        helm=bin_dir / "helm",
        kubeconform=bin_dir / "kubeconform",
        actionlint=bin_dir / "actionlint",
        canary_gates=bin_dir / "canary-gates.test",
        schemas=TOOLS_DIR / "schemas",
    )


def go_env() -> dict[str, str]:
    """The environment of Go tools: the machine's Go on PATH (the canary-gates test calls `go mod`)."""
    return {**os.environ, "PATH": f"/usr/local/go/bin:{os.environ.get('PATH', '')}", "GOFLAGS": "-buildvcs=false"}


def _helm_env() -> dict[str, str]:
    # Keep helm's config, cache and plugins inside .tools: no repositories, no network, no user state.
    home = TOOLS_DIR / "helm"
    return {
        **os.environ,
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }


def run_helm(tools: Tools, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(tools.helm), *args], env=_helm_env(), capture_output=True, text=True, check=False)


@functools.cache
def chart_workspace() -> Path:
    """A copy of deploy/helm with the umbrella's dependencies built, so the work tree is never written."""
    tools = install_tools()
    work = Path(tempfile.mkdtemp(prefix="matjip-helm-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    shutil.copytree(HELM_DIR, work / "helm", ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    proc = run_helm(tools, "dependency", "build", str(work / "helm" / UMBRELLA), "--skip-refresh")
    if proc.returncode != 0:
        raise RuntimeError(f"helm dependency build failed:\n{proc.stdout}\n{proc.stderr}")
    return work / "helm"


def values_files(environment: str, chart: Path | None = None) -> list[Path]:
    umbrella = (chart or chart_workspace()) / UMBRELLA
    files = [umbrella / f"values-{environment}.yaml"]
    return files + sorted((umbrella / "images" / environment).glob("*.yaml"))


def helm_template(
    environment: str,
    *,
    extra_values: Mapping[str, Any] | None = None,
    set_values: Iterable[str] = (),
) -> subprocess.CompletedProcess[str]:
    tools = install_tools()
    chart = chart_workspace()
    args = [
        "template",
        RELEASE,
        str(chart / UMBRELLA),
        "--namespace",
        f"matjip-{environment}",
        "--kube-version",
        KUBE_VERSION,
    ]
    for path in values_files(environment, chart):
        args += ["-f", str(path)]
    if extra_values:
        fd, name = tempfile.mkstemp(prefix="values-", suffix=".yaml", dir=chart)
        os.close(fd)
        extra = Path(name)
        extra.write_text(yaml.safe_dump(dict(extra_values)))
        args += ["-f", str(extra)]
    for item in set_values:
        args += ["--set", item]
    return run_helm(tools, *args)


@functools.cache
def rendered_text(environment: str) -> str:
    proc = helm_template(environment)
    if proc.returncode != 0:
        raise RuntimeError(f"helm template ({environment}) failed:\n{proc.stderr}")
    return proc.stdout


def parse_manifests(text: str) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(text) if isinstance(doc, dict)]


def rendered(environment: str) -> list[Manifest]:
    """Fresh objects every call: negative tests mutate them."""
    return parse_manifests(rendered_text(environment))


# --------------------------------------------------------------------------------------------------
# Strict schema validation


def kubeconform(manifests: str | list[Manifest]) -> list[str]:
    """Violations reported by kubeconform -strict against the local schemas (never the network)."""
    tools = install_tools()
    text = manifests if isinstance(manifests, str) else yaml.safe_dump_all(manifests, sort_keys=False)
    k8s = (
        tools.schemas
        / "kubernetes"
        / ("{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json")
    )
    crds = tools.schemas / "crds" / "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
    proc = subprocess.run(
        [
            str(tools.kubeconform),
            "-strict",
            "-summary",
            "-output",
            "json",
            "-kubernetes-version",
            KUBE_VERSION,
            "-schema-location",
            str(k8s),
            "-schema-location",
            str(crds),
            "-",
        ],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return [f"kubeconform gave no report (rc={proc.returncode}): {proc.stdout}{proc.stderr}"]
    problems = [
        f"{r.get('kind')}/{r.get('name')}: {r.get('status')}: {r.get('msg')}"
        for r in report.get("resources") or []
        if r.get("status") != "statusValid"
    ]
    summary = report.get("summary", {})
    if summary.get("valid", 0) == 0:
        problems.append("kubeconform validated no resource")
    if summary.get("skipped", 0):
        problems.append(f"kubeconform skipped {summary['skipped']} resources")
    if proc.returncode != 0 and not problems:
        problems.append(f"kubeconform exited {proc.returncode}: {proc.stderr}")
    return problems


# --------------------------------------------------------------------------------------------------
# The metric contract (docs/conventions.md)


@functools.cache
def convention_metrics() -> frozenset[str]:
    """Every series name of the contract (services' and exporters' tables), plus a histogram's _bucket/_sum/_count."""
    text = (REPO / "docs" / "conventions.md").read_text()
    names: set[str] = set()
    for heading in ("## Metrics every service exports", "## Metrics the platform reads from exporters"):
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        for match in re.finditer(r"^\|\s*`([a-z_:][a-z0-9_:]*)`[^|]*\|\s*(\w+)\s*\|", section, re.MULTILINE):
            name, kind = match.groups()
            names.add(name)
            if kind == "histogram":
                names.update(f"{name}{suffix}" for suffix in ("_bucket", "_sum", "_count"))
    return frozenset(names)


_PROMQL_KEYWORDS = frozenset(
    "and or unless by without on ignoring group_left group_right bool offset inf nan".split()  # noqa: SIM905
)


def promql_metric_names(query: str) -> set[str]:
    """Metric names a PromQL expression reads (a scanner, not a parser: enough for our queries)."""
    q = re.sub(r'"(?:[^"\\]|\\.)*"', '""', query)  # string literals (incl. {{args.x}})
    q = re.sub(r"\{[^{}]*\}", "", q)  # label matchers
    q = re.sub(r"\[[^\]]*\]", "", q)  # range selectors
    q = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", q)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", q):
        token = match.group(0)
        following = q[match.end() :].lstrip()
        if token in _PROMQL_KEYWORDS or following.startswith("("):
            continue
        names.add(token)
    return names


def query_violations(where: str, query: str) -> list[str]:
    problems = []
    # A constant fallback turns "no data" into a pass - what the old canary did with `or vector(1)`.
    if re.search(r"\bvector\s*\(", query) or re.search(r"\babsent\s*\(", query):
        problems.append(f"{where}: query has a constant fallback (vector()/absent()): {query!r}")
    names = promql_metric_names(query)
    if not names:
        problems.append(f"{where}: query reads no metric: {query!r}")
    unknown = sorted(names - convention_metrics())
    if unknown:
        problems.append(f"{where}: metrics not in docs/conventions.md: {unknown}")
    return problems


# --------------------------------------------------------------------------------------------------
# AnalysisTemplates: static rules here; what each metric says on data is judged by Argo Rollouts' own
# code in tools/canary-gates (tests/deploy/test_canary_gates.py).


def analysis_violations(template: Manifest) -> list[str]:
    name = template["metadata"]["name"]
    problems = []
    declared_args = {a["name"] for a in template["spec"].get("args", [])}
    metrics = template["spec"].get("metrics") or []
    if not metrics:
        problems.append(f"AnalysisTemplate/{name}: no metrics")
    for metric in metrics:
        where = f"AnalysisTemplate/{name}/{metric.get('name')}"
        prometheus = (metric.get("provider") or {}).get("prometheus")
        if prometheus is None:
            problems.append(f"{where}: not a Prometheus metric")
            continue
        query = prometheus.get("query", "")
        problems += query_violations(where, query)
        for arg in re.findall(r"\{\{\s*args\.([\w-]+)\s*\}\}", query):
            if arg not in declared_args:
                problems.append(f"{where}: query uses undeclared arg {arg!r}")
        if not metric.get("successCondition"):
            problems.append(f"{where}: no successCondition (a failureCondition alone passes on no data)")
        if int(metric.get("failureLimit", 0)) > 2:
            problems.append(f"{where}: failureLimit {metric['failureLimit']} tolerates too many failures")
    return problems


# --------------------------------------------------------------------------------------------------
# Object graph helpers

WORKLOAD_KINDS = {"Deployment", "Rollout", "StatefulSet", "DaemonSet"}


def by_kind(docs: Iterable[Manifest], kind: str) -> list[Manifest]:
    return [d for d in docs if d.get("kind") == kind]


def find(docs: Iterable[Manifest], kind: str, name: str) -> Manifest:
    for doc in docs:
        if doc.get("kind") == kind and doc["metadata"]["name"] == name:
            return doc
    raise KeyError(f"{kind}/{name}")


def pod_templates(docs: Iterable[Manifest], *, jobs: bool = True) -> Iterator[tuple[Manifest, Manifest]]:
    """(owner, pod template) for every workload (and Job) in the manifests."""
    for doc in docs:
        if doc.get("kind") in WORKLOAD_KINDS or (jobs and doc.get("kind") == "Job"):
            yield doc, doc["spec"]["template"]


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Kubernetes LabelSelector semantics (an empty selector selects everything)."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _labels(template: Manifest) -> dict[str, str]:
    labels: dict[str, str] = (template.get("metadata") or {}).get("labels") or {}
    return labels


def _name(doc: Manifest) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


# --------------------------------------------------------------------------------------------------
# Policies


def pod_policy_violations(docs: list[Manifest]) -> list[str]:
    problems: list[str] = []
    for owner, template in pod_templates(docs):
        where = _name(owner)
        long_running = owner["kind"] in WORKLOAD_KINDS
        spec = template["spec"]
        pod_sc = spec.get("securityContext") or {}
        if pod_sc.get("runAsNonRoot") is not True:
            problems.append(f"{where}: pod securityContext.runAsNonRoot is not true")
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            cwhere = f"{where}/{container['name']}"
            resources = container.get("resources") or {}
            for section in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in (resources.get(section) or {}):
                        problems.append(f"{cwhere}: no {section}.{resource}")
            sc = container.get("securityContext") or {}
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{cwhere}: allowPrivilegeEscalation is not false")
            if sc.get("privileged"):
                problems.append(f"{cwhere}: privileged")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{cwhere}: readOnlyRootFilesystem is not true")
            if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
                problems.append(f"{cwhere}: capabilities do not drop ALL")
            if sc.get("runAsUser") == 0 or pod_sc.get("runAsUser") == 0:
                problems.append(f"{cwhere}: runs as root")
            seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
            if seccomp != "RuntimeDefault":
                problems.append(f"{cwhere}: seccompProfile is not RuntimeDefault")
            tmp = [m for m in container.get("volumeMounts") or [] if m["mountPath"] == "/tmp"]
            if not tmp or "emptyDir" not in volumes.get(tmp[0]["name"], {}):
                problems.append(f"{cwhere}: no emptyDir at /tmp (read-only root filesystem)")
            image = container.get("image", "")
            if image.endswith(":latest") or (":" not in image.split("/")[-1] and "@" not in image):
                problems.append(f"{cwhere}: image {image!r} is not pinned to a tag or digest")
            if long_running:
                problems += _probe_violations(cwhere, container)
        if long_running:
            pre_stop = max(
                (((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}).get("seconds", 0)
                for c in spec["containers"]
            )
            if not pre_stop:
                problems.append(f"{where}: no preStop pause before SIGTERM")
            keys = {c["topologyKey"] for c in spec.get("topologySpreadConstraints") or []}
            if "topology.kubernetes.io/zone" not in keys:
                problems.append(f"{where}: not spread across zones")
    return problems


def _probe_violations(where: str, container: Manifest) -> list[str]:
    problems = []
    ports = {p.get("name") for p in container.get("ports") or []} | {
        p["containerPort"] for p in container.get("ports") or []
    }
    expected = {"startupProbe": "/health/live", "livenessProbe": "/health/live", "readinessProbe": "/health/ready"}
    for probe, path in expected.items():
        http = (container.get(probe) or {}).get("httpGet")
        if not http:
            problems.append(f"{where}: no {probe} (httpGet {path})")
            continue
        if http.get("path") != path:
            problems.append(f"{where}: {probe} checks {http.get('path')!r}, not {path!r}")
        if http.get("port") not in ports:
            problems.append(f"{where}: {probe} port {http.get('port')!r} is not a container port")
    return problems


def selector_violations(docs: list[Manifest]) -> list[str]:
    problems: list[str] = []
    workloads = [(o, t) for o, t in pod_templates(docs, jobs=False)]
    all_pods = list(pod_templates(docs))
    for owner, template in workloads:
        if not selector_matches(owner["spec"].get("selector"), _labels(template)):
            problems.append(f"{_name(owner)}: selector does not match its pod template labels")
    for svc in by_kind(docs, "Service"):
        selector = svc["spec"].get("selector")
        if not selector or not any(selector_matches({"matchLabels": selector}, _labels(t)) for _, t in workloads):
            problems.append(f"{_name(svc)}: selector {selector} matches no pod template")
    for np in by_kind(docs, "NetworkPolicy"):
        selector = np["spec"].get("podSelector")
        if selector == {}:
            continue  # namespace-wide (default deny)
        if not any(selector_matches(selector, _labels(t)) for _, t in all_pods):
            problems.append(f"{_name(np)}: podSelector matches no pod template")
    for pdb in by_kind(docs, "PodDisruptionBudget"):
        if not any(selector_matches(pdb["spec"].get("selector"), _labels(t)) for _, t in workloads):
            problems.append(f"{_name(pdb)}: selector matches no workload")
    services = {s["metadata"]["name"]: s for s in by_kind(docs, "Service")}
    for sm in by_kind(docs, "ServiceMonitor"):
        selector = sm["spec"].get("selector")
        if not any(selector_matches(selector, s["metadata"].get("labels") or {}) for s in services.values()):
            problems.append(f"{_name(sm)}: selects no Service")
    for ing in by_kind(docs, "Ingress"):
        for rule in ing["spec"].get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = path["backend"]["service"]["name"]
                if backend not in services:
                    problems.append(f"{_name(ing)}: backend Service {backend!r} does not exist")
    config_maps = {c["metadata"]["name"] for c in by_kind(docs, "ConfigMap")}
    for owner, template in all_pods:
        for container in template["spec"]["containers"]:
            for source in container.get("envFrom") or []:
                ref = (source.get("configMapRef") or {}).get("name")
                if ref and ref not in config_maps:
                    problems.append(f"{_name(owner)}: envFrom ConfigMap {ref!r} does not exist")
    return problems


def _replicas_floor(docs: list[Manifest], workload: Manifest) -> int:
    for scaler in by_kind(docs, "HorizontalPodAutoscaler"):
        if scaler["spec"]["scaleTargetRef"]["name"] == workload["metadata"]["name"]:
            return int(scaler["spec"].get("minReplicas", 1))
    for scaler in by_kind(docs, "ScaledObject"):
        if scaler["spec"]["scaleTargetRef"]["name"] == workload["metadata"]["name"]:
            return int(scaler["spec"].get("minReplicaCount", 0))
    return int(workload["spec"].get("replicas", 1))


def availability_violations(docs: list[Manifest]) -> list[str]:
    problems = []
    pdbs = by_kind(docs, "PodDisruptionBudget")
    for owner, template in pod_templates(docs, jobs=False):
        if _replicas_floor(docs, owner) > 1 and not any(
            selector_matches(p["spec"].get("selector"), _labels(template)) for p in pdbs
        ):
            problems.append(f"{_name(owner)}: more than one replica but no PodDisruptionBudget")
    return problems


@functools.cache
def adapter_metrics() -> dict[str, str]:
    """Custom metric name -> the series it is computed from (deploy/platform/prometheus-adapter)."""
    values = yaml.safe_load((REPO / "deploy" / "platform" / "prometheus-adapter.values.yaml").read_text())
    served = {}
    for rule in values["rules"]["custom"]:
        served[rule["name"]["as"]] = rule["seriesQuery"]
    return served


def autoscaling_violations(docs: list[Manifest]) -> list[str]:
    problems: list[str] = []
    workloads = {(w["apiVersion"], w["kind"], w["metadata"]["name"]) for w, _ in pod_templates(docs, jobs=False)}
    owners: dict[str, list[str]] = {}
    for hpa in by_kind(docs, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        owners.setdefault(ref["name"], []).append(_name(hpa))
        if (ref.get("apiVersion"), ref["kind"], ref["name"]) not in workloads:
            problems.append(f"{_name(hpa)}: scaleTargetRef {ref} is not a workload in the release")
        for metric in hpa["spec"].get("metrics") or []:
            if metric["type"] in ("Pods", "Object", "External"):
                name = metric[metric["type"].lower()]["metric"]["name"]
                served = adapter_metrics()
                if name not in served:
                    problems.append(f"{_name(hpa)}: custom metric {name!r} is served by no prometheus-adapter rule")
                else:
                    problems += query_violations(f"{_name(hpa)}/{name} (adapter rule)", served[name])
    for so in by_kind(docs, "ScaledObject"):
        ref = so["spec"]["scaleTargetRef"]
        owners.setdefault(ref["name"], []).append(_name(so))
        if (ref.get("apiVersion", "apps/v1"), ref.get("kind", "Deployment"), ref["name"]) not in workloads:
            problems.append(f"{_name(so)}: scaleTargetRef {ref} is not a workload in the release")
        for trigger in so["spec"].get("triggers") or []:
            if trigger["type"] == "prometheus":
                problems += query_violations(f"{_name(so)}/{trigger.get('name')}", trigger["metadata"]["query"])
                if str(trigger["metadata"].get("ignoreNullValues", "true")).lower() != "false":
                    problems.append(f"{_name(so)}: an empty Prometheus answer would count as zero lag")
    for target, scalers in owners.items():
        if len(scalers) > 1:
            problems.append(f"{target}: scaled by more than one autoscaler: {scalers}")
    return problems


def rollout_violations(docs: list[Manifest]) -> list[str]:
    problems: list[str] = []
    templates = {t["metadata"]["name"] for t in by_kind(docs, "AnalysisTemplate")}
    services = {s["metadata"]["name"] for s in by_kind(docs, "Service")}
    ingresses = {i["metadata"]["name"] for i in by_kind(docs, "Ingress")}
    for rollout in by_kind(docs, "Rollout"):
        where = _name(rollout)
        canary = rollout["spec"]["strategy"].get("canary")
        if canary is None:
            problems.append(f"{where}: not a canary")
            continue
        if not canary.get("steps"):
            problems.append(f"{where}: no canary steps")
        for ref in (canary.get("analysis") or {}).get("templates") or []:
            if ref["templateName"] not in templates:
                problems.append(f"{where}: AnalysisTemplate {ref['templateName']!r} does not exist")
        for step in canary.get("steps") or []:
            for ref in (step.get("analysis") or {}).get("templates") or []:
                if ref["templateName"] not in templates:
                    problems.append(f"{where}: AnalysisTemplate {ref['templateName']!r} does not exist")
        routing = canary.get("trafficRouting") or {}
        for key in ("stableService", "canaryService"):
            if canary.get(key) and canary[key] not in services:
                problems.append(f"{where}: {key} {canary[key]!r} does not exist")
        if routing:
            if not (canary.get("stableService") and canary.get("canaryService")):
                problems.append(f"{where}: traffic routing needs stableService and canaryService")
            nginx, alb = routing.get("nginx"), routing.get("alb")
            if nginx and nginx.get("stableIngress") not in ingresses:
                problems.append(f"{where}: nginx.stableIngress {nginx.get('stableIngress')!r} does not exist")
            if alb:
                if alb.get("ingress") not in ingresses:
                    problems.append(f"{where}: alb.ingress {alb.get('ingress')!r} does not exist")
                if alb.get("rootService") not in services:
                    problems.append(f"{where}: alb.rootService {alb.get('rootService')!r} does not exist")
    for template in by_kind(docs, "AnalysisTemplate"):
        problems += analysis_violations(template)
    return problems


def network_policy_violations(docs: list[Manifest]) -> list[str]:
    """Numeric ports only (the EKS VPC CNI policy agent is reported to drop named-port rules), and
    ingress opened on the port the selected pods really listen on."""
    problems: list[str] = []
    servers = list(pod_templates(docs, jobs=False))
    for np in by_kind(docs, "NetworkPolicy"):
        where = _name(np)
        rules = [("ingress", r) for r in np["spec"].get("ingress") or []] + [
            ("egress", r) for r in np["spec"].get("egress") or []
        ]
        for direction, rule in rules:
            for port in rule.get("ports") or []:
                if not isinstance(port.get("port"), int):
                    problems.append(f"{where}: {direction} port {port.get('port')!r} is not a number")
        selector = np["spec"].get("podSelector")
        if selector == {}:
            continue
        listening = {
            p["containerPort"]
            for _, t in servers
            if selector_matches(selector, _labels(t))
            for c in t["spec"]["containers"]
            for p in c.get("ports") or []
        }
        for rule in np["spec"].get("ingress") or []:
            for port in rule.get("ports") or []:
                if isinstance(port.get("port"), int) and port["port"] not in listening:
                    problems.append(f"{where}: ingress on {port['port']}, but the pods listen on {sorted(listening)}")
    return problems


def _alb_deregistration_delay(ingress: Manifest) -> int | None:
    attributes = (ingress["metadata"].get("annotations") or {}).get(
        "alb.ingress.kubernetes.io/target-group-attributes", ""
    )
    match = re.search(r"deregistration_delay\.timeout_seconds=(\d+)", attributes)
    return int(match.group(1)) if match else None


def draining_violations(docs: list[Manifest]) -> list[str]:
    """The termination arithmetic: preStop outlasts the load balancer's deregistration delay, and the
    grace period covers preStop + the service's drain (its MATJIP_SHUTDOWN_TIMEOUT_SECONDS, which
    includes the outbox flush) with room to spare."""
    problems: list[str] = []
    config = {c["metadata"]["name"]: c.get("data") or {} for c in by_kind(docs, "ConfigMap")}
    ingresses = by_kind(docs, "Ingress")
    for owner, template in pod_templates(docs, jobs=False):
        name, where = owner["metadata"]["name"], _name(owner)
        spec = template["spec"]
        grace = spec.get("terminationGracePeriodSeconds", 30)
        pre_stop = max(
            (((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}).get("seconds", 0)
            for c in spec["containers"]
        )
        drain_setting = config.get(name, {}).get("MATJIP_SHUTDOWN_TIMEOUT_SECONDS")
        if drain_setting is None:
            # A workload that is no Matjip service (the web app's nginx) states its drain on the pod.
            drain_setting = (template["metadata"].get("annotations") or {}).get("matjip.io/drain-seconds")
        if drain_setting is None:
            problems.append(f"{where}: MATJIP_SHUTDOWN_TIMEOUT_SECONDS is not set, so the drain is not known")
            continue
        drain = float(drain_setting)
        if grace < pre_stop + drain + 10:
            problems.append(
                f"{where}: terminationGracePeriodSeconds {grace} < preStop {pre_stop} + drain {drain:g} + 10 s margin"
            )
        for ingress in ingresses:
            backends = {
                path["backend"]["service"]["name"]
                for rule in ingress["spec"].get("rules") or []
                for path in (rule.get("http") or {}).get("paths") or []
            }
            if not backends & {name, f"{name}-stable", f"{name}-canary"}:
                continue
            delay = _alb_deregistration_delay(ingress)
            if ingress["spec"].get("ingressClassName") == "alb":
                if delay is None:
                    problems.append(f"{_name(ingress)}: no deregistration_delay (the ALB default is 300 s)")
                elif pre_stop <= delay:
                    problems.append(
                        f"{where}: preStop {pre_stop} s is not longer than the ALB's deregistration delay {delay} s"
                    )
    return problems


def all_policy_violations(docs: list[Manifest]) -> list[str]:
    return (
        pod_policy_violations(docs)
        + network_policy_violations(docs)
        + draining_violations(docs)
        + selector_violations(docs)
        + availability_violations(docs)
        + autoscaling_violations(docs)
        + rollout_violations(docs)
    )


# --------------------------------------------------------------------------------------------------
# Dockerfile


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    line: int


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined (comments and the parser directive dropped)."""
    instructions: list[Instruction] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        keyword, _, args = buffer.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        buffer = ""
    return instructions


_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)", re.I)


def dockerfile_violations(text: str) -> list[str]:
    problems: list[str] = []
    instructions = parse_dockerfile(text)
    stages: list[list[Instruction]] = []
    stage_names: set[str] = set()
    args: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword == "ARG" and not stages:
            name, _, default = ins.args.partition("=")
            args[name.strip()] = default.strip().strip('"')
        if ins.keyword == "FROM":
            stages.append([])
            parts = ins.args.split()
            image = parts[0]
            if len(parts) >= 3 and parts[-2].upper() == "AS":
                stage_names.add(parts[-1])
            image = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), image)
            if image in stage_names:
                continue
            tag_or_digest = "@sha256:" in image or re.search(r":\d+\.\d+\.\d+[\w.-]*$", image)
            if not tag_or_digest:
                problems.append(f"line {ins.line}: base {image!r} is not pinned to a digest or an exact version tag")
        if stages:
            stages[-1].append(ins)
    if not stages:
        return ["no FROM"]
    final = stages[-1]
    users = [i for i in final if i.keyword == "USER"]
    if not users:
        problems.append("final stage sets no USER")
    elif users[-1].args.split(":")[0] in ("root", "0"):
        problems.append("final stage runs as root")
    health = [i for i in final if i.keyword == "HEALTHCHECK"]
    if not health or "/health/live" not in health[-1].args:
        problems.append("final stage has no HEALTHCHECK on /health/live")
    env_text = " ".join(i.args for i in instructions if i.keyword == "ENV")
    for ins in instructions:
        if ins.keyword in ("ENV", "ARG"):
            for name, value in re.findall(r"(\w+)\s*=\s*(\S+)", ins.args):
                if _SECRET_NAME.search(name) and value.strip("\"'"):
                    problems.append(f"line {ins.line}: {ins.keyword} {name} carries a value that looks secret")
        if ins.keyword in ("COPY", "ADD") and re.search(r"\.(pem|key|env)\b|id_rsa|\.aws|\.netrc", ins.args):
            problems.append(f"line {ins.line}: copies a secret-looking file: {ins.args}")
        if ins.keyword == "RUN":
            run = ins.args
            if re.search(r"\bapt-get\s+install\b", run) and "rm -rf /var/lib/apt/lists" not in run:
                problems.append(f"line {ins.line}: apt-get install leaves /var/lib/apt/lists behind")
            if re.search(r"\bpip3?\s+install\b", run) and "--no-cache-dir" not in run:
                problems.append(f"line {ins.line}: pip install without --no-cache-dir")
            if re.search(r"\buv\s+(sync|pip\s+install)\b", run):
                cached_outside = "--mount=type=cache" in run
                no_cache = "--no-cache" in run or "UV_NO_CACHE=1" in env_text
                if not (cached_outside or no_cache):
                    problems.append(f"line {ins.line}: uv writes its cache into the image")
            if re.search(r"\bapk\s+add\b", run) and "--no-cache" not in run:
                problems.append(f"line {ins.line}: apk add without --no-cache")
    return problems


# --------------------------------------------------------------------------------------------------
# GitHub Actions

_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def workflow_violations(path: Path, text: str) -> list[str]:
    """Policies actionlint does not know: pinned actions, OIDC instead of keys."""
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"^\s*(?:-\s+)?uses:\s*([^\s#]+)\s*(#\s*(\S+))?", line)
        if not match:
            continue
        ref, _, comment = match.groups()
        if ref.startswith("./") or ref.startswith("docker://"):
            continue
        if not _PINNED.match(ref):
            problems.append(f"{path.name}:{number}: {ref} is not pinned to a full commit SHA")
        elif not comment or not re.match(r"v\d", comment):
            problems.append(f"{path.name}:{number}: {ref} has no '# vX.Y.Z' comment")
    if re.search(r"aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY", text):
        problems.append(f"{path.name}: long-lived AWS keys; use OIDC (role-to-assume)")
    if "configure-aws-credentials" in text:
        if "role-to-assume" not in text:
            problems.append(f"{path.name}: configure-aws-credentials without role-to-assume")
        if not re.search(r"id-token:\s*write", text):
            problems.append(f"{path.name}: OIDC needs permissions id-token: write")
    return problems


# --------------------------------------------------------------------------------------------------
# Argo CD: what a first sync on an empty cluster needs

ARGOCD_HOOK = "argocd.argoproj.io/hook"
ARGOCD_WAVE = "argocd.argoproj.io/sync-wave"
PLATFORM_DIR = REPO / "deploy" / "platform"


def sync_wave(doc: Manifest) -> int:
    return int((doc["metadata"].get("annotations") or {}).get(ARGOCD_WAVE, "0"))


def is_hook(doc: Manifest) -> bool:
    return ARGOCD_HOOK in (doc["metadata"].get("annotations") or {})


def argocd_applications(environment: str) -> dict[str, list[Manifest]]:
    """What each Application of the environment's ApplicationSet renders (global.only=<element>)."""
    appset = yaml.safe_load((REPO / "deploy" / "argocd" / f"applicationset-{environment}.yaml").read_text())
    apps: dict[str, list[Manifest]] = {}
    for element in appset["spec"]["generators"][0]["list"]["elements"]:
        only = element["service"]
        proc = helm_template(environment, set_values=[f"global.only={only}"])
        if proc.returncode != 0:
            raise RuntimeError(f"helm template global.only={only} failed:\n{proc.stderr}")
        apps[only] = parse_manifests(proc.stdout)
    return apps


def cluster_bootstrap(environment: str) -> list[Manifest]:
    """Objects made once per cluster before any Application (deploy/README.md, step 1)."""
    path = PLATFORM_DIR / f"secret-store-{environment}.yaml"
    return parse_manifests(path.read_text()) if path.exists() else []


def _allows_egress(policy: Manifest, port: int) -> bool:
    for rule in policy["spec"].get("egress") or []:
        ports = rule.get("ports")
        if ports is None or any(p.get("port") == port for p in ports):
            return True
    return False


def hook_reaches(hook: Manifest, ports: Mapping[str, int]) -> dict[str, int]:
    """What a hook's pod must reach over the network: DNS always; PostgreSQL to migrate; Kafka to
    provision topics. `ports` gives the environment's PostgreSQL and Kafka ports."""
    reaches = {"DNS": 53}
    for container in hook["spec"]["template"]["spec"]["containers"]:
        argv = [*container.get("command", []), *container.get("args", [])]
        if argv[-1:] == ["migrate"]:
            reaches["PostgreSQL"] = ports["postgres"]
        if "matjip_platform.kafka_topics" in argv:
            reaches["Kafka"] = ports["kafka"]
    return reaches


def environment_ports(environment: str) -> dict[str, int]:
    """PostgreSQL and Kafka ports of an environment's NetworkPolicies, from its values."""
    merged: dict[str, Any] = {}
    sources = [HELM_DIR / "matjip-service" / "values.yaml", HELM_DIR / UMBRELLA / f"values-{environment}.yaml"]
    for path in sources:
        policy = ((yaml.safe_load(path.read_text()) or {}).get("global") or {}).get("networkPolicy") or {}
        merged |= {k: v for k, v in policy.items() if k in ("postgres", "kafka")}
    return {"postgres": int(merged["postgres"]["ports"][0]), "kafka": int(merged["kafka"]["ports"][0])}


def first_sync_violations(
    apps: Mapping[str, list[Manifest]], bootstrap: list[Manifest], ports: Mapping[str, int]
) -> list[str]:
    """The ordering rule of a first sync on an empty cluster.

    Argo CD orders the objects of one Application by wave (hooks included) and never orders two
    Applications, so every Sync hook must find what it needs among the earlier waves of its own
    Application or among the cluster's bootstrap objects - whatever the other Applications have or
    have not synced yet. The worst case is assumed: the namespace's default-deny NetworkPolicy (of
    the platform Application) is already in place.
    """
    problems: list[str] = []
    deny_all = any(
        np["spec"].get("podSelector") == {} for docs in apps.values() for np in by_kind(docs, "NetworkPolicy")
    )
    stores = {(d["kind"], d["metadata"]["name"]) for d in bootstrap if d["kind"] == "ClusterSecretStore"}
    for app, docs in apps.items():
        for hook in (d for d in docs if is_hook(d)):
            where = f"{app}: {_name(hook)} (wave {sync_wave(hook)})"
            before = [d for d in docs if not is_hook(d) and sync_wave(d) < sync_wave(hook)]
            template = hook["spec"]["template"]
            secrets = {es["spec"]["target"]["name"]: es for es in by_kind(before, "ExternalSecret")} | {
                s["metadata"]["name"]: s for s in by_kind(before, "Secret")
            }
            config_maps = {c["metadata"]["name"] for c in by_kind(before, "ConfigMap")}
            for container in template["spec"]["containers"]:
                for source in container.get("envFrom") or []:
                    if ref := (source.get("secretRef") or {}).get("name"):
                        made_by = secrets.get(ref)
                        if made_by is None:
                            problems.append(f"{where}: Secret {ref!r} is made by no earlier wave of {app}")
                        elif made_by["kind"] == "ExternalSecret":
                            store = made_by["spec"]["secretStoreRef"]
                            key = (store.get("kind", "SecretStore"), store["name"])
                            if key not in stores:
                                problems.append(
                                    f"{where}: ExternalSecret {ref!r} reads {key[0]}/{key[1]}, which is no "
                                    "cluster bootstrap object (another Application may not have made it yet)"
                                )
                    ref = (source.get("configMapRef") or {}).get("name")
                    if ref and ref not in config_maps:
                        problems.append(f"{where}: ConfigMap {ref!r} is made by no earlier wave of {app}")
            for volume in template["spec"].get("volumes") or []:
                if (ref := (volume.get("configMap") or {}).get("name")) and ref not in config_maps:
                    problems.append(f"{where}: ConfigMap {ref!r} (volume) is made by no earlier wave of {app}")
                if (ref := (volume.get("secret") or {}).get("secretName")) and ref not in secrets:
                    problems.append(f"{where}: Secret {ref!r} (volume) is made by no earlier wave of {app}")
            account = template["spec"].get("serviceAccountName")
            if account and account not in {s["metadata"]["name"] for s in by_kind(before, "ServiceAccount")}:
                problems.append(f"{where}: ServiceAccount {account!r} is made by no earlier wave of {app}")
            if deny_all:
                policies = [
                    np
                    for np in by_kind(before, "NetworkPolicy")
                    if selector_matches(np["spec"].get("podSelector"), _labels(template))
                ]
                for what, port in hook_reaches(hook, ports).items():
                    if not any(_allows_egress(np, port) for np in policies):
                        problems.append(
                            f"{where}: under default-deny no earlier NetworkPolicy lets it reach {what} ({port})"
                        )
    return problems


# --------------------------------------------------------------------------------------------------
# Kafka topics: partitions for every consumer pod


def max_pods(docs: list[Manifest], workload: Manifest) -> int:
    """The most pods a workload can run: its replica ceiling (the autoscaler's max, else replicas) plus
    what a rollout adds - a traffic-routed canary keeps the whole stable set and adds ceil(max weight);
    a replica-ratio canary or a rolling update surges by maxSurge."""
    name = workload["metadata"]["name"]
    ceiling = int(workload["spec"].get("replicas", 1))
    for hpa in by_kind(docs, "HorizontalPodAutoscaler"):
        if hpa["spec"]["scaleTargetRef"]["name"] == name:
            ceiling = int(hpa["spec"]["maxReplicas"])
    for so in by_kind(docs, "ScaledObject"):
        if so["spec"]["scaleTargetRef"]["name"] == name:
            ceiling = int(so["spec"]["maxReplicaCount"])
    strategy = workload["spec"]["strategy"]
    canary = strategy.get("canary")
    surge = (canary or strategy.get("rollingUpdate") or {}).get("maxSurge", "25%")
    extra_percent = int(str(surge).rstrip("%")) if str(surge).endswith("%") else None
    extra = math.ceil(ceiling * extra_percent / 100) if extra_percent is not None else int(surge)
    if canary and canary.get("trafficRouting"):
        weight = max((s["setWeight"] for s in canary.get("steps") or [] if "setWeight" in s), default=0)
        extra = max(extra, math.ceil(ceiling * weight / 100))
    return ceiling + extra


def topic_plan(docs: list[Manifest]) -> dict[str, dict[str, int]]:
    """The topics Job's plan: topic -> {partitions, replication_factor}."""
    plan = json.loads(find(docs, "ConfigMap", "kafka-topics")["data"]["kafka-topics.json"])
    return {
        t["name"]: {"partitions": t["partitions"], "replication_factor": t["replication_factor"]}
        for t in plan["topics"]
    }


def topic_partition_violations(docs: list[Manifest], consumers: Mapping[str, Iterable[str]]) -> list[str]:
    """Every topic (and its .dlq) has at least as many partitions as the most pods any of its consumers
    can run, so every consumer pod - a canary's too - can own a partition. `consumers`: topic -> services."""
    problems: list[str] = []
    plan = topic_plan(docs)
    workloads = {w["metadata"]["name"]: w for w, _ in pod_templates(docs, jobs=False)}
    for topic, services in consumers.items():
        for name in (topic, f"{topic}.dlq"):
            if name not in plan:
                problems.append(f"topic {name} is not provisioned")
        if topic not in plan:
            continue
        partitions = plan[topic]["partitions"]
        if plan.get(f"{topic}.dlq", {}).get("partitions") != partitions:
            problems.append(f"{topic}.dlq does not have {topic}'s {partitions} partitions")
        for service in services:
            if service in workloads and partitions < (pods := max_pods(docs, workloads[service])):
                problems.append(f"{topic}: {partitions} partitions < {pods} pods {service} can run")
    return problems
