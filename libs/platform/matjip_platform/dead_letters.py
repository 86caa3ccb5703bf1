"""Inspect and replay dead-lettered messages: the operator's way back once the cause is fixed.

    python -m matjip_platform.dead_letters list   --topic order.events.dlq
    python -m matjip_platform.dead_letters replay --topic order.events.dlq [--event-id ID]

Replay sends each message back to the topic it came from with its original key, value and headers (the
`dlq_*` headers dropped); consumers de-duplicate by event id, so replaying twice is harmless. Progress is
kept in the consumer group `matjip-dlq-replay`, so a message is replayed once unless `--from-start`.
"""

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from matjip_platform.settings import ServiceSettings
from matjip_platform.topic_reader import assign_all_partitions, read_to_end, read_topic_to_end

REPLAY_GROUP = "matjip-dlq-replay"


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> str:
        return next((v.decode(errors="replace") for k, v in self.headers if k == name), "")

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith("dlq_")]

    def describe(self) -> dict[str, Any]:
        return {
            "offset": self.offset,
            "partition": self.partition,
            "key": (self.key or b"").decode(errors="replace"),
            "event_id": self.header("event_id"),
            "event_type": self.header("event_type"),
            "reason": self.header("dlq_reason"),
            "error": self.header("dlq_error"),
            "source": f"{self.header('dlq_source_topic')}[{self.header('dlq_source_partition')}]"
            f"@{self.header('dlq_source_offset')}",
            "consumer_group": self.header("dlq_consumer_group"),
        }


def _letter(record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
    return DeadLetter(record.partition, record.offset, record.key, record.value, list(record.headers))


async def list_dead_letters(bootstrap: str, topic: str) -> list[DeadLetter]:
    return [_letter(record) for record in await read_topic_to_end(bootstrap, topic)]


async def replay(bootstrap: str, topic: str, *, event_id: str | None = None, from_start: bool = False) -> int:
    """Send the not-yet-replayed dead letters of `topic` back to their source topic; returns how many."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=REPLAY_GROUP,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await consumer.start()
    await producer.start()
    replayed = 0
    try:
        if from_start:
            await assign_all_partitions(consumer, bootstrap, topic)
            await consumer.seek_to_beginning()
        for record in await read_to_end(consumer, bootstrap, topic):
            letter = _letter(record)
            if event_id is None or letter.header("event_id") == event_id:
                source = letter.header("dlq_source_topic") or topic.removesuffix(".dlq")
                await producer.send_and_wait(
                    source, value=letter.value, key=letter.key, headers=letter.original_headers
                )
                replayed += 1
            await consumer.commit({TopicPartition(record.topic, record.partition): record.offset + 1})
    finally:
        await producer.stop()
        await consumer.stop()
    return replayed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m matjip_platform.dead_letters", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("--topic", required=True, help="a dead-letter topic, e.g. order.events.dlq")
    parser.add_argument("--bootstrap", default=ServiceSettings().kafka_bootstrap)
    parser.add_argument("--event-id", help="replay only this event")
    parser.add_argument("--from-start", action="store_true", help="replay even what was replayed before")
    args = parser.parse_args(argv)
    if not args.topic.endswith(".dlq"):
        parser.error("--topic must be a dead-letter topic (ending in .dlq)")
    try:
        if args.command == "list":
            for letter in asyncio.run(list_dead_letters(args.bootstrap, args.topic)):
                print(json.dumps(letter.describe(), ensure_ascii=False))
        else:
            count = asyncio.run(replay(args.bootstrap, args.topic, event_id=args.event_id, from_start=args.from_start))
            print(f"replayed {count} message(s) from {args.topic}", file=sys.stderr)
    except LookupError as exc:
        parser.error(str(exc))


if __name__ == "__main__":
    main()
