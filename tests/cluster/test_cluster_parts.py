"""The cluster's own parts, without a cluster: Argo CD's order, the build's go.mod, the CRDs chosen, the
PKI, the kubeconfig and the port layout."""

from __future__ import annotations

import csv
import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from matjip_devstack.cluster import argocd, chart, versions
from matjip_devstack.cluster.build import kubernetes_go_mod
from matjip_devstack.cluster.control_plane import crds_to_install
from matjip_devstack.cluster.environments import cluster_setup
from matjip_devstack.cluster.kube import kubeconfig_text
from matjip_devstack.cluster.layout import Layout
from matjip_devstack.cluster.pki import TOKEN_USERS, create_pki
from matjip_devstack.paths import ROOT


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Every object the cluster receives for dev and prod, by environment."""
    return {environment: [obj for app in chart.applications(environment) for obj in chart.render(app)]
            for environment in chart.ENVIRONMENTS}


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
    manifests = [*(ROOT / "deploy" / "argocd").glob("*.yaml")]
    objects = [*rendered["dev"], *rendered["prod"], *cluster_setup("dev"), *cluster_setup("prod"),
               *(d for path in manifests for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict))]
    used = {(str(o["apiVersion"]).rpartition("/")[0], str(o["kind"])) for o in objects}
    # Kubernetes' own groups are "" (core), a bare name (apps, batch, ...) or end in .k8s.io.
    custom = {(group, kind) for group, kind in used if "." in group and not group.endswith(".k8s.io")}
    assert custom and custom <= installed, custom - installed
    # One definition per kind, each the project's own (its group, a served storage version).
    assert len(installed) == len(crds_to_install())
    for crd in crds_to_install():
        assert sum(v["storage"] for v in crd["spec"]["versions"]) == 1, crd["metadata"]["name"]


def test_pki_makes_a_serving_certificate_for_loopback_and_an_admin_token(tmp_path: Path) -> None:
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
    # token,user,uid[,"group1,group2"]: the API server reads the file as CSV.
    rows = list(csv.reader(pki.token_file.read_text().splitlines()))
    assert all(len(row) in (3, 4) for row in rows)
    assert {row[1]: row[3] if len(row) == 4 else "" for row in rows} == dict(TOKEN_USERS.values())
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
    # Every port inside the layout's own block of ten: neighbouring offsets never share one.
    assert all(0 <= p - tests.port_base < 10 for p in ports(tests))
    assert all(p < 32768 for p in ports(developer) | ports(tests)), "inside Linux's ephemeral port range"


def test_the_rollouts_controller_is_the_release_of_its_crds_and_of_canary_gates() -> None:
    # One pin (tools/go-versions.env): the controller the cluster runs, the CRDs install.sh fetches and the
    # evaluator tools/canary-gates links are the same Argo Rollouts release.
    env = dict(line.split("=", 1) for line in (ROOT / "tools" / "go-versions.env").read_text().splitlines()
               if line and not line.startswith("#"))
    assert env["ARGO_ROLLOUTS_VERSION"] == versions.ARGO_ROLLOUTS
    gates = (ROOT / "tools" / "canary-gates" / "go.mod").read_text()
    assert f"github.com/argoproj/argo-rollouts {versions.ARGO_ROLLOUTS}\n" in gates
