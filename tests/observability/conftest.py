"""Fixtures for the observability checks: promtool (installed from Debian when missing) and the files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
# obs_files (here), observability_contract (observability/), generate_dashboards (observability/dashboards/)
for extra in (HERE, HERE.parents[1] / "observability", HERE.parents[1] / "observability" / "dashboards"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import observability_contract  # noqa: E402
from obs_files import DASHBOARD_FILES, RULE_FILES, load_yaml  # noqa: E402

_APT = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "-q"]


def _install_promtool() -> None:
    """Debian's `prometheus` package ships promtool (2.42 on bookworm). Never skip: install it."""
    if os.geteuid() != 0:
        pytest.fail("promtool is missing; install it as root with: apt-get install -y prometheus")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*_APT, "install", "-y", "prometheus"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run([*_APT, "update"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


@pytest.fixture(scope="session")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        _install_promtool()
        path = shutil.which("promtool")
    if path is None:
        pytest.fail("apt-get install prometheus succeeded but promtool is not on PATH")
    return path


@pytest.fixture(scope="session")
def contract() -> dict[str, observability_contract.MetricSpec]:
    return observability_contract.parse_metric_contract()


@pytest.fixture(scope="session")
def services() -> list[observability_contract.Service]:
    return observability_contract.parse_services()


@pytest.fixture(scope="session")
def rules() -> list[dict[str, Any]]:
    """Every rule of every rule file, each with `_file` added."""
    found: list[dict[str, Any]] = []
    for path in RULE_FILES:
        for rule in observability_contract.rules_in(load_yaml(path)):
            found.append({**rule, "_file": path.name})
    return found


@pytest.fixture(scope="session")
def alerts(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [rule for rule in rules if "alert" in rule]


@pytest.fixture(scope="session")
def dashboards() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in DASHBOARD_FILES}
