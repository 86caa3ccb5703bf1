"""The simulation's own parts, without a cluster: the fake Prometheus' script, Argo CD's order, the
overlay, the build's go.mod, and versions kept in step with the offline deploy checks."""

from __future__ import annotations

import ipaddress
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.testclient import TestClient

from matjip_devstack.cluster import argocd, chart, versions
from matjip_devstack.cluster.analysis_script import BEHAVIOURS, MEASURES, Script, answer, classify, job_of
from matjip_devstack.cluster.build import kubernetes_go_mod
from matjip_devstack.cluster.control_plane import crds_to_install
from matjip_devstack.cluster.fake_prometheus import create_app
from matjip_devstack.cluster.kube import kubeconfig_text
from matjip_devstack.cluster.layout import Layout
from matjip_devstack.cluster.pki import TOKEN_USERS, create_pki
from matjip_devstack.paths import ROOT


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Every object the simulation applies for dev and prod, by environment."""
    objects: dict[str, list[dict[str, Any]]] = {}
    for environment in chart.ENVIRONMENTS:
        overlay = chart.sim_overlay(environment, "http://127.0.0.1:1")
        objects[environment] = [obj for app in chart.applications(environment) for obj in chart.render(app, overlay)]
    return objects


@pytest.fixture(scope="module")
def analysis_queries(rendered: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Every AnalysisTemplate query the chart renders for dev and prod, by `<env>/<template>/<metric>`."""
    queries = {}
    for environment, objects in rendered.items():
        for obj in objects:
            if obj["kind"] == "AnalysisTemplate":
                for metric in obj["spec"]["metrics"]:
                    key = f"{environment}/{obj['metadata']['name']}/{metric['name']}"
                    queries[key] = metric["provider"]["prometheus"]["query"]
    return queries


def test_the_fake_prometheus_knows_every_query_the_chart_asks(analysis_queries: dict[str, str]) -> None:
    assert analysis_queries
    unknown = {k: q for k, q in analysis_queries.items() if classify(q) == "unknown"}
    assert not unknown, unknown
    for key, query in analysis_queries.items():
        # Each query is attributed to its service (the script is per service).
        assert job_of(query) == key.split("/")[1].removesuffix("-canary"), (key, query)


def test_every_behaviour_answers_every_measure() -> None:
    for behaviour in BEHAVIOURS:
        for measure in MEASURES:
            result = answer(behaviour, measure)
            if behaviour == "erroring":
                assert result.error
            elif behaviour == "empty":
                assert result.value is None and result.error is None
            elif behaviour == "nan" or (behaviour, measure) == ("idle", "processing-slowdown"):
                assert result.value is not None and math.isnan(result.value)
            else:
                assert result.value is not None and not math.isnan(result.value)
    assert answer("errors-5xx", "success-rate").value == pytest.approx(0.62)
    assert answer("idle", "processed").value == 0.0


def test_broker_lag_is_attributed_to_the_consumer_groups_service() -> None:
    query = 'sum(kafka_consumergroup_lag{job="kafka-exporter", consumergroup="t1-matjip-payment"})'
    assert (classify(query), job_of(query)) == ("consumer-lag", "payment")


def test_script_scopes_behaviours_by_namespace_then_service() -> None:
    script = Script(services={"matjip-dev/auth": "nan", "auth": "slow"})
    assert script.behaviour_for('x{namespace="matjip-dev", job="auth"}') == "nan"
    assert script.behaviour_for('x{namespace="matjip-prod", job="auth"}') == "slow"
    assert script.behaviour_for('x{namespace="matjip-prod", job="user"}') == "healthy"
    with pytest.raises(ValueError, match="unknown behaviour"):
        Script(default="sideways")


def test_fake_prometheus_answers_like_prometheus_and_remembers_queries() -> None:
    client = TestClient(create_app())
    query = 'sum(rate(http_requests_total{namespace="matjip-prod", job="order", rollouts_pod_template_hash="abc"}[1m]))'
    body = client.post("/api/v1/query", data={"query": query}).json()
    assert body["status"] == "success" and body["data"]["resultType"] == "vector"
    assert float(body["data"]["result"][0]["value"][1]) == 600.0
    assert client.put("/-/script", json={"services": {"order": "erroring"}}).status_code == 200
    failed = client.get("/api/v1/query", params={"query": query})
    assert failed.status_code == 503 and failed.json()["status"] == "error"
    assert client.put("/-/script", json={"services": {"order": "empty"}}).status_code == 200
    assert client.get("/api/v1/query", params={"query": query}).json()["data"]["result"] == []
    bad = client.put("/-/script", json={"default": "sideways"})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    unknown = client.get("/api/v1/query", params={"query": "up"})
    assert unknown.status_code == 400 and unknown.json()["errorType"] == "bad_data"
    seen = client.get("/-/queries", params={"job": "order"}).json()
    assert [q["canary_hash"] for q in seen] == ["abc", "abc", "abc"]


def _task(kind: str, name: str, wave: int | None = None, hook: str | None = None) -> dict[str, object]:
    annotations = {}
    if wave is not None:
        annotations[argocd.WAVE] = str(wave)
    if hook:
        annotations[argocd.HOOK] = hook
    return {"kind": kind, "metadata": {"name": name, "annotations": annotations}}


def test_argocd_order_is_phase_then_wave_then_kind_then_name() -> None:
    objects = [
        _task("Rollout", "order"), _task("Ingress", "order"), _task("Service", "order"),
        _task("Job", "order-migrate", -1, "Sync"), _task("ConfigMap", "order", -2),
        _task("ServiceAccount", "order", -2),
        _task("NetworkPolicy", "order"), _task("Job", "smoke", None, "PostSync"), _task("Job", "pre", 5, "PreSync"),
        _task("ConfigMap", "a-first", -2),
    ]
    order = [t.label for t in argocd.plan(objects)]
    assert order == [
        "Job/pre",
        "ServiceAccount/order", "ConfigMap/a-first", "ConfigMap/order",
        "Job/order-migrate",
        "NetworkPolicy/order", "Service/order", "Ingress/order", "Rollout/order",
        "Job/smoke",
    ]
    waves = argocd.waves(argocd.plan(objects))
    assert [(w[0].phase, w[0].wave, len(w)) for w in waves] == [
        ("PreSync", 5, 1), ("Sync", -2, 3), ("Sync", -1, 1), ("Sync", 0, 4), ("PostSync", 0, 1)]


def test_the_overlay_keeps_each_environments_weights_and_only_shortens_pauses() -> None:
    for environment in chart.ENVIRONMENTS:
        overlay = chart.sim_overlay(environment, "http://127.0.0.1:9")
        assert overlay["global"]["prometheus"]["address"] == "http://127.0.0.1:9"
        original = chart._environment_values(environment)["steps"]
        for profile, steps in overlay["global"]["canary"]["steps"].items():
            assert [s.get("setWeight") for s in steps] == [s.get("setWeight") for s in original[profile]]
            pauses = [s["pause"]["duration"] for s in steps if "pause" in s]
            assert pauses and all(re.fullmatch(r"\d+s", p) for p in pauses)


def test_the_kubernetes_wrapper_replaces_exactly_the_staging_modules() -> None:
    upstream = "require (\n\tk8s.io/api v0.0.0\n\tk8s.io/utils v0.0.0-20250604170112-4c0f3b243397\n" \
               "\tk8s.io/kubectl v0.0.0\n\tk8s.io/klog/v2 v2.130.1\n)\n"
    text = kubernetes_go_mod(upstream)
    assert f"require k8s.io/kubernetes {versions.KUBERNETES}" in text
    assert f"replace k8s.io/api => k8s.io/api {versions.KUBERNETES_STAGING}" in text
    assert f"replace k8s.io/kubectl => k8s.io/kubectl {versions.KUBERNETES_STAGING}" in text
    assert "k8s.io/utils" not in text and "klog" not in text


def test_the_cluster_installs_a_crd_for_every_custom_kind_matjip_applies(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    installed = {(d["spec"]["group"], d["spec"]["names"]["kind"]) for d in crds_to_install()}
    manifests = [*(ROOT / "deploy" / "argocd").glob("*.yaml"), *(ROOT / "deploy" / "platform").glob("*.yaml")]
    objects = [*rendered["dev"], *rendered["prod"],
               *(d for path in manifests for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict))]
    used = {(str(o["apiVersion"]).rpartition("/")[0], str(o["kind"])) for o in objects}
    # Kubernetes' own groups are "" (core), a bare name (apps, batch, ...) or end in .k8s.io.
    custom = {(group, kind) for group, kind in used if "." in group and not group.endswith(".k8s.io")}
    assert custom and custom <= installed, custom - installed
    # The Rollouts controller watches every kind of its own: all of them are installed.
    assert {k for g, k in installed if g == "argoproj.io"} >= {"Rollout", "AnalysisRun", "AnalysisTemplate",
                                                                "ClusterAnalysisTemplate", "Experiment"}


def test_pki_makes_a_serving_certificate_for_loopback_and_a_token_per_component(tmp_path: Path) -> None:
    pki = create_pki(tmp_path / "pki")
    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    server = x509.load_pem_x509_certificate(pki.server_cert.read_bytes())
    assert server.issuer == ca.subject
    ca_key = ca.public_key()
    assert isinstance(ca_key, ec.EllipticCurvePublicKey) and server.signature_hash_algorithm is not None
    ca_key.verify(server.signature, server.tbs_certificate_bytes, ec.ECDSA(server.signature_hash_algorithm))
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert "kubernetes.default.svc" in names.get_values_for_type(x509.DNSName)
    tokens = {pki.token(component) for component in TOKEN_USERS}
    assert len(tokens) == len(TOKEN_USERS) and all(len(t) >= 40 for t in tokens)
    for line in pki.token_file.read_text().splitlines():
        assert len(line.split(",")) in (3, 4)
    assert oct(pki.sa_private_key.stat().st_mode & 0o777) == "0o600"
    # A second call keeps what exists (a restarted cluster keeps its identities).
    assert create_pki(tmp_path / "pki").token("admin") == pki.token("admin")


def test_kubeconfig_names_the_server_ca_and_token(tmp_path: Path) -> None:
    text = kubeconfig_text("https://127.0.0.1:1", tmp_path / "ca.crt", "someone", "tok")
    doc = yaml.safe_load(text)
    assert doc["clusters"][0]["cluster"] == {"server": "https://127.0.0.1:1",
                                             "certificate-authority": str(tmp_path / "ca.crt")}
    assert doc["users"][0]["user"] == {"token": "tok"}


def test_layouts_keep_developer_and_test_clusters_apart(tmp_path: Path) -> None:
    developer, tests = Layout.default(), Layout.for_tests(tmp_path)
    ports = lambda layout: {getattr(layout, name) for name in dir(layout) if name.endswith("_port")}  # noqa: E731
    assert len(ports(developer)) == len(ports(tests)) == 9
    assert not ports(developer) & ports(tests)
    assert all(p < 32768 for p in ports(developer) | ports(tests)), "inside Linux's ephemeral port range"
