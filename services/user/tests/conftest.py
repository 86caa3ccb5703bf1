"""Fixtures: one user instance for the session, verifying tokens of a key pair made for the session."""

from collections.abc import AsyncIterator

import pytest

from matjip_devstack.infra import Infra
from matjip_platform.testing import EventProducer, TestKeys, running_service
from matjip_user.app import definition

from .harness import UserUnderTest


@pytest.fixture(scope="session")
async def user(infra: Infra, test_database_url: str, kafka_topic_prefix: str) -> AsyncIterator[UserUnderTest]:
    keys = TestKeys()
    async with (
        EventProducer(infra.kafka_bootstrap, kafka_topic_prefix) as producer,
        running_service(
            definition,
            database_url=test_database_url,
            kafka_bootstrap=infra.kafka_bootstrap,
            redis_url=infra.redis_url,
            topic_prefix=kafka_topic_prefix,
            keys=keys,
        ) as service,
    ):
        yield UserUnderTest(service, keys, producer)
