"""Fixtures: one auth instance for the session (its own key directory, a generated admin password)."""

import secrets
from collections.abc import AsyncIterator, Callable

import pytest

from matjip_devstack.infra import Infra

from .harness import AuthUnderTest, start_auth


@pytest.fixture(scope="session")
def admin_credentials() -> tuple[str, str]:
    return "admin@matjip.local", secrets.token_urlsafe(16)  # generated: no credentials in the repository


@pytest.fixture(scope="session")
async def auth(
    infra: Infra,
    test_database_url: str,
    kafka_topic_prefix: str,
    tmp_path_factory: pytest.TempPathFactory,
    admin_credentials: tuple[str, str],
) -> AsyncIterator[AuthUnderTest]:
    email, password = admin_credentials
    key_dir = tmp_path_factory.mktemp("auth-keys")
    async with start_auth(infra, test_database_url, kafka_topic_prefix, key_dir, email, password) as service:
        yield AuthUnderTest(service, email, password, kafka_topic_prefix, infra.kafka_bootstrap, infra.redis_url)


@pytest.fixture
def unique_email() -> Callable[[], str]:
    return lambda: f"user-{secrets.token_hex(6)}@example.com"
