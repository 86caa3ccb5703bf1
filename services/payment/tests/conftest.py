"""The payment service running in-process for the whole session, on its own database and topic prefix
(so no other service's in-process consumers answer payment's commands), with the sandbox PG beside it in
the same process, served over real HTTP on a free loopback port: the gateway adapter calls it as it calls
Toss, with a key made for this session."""

from collections.abc import AsyncIterator

import pytest

from matjip_contracts.topics import PAYMENT_EVENTS
from matjip_devstack.infra import Infra
from matjip_devstack.testing import throwaway_database_and_topics
from matjip_payment.app import definition
from matjip_platform.testing import EventProducer, TestKeys, TopicLog, running_service
from matjip_sandbox_pg.client import SandboxPgClient
from matjip_sandbox_pg.testing import running_sandbox_pg

from .harness import PaymentUnderTest

# Short enough to keep timeout_then_approve quick, long enough for a loaded 2-core machine's answers.
GATEWAY_TIMEOUT_SECONDS = 1.5


@pytest.fixture(scope="session")
async def payment(infra: Infra) -> AsyncIterator[PaymentUnderTest]:
    keys = TestKeys()
    with throwaway_database_and_topics(infra, "payment") as (database_url, prefix):
        async with (
            running_sandbox_pg(database_url) as sandbox,
            running_service(
                definition,
                database_url=database_url,
                kafka_bootstrap=infra.kafka_bootstrap,
                redis_url=infra.redis_url,
                topic_prefix=prefix,
                keys=keys,
                payment_gateway="sandbox",
                payment_gateway_base_url=sandbox.pg_url,
                payment_gateway_secret_key=sandbox.secret_key,
                payment_gateway_timeout_seconds=GATEWAY_TIMEOUT_SECONDS,
                payment_gateway_backoff_seconds=0.05,
                payment_reconcile_interval_seconds=3600,  # the tests run passes themselves
            ) as service,
            EventProducer(infra.kafka_bootstrap, prefix) as producer,
            TopicLog(infra.kafka_bootstrap, PAYMENT_EVENTS, prefix=prefix) as events,
            SandboxPgClient.at(sandbox.root_url) as pg,
        ):
            yield PaymentUnderTest(service, keys, producer, events, pg)
