"""Outbox, relay, inbox and consumer against the real PostgreSQL and Kafka of the local stack."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from opentelemetry import trace
from sqlalchemy import Column, Integer, MetaData, Table, Uuid, func, insert, select, text

from matjip_contracts import topics
from matjip_contracts.events import PaymentAuthorized
from matjip_platform.consumer import EventConsumer
from matjip_platform.db import Database
from matjip_platform.envelope import Envelope
from matjip_platform.handlers import EventHandlers, HandlerContext
from matjip_platform.logging import setup_logging
from matjip_platform.messaging_tables import MESSAGING_METADATA, outbox_events, processed_events
from matjip_platform.outbox import Outbox
from matjip_platform.relay import OutboxRelay
from matjip_platform.settings import ServiceSettings
from matjip_platform.telemetry import setup_tracing, tracer
from matjip_platform.unit_of_work import UnitOfWorkFactory

pytestmark = pytest.mark.integration

effects_metadata = MetaData()
effects = Table(
    "effects",
    effects_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Uuid, nullable=False),
    Column("amount", Integer, nullable=False),
)


@dataclass
class Harness:
    settings: ServiceSettings
    db: Database
    producer: AIOKafkaProducer
    outbox: Outbox
    relay_wakes: list[float]

    @property
    def unit_of_work(self) -> UnitOfWorkFactory:
        return UnitOfWorkFactory(self.db, self.outbox, on_events_committed=lambda: self.relay_wakes.append(1))

    @property
    def payment_events(self) -> str:
        return self.settings.topic(topics.PAYMENT_EVENTS)

    async def count(self, table: Table) -> int:
        async with self.db.transaction() as conn:
            return int(await conn.scalar(select(func.count()).select_from(table)) or 0)

    async def produce_raw(self, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        await self.producer.send_and_wait(self.payment_events, value=value, key=key, headers=headers)

    async def produce(self, envelope: Envelope) -> None:
        await self.produce_raw(envelope.key.encode(), envelope.kafka_value(), envelope.kafka_headers())


@pytest.fixture
async def harness(infra: object, test_database_url: str, kafka_topic_prefix: str) -> AsyncIterator[Harness]:
    name = f"platformtest{uuid.uuid4().hex[:8]}"
    settings = ServiceSettings(
        service_name=name,
        db_schema=name,
        database_url=test_database_url,
        kafka_bootstrap=infra.kafka_bootstrap,  # type: ignore[attr-defined]
        # Each test gets topics of its own under the session's prefix, so reads see only its messages.
        kafka_topic_prefix=f"{kafka_topic_prefix}{name}.",
        consumer_max_attempts=3,
        consumer_retry_base_seconds=0.01,
    )
    infra.create_topics(settings.kafka_topic_prefix)  # type: ignore[attr-defined]
    db = Database.from_settings(settings)
    async with db.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{name}"'))
        await conn.run_sync(MESSAGING_METADATA.create_all)
        await conn.run_sync(effects_metadata.create_all)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        yield Harness(settings, db, producer, Outbox(name, settings.kafka_topic_prefix), [])
    finally:
        await producer.stop()
        await db.close()


async def read(h: Harness, topic: str, expected: int) -> list[tuple[Envelope, dict[str, str]]]:
    from matjip_platform.testing import read_topic

    return await read_topic(h.settings.kafka_bootstrap, topic, expected=expected, timeout=20)


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.05)


def authorized(order_id: uuid.UUID, amount: int) -> PaymentAuthorized:
    return PaymentAuthorized(order_id=order_id, payment_id=uuid.uuid4(), amount=amount)


async def test_the_relay_publishes_every_event_once_in_the_order_written_per_key(harness: Harness) -> None:
    orders = [uuid.uuid4() for _ in range(3)]
    for amount in range(30):
        async with harness.unit_of_work() as uow:
            await uow.emit(authorized(orders[amount % 3], amount))
    relay = OutboxRelay(harness.db, harness.producer, source="test")

    assert await relay.flush(30) == 30

    received = await read(harness, harness.payment_events, expected=30)
    assert len(received) == 30
    for order in orders:
        amounts = [env.payload["amount"] for env, _ in received if env.key == str(order)]
        assert amounts == sorted(amounts) and len(amounts) == 10
    async with harness.db.transaction() as conn:
        unpublished = await conn.scalar(
            select(func.count()).select_from(outbox_events).where(outbox_events.c.published_at.is_(None))
        )
    assert unpublished == 0


async def test_an_event_is_not_published_when_its_transaction_rolls_back(harness: Harness) -> None:
    ran: list[str] = []
    with pytest.raises(RuntimeError):
        async with harness.unit_of_work() as uow:
            await uow.emit(authorized(uuid.uuid4(), 1))
            uow.after_commit(lambda: ran.append("after commit"))
            raise RuntimeError("the state change failed")
    assert await harness.count(outbox_events) == 0
    assert ran == [] and harness.relay_wakes == []  # nothing committed: no callback, no wake-up


async def test_a_unit_of_work_commits_its_events_in_order_then_runs_callbacks_and_wakes_the_relay(
    harness: Harness,
) -> None:
    order = uuid.uuid4()
    seen_after_commit: list[int] = []

    async def committed_rows() -> int:
        return await harness.count(outbox_events)

    async with harness.unit_of_work() as uow:
        await uow.emit(authorized(order, 1), authorized(order, 2))
        await uow.emit(authorized(order, 3))
        uow.after_commit(lambda: seen_after_commit.append(len(harness.relay_wakes)))
        assert await committed_rows() == 0  # staged, not yet written: one insert at commit
    assert seen_after_commit == [0]  # callbacks first, then the relay's wake-up
    assert harness.relay_wakes == [1]
    async with harness.db.transaction() as conn:
        amounts = list(await conn.scalars(select(outbox_events.c.payload["amount"]).order_by(outbox_events.c.id)))
    assert amounts == [1, 2, 3]

    async with harness.unit_of_work() as uow:
        await uow.conn.execute(insert(effects).values(order_id=order, amount=4))
    assert harness.relay_wakes == [1]  # a commit without events leaves the relay asleep


async def test_two_relays_running_together_publish_each_event_once_and_in_order(harness: Harness) -> None:
    order = uuid.uuid4()
    stop = asyncio.Event()
    second_producer = AIOKafkaProducer(bootstrap_servers=harness.settings.kafka_bootstrap, enable_idempotence=True)
    await second_producer.start()
    relays = [
        OutboxRelay(harness.db, harness.producer, source="test", batch_size=7),
        OutboxRelay(harness.db, second_producer, source="test", batch_size=7),
    ]
    running = [asyncio.create_task(relay.run(stop)) for relay in relays]
    try:
        for amount in range(60):
            async with harness.unit_of_work() as uow:
                await uow.emit(authorized(order, amount))
        received = await read(harness, harness.payment_events, expected=60)
    finally:
        stop.set()
        await asyncio.gather(*running)
        await second_producer.stop()
    amounts = [env.payload["amount"] for env, _ in received]
    assert amounts == list(range(60))


async def test_the_trace_of_the_writing_request_continues_on_kafka(harness: Harness) -> None:
    setup_tracing(harness.settings)
    with tracer().start_as_current_span("POST /api/order/orders") as span:
        async with harness.unit_of_work() as uow:
            await uow.emit(authorized(uuid.uuid4(), 5))
        trace_id = format(span.get_span_context().trace_id, "032x")
    assert not trace.get_current_span().get_span_context().is_valid
    await OutboxRelay(harness.db, harness.producer, source="test").flush(10)
    [(_, headers)] = await read(harness, harness.payment_events, expected=1)
    assert headers["traceparent"].split("-")[1] == trace_id


async def test_the_line_of_a_handled_event_names_its_order_and_its_trace(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    setup_logging("test-service")
    trace_id, order = uuid.uuid4().hex, uuid.uuid4()
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-00"  # an unsampled trace still has its id
    envelope = Envelope.wrap(authorized(order, 11), source="test", trace_headers={"traceparent": traceparent})
    await harness.produce(envelope)

    async def handled() -> bool:
        return await harness.count(effects) == 1

    await run_consumer(consumer_with(harness, record_effect), handled)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [processed] = [line for line in lines if line["event"] == "event_processed"]
    assert processed["order_id"] == str(order)
    assert processed["trace_id"] == trace_id


Handler = Callable[[HandlerContext[None], PaymentAuthorized], Awaitable[None]]


def consumer_with(harness: Harness, handler: Handler) -> EventConsumer[None]:
    handlers: EventHandlers[None] = EventHandlers()
    handlers.on(PaymentAuthorized)(handler)
    return EventConsumer(harness.settings, harness.unit_of_work, handlers, None, harness.producer)


async def record_effect(ctx: HandlerContext[None], event: PaymentAuthorized) -> None:
    await ctx.conn.execute(insert(effects).values(order_id=event.order_id, amount=event.amount))


async def run_consumer(consumer: EventConsumer[None], done: Callable[[], Awaitable[bool]]) -> None:
    stop = asyncio.Event()
    await consumer.start()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await until(done)
    finally:
        stop.set()
        await task
        await consumer.stop()


async def test_a_redelivered_event_takes_effect_once(harness: Harness) -> None:
    envelope = Envelope.wrap(authorized(uuid.uuid4(), 700), source="test")
    await harness.produce(envelope)
    await harness.produce(envelope)  # the same event id again, as after a producer retry or a replay
    marker = Envelope.wrap(authorized(uuid.uuid4(), 1), source="test")
    await harness.produce(marker)

    async def all_seen() -> bool:
        return await harness.count(processed_events) == 2 and await harness.count(effects) >= 2

    await run_consumer(consumer_with(harness, record_effect), all_seen)

    async with harness.db.transaction() as conn:
        amounts = sorted((await conn.scalars(select(effects.c.amount))).all())
    assert amounts == [1, 700]


async def test_every_handled_offset_is_committed_by_the_time_the_consumer_stops(harness: Harness) -> None:
    """Offsets are committed at most every COMMIT_INTERVAL while busy, not per batch; what was handled
    is committed when the consumer stops, so a clean restart reads nothing twice."""
    for amount in range(12):
        await harness.produce(Envelope.wrap(authorized(uuid.uuid4(), amount), source="test"))

    async def handled() -> bool:
        return await harness.count(effects) == 12

    consumer = consumer_with(harness, record_effect)
    consumer.commit_interval = 3600.0  # never by the interval: when it idles or stops
    await run_consumer(consumer, handled)

    admin = AIOKafkaAdminClient(bootstrap_servers=harness.settings.kafka_bootstrap)
    reader = AIOKafkaConsumer(
        bootstrap_servers=harness.settings.kafka_bootstrap, group_id=harness.settings.consumer_group
    )
    await admin.start()
    await reader.start()
    try:
        [described] = await admin.describe_topics([harness.payment_events])
        partitions = [TopicPartition(harness.payment_events, p["partition"]) for p in described["partitions"]]
        ends = await reader.end_offsets(partitions)
        committed = {tp: await reader.committed(tp) for tp in partitions}
    finally:
        await reader.stop()
        await admin.close()
    assert sum(ends.values()) == 12
    assert committed == {tp: (ends[tp] or None) for tp in partitions}


async def test_a_batch_is_one_transaction_and_a_failing_record_is_retried_alone(harness: Harness) -> None:
    """Records handled together share a transaction; when one fails the batch rolls back and each record is
    handled on its own, so the failing one alone is retried and dead-lettered and the others take effect
    exactly once, in order."""
    order = uuid.uuid4()
    envelopes = [Envelope.wrap(authorized(order, amount), source="test") for amount in range(1, 8)]
    for envelope in envelopes:
        await harness.produce(envelope)
    await harness.produce(envelopes[2])  # a redelivery inside the same batch
    attempts: dict[int, int] = {}

    async def fails_on_four(ctx: HandlerContext[None], event: PaymentAuthorized) -> None:
        attempts[event.amount] = attempts.get(event.amount, 0) + 1
        await record_effect(ctx, event)
        if event.amount == 4:
            raise RuntimeError("four is poison")

    consumer = consumer_with(harness, fails_on_four)
    await consumer.start()
    try:
        records = []
        async with asyncio.timeout(20):
            while len(records) < 8:
                batches = await consumer._consumer.getmany(timeout_ms=500)  # type: ignore[union-attr]
                records += [r for rs in batches.values() for r in rs]
        outcomes = await consumer.handle_batch(records)
    finally:
        await consumer.stop()

    assert list(outcomes.values()) == [*["processed"] * 3, "dead_lettered", *["processed"] * 3, "duplicate"]
    async with harness.db.transaction() as conn:
        amounts = list(await conn.scalars(select(effects.c.amount).order_by(effects.c.id)))
    assert amounts == [1, 2, 3, 5, 6, 7]  # the failed batch left nothing; each record then took effect once
    assert attempts[4] == 1 + harness.settings.consumer_max_attempts  # once in the batch, then alone
    [(dead, headers)] = await read(harness, harness.payment_events + ".dlq", expected=1)
    assert dead.event_id == envelopes[3].event_id and headers["dlq_reason"] == "failed"


async def test_a_poison_message_is_dead_lettered_and_the_partition_moves_on(harness: Harness) -> None:
    order = uuid.uuid4()
    good = Envelope.wrap(authorized(order, 42), source="test")
    await harness.produce_raw(str(order).encode(), b"{not json", good.kafka_headers())
    await harness.produce_raw(str(order).encode(), good.kafka_value(), [("event_type", b"payment.authorized")])
    await harness.produce(good)

    async def good_one_processed() -> bool:
        return await harness.count(effects) == 1

    await run_consumer(consumer_with(harness, record_effect), good_one_processed)

    dead = await read(harness, harness.payment_events + ".dlq", expected=2)
    assert [headers["dlq_reason"] for _, headers in dead] == ["invalid", "invalid"]
    assert "not JSON" in dead[0][1]["dlq_error"]
    assert "missing headers" in dead[1][1]["dlq_error"]
    assert dead[0][1]["dlq_source_topic"] == harness.payment_events
    assert dead[0][0].payload == {"raw": "{not json"}  # the original bytes are kept for replay


async def test_a_failing_handler_is_retried_then_dead_lettered_without_partial_effects(harness: Harness) -> None:
    attempts = 0

    async def always_fails(ctx: HandlerContext[None], event: PaymentAuthorized) -> None:
        nonlocal attempts
        attempts += 1
        await record_effect(ctx, event)  # written, then rolled back with the failure
        raise RuntimeError("downstream is broken")

    envelope = Envelope.wrap(authorized(uuid.uuid4(), 9), source="test")
    await harness.produce(envelope)
    consumer = consumer_with(harness, always_fails)

    async def attempted_all() -> bool:
        return attempts >= harness.settings.consumer_max_attempts

    await run_consumer(consumer, attempted_all)
    assert attempts == harness.settings.consumer_max_attempts  # a lone record is not also tried as a batch
    [(dead, headers)] = await read(harness, harness.payment_events + ".dlq", expected=1)
    assert headers["dlq_reason"] == "failed"
    assert "downstream is broken" in headers["dlq_error"]
    assert dead.event_id == envelope.event_id
    assert await harness.count(effects) == 0
    assert await harness.count(processed_events) == 0  # a replay from the DLQ will be processed


async def test_a_transient_failure_is_retried_and_succeeds_once(harness: Harness) -> None:
    attempts = 0

    async def flaky(ctx: HandlerContext[None], event: PaymentAuthorized) -> None:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise ConnectionError("blip")
        await record_effect(ctx, event)

    await harness.produce(Envelope.wrap(authorized(uuid.uuid4(), 3), source="test"))

    async def done() -> bool:
        return await harness.count(effects) == 1

    await run_consumer(consumer_with(harness, flaky), done)
    assert attempts == 3


async def test_a_database_outage_spends_no_attempt_and_dead_letters_nothing(harness: Harness) -> None:
    attempts = 0
    outage = harness.settings.consumer_max_attempts * 2  # more failures than a message may have

    async def while_postgres_restarts(ctx: HandlerContext[None], event: PaymentAuthorized) -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= outage:
            try:
                raise asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
            except asyncpg.exceptions.CannotConnectNowError as cause:
                raise RuntimeError("the statement failed") from cause  # as the database layer wraps it
        await record_effect(ctx, event)

    envelope = Envelope.wrap(authorized(uuid.uuid4(), 5), source="test")
    await harness.produce(envelope)

    async def done() -> bool:
        return await harness.count(effects) == 1

    await run_consumer(consumer_with(harness, while_postgres_restarts), done)
    assert attempts == outage + 1
    assert await harness.count(processed_events) == 1
    from matjip_platform.topic_reader import read_topic_to_end

    dead = await read_topic_to_end(harness.settings.kafka_bootstrap, harness.payment_events + ".dlq")
    assert all(Envelope.from_kafka(r.key, r.value, r.headers).event_id != envelope.event_id for r in dead)


def test_what_counts_as_the_database_being_unavailable() -> None:
    from sqlalchemy.exc import DBAPIError

    from matjip_platform.unavailable import database_unavailable

    shutdown = asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command")
    assert database_unavailable(shutdown)
    assert database_unavailable(DBAPIError("SELECT 1", None, shutdown, connection_invalidated=True))
    assert database_unavailable(ConnectionRefusedError(111, "Connect call failed"))
    assert not database_unavailable(RuntimeError("downstream is broken"))
    assert not database_unavailable(asyncpg.exceptions.UniqueViolationError("duplicate key"))


async def test_a_handler_emits_events_in_its_own_transaction(harness: Harness) -> None:
    follow_up = authorized(uuid.uuid4(), 77)

    async def emits(ctx: HandlerContext[None], event: PaymentAuthorized) -> None:
        if event.amount == 1:
            await ctx.emit(follow_up)

    await harness.produce(Envelope.wrap(authorized(uuid.uuid4(), 1), source="test"))

    async def emitted() -> bool:
        return await harness.count(outbox_events) == 1

    await run_consumer(consumer_with(harness, emits), emitted)
    async with harness.db.transaction() as conn:
        row = (await conn.execute(select(outbox_events))).one()
    assert row.payload["amount"] == 77
    assert row.topic == harness.payment_events


async def test_dead_letters_can_be_listed_and_replayed_once_the_cause_is_fixed(harness: Harness) -> None:
    from matjip_platform.dead_letters import list_dead_letters, replay

    fixed = False

    async def fails_until_fixed(ctx: HandlerContext[None], event: PaymentAuthorized) -> None:
        if not fixed:
            raise RuntimeError("bug in the handler")
        await record_effect(ctx, event)

    envelope = Envelope.wrap(authorized(uuid.uuid4(), 5), source="test")
    await harness.produce(envelope)
    consumer = consumer_with(harness, fails_until_fixed)
    dlq = harness.payment_events + ".dlq"

    async def dead_lettered() -> bool:
        return len(await list_dead_letters(harness.settings.kafka_bootstrap, dlq)) == 1

    await run_consumer(consumer, dead_lettered)
    [letter] = await list_dead_letters(harness.settings.kafka_bootstrap, dlq)
    assert letter.describe()["reason"] == "failed"
    assert letter.describe()["event_id"] == str(envelope.event_id)

    fixed = True
    assert await replay(harness.settings.kafka_bootstrap, dlq) == 1
    assert await replay(harness.settings.kafka_bootstrap, dlq) == 0  # already replayed

    async def applied() -> bool:
        return await harness.count(effects) == 1

    await run_consumer(consumer_with(harness, fails_until_fixed), applied)
    received = await read(harness, harness.payment_events, expected=2)
    assert [env.event_id for env, _ in received] == [envelope.event_id, envelope.event_id]
    assert not any(name.startswith("dlq_") for name in received[1][1])
