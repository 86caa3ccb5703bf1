"""A first Argo CD sync on an empty cluster converges: every migration hook finds, in the earlier waves
of its own Application or among the cluster's bootstrap objects, its Secret (and the store behind it),
its ConfigMap, and a NetworkPolicy that lets it reach DNS and PostgreSQL under default-deny."""

from __future__ import annotations

import copy

import deploy_checks as dc
import pytest

GITOPS = ("dev", "prod")


@pytest.mark.parametrize("environment", GITOPS)
def test_first_sync_of_every_application_converges(environment: str) -> None:
    apps = dc.argocd_applications(environment)
    assert set(apps) == {*dc.SERVICES, "platform", "web"}
    hooks = {(app, d["metadata"]["name"]) for app, docs in apps.items() for d in docs if dc.is_hook(d)}
    assert hooks == {(s, f"{s}-migrate") for s in dc.SERVICES} | {("platform", "kafka-topics")}
    assert dc.first_sync_violations(apps, dc.cluster_bootstrap(environment), dc.environment_ports(environment)) == []


@pytest.mark.parametrize("environment", GITOPS)
def test_the_secret_store_is_a_cluster_bootstrap_object_for_this_namespace_only(environment: str) -> None:
    bootstrap = dc.cluster_bootstrap(environment)
    assert dc.kubeconform(bootstrap) == []
    store = dc.by_kind(bootstrap, "ClusterSecretStore")[0]
    assert store["spec"]["conditions"] == [{"namespaces": [f"matjip-{environment}"]}]
    for docs in dc.argocd_applications(environment).values():
        for secret in dc.by_kind(docs, "ExternalSecret"):
            assert secret["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": store["metadata"]["name"]}


# --- the rule rejects what deadlocked before ----------------------------------------------------------


@pytest.fixture(scope="module")
def prod_apps() -> dict[str, list[dc.Manifest]]:
    return dc.argocd_applications("prod")


def test_network_policy_after_the_hook_is_rejected(prod_apps: dict[str, list[dc.Manifest]]) -> None:
    apps = copy.deepcopy(prod_apps)
    dc.find(apps["order"], "NetworkPolicy", "order")["metadata"]["annotations"][dc.ARGOCD_WAVE] = "0"
    problems = dc.first_sync_violations(apps, dc.cluster_bootstrap("prod"), dc.environment_ports("prod"))
    assert any("order: Job/order-migrate" in p and "DNS" in p for p in problems), problems
    assert any("PostgreSQL" in p for p in problems), problems


def test_secret_store_of_another_application_is_rejected(prod_apps: dict[str, list[dc.Manifest]]) -> None:
    apps = copy.deepcopy(prod_apps)
    dc.find(apps["payment"], "ExternalSecret", "payment-env")["spec"]["secretStoreRef"] = {
        "kind": "SecretStore",
        "name": "matjip-secrets",
    }
    problems = dc.first_sync_violations(apps, dc.cluster_bootstrap("prod"), dc.environment_ports("prod"))
    assert any("payment: Job/payment-migrate" in p and "SecretStore/matjip-secrets" in p for p in problems), problems


def test_secret_in_the_same_wave_as_the_hook_is_rejected(prod_apps: dict[str, list[dc.Manifest]]) -> None:
    apps = copy.deepcopy(prod_apps)
    dc.find(apps["auth"], "ExternalSecret", "auth-env")["metadata"]["annotations"][dc.ARGOCD_WAVE] = "-1"
    problems = dc.first_sync_violations(apps, dc.cluster_bootstrap("prod"), dc.environment_ports("prod"))
    assert any("Secret 'auth-env'" in p for p in problems), problems


def test_topics_hook_without_kafka_egress_is_rejected(prod_apps: dict[str, list[dc.Manifest]]) -> None:
    apps = copy.deepcopy(prod_apps)
    apps["platform"] = [
        d for d in apps["platform"] if d["kind"] != "NetworkPolicy" or d["metadata"]["name"] != "kafka-topics"
    ]
    problems = dc.first_sync_violations(apps, dc.cluster_bootstrap("prod"), dc.environment_ports("prod"))
    assert any("platform: Job/kafka-topics" in p and "Kafka (9098)" in p for p in problems), problems
