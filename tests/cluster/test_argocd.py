"""Argo CD's own objects accepted by the API server, and the chart's sync waves and hooks ordering as the
chart intends, computed from the objects as the server holds them."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from matjip_devstack.cluster import argocd, chart
from matjip_devstack.cluster.environments import Environment
from matjip_devstack.cluster.kube import Kube, difference

Obj = dict[str, Any]
ARGOCD_NAMESPACE = "argocd"
MANIFESTS = ("projects.yaml", "applicationset-dev.yaml", "applicationset-prod.yaml")


def _generated_application(environment: str, app: chart.Application) -> Obj:
    """The Application the ApplicationSet's template makes for one element."""
    template = chart.application_set(environment)["spec"]["template"]
    body: Obj = yaml.safe_load(yaml.safe_dump(template).replace("{{.service}}", app.service))
    body["metadata"]["namespace"] = ARGOCD_NAMESPACE
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **body}


def test_projects_applicationsets_and_their_applications_are_accepted(kube: Kube) -> None:
    argocd.ensure_namespace(kube, ARGOCD_NAMESPACE, {})
    docs = [d for name in MANIFESTS
            for d in yaml.safe_load_all((chart.ARGOCD_DIR / name).read_text()) if isinstance(d, dict)]
    apps = [_generated_application(env, app) for env in chart.ENVIRONMENTS for app in chart.applications(env)]
    assert {f"matjip-{e}-{s}" for e in chart.ENVIRONMENTS for s in ("platform", "auth", "order", "payment")} <= {
        a["metadata"]["name"] for a in apps}
    for obj in [*docs, *apps]:
        obj["metadata"].setdefault("namespace", ARGOCD_NAMESPACE)
        applied = kube.apply(obj, field_manager="matjip-operator")
        assert applied.warnings == (), (obj["metadata"]["name"], applied.warnings)
        live = kube.live(obj)
        assert live is not None
        # Strict validation refused unknown fields; defaulting may add some, nothing said may change.
        changed = difference(obj["spec"], live["spec"], "spec")
        assert changed is None, f"{obj['kind']}/{obj['metadata']['name']}: {changed}"


@pytest.mark.parametrize("environment", chart.ENVIRONMENTS)
def test_sync_order_from_the_servers_objects_is_the_one_the_chart_intends(
    kube: Kube, environments: dict[str, Environment], environment: str
) -> None:
    env = environments[environment]
    migrating = [s for s in env.services
                 if any(o["kind"] == "Job" and o["metadata"]["name"] == f"{s}-migrate" for o in env.render(s))]
    # Every service with a database migrates before it rolls out; only the web app (static files) has none.
    assert set(env.services) - set(migrating) == {"web"}
    for service in migrating:
        rendered = env.render(service)
        # The server's copy of each object: its annotations are what Argo CD reads on the next sync.
        live = []
        for obj in rendered:
            server = kube.live(obj)
            assert server is not None, (service, obj["kind"], obj["metadata"]["name"])
            live.append(server)
        order = [t.label for t in argocd.plan(live)]
        assert order == [t.label for t in argocd.plan(rendered)], "the server lost a wave or hook annotation"
        tasks = {t.label: t for t in argocd.plan(live)}
        job = tasks[f"Job/{service}-migrate"]
        assert job.hook and job.phase == "Sync", job
        position = order.index(job.label)
        # Before the migration: what it reads (configuration, secrets) and what lets it reach the
        # database (the service's NetworkPolicy, under the namespace's default deny).
        for label in (f"ConfigMap/{service}", f"ExternalSecret/{service}-env", f"NetworkPolicy/{service}"):
            assert tasks[label].wave < job.wave and order.index(label) < position, (label, order)
        # After it: everything that runs or routes to the new version, in a later wave.
        for label in (f"Rollout/{service}", f"Service/{service}", f"AnalysisTemplate/{service}-canary"):
            assert tasks[label].wave > job.wave, (label, order)
        # The sync ran in that order: the migration Job was created in an earlier step than the Rollout.
        record = env.records[service]
        assert record.position(job.label) < record.position(f"Rollout/{service}")


def test_the_platform_application_runs_its_topics_job_after_what_it_needs(
    kube: Kube, environments: dict[str, Environment]
) -> None:
    for env in environments.values():
        live = [kube.live(o) for o in env.render("platform")]
        assert all(o is not None for o in live)
        tasks = {t.label: t for t in argocd.plan([o for o in live if o is not None])}
        job = tasks["Job/kafka-topics"]
        assert job.hook
        for label in ("NetworkPolicy/kafka-topics", "ConfigMap/kafka-topics", "ServiceAccount/kafka-topics"):
            assert tasks[label].wave < job.wave, label
