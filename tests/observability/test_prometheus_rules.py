"""Prometheus rules and the local Prometheus config: promtool check/test, and what every alert must carry."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from obs_files import (
    LOCAL_CONFIG,
    REPO,
    RULE_FILES,
    RULE_TEST_FILES,
    RULE_TESTS_DIR,
    RUNBOOKS_DIR,
    load_yaml,
    run_promtool,
)
from observability_contract import Service

SEVERITIES = {"page", "ticket"}


def test_there_are_rule_files_and_rule_tests() -> None:
    assert {path.name for path in RULE_FILES} >= {"recording-rules.yml", "slo-order-placement.yml", "alerts.yml"}
    assert RULE_TEST_FILES, "observability/prometheus/tests/ has no promtool test files"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda path: path.name)
def test_promtool_check_rules(promtool: str, path: Path) -> None:
    result = run_promtool(promtool, "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize("path", RULE_TEST_FILES, ids=lambda path: path.name)
def test_promtool_test_rules(promtool: str, path: Path) -> None:
    result = run_promtool(promtool, "test", "rules", path.name, cwd=path.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_rule_tests_load_every_rule_file() -> None:
    for path in RULE_TEST_FILES:
        loaded = {(path.parent / name).resolve() for name in load_yaml(path)["rule_files"]}
        assert loaded == {rule.resolve() for rule in RULE_FILES}, f"{path.name} must load every rule file"


def test_names_are_unique(rules: list[dict[str, Any]]) -> None:
    recorded: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
    for rule in rules:
        if "record" in rule:
            key = (rule["record"], tuple(sorted((rule.get("labels") or {}).items())))
            assert key not in recorded, f"{key} recorded twice ({recorded[key]} and {rule['_file']})"
            recorded[key] = rule["_file"]


def test_every_alert_has_severity_summary_description_and_runbook(alerts: list[dict[str, Any]]) -> None:
    assert alerts
    for alert in alerts:
        name = alert["alert"]
        assert alert.get("labels", {}).get("severity") in SEVERITIES, f"{name}: severity must be one of {SEVERITIES}"
        annotations = alert.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            assert annotations.get(key, "").strip(), f"{name}: annotation {key} missing"
        assert annotations["runbook_url"].endswith(f"observability/runbooks/{name}.md"), name


def test_every_runbook_exists_and_answers_the_three_questions(alerts: list[dict[str, Any]]) -> None:
    for name in {alert["alert"] for alert in alerts}:
        runbook = RUNBOOKS_DIR / f"{name}.md"
        assert runbook.is_file(), f"runbook {runbook} is missing"
        content = runbook.read_text(encoding="utf-8")
        assert content.startswith(f"# {name}"), f"{runbook.name} must start with '# {name}'"
        assert "/d/matjip-" in content, f"{runbook.name} should point at a dashboard"
    orphans = {path.stem for path in RUNBOOKS_DIR.glob("*.md")} - {a["alert"] for a in alerts} - {"README"}
    assert not orphans, f"runbooks without an alert: {orphans}"


def _alert_tests() -> dict[str, dict[str, int]]:
    """alertname -> {"firing": n, "quiet": n} over every promtool test case."""
    seen: dict[str, dict[str, int]] = defaultdict(lambda: {"firing": 0, "quiet": 0})
    for path in RULE_TEST_FILES:
        for group in load_yaml(path)["tests"]:
            for case in group.get("alert_rule_test", []):
                seen[case["alertname"]]["firing" if case.get("exp_alerts") else "quiet"] += 1
    return seen


def test_every_alert_is_tested_firing_and_not_firing(alerts: list[dict[str, Any]]) -> None:
    seen = _alert_tests()
    for name in sorted({alert["alert"] for alert in alerts}):
        assert seen[name]["firing"], f"no promtool test shows {name} firing"
        assert seen[name]["quiet"], f"no promtool test shows {name} staying quiet"
    unknown = set(seen) - {alert["alert"] for alert in alerts}
    assert not unknown, f"promtool tests name alerts that do not exist: {unknown}"


def test_killing_payment_is_covered() -> None:
    """The outage scenario: payment's up goes to 0 / its series vanish while orders keep arriving."""
    outage = load_yaml(RULE_TESTS_DIR / "payment_outage_test.yml")
    firing: dict[str, set[str]] = defaultdict(set)
    payment_goes_down = payment_vanishes = False
    for group in outage["tests"]:
        for series in group["input_series"]:
            if series["series"].startswith('up{job="payment"'):
                payment_goes_down |= bool(re.search(r"\b0x\d+", series["values"]))
                payment_vanishes |= "stale" in series["values"]
        for case in group.get("alert_rule_test", []):
            for expected in case.get("exp_alerts") or []:
                firing[case["alertname"]].add(expected["exp_labels"].get("job", ""))
    assert payment_goes_down and payment_vanishes
    assert "payment" in firing["ServiceDown"]
    assert "payment" in firing["ServiceMetricsAbsent"]
    assert "order" in firing["OrdersStuck"]


def _expr(alerts: list[dict[str, Any]], name: str) -> str:
    return " ".join(str(alert["expr"]) for alert in alerts if alert["alert"] == name)


@pytest.mark.parametrize(
    ("slo", "budget"), [("Availability", "0.001"), ("Latency", "0.01")], ids=["availability", "latency"]
)
def test_slo_alerts_follow_the_sre_workbook(alerts: list[dict[str, Any]], slo: str, budget: str) -> None:
    """Page: 1h & 5m at 14.4x, 6h & 30m at 6x. Ticket: 1d & 2h at 3x, 3d & 6h at 1x."""
    tiers = {
        f"OrderPlacement{slo}FastBurn": [("1h", "5m", "14.4"), ("6h", "30m", "6")],
        f"OrderPlacement{slo}SlowBurn": [("1d", "2h", "3"), ("3d", "6h", "1")],
    }
    for name, windows in tiers.items():
        expr = re.sub(r"\s+", " ", _expr(alerts, name))
        for long_window, short_window, factor in windows:
            for window in (long_window, short_window):
                pattern = rf"slo:sli_error:ratio_rate{window}\{{[^}}]*\}} > \({re.escape(factor)} \* {budget}\)"
                assert re.search(pattern, expr), f"{name}: no {window} window at {factor}x a {budget} budget"
        severity = {a["labels"]["severity"] for a in alerts if a["alert"] == name}
        assert severity == ({"page"} if name.endswith("FastBurn") else {"ticket"})


def test_slo_sli_selects_order_placement(rules: list[dict[str, Any]]) -> None:
    slis = [rule for rule in rules if rule.get("record", "").startswith("slo:sli_error:")]
    assert {rule["labels"]["slo"] for rule in slis} == {"order-placement-availability", "order-placement-latency"}
    for rule in slis:
        assert 'job="order",route="/api/order/orders",method="POST"' in rule["expr"]
        if rule["labels"]["slo"] == "order-placement-latency":
            assert 'le="0.5"' in rule["expr"]
        else:
            assert 'status=~"5.."' in rule["expr"]


def test_service_alerts_name_exactly_the_services(alerts: list[dict[str, Any]], services: list[Service]) -> None:
    names = {service.name for service in services}
    down = _expr(alerts, "ServiceDown")
    match = re.search(r'up\{job=~"([^"]+)"\}', down)
    assert match and set(match.group(1).split("|")) == names, "ServiceDown's job regex != conventions.md services"
    absent = set(
        re.findall(r'absent\(http_requests_in_flight\{job="([^"]+)"\}\)', _expr(alerts, "ServiceMetricsAbsent"))
    )
    assert absent == names, "ServiceMetricsAbsent must watch every service of conventions.md"


# --- the local Prometheus --------------------------------------------------------------------------


def test_promtool_check_local_config(promtool: str) -> None:
    result = run_promtool(promtool, "check", "config", str(LOCAL_CONFIG.relative_to(REPO)))
    assert result.returncode == 0, result.stdout + result.stderr
    # rule_files are resolved relative to the config file, so every rule file is found and checked
    for path in RULE_FILES:
        assert path.name in result.stdout, f"local config does not load {path.name}"


def test_local_config_scrapes_every_service(services: list[Service]) -> None:
    config = load_yaml(LOCAL_CONFIG)
    assert config["global"]["scrape_interval"] == "15s"
    jobs = {
        job["job_name"]: [target for static in job["static_configs"] for target in static["targets"]]
        for job in config["scrape_configs"]
    }
    for service in services:
        assert jobs.get(service.name) == [f"127.0.0.1:{service.port}"], service.name
    for job in config["scrape_configs"]:
        assert job.get("metrics_path", "/metrics") == "/metrics"
        assert job.get("scrape_interval", "15s") == "15s"
