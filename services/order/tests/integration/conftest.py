"""One order service for the whole session, on the real PostgreSQL, Redis and Kafka of the local stack."""

from collections.abc import AsyncIterator

import pytest

from matjip_devstack.infra import Infra
from matjip_order.app import definition
from matjip_platform.testing import EventProducer, TestKeys, running_service

from .harness import Collector, OrderHarness


@pytest.fixture(scope="session")
async def order_service(infra: Infra, test_database_url: str, kafka_topic_prefix: str) -> AsyncIterator[OrderHarness]:
    keys = TestKeys()
    async with (
        EventProducer(infra.kafka_bootstrap, kafka_topic_prefix) as producer,
        Collector(infra.kafka_bootstrap, kafka_topic_prefix) as collector,
        running_service(
            definition,
            database_url=test_database_url,
            kafka_bootstrap=infra.kafka_bootstrap,
            redis_url=infra.redis_url,
            topic_prefix=kafka_topic_prefix,
            keys=keys,
            # Redis outlives test sessions: generous budgets keep reruns from being throttled.
            rate_limit_per_ip=1_000_000,
            rate_limit_per_user=1_000_000,
            timeout_scan_interval_seconds=0.2,
            # No store runs here to expire its inbox entry: order's own fallback is what these tests see.
            store_timeout_grace_seconds=0,
        ) as service,
    ):
        yield OrderHarness(service, keys, producer, collector)
