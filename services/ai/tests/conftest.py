"""Fixtures of the ai service's tests: a deterministic fake embedder for the domain's unit tests, and
the service itself (with the real model) running in-process on the real PostgreSQL, Kafka and Redis.

`infra` comes from the root conftest.py.
"""

import hashlib
import re
from collections.abc import AsyncIterator, Sequence
from uuid import UUID

import numpy as np
import pytest

from matjip_ai.app import definition
from matjip_ai.domain.embedding import Vectors, normalize_rows
from matjip_contracts.events import Event
from matjip_contracts.events.common import Role
from matjip_devstack.infra import Infra
from matjip_devstack.testing import throwaway_database_and_topics
from matjip_platform.envelope import Envelope
from matjip_platform.testing import EventProducer, ServiceUnderTest, TestKeys, running_service

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

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(list(texts))
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [w.removesuffix("s") for w in re.findall(r"\w+", text.casefold()) if w not in STOP_WORDS]
            if not words:
                rows[row, 0] = 1.0  # a valid unit vector for an empty text
            for word in words:
                rows[row, int(hashlib.sha256(word.encode()).hexdigest(), 16) % (self.dimension - 1) + 1] += 1.0
        return normalize_rows(rows)


class WordTerms:
    """A TermAnalyzer for unit tests: the same words the fake embedder hashes."""

    name = "fake-words"

    def terms(self, text: str) -> list[str]:
        return [w.removesuffix("s") for w in re.findall(r"\w+", text.casefold()) if w not in STOP_WORDS]


@pytest.fixture
def fake_embedder() -> BagOfWordsEmbedder:
    return BagOfWordsEmbedder()


@pytest.fixture
def fake_analyzer() -> WordTerms:
    return WordTerms()


# --- the service on the real stack ---------------------------------------------------------------------


class AiUnderTest(ServiceUnderTest):
    def auth(self, user_id: UUID, role: Role = Role.CUSTOMER) -> dict[str, str]:
        return self.keys.auth_header(user_id, role)

    async def publish(self, *events: Event) -> list[Envelope]:
        """Produce events as their owners would (enveloped, keyed, on the prefixed topic)."""
        return [await self.send(event) for event in events]

    async def deliver(self, *events: Event) -> list[Envelope]:
        """Produce events and wait until ai has handled them."""
        envelopes = await self.publish(*events)
        await self.processed(*envelopes)
        return envelopes


@pytest.fixture(scope="session")
async def ai(infra: Infra) -> AsyncIterator[AiUnderTest]:
    keys = TestKeys()
    # Its own topics: other services' tests publish order and store events on the shared prefix, and
    # those would leak into ai's read models (and its recommendations) in a whole-tree run.
    with throwaway_database_and_topics(infra, "ai") as (database_url, prefix):
        async with (
            EventProducer(infra.kafka_bootstrap, prefix) as producer,
            running_service(
                definition,
                database_url=database_url,
                kafka_bootstrap=infra.kafka_bootstrap,
                redis_url=infra.redis_url,
                topic_prefix=prefix,
                keys=keys,
                # Redis outlives test sessions: generous budgets keep reruns from being throttled.
                rate_limit_per_ip=1_000_000,
                rate_limit_per_user=1_000_000,
            ) as service,
        ):
            yield AiUnderTest(service, keys, producer)
