"""The notification service running in-process for the whole session, on its own database and topic
prefix, also served by a real uvicorn on a free loopback port for its SSE streams."""

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
import uvicorn
from aiokafka import AIOKafkaProducer

from matjip_devstack.infra import Infra
from matjip_devstack.testing import (
    create_test_database,
    create_topic_prefix,
    delete_topic_prefix,
    drop_test_database,
)
from matjip_notification.app import create_definition
from matjip_platform.testing import TestKeys, running_service

from .harness import NotificationUnderTest, listening_socket

HEARTBEAT_SECONDS = 0.5  # short, so a test can see one; production keeps the 15 s default


@pytest.fixture(scope="session")
def notification_database_url(infra: Infra) -> Iterator[str]:
    url = create_test_database(infra, "notification")
    yield url
    drop_test_database(infra, url)


@pytest.fixture(scope="session")
def notification_topic_prefix(infra: Infra) -> Iterator[str]:
    prefix = create_topic_prefix(infra, "notification")
    yield prefix
    delete_topic_prefix(infra, prefix)


@pytest.fixture(scope="session")
async def notification(
    infra: Infra, notification_database_url: str, notification_topic_prefix: str
) -> AsyncIterator[NotificationUnderTest]:
    keys = TestKeys()
    async with running_service(
        create_definition(),
        database_url=notification_database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        redis_url=infra.redis_url,
        topic_prefix=notification_topic_prefix,
        keys=keys,
        notification_heartbeat_seconds=HEARTBEAT_SECONDS,
        rate_limit_per_ip=100_000,
    ) as service:
        listener = listening_socket()
        server = uvicorn.Server(
            uvicorn.Config(service.app, lifespan="off", log_config=None, timeout_graceful_shutdown=5)
        )
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=True)
        await producer.start()
        port = listener.getsockname()[1]
        try:
            yield NotificationUnderTest(service, keys, notification_topic_prefix, producer, f"http://127.0.0.1:{port}")
        finally:
            await producer.stop()
            server.should_exit = True
            await serving
            listener.close()
