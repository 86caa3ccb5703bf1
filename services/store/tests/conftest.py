"""The store service running in-process for the whole session, on its own database and topic prefix
(so no other service's in-process consumers answer store's commands, and store answers no one else's)."""

from collections.abc import AsyncIterator, Iterator

import pytest
from aiokafka import AIOKafkaProducer

from matjip_contracts.events.common import Role
from matjip_contracts.topics import STORE_EVENTS
from matjip_devstack.infra import Infra
from matjip_devstack.testing import (
    create_test_database,
    create_topic_prefix,
    delete_topic_prefix,
    drop_test_database,
)
from matjip_platform.testing import TestKeys, running_service
from matjip_store.app import definition

from .harness import Caller, StoreUnderTest, TopicLog


@pytest.fixture(scope="session")
def store_database_url(infra: Infra) -> Iterator[str]:
    url = create_test_database(infra, "store")
    yield url
    drop_test_database(infra, url)


@pytest.fixture(scope="session")
def store_topic_prefix(infra: Infra) -> Iterator[str]:
    prefix = create_topic_prefix(infra, "store")
    yield prefix
    delete_topic_prefix(infra, prefix)


@pytest.fixture(scope="session")
async def store(infra: Infra, store_database_url: str, store_topic_prefix: str) -> AsyncIterator[StoreUnderTest]:
    keys = TestKeys()
    events = TopicLog(infra.kafka_bootstrap, store_topic_prefix + STORE_EVENTS)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=True)
    async with running_service(
        definition,
        database_url=store_database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        redis_url=infra.redis_url,
        topic_prefix=store_topic_prefix,
        keys=keys,
        # Every test calls from the same in-process address: the budgets must not be what a test measures.
        rate_limit_per_ip=1_000_000,
        rate_limit_per_user=1_000_000,
    ) as service:
        await producer.start()
        await events.start()
        try:
            yield StoreUnderTest(service, keys, store_topic_prefix, producer, events)
        finally:
            await events.stop()
            await producer.stop()


@pytest.fixture
def owner(store: StoreUnderTest) -> Caller:
    return store.caller(Role.OWNER)


@pytest.fixture
def other_owner(store: StoreUnderTest) -> Caller:
    return store.caller(Role.OWNER)


@pytest.fixture
def customer(store: StoreUnderTest) -> Caller:
    return store.caller(Role.CUSTOMER)


@pytest.fixture
def admin(store: StoreUnderTest) -> Caller:
    return store.caller(Role.ADMIN)
