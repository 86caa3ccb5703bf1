"""What the broker says about the platform's topics: end offsets and each consumer group's committed
offsets. Lag is read here, from Kafka itself, not from the services' own gauges.

A partition a group has never committed on is left out of its lag (after the first orders every
partition the saga uses has a commit).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from matjip_devstack.topics import contract_topics, with_dead_letters


@dataclass(frozen=True)
class BrokerSample:
    lag: int
    """Sum over the platform's consumer groups of (end offset - committed offset)."""
    lag_by_group: dict[str, int]
    produced: int
    """Sum of the end offsets of the platform's topics (dead-letter topics excluded)."""
    dead_letters: int
    """Sum of the end offsets of the dead-letter topics."""


class Broker:
    def __init__(self, bootstrap: str, topic_prefix: str) -> None:
        self.bootstrap = bootstrap
        self.topic_prefix = topic_prefix
        self.group_prefix = f"{topic_prefix}matjip-"
        self.topics = [topic_prefix + t for t in with_dead_letters(contract_topics())]
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        # aiokafka's clients belong to the running event loop: made here, not in __init__.
        self._admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=10000)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await self._admin.start()
        await self._consumer.start()
        described = await self._admin.describe_topics(self.topics)
        self._partitions = [
            TopicPartition(t["topic"], p["partition"])
            for t in described if t.get("error_code", 0) == 0
            for p in t["partitions"]
        ]

    async def stop(self) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def groups(self) -> list[str]:
        listed = await self._admin.list_consumer_groups()
        return sorted(str(g[0]) for g in listed if str(g[0]).startswith(self.group_prefix))

    async def sample(self) -> BrokerSample:
        ends = await self._consumer.end_offsets(self._partitions)
        known = set(self._partitions)
        lag_by_group: dict[str, int] = {}
        for group in await self.groups():
            committed = await self._admin.list_consumer_group_offsets(group)
            lag_by_group[group] = sum(
                max(ends[tp] - meta.offset, 0)
                for tp, meta in committed.items()
                if tp in known and meta.offset >= 0
            )
        produced = sum(o for tp, o in ends.items() if not tp.topic.endswith(".dlq"))
        dead = sum(o for tp, o in ends.items() if tp.topic.endswith(".dlq"))
        return BrokerSample(sum(lag_by_group.values()), lag_by_group, produced, dead)
