"""Argo CD's objects accepted by the API server, and the chart's sync waves and hooks in the order the
chart intends, computed from the objects as the server holds them."""

from __future__ import annotations

import pytest
import yaml
from simulation import Simulation

from matjip_devstack.cluster import argocd, chart
from matjip_devstack.cluster.kube import Obj

ARGOCD_NAMESPACE = "argocd"
MANIFESTS = ("projects.yaml", "applicationset-dev.yaml", "applicationset-prod.yaml")


def _generated_application(environment: str, app: chart.Application) -> Obj:
    """The Application the ApplicationSet's template makes for one element."""
    template = chart.application_set(environment)["spec"]["template"]
    text = yaml.safe_dump(template).replace("{{.service}}", app.service)
    body: Obj = yaml.safe_load(text)
    body["metadata"]["namespace"] = ARGOCD_NAMESPACE
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **body}


@pytest.fixture(scope="module")
def argocd_objects(sim: Simulation) -> list[Obj]:
    sim.kube.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ARGOCD_NAMESPACE}}])
    docs = [d for name in MANIFESTS
            for d in yaml.safe_load_all((chart.ARGOCD_DIR / name).read_text()) if isinstance(d, dict)]
    apps = [_generated_application(env, app) for env in ("dev", "prod") for app in chart.applications(env)]
    # kubectl's strict field validation: an unknown or misspelled field is an error, not dropped.
    sim.kube.apply([*docs, *apps])
    return [*docs, *apps]


def test_projects_applicationsets_and_their_applications_are_accepted(
    sim: Simulation, argocd_objects: list[Obj]
) -> None:
    for obj in argocd_objects:
        live = sim.kube.get(obj["kind"], obj["metadata"]["name"], ARGOCD_NAMESPACE)
        assert live is not None, obj["metadata"]["name"]
        # Defaulting may add fields; nothing the manifest says may be dropped or changed.
        assert _subset(obj["spec"], live["spec"]), f"{obj['kind']}/{obj['metadata']['name']}: spec changed"
    names = {o["metadata"]["name"] for o in argocd_objects if o["kind"] == "Application"}
    assert {f"matjip-{e}-{s}" for e in ("dev", "prod") for s in ("platform", "auth", "order", "payment")} <= names


def _subset(small: object, big: object) -> bool:
    if isinstance(small, dict) and isinstance(big, dict):
        return all(k in big and _subset(v, big[k]) for k, v in small.items())
    if isinstance(small, list) and isinstance(big, list):
        return len(small) == len(big) and all(_subset(a, b) for a, b in zip(small, big, strict=True))
    return small == big


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_sync_order_from_the_servers_objects_is_the_one_the_chart_intends(
    sim: Simulation, environment: str
) -> None:
    env = sim.env(environment)
    for service in env.services:
        rendered = env.render(service)
        # The server's copy of each object (its annotations are what Argo CD reads on the next sync).
        live = []
        for obj in rendered:
            server = sim.kube.get(obj["kind"], obj["metadata"]["name"], env.namespace)
            assert server is not None, (service, obj["kind"], obj["metadata"]["name"])
            live.append(server | {"kind": obj["kind"]})
        order = [t.label for t in argocd.plan(live)]
        assert order == [t.label for t in argocd.plan(rendered)], "the server lost a wave or hook annotation"
        tasks = {t.label: t for t in argocd.plan(live)}
        job = tasks[f"Job/{service}-migrate"]
        assert job.hook and job.phase == "Sync", job
        position = order.index(job.label)
        # Before the migration: what it reads (configuration, secrets) and what lets it reach the
        # database (the service's NetworkPolicy, under the namespace's default deny).
        before = [f"ConfigMap/{service}", f"ExternalSecret/{service}-env", f"NetworkPolicy/{service}"]
        for label in before:
            assert tasks[label].wave < job.wave and order.index(label) < position, (label, order)
        # After it: everything that runs or routes to the new version.
        for label in (f"Rollout/{service}", f"Service/{service}", f"AnalysisTemplate/{service}-canary"):
            assert tasks[label].wave > job.wave or order.index(label) > position, (label, order)
        assert tasks[f"Rollout/{service}"].wave > job.wave, "the workload must wait for the migration"
