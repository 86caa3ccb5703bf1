"""The running platform for end-to-end tests: every service as a real process behind the dev edge,
isolated from any dev stack (see matjip_devstack.isolated)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e_support import STORE_ACCEPT_TIMEOUT_SECONDS, Platform
from matjip_devstack.isolated import isolated_platform


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    env = {"MATJIP_STORE_ACCEPT_TIMEOUT_SECONDS": str(STORE_ACCEPT_TIMEOUT_SECONDS)}
    with isolated_platform(tmp_path_factory.mktemp("platform"), env) as running:
        yield Platform(running)
