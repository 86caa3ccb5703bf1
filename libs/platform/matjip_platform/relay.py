"""The outbox relay: publishes committed outbox rows to Kafka in id order, then marks them published."""

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from opentelemetry.trace import SpanKind
from sqlalchemy import bindparam, delete, func, select, text, update

from matjip_platform import metrics
from matjip_platform.db import Database
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import outbox_events
from matjip_platform.telemetry import bookkeeping, context_from_headers, current_trace_headers, tracer

log = structlog.get_logger(__name__)

# One relay publishes at a time per service schema (a transaction-scoped advisory lock): several relay
# instances can run for availability, and events of one key still leave in the order they were written.
_LEADER_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtext('matjip-outbox:' || current_schema()))")


# The oldest unpublished rows (ids give the order of publication), marked published and returned.
_CLAIM_BATCH = (
    update(outbox_events)
    .where(
        outbox_events.c.id.in_(
            select(outbox_events.c.id)
            .where(outbox_events.c.published_at.is_(None))
            .order_by(outbox_events.c.id)
            .limit(bindparam("batch"))
            .with_for_update(skip_locked=True)
        )
    )
    .values(published_at=func.now())
    .returning(*outbox_events.c)
)


def _by_id(row: Any) -> int:
    return int(row.id)


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        producer: AIOKafkaProducer,
        *,
        source: str,
        batch_size: int = 200,
        idle_seconds: float = 5.0,
        busy_retry_seconds: float = 0.05,
        linger_seconds: float = 0.002,
        housekeeping_seconds: float = 30.0,
        retention: timedelta = timedelta(days=1),
    ) -> None:
        self.db = db
        self.producer = producer
        self.source = source
        self.batch_size = batch_size
        # Events written in this process wake the relay at once; the idle wait is only a safety net for
        # rows another process wrote (a replica whose relay was busy, a tool), so it can be long.
        self.idle_seconds = idle_seconds
        self.busy_retry_seconds = busy_retry_seconds
        # After a wake-up, wait this long for the commits right behind it: one batch instead of several.
        self.linger_seconds = linger_seconds
        self.housekeeping_seconds = housekeeping_seconds
        self.retention = retention
        self._leader_busy = False
        self._wake = asyncio.Event()
        self._last_housekeeping = 0.0

    def wake(self) -> None:
        """Called after a commit that wrote events, so they leave without waiting for the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                published = await self.publish_batch()
            except Exception:
                log.exception("outbox_relay_failed")
                published = 0
                await asyncio.sleep(1.0)
            try:
                # Also while Kafka is down: the backlog gauges are what the OutboxBacklog alert watches.
                await self._housekeeping()
            except Exception:
                log.exception("outbox_housekeeping_failed")
            if published < self.batch_size:
                self._wake.clear()
                # Another relay held the lock: our rows may have been committed after its batch began.
                wait = self.busy_retry_seconds if self._leader_busy else self.idle_seconds
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
                    if self.linger_seconds:
                        await asyncio.sleep(self.linger_seconds)

    async def flush(self, within_seconds: float) -> int:
        """Publish everything pending (used at shutdown); returns how many were published."""
        deadline = time.monotonic() + within_seconds
        total = 0
        while time.monotonic() < deadline:
            published = await self.publish_batch()
            total += published
            if published == 0:
                break
        return total

    async def publish_batch(self) -> int:
        with bookkeeping():
            async with self.db.transaction() as conn:
                self._leader_busy = not await conn.scalar(_LEADER_LOCK)
                if self._leader_busy:
                    return 0
                # Marked and read in one statement; the mark only counts if every send is acknowledged
                # (acks=all) before the commit: if one fails, the transaction rolls back and the batch is
                # sent again (consumers de-duplicate).
                rows = sorted((await conn.execute(_CLAIM_BATCH, {"batch": self.batch_size})).all(), key=_by_id)
                if not rows:
                    return 0
                pending = [await self._send(row) for row in rows]
                await asyncio.gather(*pending)
        for row in rows:
            metrics.outbox_published.labels(row.topic).inc()
            metrics.kafka_produced.labels(row.topic, row.event_type).inc()
        return len(rows)

    async def _send(self, row: Any) -> "asyncio.Future[Any]":
        stored: dict[str, str] = dict(row.headers)
        # The publish span is a child of the request that wrote the event, so the trace crosses the outbox.
        with tracer().start_as_current_span(
            f"{row.topic} publish",
            context=context_from_headers(stored),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": row.topic,
                "messaging.message.id": str(row.event_id),
                "matjip.event_type": row.event_type,
                **({"matjip.order_id": row.payload["order_id"]} if "order_id" in row.payload else {}),
            },
        ):
            trace_headers = current_trace_headers()
        envelope = Envelope(
            event_id=row.event_id,
            event_type=row.event_type,
            event_version=row.event_version,
            source=self.source,
            occurred_at=datetime.fromisoformat(stored["occurred_at"]) if "occurred_at" in stored else row.created_at,
            key=row.key,
            payload=row.payload,
            trace_headers=trace_headers,
        )
        future: asyncio.Future[Any] = await self.producer.send(
            row.topic,
            value=envelope.kafka_value(),
            key=row.key.encode(),
            headers=envelope.kafka_headers(),
        )
        return future

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < self.housekeeping_seconds:
            return
        self._last_housekeeping = now
        with bookkeeping():
            await self._measure_and_purge()

    async def _measure_and_purge(self) -> None:
        async with self.db.transaction() as conn:
            count, oldest = (
                await conn.execute(
                    select(func.count(), func.min(outbox_events.c.created_at)).where(
                        outbox_events.c.published_at.is_(None)
                    )
                )
            ).one()
            metrics.outbox_pending.set(count)
            metrics.outbox_oldest_age.set((datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0)
            await conn.execute(
                delete(outbox_events).where(outbox_events.c.published_at < datetime.now(UTC) - self.retention)
            )
