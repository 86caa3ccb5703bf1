"""The notification service running in-process for the whole session, on its own database and topic
prefix, also served by a real uvicorn on a free loopback port for its SSE streams."""

from collections.abc import AsyncIterator

import pytest

from matjip_devstack.infra import Infra
from matjip_devstack.testing import throwaway_database_and_topics
from matjip_notification.app import definition
from matjip_platform.testing import EventProducer, TestKeys, listening_socket, running_service, served_over_http

from .harness import NotificationUnderTest

HEARTBEAT_SECONDS = 0.5  # short, so a test can see one; production keeps the 15 s default


@pytest.fixture(scope="session")
async def notification(infra: Infra) -> AsyncIterator[NotificationUnderTest]:
    keys = TestKeys()
    with throwaway_database_and_topics(infra, "notification") as (database_url, prefix):
        async with (
            running_service(
                definition,
                database_url=database_url,
                kafka_bootstrap=infra.kafka_bootstrap,
                redis_url=infra.redis_url,
                topic_prefix=prefix,
                keys=keys,
                notification_heartbeat_seconds=HEARTBEAT_SECONDS,
                rate_limit_per_ip=100_000,
            ) as service,
            served_over_http(service.app, listening_socket()) as base_url,
            EventProducer(infra.kafka_bootstrap, prefix) as producer,
        ):
            yield NotificationUnderTest(service, keys, producer, base_url)
