"""Every event delivered twice, then again out of order under new ids: the platform ends in the same state.

Kafka redelivers after crashes and rebalances, a relay may publish twice, an operator may replay a
dead-letter topic: consumers must converge. The test replays every topic of this platform as it stands."""

import asyncio
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from e2e_support import (
    SERVICE_SCHEMAS,
    Platform,
    eventually,
    expect,
    owner_moves,
    pay_like,
    place_order,
    shop,
    wait_for_inbox,
    wait_for_status,
)
from matjip_contracts.topics import ALL_TOPICS
from matjip_platform.topic_reader import read_topic_to_end

CONSUMING_SERVICES = ("user", "store", "order", "payment", "notification", "ai")
BOOKKEEPING_TABLES = ("processed_events", "outbox_events", "alembic_version")


def snapshot(platform: Platform) -> dict[str, str]:
    """A digest of every domain table of every service (messaging bookkeeping left out)."""
    digests: dict[str, str] = {}
    for schema in SERVICE_SCHEMAS.values():
        tables = platform.sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
            schema,
        )
        for row in tables:
            name = row["table_name"]
            if name in BOOKKEEPING_TABLES:
                continue
            [digest] = platform.sql(
                f'SELECT count(*) AS n, md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) AS d '
                f'FROM "{schema}"."{name}" t'
            )
            digests[f"{schema}.{name}"] = f"{digest['n']}:{digest['d']}"
    return digests


async def _lag(platform: Platform) -> int:
    bootstrap = platform.infra.kafka_bootstrap
    topics = [platform.topic(t) for t in ALL_TOPICS]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await consumer.start()
    try:
        described = await admin.describe_topics(topics)
        partitions = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
        ends = await consumer.end_offsets(partitions)
        behind = 0
        for service in CONSUMING_SERVICES:
            committed = await admin.list_consumer_group_offsets(f"{platform.topic_prefix}matjip-{service}")
            for tp, meta in committed.items():
                behind += max(ends.get(tp, 0) - meta.offset, 0)
        return behind
    finally:
        await consumer.stop()
        await admin.close()


def wait_until_everything_is_consumed(platform: Platform) -> None:
    """Zero lag in every group, twice in a row a second apart (handlers may emit follow-up events)."""
    deadline = time.monotonic() + 90
    quiet = 0
    while quiet < 2:
        assert time.monotonic() < deadline, "consumers did not catch up"
        quiet = quiet + 1 if asyncio.run(_lag(platform)) == 0 else 0
        time.sleep(1.0)


async def _replay(platform: Platform, *, new_ids: bool, reverse: bool) -> int:
    bootstrap = platform.infra.kafka_bootstrap
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    sent = 0
    try:
        for contract_topic in ALL_TOPICS:
            topic = platform.topic(contract_topic)
            records = await read_topic_to_end(bootstrap, topic)
            for record in reversed(records) if reverse else records:
                headers: list[tuple[str, Any]] = list(record.headers)
                if new_ids:
                    headers = [(k, str(uuid.uuid4()).encode() if k == "event_id" else v) for k, v in headers]
                await producer.send_and_wait(topic, value=record.value, key=record.key, headers=headers)
                sent += 1
    finally:
        await producer.stop()
    return sent


def test_redelivered_and_reordered_events_leave_every_service_in_the_same_state(platform: Platform) -> None:
    completed = shop(platform, stock=6)
    order_id = expect(place_order(completed.customer, completed.store["id"], [(completed.dish["id"], 2)]), 201)[
        "order_id"
    ]
    wait_for_status(completed.customer, order_id, "AWAITING_STORE")
    wait_for_inbox(completed.owner, completed.store["id"], order_id)
    for step, body in (("accept", {"prep_minutes": 7}), ("preparing", {}), ("ready", {}), ("picked-up", {})):
        owner_moves(completed.owner, completed.store["id"], order_id, step, **body)
    wait_for_status(completed.customer, order_id, "COMPLETED")

    declined = shop(platform, stock=2)
    pay_like(platform, declined.customer, "decline")
    failed_id = expect(place_order(declined.customer, declined.store["id"], [(declined.dish["id"], 1)]), 201)[
        "order_id"
    ]
    wait_for_status(declined.customer, failed_id, "CANCELLED")
    rejected_id = expect(place_order(completed.customer, completed.store["id"], [(completed.dish["id"], 1)]), 201)[
        "order_id"
    ]
    wait_for_status(completed.customer, rejected_id, "AWAITING_STORE")
    wait_for_inbox(completed.owner, completed.store["id"], rejected_id)
    owner_moves(completed.owner, completed.store["id"], rejected_id, "reject", reason="Closing early")
    eventually(
        lambda: expect(completed.customer.get(f"/api/order/orders/{rejected_id}"), 200)["payment_status"] == "refunded",
        what="the rejected order's refund",
    )

    wait_until_everything_is_consumed(platform)
    before = snapshot(platform)

    assert asyncio.run(_replay(platform, new_ids=False, reverse=False)) > 50  # every event, delivered again
    assert asyncio.run(_replay(platform, new_ids=False, reverse=False)) > 50  # ...and once more
    wait_until_everything_is_consumed(platform)
    assert snapshot(platform) == before

    # Out of order and under new ids (a producer that re-published): each handler must see through it.
    asyncio.run(_replay(platform, new_ids=True, reverse=True))
    wait_until_everything_is_consumed(platform)
    after = snapshot(platform)
    changed = {table: (before[table], after.get(table)) for table in before if before[table] != after.get(table)}
    assert not changed, f"replays changed: {sorted(changed)}"
    assert set(after) == set(before)
