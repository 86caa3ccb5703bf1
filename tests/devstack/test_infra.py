"""ensure_infra gives working PostgreSQL, Redis and Kafka; the root conftest's fixtures work."""

from __future__ import annotations

import base64

import asyncpg
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from matjip_devstack.infra import Infra, ensure_infra
from matjip_devstack.kafka import new_cluster_id
from matjip_devstack.testing import delete_topic_prefix, unique_name
from matjip_devstack.topics import contract_topics, list_topics


def test_a_kafka_cluster_id_is_a_uuid_that_never_looks_like_an_option() -> None:
    # One id in 64 would start with '-' (URL-safe base64), which the storage tool took for an option.
    ids = [new_cluster_id() for _ in range(3000)]
    assert not [i for i in ids if i.startswith("-")]
    assert all(len(base64.urlsafe_b64decode(i + "==")) == 16 for i in ids)
    assert len(set(ids)) == len(ids)


def test_ensure_infra_is_idempotent(infra: Infra) -> None:
    again = ensure_infra()
    assert again.started == ()
    assert again == infra


async def test_postgres_answers(infra: Infra) -> None:
    conn = await asyncpg.connect(Infra.dsn(infra.database_url))
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SELECT current_user") == "matjip"
    finally:
        await conn.close()


async def test_redis_answers(infra: Infra) -> None:
    client = aioredis.from_url(infra.redis_url)
    try:
        assert await client.ping()
    finally:
        await client.aclose()


async def test_kafka_round_trip_on_a_fresh_topic(infra: Infra) -> None:
    prefix = unique_name("probe") + "."
    topic = infra.create_topics(prefix, topics=["roundtrip"])[0]
    try:
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all",
                                    enable_idempotence=True)
        await producer.start()
        try:
            await producer.send_and_wait(topic, b'{"hello": 1}', key=b"k1",
                                         headers=[("event_type", b"probe.sent")])
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=infra.kafka_bootstrap,
                                    auto_offset_reset="earliest", group_id=None)
        await consumer.start()
        try:
            msg = await consumer.getone()
        finally:
            await consumer.stop()
        assert (msg.key, msg.value) == (b"k1", b'{"hello": 1}')
        assert ("event_type", b"probe.sent") in list(msg.headers)
    finally:
        delete_topic_prefix(infra, prefix)


async def test_contract_topics_and_dead_letter_topics_exist(infra: Infra) -> None:
    existing = set(await list_topics(infra.kafka_bootstrap))
    for topic in contract_topics():
        assert {topic, f"{topic}.dlq"} <= existing


async def test_test_database_is_fresh_and_separate(infra: Infra, test_database_url: str) -> None:
    assert test_database_url != infra.database_url
    conn = await asyncpg.connect(Infra.dsn(test_database_url))
    try:
        name = await conn.fetchval("SELECT current_database()")
        tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    assert test_database_url.endswith("/" + name)
    assert name.startswith("test_")
    assert tables == 0


async def test_topic_prefix_has_every_contract_topic(infra: Infra, kafka_topic_prefix: str) -> None:
    existing = set(await list_topics(infra.kafka_bootstrap))
    for topic in contract_topics():
        assert {kafka_topic_prefix + topic, f"{kafka_topic_prefix}{topic}.dlq"} <= existing
