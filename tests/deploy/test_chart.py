"""The chart renders for every environment, validates strictly, and meets the platform's policies."""

from __future__ import annotations

import re
from pathlib import Path

import deploy_checks as dc
import pytest
import yaml

ENVIRONMENTS = dc.ENVIRONMENTS


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_helm_lint(tools: dc.Tools, chart: Path, environment: str) -> None:
    args = ["lint", "--strict", str(chart / dc.UMBRELLA), "--kube-version", dc.KUBE_VERSION]
    for path in dc.values_files(environment, chart):
        args += ["-f", str(path)]
    proc = dc.run_helm(tools, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_service_chart_lints_alone(tools: dc.Tools, chart: Path) -> None:
    proc = dc.run_helm(
        tools,
        "lint",
        "--strict",
        str(chart / "matjip-service"),
        "--kube-version",
        dc.KUBE_VERSION,
        "--set",
        "dbSchema=demo",
        "--set",
        "name=demo",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_rendered_objects_validate_strictly(environment: str) -> None:
    assert dc.kubeconform(dc.rendered_text(environment)) == []


def test_gitops_and_platform_manifests_validate_strictly() -> None:
    text = "".join(f"---\n{p.read_text()}\n" for p in sorted((dc.REPO / "deploy" / "argocd").glob("*.yaml")))
    assert dc.kubeconform(text) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_policies(environment: str) -> None:
    assert dc.all_policy_violations(dc.rendered(environment)) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_service_is_deployed(environment: str) -> None:
    docs = dc.rendered(environment)
    workloads = {w["metadata"]["name"] for w, _ in dc.pod_templates(docs, jobs=False)}
    jobs = {j["metadata"]["name"] for j in dc.by_kind(docs, "Job")}
    assert workloads == set(dc.SERVICES) | {"web"}
    assert jobs == {f"{s}-migrate" for s in dc.SERVICES} | {"kafka-topics"}
    for service in dc.SERVICES:
        assert dc.find(docs, "ServiceMonitor", service)
        assert dc.find(docs, "NetworkPolicy", service)
    assert dc.find(docs, "NetworkPolicy", "default-deny")["spec"]["podSelector"] == {}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_process_contract(environment: str) -> None:
    """Pods run the services the way docs/conventions.md says, on their own ports and schemas."""
    conventions = (dc.REPO / "docs" / "conventions.md").read_text()
    table = dict(re.findall(r"^\| (\w+) \| `matjip_\w+` \| (\d+) \|", conventions, re.MULTILINE))
    schemas = dict(re.findall(r"^\| (\w+) \| `matjip_\w+` \| \d+ \| `(\w+)` \|", conventions, re.MULTILINE))
    docs = dc.rendered(environment)
    for service in dc.SERVICES:
        workload = next(w for w, _ in dc.pod_templates(docs, jobs=False) if w["metadata"]["name"] == service)
        container = workload["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", f"matjip_{service}"]
        assert container["args"] == ["serve"]
        assert container["ports"][0]["containerPort"] == int(table[service])
        job = dc.find(docs, "Job", f"{service}-migrate")["spec"]["template"]["spec"]["containers"][0]
        assert job["args"] == ["migrate"]
        config = dc.find(docs, "ConfigMap", service)["data"]
        assert config["MATJIP_DB_SCHEMA"] == schemas[service]
        assert config["MATJIP_HTTP_PORT"] == table[service]
        assert config["MATJIP_HTTP_HOST"] == "0.0.0.0"
        assert {e["name"]: e["value"] for e in job["env"]} == config


def test_canary_routing_per_environment() -> None:
    for environment, router in (("local", "nginx"), ("dev", "nginx"), ("prod", "alb")):
        docs = dc.rendered(environment)
        for rollout in dc.by_kind(docs, "Rollout"):
            canary = rollout["spec"]["strategy"]["canary"]
            profile = rollout["metadata"]["labels"]["matjip.io/profile"]
            if profile == "http":
                assert list(canary["trafficRouting"]) == [router], rollout["metadata"]["name"]
            else:
                # Consumers: replica-ratio canary, no traffic routing (see deploy/README.md).
                assert "trafficRouting" not in canary, rollout["metadata"]["name"]
                assert any("setWeight" in s for s in canary["steps"])


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_canaries_are_analysed(environment: str) -> None:
    docs = dc.rendered(environment)
    for rollout in dc.by_kind(docs, "Rollout"):
        name = rollout["metadata"]["name"]
        analysis = rollout["spec"]["strategy"]["canary"]["analysis"]
        template = dc.find(docs, "AnalysisTemplate", analysis["templates"][0]["templateName"])
        metrics = {m["name"] for m in template["spec"]["metrics"]}
        if rollout["metadata"]["labels"]["matjip.io/profile"] == "http":
            assert {"request-volume", "success-rate", "latency-p99"} <= metrics, name
        else:
            assert {"work-evidence", "group-lag", "processing-time", "dead-letter-rate"} <= metrics, name


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_one_autoscaler_per_service_targeting_the_rollout(environment: str) -> None:
    docs = dc.rendered(environment)
    for rollout in dc.by_kind(docs, "Rollout"):
        name = rollout["metadata"]["name"]
        profile = rollout["metadata"]["labels"]["matjip.io/profile"]
        kind = "HorizontalPodAutoscaler" if profile == "http" else "ScaledObject"
        scaler = dc.find(docs, kind, name)
        assert scaler["spec"]["scaleTargetRef"] == {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "name": name,
        }
        assert "replicas" not in rollout["spec"], "the autoscaler owns spec.replicas"


def test_prod_specifics() -> None:
    docs = dc.rendered("prod")
    for ingress in dc.by_kind(docs, "Ingress"):
        assert ingress["spec"]["ingressClassName"] == "alb"
    for sa in dc.by_kind(docs, "ServiceAccount"):
        if sa["metadata"]["name"] in dc.SERVICES:
            assert sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith(sa["metadata"]["name"])
    secrets = {e["metadata"]["name"] for e in dc.by_kind(docs, "ExternalSecret")}
    assert secrets == {f"{s}-env" for s in dc.SERVICES} | {"auth-signing-keys"}
    assert not dc.by_kind(docs, "SecretStore"), "the store is a cluster bootstrap object (deploy/platform)"
    for _, template in dc.pod_templates(docs, jobs=False):
        zone = template["spec"]["topologySpreadConstraints"][0]
        assert zone["whenUnsatisfiable"] == "DoNotSchedule"
    config = dc.find(docs, "ConfigMap", "order")["data"]
    assert config["MATJIP_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_sync_waves_put_migrations_between_config_and_workloads(environment: str) -> None:
    docs = dc.rendered(environment)

    def wave(doc: dc.Manifest) -> int:
        return int((doc["metadata"].get("annotations") or {}).get("argocd.argoproj.io/sync-wave", "0"))

    for service in dc.SERVICES:
        job = dc.find(docs, "Job", f"{service}-migrate")
        assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "Sync"
        for needed in (dc.find(docs, "ExternalSecret", f"{service}-env"), dc.find(docs, "ConfigMap", service)):
            assert wave(needed) < wave(job)
        assert wave(job) < wave(dc.find(docs, "Rollout", service))


def test_argocd_renders_one_service_per_application() -> None:
    """global.only (set by the ApplicationSet) renders exactly one service, or the platform objects."""
    for only in ("order", "platform"):
        proc = dc.helm_template("prod", set_values=[f"global.only={only}"])
        assert proc.returncode == 0, proc.stderr
        docs = dc.parse_manifests(proc.stdout)
        names = {d["metadata"]["labels"]["app.kubernetes.io/name"] for d in docs}
        assert names == ({"order"} if only == "order" else {"matjip-platform"})


def test_application_sets() -> None:
    argocd = dc.REPO / "deploy" / "argocd"
    projects = {p["metadata"]["name"]: p for p in yaml.safe_load_all((argocd / "projects.yaml").read_text())}
    for environment, automated in (("dev", True), ("prod", False)):
        appset = yaml.safe_load((argocd / f"applicationset-{environment}.yaml").read_text())
        elements = appset["spec"]["generators"][0]["list"]["elements"]
        assert {e["service"] for e in elements} == {*dc.SERVICES, "platform", "web"}
        spec = appset["spec"]["template"]["spec"]
        assert spec["project"] in projects
        assert spec["source"]["path"] == "deploy/helm/matjip"
        for values in spec["source"]["helm"]["valueFiles"]:
            assert (dc.HELM_DIR / "matjip" / values).is_file(), values
        policy = spec["syncPolicy"]
        if automated:
            assert policy["automated"] == {"prune": True, "selfHeal": True}
        else:
            assert "automated" not in policy, "prod is promoted by hand"
        # The project must allow every kind the environment renders.
        allowed = {(k["group"], k["kind"]) for k in projects[spec["project"]]["spec"]["namespaceResourceWhitelist"]}
        for doc in dc.rendered(environment):
            group = doc["apiVersion"].rpartition("/")[0]
            assert (group, doc["kind"]) in allowed, f"{doc['kind']} not allowed in {spec['project']}"


def test_autoscaling_metrics_come_from_the_contract() -> None:
    for name, series in dc.adapter_metrics().items():
        assert dc.query_violations(f"adapter rule {name}", series) == []


def test_no_secrets_in_values() -> None:
    pattern = re.compile(r"(?i)(password|secret|token|private.?key)\s*:\s*['\"]?[A-Za-z0-9+/=]{8,}")
    for path in (dc.REPO / "deploy").rglob("*.yaml"):
        for line in path.read_text().splitlines():
            assert not pattern.search(line), f"{path}: {line}"
    assert not list((dc.REPO / "deploy").rglob("*.pem"))


def test_alb_pods_get_readiness_gates() -> None:
    """With ALB traffic (prod), the namespace carries the label that makes the AWS Load Balancer
    Controller inject target-health readiness gates; NGINX environments do not need it."""
    argocd = dc.REPO / "deploy" / "argocd"
    for environment in ("dev", "prod"):
        appset = yaml.safe_load((argocd / f"applicationset-{environment}.yaml").read_text())
        labels = appset["spec"]["template"]["spec"]["syncPolicy"]["managedNamespaceMetadata"]["labels"]
        alb = any(i["spec"]["ingressClassName"] == "alb" for i in dc.by_kind(dc.rendered(environment), "Ingress"))
        assert (labels.get("elbv2.k8s.aws/pod-readiness-gate-inject") == "enabled") == alb, environment


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_network_policies_and_draining(environment: str) -> None:
    docs = dc.rendered(environment)
    assert dc.network_policy_violations(docs) == []
    assert dc.draining_violations(docs) == []


def test_services_believe_forwarded_headers_from_the_load_balancer_only() -> None:
    """The ALB's subnets, and nothing wider, are the trusted proxies (rate limits key on the client)."""
    docs = dc.rendered("prod")
    alb_sources = {
        peer["ipBlock"]["cidr"]
        for peer in dc.find(docs, "NetworkPolicy", "order")["spec"]["ingress"][0]["from"]
        if "ipBlock" in peer
    }
    for service in dc.SERVICES:
        trusted = dc.find(docs, "ConfigMap", service)["data"]["MATJIP_TRUSTED_PROXY_CIDRS"]
        assert {c.strip() for c in trusted.split(",")} == alb_sources


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_payment_runs_the_real_gateway_in_every_cluster(environment: str) -> None:
    """No cluster can run the sandbox PG (no image holds it: tests/deploy/test_image_contents.py): every
    environment names Toss, with its key from the secret store (dev a test key) or the hand-made Secret."""
    docs = dc.rendered(environment)
    config = dc.find(docs, "ConfigMap", "payment")["data"]
    assert config["MATJIP_ENVIRONMENT"] == environment
    assert config["MATJIP_PAYMENT_GATEWAY"] == "toss"  # required by the service: no default to fall back on
    assert "MATJIP_PAYMENT_GATEWAY_BASE_URL" not in config  # Toss's own URL, never a sandbox's
    assert not [d for d in docs if "sandbox" in d["metadata"]["name"]]
    if environment == "local":
        assert not [d for d in docs if d["kind"] == "ExternalSecret"]  # the Secrets are made by hand
        return
    secret = dc.find(docs, "ExternalSecret", "payment-env")["spec"]
    key = secret["target"]["template"]["data"]["MATJIP_PAYMENT_GATEWAY_SECRET_KEY"]
    assert key == "{{ .matjip_payment_gateway_secret_key }}"
    source = next(d for d in secret["data"] if d["secretKey"] == "matjip_payment_gateway_secret_key")
    assert source["remoteRef"] == {"key": f"matjip/{environment}/payment/gateway", "property": "secret_key"}
