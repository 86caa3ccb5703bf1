"""The Kafka consumer loop: validate, de-duplicate, handle in one transaction, retry, dead-letter."""

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from opentelemetry.trace import SpanKind, Status, StatusCode

from matjip_contracts.topics import dead_letter_topic
from matjip_platform import inbox, metrics
from matjip_platform.db import Database
from matjip_platform.envelope import Envelope, InvalidMessage
from matjip_platform.handlers import EventHandlers, HandlerContext
from matjip_platform.kafka_connection import kafka_connection_options
from matjip_platform.outbox import Outbox
from matjip_platform.settings import ServiceSettings
from matjip_platform.telemetry import context_from_headers, tracer

log = structlog.get_logger(__name__)


class _ForgetRevokedLag(ConsumerRebalanceListener):  # type: ignore[misc]
    """A partition handed to another replica is that replica's to report: drop our lag series, or the
    dashboards would add a stale number to the new owner's."""

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        for tp in revoked:
            with contextlib.suppress(KeyError):
                metrics.kafka_lag.remove(tp.topic, str(tp.partition))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 0.2

    def delay(self, attempt: int) -> float:
        return float(self.base_seconds * 2 ** (attempt - 1))


@dataclass
class EventConsumer:
    settings: ServiceSettings
    db: Database
    handlers: EventHandlers
    outbox: Outbox
    producer: AIOKafkaProducer
    on_commit: Callable[[], None] = lambda: None  # wakes the relay: handlers' events leave at once

    def __post_init__(self) -> None:
        self.group_id = self.settings.consumer_group
        self.retry = RetryPolicy(self.settings.consumer_max_attempts, self.settings.consumer_retry_base_seconds)
        self.topics = sorted(self.settings.topic(t) for t in self.handlers.topics)
        self._consumer: AIOKafkaConsumer | None = None
        # Set once every assigned partition has been read to its end since start: decisions that depend
        # on the absence of an event (timeouts) must wait for it, or a backlog would look like silence.
        self.caught_up = asyncio.Event()

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            **kafka_connection_options(self.settings),
            group_id=self.group_id,
            client_id=f"{self.group_id}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        self._consumer.subscribe(topics=self.topics, listener=_ForgetRevokedLag())
        await self._consumer.start()

    async def run(self, stop: asyncio.Event) -> None:
        """Handle batches until `stop` is set; the message in hand is finished and committed first."""
        assert self._consumer is not None, "start() first"
        consumer = self._consumer
        while not stop.is_set():
            # Returns as soon as records arrive; the timeout only bounds how late `stop` is noticed.
            batches = await consumer.getmany(timeout_ms=1000, max_records=100)
            # Partitions are independent (a key lives in one), so they are handled side by side; within a
            # partition, strictly in order.
            await asyncio.gather(
                *(self._handle_partition(consumer, tp, records, stop) for tp, records in batches.items())
            )
            await self._record_lag(consumer)

    async def _handle_partition(
        self,
        consumer: AIOKafkaConsumer,
        tp: TopicPartition,
        records: list[ConsumerRecord[bytes, bytes]],
        stop: asyncio.Event,
    ) -> None:
        handled = None
        for record in records:
            await self.handle(record)
            handled = record.offset
            if stop.is_set():
                break
        # One commit per partition batch: after a crash at most a batch is read again, and the inbox makes
        # the repeats no-ops.
        if handled is not None:
            await self._commit(consumer, tp, handled + 1)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def handle(self, record: ConsumerRecord[bytes, bytes]) -> str:
        """Process one record and return its outcome; never raises for a bad message."""
        started = time.perf_counter()
        event_type = "unknown"
        try:
            envelope = Envelope.from_kafka(record.key, record.value, record.headers)
            event_type = envelope.event_type
            handler = self.handlers.find(envelope.event_type)
            if handler is None:
                outcome = "ignored"  # another service's event on a shared topic: not ours to judge
            else:
                event = envelope.parse()
                outcome = await self._handle_with_retries(record, envelope, handler, event)
        except InvalidMessage as exc:
            await self._dead_letter(record, "invalid", str(exc))
            outcome = "dead_lettered"
        metrics.kafka_consumed.labels(record.topic, event_type, outcome).inc()
        metrics.kafka_processing.labels(record.topic, event_type).observe(time.perf_counter() - started)
        return outcome

    async def _handle_with_retries(
        self, record: ConsumerRecord[bytes, bytes], envelope: Envelope, handler: object, event: object
    ) -> str:
        order_id = envelope.payload.get("order_id")
        with (
            structlog.contextvars.bound_contextvars(
                event_type=envelope.event_type, event_id=str(envelope.event_id), order_id=order_id
            ),
            tracer().start_as_current_span(
                f"{record.topic} process",
                context=context_from_headers(envelope.trace_headers),
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": record.topic,
                    "messaging.consumer.group.name": self.group_id,
                    "messaging.message.id": str(envelope.event_id),
                    "messaging.kafka.offset": record.offset,
                    "matjip.event_type": envelope.event_type,
                    **({"matjip.order_id": str(order_id)} if order_id else {}),
                },
            ) as span,
        ):
            for attempt in range(1, self.retry.max_attempts + 1):
                try:
                    async with self.db.transaction() as session:
                        if not await inbox.claim(session, self.group_id, envelope):
                            log.info("event_duplicate_skipped")
                            return "duplicate"
                        await handler(HandlerContext(session, envelope, self.outbox), event)  # type: ignore[operator]
                    self.on_commit()
                    # One line per handled event (with its order id bound above): an order's story in the logs.
                    log.info("event_processed", topic=record.topic, attempt=attempt)
                    return "processed"
                except Exception as exc:
                    if attempt == self.retry.max_attempts:
                        log.exception("event_failed_dead_lettering", attempts=attempt)
                        span.set_status(Status(StatusCode.ERROR, str(exc)))
                        await self._dead_letter(record, "failed", f"{type(exc).__name__}: {exc}")
                        return "dead_lettered"
                    log.warning("event_failed_retrying", attempt=attempt, error=str(exc))
                    await asyncio.sleep(self.retry.delay(attempt))
        raise AssertionError("unreachable")

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], reason: str, error: str) -> None:
        headers = [
            *record.headers,
            ("dlq_reason", reason.encode()),
            ("dlq_error", error[:4000].encode()),
            ("dlq_source_topic", record.topic.encode()),
            ("dlq_source_partition", str(record.partition).encode()),
            ("dlq_source_offset", str(record.offset).encode()),
            ("dlq_consumer_group", self.group_id.encode()),
        ]
        # The offset is committed only after the dead letter is acknowledged: nothing vanishes.
        while True:
            try:
                await self.producer.send_and_wait(
                    dead_letter_topic(record.topic), value=record.value, key=record.key, headers=headers
                )
                break
            except Exception:
                log.exception("dead_letter_publish_failed", topic=record.topic)
                await asyncio.sleep(1.0)
        metrics.dead_letters.labels(record.topic, reason).inc()
        log.warning(
            "message_dead_lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=reason,
            error=error[:500],
        )

    async def _commit(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
        try:
            await consumer.commit({tp: offset})
        except Exception:
            # A rebalance took the partition away; the new owner re-reads, and the inbox de-duplicates.
            log.warning("offset_commit_failed", topic=tp.topic, partition=tp.partition)

    async def _record_lag(self, consumer: AIOKafkaConsumer) -> None:
        assignment = consumer.assignment()
        behind = not assignment
        for tp in assignment:
            highwater = consumer.highwater(tp)
            if highwater is None:
                behind = True
                continue
            lag = max(highwater - await consumer.position(tp), 0)
            metrics.kafka_lag.labels(tp.topic, str(tp.partition)).set(lag)
            behind = behind or lag > 0
        if not behind:
            self.caught_up.set()
