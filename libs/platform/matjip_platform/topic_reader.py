"""Read a topic from a consumer's position up to its end as it is now (operators' tools and tests)."""

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def assign_all_partitions(consumer: AIOKafkaConsumer, bootstrap: str, topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if described.get("error_code"):
        raise LookupError(f"no such topic: {topic}")
    partitions = sorted(TopicPartition(topic, p["partition"]) for p in described["partitions"])
    consumer.assign(partitions)
    return partitions


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


async def read_to_end(consumer: AIOKafkaConsumer, bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record from the consumer's position (committed offset, or `auto_offset_reset`) to the end."""
    found: list[ConsumerRecord[bytes, bytes]] = []
    ends = await consumer.end_offsets(await assign_all_partitions(consumer, bootstrap, topic))
    while await _behind(consumer, ends):
        batches = await consumer.getmany(timeout_ms=500)
        for tp, records in batches.items():
            found.extend(r for r in records if r.offset < ends[tp])
    return found


async def read_topic_to_end(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Everything on `topic` right now, from the beginning."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    try:
        return await read_to_end(consumer, bootstrap, topic)
    finally:
        await consumer.stop()
