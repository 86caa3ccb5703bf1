"""Loki (grafana/loki chart values) and log shipping (grafana/alloy chart values) for Kubernetes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from obs_files import LOKI_DIR, OBSERVABILITY, load_yaml

LABELS_FROM_LINES = {"service", "level"}
PER_LINE_METADATA = {"trace_id", "order_id"}


@pytest.fixture(scope="module")
def alloy_config() -> str:
    values = load_yaml(LOKI_DIR / "alloy-values.yaml")
    assert values["controller"]["type"] == "daemonset"
    assert values["alloy"]["mounts"]["varlog"] is True
    content: str = values["alloy"]["configMap"]["content"]
    return content


def _block(config: str, header: str) -> str:
    """The body of the first `header { ... }` block (braces balanced)."""
    start = config.index(header)
    opening = config.index("{", start)
    depth = 0
    for index in range(opening, len(config)):
        depth += {"{": 1, "}": -1}.get(config[index], 0)
        if depth == 0:
            return config[opening + 1 : index]
    raise AssertionError(f"unclosed block {header}")


def _keys(block: str, attribute: str = "values") -> set[str]:
    """The keys of a map attribute inside a block: `values = { service = "", ... }`."""
    return set(re.findall(r"^\s*([a-z_]+)\s*=", _block(block, attribute), re.M))


def test_loki_values_enable_structured_metadata() -> None:
    values: dict[str, Any] = load_yaml(LOKI_DIR / "loki-values.yaml")
    assert values["deploymentMode"] in {"SingleBinary", "SimpleScalable"}
    loki = values["loki"]
    assert loki["limits_config"]["allow_structured_metadata"] is True
    schema = loki["schemaConfig"]["configs"][-1]
    assert schema["schema"] == "v13" and schema["store"] == "tsdb", "structured metadata needs v13 + tsdb"
    if values["deploymentMode"] == "SingleBinary":
        assert values["singleBinary"]["replicas"] >= 1
        assert all(values[target]["replicas"] == 0 for target in ("read", "write", "backend"))


def test_alloy_config_is_balanced_and_wired(alloy_config: str) -> None:
    code = re.sub(r'"(?:\\.|[^"\\])*"', '""', re.sub(r"//[^\n]*", "", alloy_config))
    assert code.count("{") == code.count("}")
    components = dict(re.findall(r'^([a-z_.]+) "([a-z_]+)" \{', alloy_config, re.M))
    assert components["discovery.kubernetes"] == "pods"
    assert components["loki.source.file"] == "pod_logs"
    for reference in re.findall(r"\b((?:loki|discovery|local)\.[a-z_.]+)\.(?:receiver|targets|output)\b", alloy_config):
        kind, _, name = reference.rpartition(".")
        assert components.get(kind) == name, f"{reference} is not defined"


def test_alloy_parses_json_and_promotes_only_service_and_level(alloy_config: str) -> None:
    process = _block(alloy_config, 'loki.process "matjip"')
    assert "stage.cri" in process
    parsed = _keys(_block(process, "stage.json"), "expressions")
    assert parsed >= LABELS_FROM_LINES | PER_LINE_METADATA
    assert _keys(_block(process, "stage.labels")) == LABELS_FROM_LINES
    metadata = _keys(_block(process, "stage.structured_metadata"))
    assert metadata >= PER_LINE_METADATA
    # no high-cardinality field may become a stream label, not even through relabeling
    relabel_targets = set(re.findall(r'target_label\s*=\s*"([a-z_]+)"', alloy_config))
    assert not (relabel_targets - metadata) & (PER_LINE_METADATA | {"span_id"})


def test_the_readme_explains_the_cardinality_choice() -> None:
    readme = (OBSERVABILITY / "README.md").read_text(encoding="utf-8")
    assert "structured metadata" in readme.lower() and "cardinality" in readme.lower()
