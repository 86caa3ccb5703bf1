"""The Kafka consumer loop: validate, de-duplicate, handle a batch in one transaction, retry, dead-letter.

What one poll returns is handled in one unit of work: the inbox claims of the whole batch in one
statement, each record's handler in order (records of one partition strictly in order; a key lives in one
partition), the events they emit in one outbox insert, one commit, then one offset commit. If anything in
the batch fails, the batch rolls back and each of its records is handled again on its own, with retries and
backoff, and dead-lettered after the last attempt: a poison message costs its batch one retry, never the
partition.
"""

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from matjip_contracts.events.base import Event
from matjip_contracts.topics import dead_letter_topic
from matjip_platform import inbox, metrics
from matjip_platform.envelope import Envelope, InvalidMessage
from matjip_platform.handlers import EventHandlers, Handler, HandlerContext
from matjip_platform.kafka_connection import kafka_connection_options
from matjip_platform.settings import ServiceSettings
from matjip_platform.telemetry import bookkeeping, context_from_headers, tracer
from matjip_platform.unavailable import database_unavailable
from matjip_platform.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger(__name__)

C = TypeVar("C")
Record: TypeAlias = "ConsumerRecord[bytes, bytes]"

LAG_RECORD_INTERVAL = 1.0  # seconds between lag gauge updates while busy
# Seconds between offset commits while busy. A commit is a round trip and a write to the broker's offsets
# log; once per batch it cost more than many handlers. After a crash at most this much is read again, and
# the inbox makes the repeats no-ops.
COMMIT_INTERVAL = 1.0


class _HandOverPartitions(ConsumerRebalanceListener):  # type: ignore[misc]
    """A partition handed to another replica: commit what was handled of it, so the new owner starts
    where we stopped, and drop our lag series, or the dashboards would add a stale number to the new
    owner's."""

    def __init__(self, consumer: "EventConsumer[Any]") -> None:
        self.consumer = consumer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.consumer._commit_pending(only=set(revoked))
        for tp in revoked:
            with contextlib.suppress(KeyError):
                metrics.kafka_lag.remove(tp.topic, str(tp.partition))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None


DATABASE_WAIT_SECONDS = 300.0
"""How long one record waits for an unreachable database before its failures count as attempts again."""
DATABASE_WAIT_PAUSE_SECONDS = 2.0


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 0.2

    def delay(self, attempt: int) -> float:
        return float(self.base_seconds * 2 ** (attempt - 1))


@dataclass
class _Work:
    """A valid record with a handler: what the batch transaction runs."""

    record: Record
    envelope: Envelope
    event: Event
    handler: Handler[Any]


class EventConsumer(Generic[C]):
    def __init__(
        self,
        settings: ServiceSettings,
        unit_of_work: UnitOfWorkFactory,
        handlers: EventHandlers[C],
        components: C,
        producer: AIOKafkaProducer,
        *,
        max_batch: int = 100,
        commit_interval: float = COMMIT_INTERVAL,
    ) -> None:
        self.settings = settings
        self.unit_of_work = unit_of_work
        self.handlers = handlers
        self.components = components
        self.producer = producer
        self.max_batch = max_batch
        self.commit_interval = commit_interval
        self.group_id = settings.consumer_group
        self.retry = RetryPolicy(settings.consumer_max_attempts, settings.consumer_retry_base_seconds)
        self.topics = sorted(settings.topic(t) for t in handlers.topics)
        self._consumer: AIOKafkaConsumer | None = None
        self._lag_recorded_at = 0.0
        self._pending_offsets: dict[TopicPartition, int] = {}
        self._committed_at = time.monotonic()
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
            # The broker answers a fetch as soon as any assigned partition has a record; the wait only
            # bounds how often an idle consumer asks again (the default 500 ms: two requests a second).
            fetch_max_wait_ms=5000,
        )
        self._consumer.subscribe(topics=self.topics, listener=_HandOverPartitions(self))
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def run(self, stop: asyncio.Event) -> None:
        """Handle batches until `stop` is set; the batch in hand is finished and committed first."""
        assert self._consumer is not None, "start() first"
        consumer = self._consumer
        while not stop.is_set():
            # Returns as soon as records arrive; the timeout only bounds how late `stop` is noticed.
            batches = await consumer.getmany(timeout_ms=1000, max_records=self.max_batch)
            if batches:
                await self.handle_batch([record for records in batches.values() for record in records])
                self._pending_offsets |= {tp: records[-1].offset + 1 for tp, records in batches.items()}
            if not batches or time.monotonic() - self._committed_at >= self.commit_interval:
                await self._commit_pending()
            await self._record_lag(consumer, force=not batches)
        await self._commit_pending()

    async def handle_batch(self, records: Sequence[Record]) -> dict[int, str]:
        """Handle `records` (in their order); returns each record's outcome by its position. Never raises for
        a bad message: invalid ones are dead-lettered at once, failing ones after their retries."""
        started = time.perf_counter()
        outcomes: dict[int, str] = {}
        work: dict[int, _Work] = {}
        for position, record in enumerate(records):
            try:
                envelope = Envelope.from_kafka(record.key, record.value, record.headers)
                handler = self.handlers.find(envelope.event_type)
                if handler is None:
                    outcomes[position] = "ignored"  # another service's event on a shared topic
                    continue
                event = envelope.parse()
                if not self.handlers.wants(envelope.event_type, event):
                    outcomes[position] = "ignored"  # a kind of this event the service does not act on
                    continue
                work[position] = _Work(record, envelope, event, handler)
            except InvalidMessage as exc:
                await self._dead_letter(record, "invalid", str(exc))
                outcomes[position] = "dead_lettered"
        if len(work) == 1:
            # A lone record needs no shared transaction; its failures count against its own attempts.
            [(position, alone)] = work.items()
            outcomes[position] = await self._handle_alone(alone)
        elif work:
            try:
                outcomes |= await self._handle_together(work)
            except Exception as exc:
                # One of them (or the transaction) failed: each record again on its own, so only a record that
                # keeps failing is dead-lettered.
                log.warning("event_batch_failed_handling_one_by_one", size=len(work), error=str(exc))
                for position, alone in work.items():
                    outcomes[position] = await self._handle_alone(alone)
        elapsed = (time.perf_counter() - started) / max(len(records), 1)
        for position, record in enumerate(records):
            handled = work.get(position)
            event_type = handled.envelope.event_type if handled is not None else _header(record, "event_type")
            metrics.kafka_consumed.labels(record.topic, event_type, outcomes[position]).inc()
            metrics.kafka_processing.labels(record.topic, event_type).observe(elapsed)
        return outcomes

    async def _handle_together(self, work: Mapping[int, _Work]) -> dict[int, str]:
        outcomes: dict[int, str] = {}
        async with self.unit_of_work() as uow:
            firsts: dict[Any, int] = {}
            for position, item in work.items():
                firsts.setdefault(item.envelope.event_id, position)
            with bookkeeping():
                claimed = await inbox.claim(uow.conn, self.group_id, [work[p].envelope for p in firsts.values()])
            for position, item in work.items():
                if firsts[item.envelope.event_id] != position or item.envelope.event_id not in claimed:
                    outcomes[position] = "duplicate"
                    continue
                await self._run_handler(uow, item, attempt=1)
                outcomes[position] = "processed"
        for position, outcome in outcomes.items():
            self._log_outcome(work[position], outcome, attempt=1)
        return outcomes

    async def _handle_alone(self, item: _Work) -> str:
        attempt, waited = 1, 0.0
        while True:
            try:
                async with self.unit_of_work() as uow:
                    with bookkeeping():
                        claimed = await inbox.claim(uow.conn, self.group_id, [item.envelope])
                    if not claimed:
                        outcome = "duplicate"
                    else:
                        await self._run_handler(uow, item, attempt=attempt)
                        outcome = "processed"
                self._log_outcome(item, outcome, attempt)
                return outcome
            except Exception as exc:
                if database_unavailable(exc) and waited < DATABASE_WAIT_SECONDS:
                    # The database restarting is not the message's fault: wait for it without spending an
                    # attempt, so an outage dead-letters nothing (bounded, in case the error was misread).
                    pause = min(DATABASE_WAIT_PAUSE_SECONDS, self.retry.delay(attempt))
                    with _bound(item.envelope):
                        log.warning("event_waiting_for_database", error=f"{type(exc).__name__}: {exc}")
                    await asyncio.sleep(pause)
                    waited += pause
                    continue
                with _bound(item.envelope):
                    if attempt == self.retry.max_attempts:
                        log.exception("event_failed_dead_lettering", attempts=attempt)
                        await self._dead_letter(item.record, "failed", f"{type(exc).__name__}: {exc}")
                        return "dead_lettered"
                    log.warning("event_failed_retrying", attempt=attempt, error=str(exc))
                await asyncio.sleep(self.retry.delay(attempt))
                attempt += 1

    async def _run_handler(self, uow: UnitOfWork, item: _Work, *, attempt: int) -> None:
        """The handler inside a consumer span continuing the producer's trace, log lines bound to the event."""
        with _bound(item.envelope), self._span(item, attempt) as span:
            try:
                await item.handler(HandlerContext.within(uow, item.envelope, self.components), item.event)
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                raise

    def _span(self, item: _Work, attempt: int) -> contextlib.AbstractContextManager[Span]:
        envelope, record = item.envelope, item.record
        order_id = envelope.payload.get("order_id")
        return tracer().start_as_current_span(
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
                "matjip.attempt": attempt,
                **({"matjip.order_id": str(order_id)} if order_id else {}),
            },
        )

    def _log_outcome(self, item: _Work, outcome: str, attempt: int) -> None:
        # One line per handled event (with its order id): an order's story in the logs.
        with _bound(item.envelope):
            if outcome == "duplicate":
                log.info("event_duplicate_skipped", topic=item.record.topic)
            else:
                log.info("event_processed", topic=item.record.topic, attempt=attempt)

    async def _dead_letter(self, record: Record, reason: str, error: str) -> None:
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

    async def _commit_pending(self, only: set[TopicPartition] | None = None) -> None:
        """Commit the offsets handled since the last commit (of the partitions in `only`, if given)."""
        offsets = {tp: o for tp, o in self._pending_offsets.items() if only is None or tp in only}
        self._committed_at = time.monotonic()
        if not offsets or self._consumer is None:
            return
        for tp in offsets:
            del self._pending_offsets[tp]
        try:
            await self._consumer.commit(offsets)
        except Exception:
            # A rebalance took a partition away; the new owner re-reads, and the inbox de-duplicates.
            log.warning("offset_commit_failed", partitions=len(offsets))

    async def _record_lag(self, consumer: AIOKafkaConsumer, *, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._lag_recorded_at < LAG_RECORD_INTERVAL:
            return
        self._lag_recorded_at = now
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


def _bound(envelope: Envelope) -> contextlib.AbstractContextManager[None]:
    """Log lines about an event carry its order and the trace it travels in, also when written outside the
    handler's span (the outcome of a batch is logged after its transaction)."""
    return structlog.contextvars.bound_contextvars(
        event_type=envelope.event_type,
        event_id=str(envelope.event_id),
        order_id=envelope.payload.get("order_id"),
        **_trace_id_of(envelope),
    )


def _trace_id_of(envelope: Envelope) -> dict[str, str]:
    # W3C traceparent: version-traceid-parentid-flags; the trace id is the second field.
    parts = envelope.trace_headers.get("traceparent", "").split("-")
    if len(parts) == 4 and len(parts[1]) == 32 and parts[1] != "0" * 32:
        return {"trace_id": parts[1]}
    return {}


def _header(record: Record, name: str) -> str:
    for key, value in record.headers:
        if key == name:
            return str(value.decode(errors="replace"))
    return "unknown"
