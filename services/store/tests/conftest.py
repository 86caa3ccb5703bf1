"""The store service running in-process for the whole session, on its own database and topic prefix
(so no other service's in-process consumers answer store's commands, and store answers no one else's)."""

from collections.abc import AsyncIterator

import pytest

from matjip_contracts.events.common import Role
from matjip_contracts.topics import STORE_EVENTS
from matjip_devstack.infra import Infra
from matjip_devstack.testing import throwaway_database_and_topics
from matjip_platform.testing import EventProducer, TestKeys, TopicLog, running_service
from matjip_store.app import definition

from .harness import Caller, StoreUnderTest


@pytest.fixture(scope="session")
async def store(infra: Infra) -> AsyncIterator[StoreUnderTest]:
    keys = TestKeys()
    with throwaway_database_and_topics(infra, "store") as (database_url, prefix):
        async with (
            running_service(
                definition,
                database_url=database_url,
                kafka_bootstrap=infra.kafka_bootstrap,
                redis_url=infra.redis_url,
                topic_prefix=prefix,
                keys=keys,
                # Every test calls from the same in-process address: the budgets must not be what a test measures.
                rate_limit_per_ip=1_000_000,
                rate_limit_per_user=1_000_000,
            ) as service,
            EventProducer(infra.kafka_bootstrap, prefix) as producer,
            TopicLog(infra.kafka_bootstrap, STORE_EVENTS, prefix=prefix) as events,
        ):
            yield StoreUnderTest(service, keys, producer, events)


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
