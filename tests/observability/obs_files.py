"""Paths of the observability files and small helpers shared by the tests (importable, unlike conftest)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
OBSERVABILITY = REPO / "observability"

RULES_DIR = OBSERVABILITY / "prometheus"
RULE_TESTS_DIR = RULES_DIR / "tests"
DASHBOARDS_DIR = OBSERVABILITY / "dashboards"
RUNBOOKS_DIR = OBSERVABILITY / "runbooks"
LOCAL_CONFIG = OBSERVABILITY / "local" / "prometheus.yml"
LOKI_DIR = OBSERVABILITY / "loki"

RULE_FILES = sorted(RULES_DIR.glob("*.yml"))
RULE_TEST_FILES = sorted(RULE_TESTS_DIR.glob("*.yml"))
DASHBOARD_FILES = sorted(DASHBOARDS_DIR.glob("*.json"))


def run_promtool(promtool: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
