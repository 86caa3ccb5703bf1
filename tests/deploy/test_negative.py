"""The checkers are only worth something if they reject what they must: each test breaks a rendered
manifest (or the values) the way a real mistake would, and asserts the suite notices."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import deploy_checks as dc
import pytest

Docs = list[dc.Manifest]


@pytest.fixture
def prod() -> Docs:
    return dc.rendered("prod")


def _first(docs: Docs, kind: str) -> dc.Manifest:
    return dc.by_kind(docs, kind)[0]


# --- misspelled fields: strict schemas for every kind we render ------------------------------------

KINDS = sorted({d["kind"] for d in dc.parse_manifests(dc.rendered_text("prod")) if d["kind"] != "Secret"})


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_top_level_spec_field_is_rejected(prod: Docs, kind: str) -> None:
    doc = copy.deepcopy(_first(prod, kind))
    spec = doc.get("spec")
    body: dict[str, Any] = spec if isinstance(spec, dict) else doc
    body["replicaz"] = 3
    problems = dc.kubeconform([doc])
    assert any("replicaz" in p for p in problems), problems


@pytest.mark.parametrize(
    ("kind", "mutate", "field"),
    [
        (
            "Rollout",
            lambda d: d["spec"]["template"]["spec"]["containers"][0].update(livenessProbee={}),
            "livenessProbee",
        ),
        ("Rollout", lambda d: d["spec"]["strategy"]["canary"].update(stepz=[]), "stepz"),
        (
            "Rollout",
            lambda d: d["spec"]["strategy"]["canary"]["trafficRouting"]["alb"].update(rootServise="x"),
            "rootServise",
        ),
        ("AnalysisTemplate", lambda d: d["spec"]["metrics"][0].update(sucessCondition="true"), "sucessCondition"),
        ("ScaledObject", lambda d: d["spec"]["scaleTargetRef"].update(kindd="Rollout"), "kindd"),
        ("ExternalSecret", lambda d: d["spec"]["target"].update(nmae="x"), "nmae"),
        ("ServiceMonitor", lambda d: d["spec"]["endpoints"][0].update(intervall="15s"), "intervall"),
        ("NetworkPolicy", lambda d: d["spec"].update(egres=[]), "egres"),
        ("Job", lambda d: d["metadata"].update(annotationz={}), "annotationz"),
    ],
)
def test_nested_misspelled_field_is_rejected(
    prod: Docs, kind: str, mutate: Callable[[dc.Manifest], Any], field: str
) -> None:
    doc = copy.deepcopy(_first(prod, kind))
    mutate(doc)
    problems = dc.kubeconform([doc])
    assert any(field in p for p in problems), problems


def test_wrong_type_is_rejected(prod: Docs) -> None:
    doc = copy.deepcopy(_first(prod, "HorizontalPodAutoscaler"))
    doc["spec"]["minReplicas"] = "three"
    assert dc.kubeconform([doc])


def test_unknown_kind_is_an_error_not_a_skip() -> None:
    doc = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "x"}}
    assert dc.kubeconform([doc])


def test_misspelled_values_key_fails_the_render() -> None:
    proc = dc.helm_template("dev", extra_values={"order": {"autoscalling": {"minReplicas": 2}}})
    assert proc.returncode != 0
    assert "autoscalling" in proc.stderr


def test_misspelled_global_values_key_fails_the_render() -> None:
    proc = dc.helm_template("dev", extra_values={"global": {"canary": {"trafficRouterr": "alb"}}})
    assert proc.returncode != 0


def test_misspelled_service_name_fails_the_render() -> None:
    proc = dc.helm_template("dev", extra_values={"oder": {"replicas": 2}})
    assert proc.returncode != 0


# --- probes, resources, security ---------------------------------------------------------------------


@pytest.mark.parametrize("probe", ["startupProbe", "livenessProbe", "readinessProbe"])
def test_missing_probe_is_rejected(prod: Docs, probe: str) -> None:
    rollout = _first(prod, "Rollout")
    del rollout["spec"]["template"]["spec"]["containers"][0][probe]
    assert any(probe in p for p in dc.pod_policy_violations(prod))


def test_probe_on_the_wrong_endpoint_is_rejected(prod: Docs) -> None:
    rollout = _first(prod, "Rollout")
    rollout["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"] = "/health/live"
    assert any("readinessProbe" in p for p in dc.pod_policy_violations(prod))


def test_missing_limits_are_rejected(prod: Docs) -> None:
    del _first(prod, "Job")["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert any("limits" in p for p in dc.pod_policy_violations(prod))


def test_privilege_escalation_is_rejected(prod: Docs) -> None:
    container = _first(prod, "Rollout")["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["allowPrivilegeEscalation"] = True
    container["securityContext"]["readOnlyRootFilesystem"] = False
    problems = dc.pod_policy_violations(prod)
    assert any("allowPrivilegeEscalation" in p for p in problems)
    assert any("readOnlyRootFilesystem" in p for p in problems)


def test_short_grace_period_is_rejected(prod: Docs) -> None:
    # What the chart had: 30 s for a 5 s preStop and a 20 s drain leaves no room for the outbox flush.
    dc.find(prod, "Rollout", "order")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 30
    assert any("Rollout/order: terminationGracePeriodSeconds 30" in p for p in dc.draining_violations(prod))


def test_pre_stop_shorter_than_the_alb_deregistration_delay_is_rejected(prod: Docs) -> None:
    container = dc.find(prod, "Rollout", "store")["spec"]["template"]["spec"]["containers"][0]
    container["lifecycle"]["preStop"]["sleep"]["seconds"] = 5
    assert any("Rollout/store: preStop 5 s" in p for p in dc.draining_violations(prod))


def test_unknown_drain_is_rejected(prod: Docs) -> None:
    del dc.find(prod, "ConfigMap", "user")["data"]["MATJIP_SHUTDOWN_TIMEOUT_SECONDS"]
    assert any("Rollout/user: MATJIP_SHUTDOWN_TIMEOUT_SECONDS" in p for p in dc.draining_violations(prod))


def test_named_ports_in_network_policies_are_rejected(prod: Docs) -> None:
    dc.find(prod, "NetworkPolicy", "order")["spec"]["ingress"][0]["ports"][0]["port"] = "http"
    assert any("NetworkPolicy/order: ingress port 'http'" in p for p in dc.network_policy_violations(prod))


def test_ingress_on_a_port_the_pods_do_not_listen_on_is_rejected(prod: Docs) -> None:
    dc.find(prod, "NetworkPolicy", "ai")["spec"]["ingress"][0]["ports"][0]["port"] = 8101
    assert any("NetworkPolicy/ai: ingress on 8101" in p for p in dc.network_policy_violations(prod))


def test_missing_pdb_is_rejected(prod: Docs) -> None:
    docs = [d for d in prod if not (d["kind"] == "PodDisruptionBudget" and d["metadata"]["name"] == "order")]
    assert any("Rollout/order" in p for p in dc.availability_violations(docs))


# --- canary analysis ----------------------------------------------------------------------------------


def _metric(docs: Docs, template: str, metric: str) -> dict[str, Any]:
    analysis = dc.find(docs, "AnalysisTemplate", template)
    found: dict[str, Any] = next(m for m in analysis["spec"]["metrics"] if m["name"] == metric)
    return found


def test_failure_condition_alone_is_rejected(prod: Docs) -> None:
    metric = _metric(prod, "order-canary", "success-rate")
    del metric["successCondition"]
    metric["failureCondition"] = "result[0] < 0.99"
    assert any("success-rate" in p for p in dc.rollout_violations(prod))


def test_or_vector_fallback_is_rejected(prod: Docs) -> None:
    metric = _metric(prod, "order-canary", "success-rate")
    metric["provider"]["prometheus"]["query"] += " or vector(1)"
    assert any("constant fallback" in p for p in dc.rollout_violations(prod))


def test_metric_outside_the_contract_is_rejected(prod: Docs) -> None:
    metric = _metric(prod, "payment-canary", "group-lag")
    metric["provider"]["prometheus"]["query"] = 'sum(kafka_consumergroup_lag_sum{consumergroup="matjip-payment"})'
    assert any("kafka_consumergroup_lag_sum" in p for p in dc.rollout_violations(prod))


def test_missing_analysis_template_is_rejected(prod: Docs) -> None:
    docs = [d for d in prod if not (d["kind"] == "AnalysisTemplate" and d["metadata"]["name"] == "order-canary")]
    assert any("order-canary" in p for p in dc.rollout_violations(docs))


def test_promql_scanner() -> None:
    query = 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="a"}[5m])))'
    assert dc.promql_metric_names(query) == {"http_request_duration_seconds_bucket"}
    query = 'sum(rate(a_total{x="{{args.h}}"}[2m])) or (0 * sum(b{y="z"}))'
    assert dc.promql_metric_names(query) == {"a_total", "b"}


# --- selectors ----------------------------------------------------------------------------------------


def test_service_selecting_nothing_is_rejected(prod: Docs) -> None:
    dc.find(prod, "Service", "order")["spec"]["selector"]["app.kubernetes.io/name"] = "orders"
    assert any("Service/order" in p for p in dc.selector_violations(prod))


def test_network_policy_selecting_nothing_is_rejected(prod: Docs) -> None:
    dc.find(prod, "NetworkPolicy", "payment")["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] = "pay"
    assert any("NetworkPolicy/payment" in p for p in dc.selector_violations(prod))


def test_workload_selector_not_matching_its_template_is_rejected(prod: Docs) -> None:
    dc.find(prod, "Rollout", "store")["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] = "web"
    assert any("Rollout/store" in p for p in dc.selector_violations(prod))


def test_service_monitor_selecting_nothing_is_rejected(prod: Docs) -> None:
    dc.find(prod, "ServiceMonitor", "ai")["spec"]["selector"]["matchLabels"]["matjip.io/metrics"] = "yes"
    assert any("ServiceMonitor/ai" in p for p in dc.selector_violations(prod))


# --- autoscaling ----------------------------------------------------------------------------------------


def test_hpa_on_the_wrong_object_is_rejected(prod: Docs) -> None:
    # What the old team did: point the HPA at a Deployment while the pods belong to a Rollout.
    dc.find(prod, "HorizontalPodAutoscaler", "order")["spec"]["scaleTargetRef"] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "order",
    }
    assert any("HorizontalPodAutoscaler/order" in p for p in dc.autoscaling_violations(prod))


def test_hpa_and_keda_on_one_target_is_rejected(prod: Docs) -> None:
    hpa = copy.deepcopy(dc.find(prod, "HorizontalPodAutoscaler", "order"))
    hpa["metadata"]["name"] = "payment"
    hpa["spec"]["scaleTargetRef"]["name"] = "payment"
    prod.append(hpa)
    assert any("more than one autoscaler" in p for p in dc.autoscaling_violations(prod))


def test_hpa_on_an_unserved_custom_metric_is_rejected(prod: Docs) -> None:
    hpa = dc.find(prod, "HorizontalPodAutoscaler", "order")
    hpa["spec"]["metrics"][1]["pods"]["metric"]["name"] = "requests_per_second"
    assert any("requests_per_second" in p for p in dc.autoscaling_violations(prod))


def test_keda_counting_no_data_as_zero_lag_is_rejected(prod: Docs) -> None:
    dc.find(prod, "ScaledObject", "payment")["spec"]["triggers"][0]["metadata"]["ignoreNullValues"] = "true"
    assert any("zero lag" in p for p in dc.autoscaling_violations(prod))
