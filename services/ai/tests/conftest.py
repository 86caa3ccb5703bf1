"""Fixtures of the ai service's tests: a deterministic fake embedder for the domain's unit tests, and
the service itself (with the real model) running in-process on the real PostgreSQL, Kafka and Redis.

`infra` comes from the root conftest.py.
"""

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from uuid import UUID

import httpx
import numpy as np
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from matjip_ai.app import definition
from matjip_ai.domain.embedding import Vectors, normalize_rows
from matjip_contracts.events import Event
from matjip_contracts.events.common import Role
from matjip_devstack.infra import Infra
from matjip_devstack.testing import create_test_database, create_topic_prefix, delete_topic_prefix, drop_test_database
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import processed_events
from matjip_platform.testing import RunningService, TestKeys, running_service

# fmt: off
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "at", "do", "for", "i", "is", "it", "my", "of", "the", "this", "to", "was",
    "we", "what", "with", "you",
})
# fmt: on


class BagOfWordsEmbedder:
    """Texts that share words get similar vectors; the same text always gets the same vector.

    Each lower-cased word (a trailing plural "s" dropped, a few function words ignored) is hashed to one
    of `dimension` axes. Texts with no word in common are orthogonal unless two words collide, which the
    large dimension makes unlikely for the tests' small vocabularies.
    """

    name = "fake-bag-of-words"
    dimension = 1024

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [w.removesuffix("s") for w in re.findall(r"\w+", text.casefold()) if w not in STOP_WORDS]
            if not words:
                rows[row, 0] = 1.0  # a valid unit vector for an empty text
            for word in words:
                rows[row, int(hashlib.sha256(word.encode()).hexdigest(), 16) % (self.dimension - 1) + 1] += 1.0
        return normalize_rows(rows)


@pytest.fixture
def fake_embedder() -> BagOfWordsEmbedder:
    return BagOfWordsEmbedder()


# --- the service on the real stack ---------------------------------------------------------------------


@dataclass
class AiUnderTest:
    service: RunningService
    keys: TestKeys
    topic_prefix: str
    producer: AIOKafkaProducer

    @property
    def client(self) -> httpx.AsyncClient:
        return self.service.client

    def auth(self, user_id: UUID, role: Role = Role.CUSTOMER) -> dict[str, str]:
        return self.keys.auth_header(user_id, role)

    async def publish(self, *events: Event) -> list[Envelope]:
        """Produce events as their owners would (enveloped, keyed, on the prefixed topic)."""
        envelopes = [Envelope.wrap(event, source="test") for event in events]
        for event, envelope in zip(events, envelopes, strict=True):
            await self.redeliver(event, envelope)
        return envelopes

    async def redeliver(self, event: Event, envelope: Envelope) -> None:
        """Produce an envelope again, event id and all: what a producer retry or a replay does."""
        await self.producer.send_and_wait(
            self.topic_prefix + event.topic,
            value=envelope.kafka_value(),
            key=event.key().encode(),
            headers=envelope.kafka_headers(),
        )

    async def consumed(self, *envelopes: Envelope, timeout: float = 20.0) -> None:
        """Wait until ai's inbox holds every envelope (so it was handled, and so was everything before it
        on the same partition)."""
        wanted = {e.event_id for e in envelopes}
        deadline = time.monotonic() + timeout
        while True:
            async with self.service.runtime.db.transaction() as session:
                rows = await session.execute(
                    select(processed_events.c.event_id).where(processed_events.c.event_id.in_(wanted))
                )
                if {r.event_id for r in rows} == wanted:
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"ai did not consume {len(wanted)} event(s) within {timeout} s")
            await asyncio.sleep(0.05)

    async def deliver(self, *events: Event) -> list[Envelope]:
        envelopes = await self.publish(*events)
        await self.consumed(*envelopes)
        return envelopes


@pytest.fixture(scope="session")
def ai_topic_prefix(infra: Infra) -> Iterator[str]:
    # Its own topics: other services' tests publish order and store events on the shared prefix, and
    # those would leak into ai's read models (and its recommendations) in a whole-tree run.
    prefix = create_topic_prefix(infra, "ai")
    yield prefix
    delete_topic_prefix(infra, prefix)


@pytest.fixture(scope="session")
def ai_database_url(infra: Infra) -> Iterator[str]:
    url = create_test_database(infra, "ai")
    yield url
    drop_test_database(infra, url)


@pytest.fixture(scope="session")
async def ai(infra: Infra, ai_database_url: str, ai_topic_prefix: str) -> AsyncIterator[AiUnderTest]:
    keys = TestKeys()
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        async with running_service(
            definition,
            database_url=ai_database_url,
            kafka_bootstrap=infra.kafka_bootstrap,
            redis_url=infra.redis_url,
            topic_prefix=ai_topic_prefix,
            keys=keys,
            # Redis outlives test sessions: generous budgets keep reruns from being throttled.
            rate_limit_per_ip=1_000_000,
            rate_limit_per_user=1_000_000,
        ) as service:
            yield AiUnderTest(service, keys, ai_topic_prefix, producer)
    finally:
        await producer.stop()
