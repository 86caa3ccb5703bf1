"""The payment service running in-process for the whole session, on its own database and topic prefix
(so no other service's in-process consumers answer payment's commands), also served by a real uvicorn on
a free loopback port: the gateway adapter reaches the mounted sandbox PG over real HTTP, as in dev."""

from collections.abc import AsyncIterator

import pytest

from matjip_contracts.topics import PAYMENT_EVENTS
from matjip_devstack.infra import Infra
from matjip_devstack.testing import throwaway_database_and_topics
from matjip_payment.app import definition
from matjip_platform.testing import (
    EventProducer,
    TestKeys,
    TopicLog,
    listening_socket,
    running_service,
    served_over_http,
)

from .harness import SANDBOX, PaymentUnderTest

# Short enough to keep timeout_then_approve quick, long enough for a loaded 2-core machine's answers.
GATEWAY_TIMEOUT_SECONDS = 1.5


@pytest.fixture(scope="session")
async def payment(infra: Infra) -> AsyncIterator[PaymentUnderTest]:
    keys = TestKeys()
    # Listening before the service starts: the adapter's first calls queue in the backlog until uvicorn runs.
    listener = listening_socket()
    port = listener.getsockname()[1]
    with throwaway_database_and_topics(infra, "payment") as (database_url, prefix):
        async with (
            running_service(
                definition,
                database_url=database_url,
                kafka_bootstrap=infra.kafka_bootstrap,
                redis_url=infra.redis_url,
                topic_prefix=prefix,
                keys=keys,
                payment_gateway="sandbox",
                payment_gateway_base_url=f"http://127.0.0.1:{port}{SANDBOX}",
                payment_gateway_timeout_seconds=GATEWAY_TIMEOUT_SECONDS,
                payment_gateway_backoff_seconds=0.05,
                payment_reconcile_interval_seconds=3600,  # the tests run passes themselves
                rate_limit_per_ip=100_000,
            ) as service,
            served_over_http(service.app, listener),
            EventProducer(infra.kafka_bootstrap, prefix) as producer,
            TopicLog(infra.kafka_bootstrap, PAYMENT_EVENTS, prefix=prefix) as events,
        ):
            yield PaymentUnderTest(service, keys, producer, events)
