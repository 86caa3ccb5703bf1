"""The payment service running in-process for the whole session, on its own database and topic prefix
(so no other service's in-process consumers answer payment's commands), also served by a real uvicorn on
a free loopback port: the gateway adapter reaches the mounted sandbox PG over real HTTP, as in dev."""

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
import uvicorn
from aiokafka import AIOKafkaProducer

from matjip_contracts.topics import PAYMENT_EVENTS
from matjip_devstack.infra import Infra
from matjip_devstack.testing import (
    create_test_database,
    create_topic_prefix,
    delete_topic_prefix,
    drop_test_database,
)
from matjip_payment.app import create_definition
from matjip_platform.testing import TestKeys, running_service

from .harness import SANDBOX, PaymentUnderTest, TopicLog

# Short enough to keep timeout_then_approve quick, long enough for a loaded 2-core machine's answers.
GATEWAY_TIMEOUT_SECONDS = 1.5


@pytest.fixture(scope="session")
def payment_database_url(infra: Infra) -> Iterator[str]:
    url = create_test_database(infra, "payment")
    yield url
    drop_test_database(infra, url)


@pytest.fixture(scope="session")
def payment_topic_prefix(infra: Infra) -> Iterator[str]:
    prefix = create_topic_prefix(infra, "payment")
    yield prefix
    delete_topic_prefix(infra, prefix)


@pytest.fixture(scope="session")
async def payment(
    infra: Infra, payment_database_url: str, payment_topic_prefix: str
) -> AsyncIterator[PaymentUnderTest]:
    # Listening before the service starts: the adapter's first calls queue in the backlog until uvicorn runs.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    keys = TestKeys()
    async with running_service(
        create_definition(),
        database_url=payment_database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        redis_url=infra.redis_url,
        topic_prefix=payment_topic_prefix,
        keys=keys,
        payment_gateway="sandbox",
        payment_gateway_base_url=f"http://127.0.0.1:{port}{SANDBOX}",
        payment_gateway_timeout_seconds=GATEWAY_TIMEOUT_SECONDS,
        payment_gateway_backoff_seconds=0.05,
        payment_reconcile_interval_seconds=3600,  # the tests run passes themselves
        rate_limit_per_ip=100_000,
    ) as service:
        server = uvicorn.Server(
            uvicorn.Config(service.app, lifespan="off", log_config=None, timeout_graceful_shutdown=5)
        )
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=True)
        await producer.start()
        events = TopicLog(infra.kafka_bootstrap, payment_topic_prefix + PAYMENT_EVENTS)
        await events.start()
        try:
            yield PaymentUnderTest(service, keys, payment_topic_prefix, producer, events)
        finally:
            await events.stop()
            await producer.stop()
            server.should_exit = True
            await serving
            listener.close()
