"""How fast the outbox relay moves committed events to Kafka, and how fast a consumer applies them.

Runs against the local infrastructure (started if needed) in a throwaway schema and topic prefix:

    uv run python bench/outbox_relay.py --events 20000

Prints figures; asserts nothing.
"""

import argparse
import asyncio
import time
import uuid

from aiokafka import AIOKafkaProducer
from sqlalchemy import insert, text

from matjip_contracts import topics
from matjip_contracts.events import PaymentAuthorized
from matjip_devstack.infra import ensure_infra
from matjip_devstack.testing import create_topic_prefix, delete_topic_prefix
from matjip_platform.consumer import EventConsumer
from matjip_platform.db import Database
from matjip_platform.envelope import Envelope
from matjip_platform.handlers import EventHandlers, HandlerContext
from matjip_platform.messaging_tables import MESSAGING_METADATA, outbox_events
from matjip_platform.outbox import Outbox
from matjip_platform.relay import OutboxRelay
from matjip_platform.settings import ServiceSettings
from matjip_platform.unit_of_work import UnitOfWorkFactory


async def main(events: int, batch: int) -> None:
    infra = ensure_infra()
    prefix = create_topic_prefix(infra, "bench")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    settings = ServiceSettings(
        service_name=schema,
        db_schema=schema,
        database_url=infra.database_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        kafka_topic_prefix=prefix,
    )
    db = Database.from_settings(settings)
    async with db.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(MESSAGING_METADATA.create_all)
    producer = AIOKafkaProducer(
        bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=True, acks="all", linger_ms=5
    )
    await producer.start()
    try:
        orders = [uuid.uuid4() for _ in range(500)]
        rows = []
        for i in range(events):
            env = Envelope.wrap(
                PaymentAuthorized(order_id=orders[i % len(orders)], payment_id=uuid.uuid4(), amount=i), source="bench"
            )
            rows.append(
                {
                    "event_id": env.event_id,
                    "topic": settings.topic(topics.PAYMENT_EVENTS),
                    "key": env.key,
                    "event_type": env.event_type,
                    "event_version": env.event_version,
                    "payload": env.payload,
                    "headers": {"occurred_at": env.occurred_at.isoformat()},
                }
            )
        started = time.perf_counter()
        async with db.transaction() as conn:
            for i in range(0, len(rows), 1000):
                await conn.execute(insert(outbox_events), rows[i : i + 1000])
        print(f"outbox insert: {events} events in {time.perf_counter() - started:.2f}s")

        relay = OutboxRelay(db, producer, source="bench", batch_size=batch)
        started = time.perf_counter()
        published = await relay.flush(600)
        elapsed = time.perf_counter() - started
        rate = published / elapsed
        print(f"relay publish: {published} events in {elapsed:.2f}s = {rate:,.0f} events/s (batch {batch})")

        applied = 0
        handlers: EventHandlers[None] = EventHandlers()

        @handlers.on(PaymentAuthorized)
        async def count(ctx: HandlerContext[None], event: PaymentAuthorized) -> None:
            nonlocal applied
            applied += 1

        unit_of_work = UnitOfWorkFactory(db, Outbox(schema, prefix), on_events_committed=relay.wake)
        consumer = EventConsumer(settings, unit_of_work, handlers, None, producer)
        stop = asyncio.Event()
        await consumer.start()
        started = time.perf_counter()
        task = asyncio.create_task(consumer.run(stop))
        while applied < events:  # noqa: ASYNC110  (polling a counter the handler bumps)
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        stop.set()
        await task
        await consumer.stop()
        print(
            f"consume (inbox claims and one transaction per batch): {applied} events in {elapsed:.2f}s"
            f" = {applied / elapsed:,.0f} events/s"
        )
    finally:
        await producer.stop()
        async with db.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await db.close()
        delete_topic_prefix(infra, prefix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.batch))
