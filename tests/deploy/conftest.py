"""Deploy suite fixtures. The toolchain is installed (not skipped) on first use: a missing tool is
built by tools/deploy-tools/install.sh or the suite fails."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The checks live beside the tests; importlib import mode does not put this folder on sys.path.
sys.path.insert(0, str(Path(__file__).parent))

import deploy_checks


@pytest.fixture(scope="session")
def tools() -> deploy_checks.Tools:
    return deploy_checks.install_tools()


@pytest.fixture(scope="session")
def chart(tools: deploy_checks.Tools) -> Path:
    return deploy_checks.chart_workspace()
