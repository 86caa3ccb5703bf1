"""Offline checks of Matjip's delivery: render the chart, validate it strictly, enforce policies.

Every checker returns a list of human-readable violations (empty = fine), so the positive tests assert
"no violations" and the negative tests assert that a specific mutation is reported.
"""

from __future__ import annotations

import ast
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

REPO = Path(__file__).resolve().parents[2]
TOOLS_DIR = Path(os.environ.get("MATJIP_TOOLS_DIR", REPO / ".tools"))
HELM_DIR = REPO / "deploy" / "helm"
UMBRELLA = "matjip"
KUBE_VERSION = "1.33.0"
ENVIRONMENTS = ("local", "dev", "prod")
SERVICES = ("auth", "user", "store", "order", "payment", "notification", "ai")
RELEASE = "matjip"

Manifest = dict[str, Any]


# --------------------------------------------------------------------------------------------------
# Tools


@dataclass(frozen=True)
class Tools:
    helm: Path
    kubeconform: Path
    actionlint: Path
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
        schemas=TOOLS_DIR / "schemas",
    )


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
    images = umbrella / f"images-{environment}.yaml"
    if images.exists():
        files.append(images)
    return files


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
    """Every series name the services export: the table's names, plus a histogram's _bucket/_sum/_count."""
    text = (REPO / "docs" / "conventions.md").read_text()
    section = text.split("## Metrics every service exports", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
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
# Argo Rollouts conditions (expr) evaluated in Python


class ConditionError(Exception):
    pass


_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Subscript,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
)


def _is_inf(value: float) -> bool:
    return math.isinf(value)


def evaluate_condition(condition: str, result: list[float]) -> bool:
    """Evaluate an Argo Rollouts success/failure condition (the expr subset we use) on a result.

    Raises ConditionError where Argo would record an Error (e.g. result[0] on an empty result).
    """
    python = condition.replace("&&", " and ").replace("||", " or ")
    python = re.sub(r"!(?!=)", " not ", python)
    python = re.sub(r"\btrue\b", "True", re.sub(r"\bfalse\b", "False", python))
    try:
        tree = ast.parse(python.strip(), mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"cannot parse {condition!r}: {exc}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ConditionError(f"unsupported syntax {type(node).__name__} in {condition!r}")
        if isinstance(node, ast.Name) and node.id not in ("result", "len", "isNaN", "isInf", "True", "False"):
            raise ConditionError(f"unknown name {node.id!r} in {condition!r}")
    scope = {"result": result, "len": len, "isNaN": math.isnan, "isInf": _is_inf}
    try:
        value = eval(compile(tree, "<condition>", "eval"), {"__builtins__": {}}, scope)
    except (IndexError, TypeError) as exc:
        raise ConditionError(f"{condition!r} on {result}: {exc}") from exc
    return bool(value)


def measurement_passes(metric: Mapping[str, Any], result: list[float]) -> bool:
    """Would Argo count this measurement as Successful? (An Error is not a pass.)"""
    success = metric.get("successCondition")
    failure = metric.get("failureCondition")
    try:
        if success and failure:
            return evaluate_condition(success, result) and not evaluate_condition(failure, result)
        if success:
            return evaluate_condition(success, result)
        if failure:
            return not evaluate_condition(failure, result)
    except ConditionError:
        return False
    return True  # no condition at all: Argo calls every measurement a success


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
        # Missing data must fail: no series at all, and NaN from 0/0.
        for label, empty in (("an empty result", []), ("NaN", [math.nan])):
            if measurement_passes(metric, empty):
                problems.append(f"{where}: passes on {label}")
            elif metric.get("successCondition"):
                try:
                    evaluate_condition(metric["successCondition"], empty)
                except ConditionError:
                    problems.append(f"{where}: errors (instead of failing) on {label}")
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
            grace = spec.get("terminationGracePeriodSeconds", 30)
            pre_stop = max(
                (((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}).get("seconds", 0)
                for c in spec["containers"]
            )
            # The services drain for up to 20 s after SIGTERM; preStop runs before SIGTERM.
            if grace < 20 + pre_stop:
                problems.append(f"{where}: terminationGracePeriodSeconds {grace} < 20 s drain + {pre_stop} s preStop")
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


def all_policy_violations(docs: list[Manifest]) -> list[str]:
    return (
        pod_policy_violations(docs)
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
