"""The store service under test: running in-process against the real PostgreSQL, Kafka and Redis, with
callers of each role, a producer for the saga's commands and a live log of what store publishes."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from matjip_contracts.events.base import Event
from matjip_contracts.events.common import Role
from matjip_contracts.topics import STORE_COMMANDS
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import outbox_events, processed_events
from matjip_platform.testing import RunningService, TestKeys

WAIT_SECONDS = 20.0
ALWAYS_OPEN = [{"weekday": day, "opens": "00:00", "closes": "00:00"} for day in range(7)]
SEOUL_CITY_HALL = {"lat": 37.5663, "lng": 126.9779, "radius_m": 3000}


@dataclass(frozen=True)
class Caller:
    """Someone calling the API with a token store will verify."""

    user_id: uuid.UUID
    role: Role
    headers: dict[str, str]


class TopicLog:
    """Every message of one topic from its beginning, collected in the background while tests run."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.envelopes: list[Envelope] = []
        self._changed = asyncio.Condition()
        self._consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._collect())

    async def _collect(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=100)
            records = [record for records in batches.values() for record in records]
            if records:
                async with self._changed:
                    self.envelopes += [Envelope.from_kafka(r.key, r.value, r.headers) for r in records]
                    self._changed.notify_all()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    def matching(self, event_type: str | tuple[str, ...], **fields: Any) -> list[Envelope]:
        types = (event_type,) if isinstance(event_type, str) else event_type
        return [
            env
            for env in self.envelopes
            if env.event_type in types and all(env.payload.get(k) == v for k, v in fields.items())
        ]

    async def wait_for(self, event_type: str | tuple[str, ...], count: int = 1, **fields: Any) -> list[Envelope]:
        """The messages of `event_type` (or any of several) whose payload has `fields` (JSON values), once at
        least `count` arrived."""

        def enough() -> bool:
            return len(self.matching(event_type, **fields)) >= count

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(enough), WAIT_SECONDS)
            except TimeoutError:
                raise AssertionError(
                    f"{count} x {event_type} {fields} did not arrive; got {self.matching(event_type, **fields)}"
                ) from None
        return self.matching(event_type, **fields)


@dataclass
class StoreUnderTest:
    service: RunningService
    keys: TestKeys
    topic_prefix: str
    producer: AIOKafkaProducer
    events: TopicLog

    @property
    def client(self) -> httpx.AsyncClient:
        return self.service.client

    def caller(self, role: Role) -> Caller:
        user_id = uuid.uuid4()
        return Caller(user_id, role, self.keys.auth_header(user_id, role))

    # --- the saga's side of the conversation ---------------------------------------------------------

    async def send(self, event: Event) -> Envelope:
        """Produce `event` as the order service would; returns its envelope (send it again to redeliver)."""
        envelope = Envelope.wrap(event, source="test")
        await self.redeliver(envelope, event.topic)
        return envelope

    async def redeliver(self, envelope: Envelope, topic: str = STORE_COMMANDS) -> None:
        await self.producer.send_and_wait(
            self.topic_prefix + topic,
            value=envelope.kafka_value(),
            key=envelope.key.encode(),
            headers=envelope.kafka_headers(),
        )

    async def processed(self, *envelopes: Envelope) -> None:
        """Wait until store's consumer has committed the handling of these messages."""
        ids = {env.event_id for env in envelopes}

        async def done() -> bool:
            async with self.service.runtime.db.transaction() as session:
                found = await session.scalars(
                    select(processed_events.c.event_id).where(processed_events.c.event_id.in_(ids))
                )
                return set(found) == ids

        await poll(done, f"store did not process {ids}")

    def consumed(self, event_type: str, outcome: str, topic: str = STORE_COMMANDS) -> float:
        labels = {"topic": self.topic_prefix + topic, "event_type": event_type, "outcome": outcome}
        return REGISTRY.get_sample_value("kafka_messages_consumed_total", labels) or 0.0

    async def duplicate_skipped(self, envelope: Envelope, before: float, topic: str = STORE_COMMANDS) -> None:
        """Wait until the consumer has seen a redelivered message (and skipped it)."""

        async def seen() -> bool:
            return self.consumed(envelope.event_type, "duplicate", topic) > before

        await poll(seen, f"the redelivered {envelope.event_type} was not seen")

    async def outbox_count(self, key: str, event_types: Iterable[str] | None = None) -> int:
        """How many events store has written (published or not) under a Kafka key: the source of truth for
        "nothing more was published", without waiting for a message that should never come."""
        query = select(func.count()).select_from(outbox_events).where(outbox_events.c.key == key)
        if event_types is not None:
            query = query.where(outbox_events.c.event_type.in_(list(event_types)))
        async with self.service.runtime.db.transaction() as session:
            return int(await session.scalar(query) or 0)

    # --- the owner's side ----------------------------------------------------------------------------

    async def create_store(self, owner: Caller, **overrides: Any) -> dict[str, Any]:
        body = {
            "name": f"Store {uuid.uuid4().hex[:6]}",
            "timezone": "Asia/Seoul",
            "opening_hours": ALWAYS_OPEN,
            "delivery_area": SEOUL_CITY_HALL,
            **overrides,
        }
        response = await self.client.post("/api/store/stores", json=body, headers=owner.headers)
        assert response.status_code == 201, response.text
        store: dict[str, Any] = response.json()
        return store

    async def create_item(self, owner: Caller, store_id: str, **overrides: Any) -> dict[str, Any]:
        body = {"name": f"Dish {uuid.uuid4().hex[:6]}", "price": 9000, **overrides}
        response = await self.client.post(f"/api/store/stores/{store_id}/menu-items", json=body, headers=owner.headers)
        assert response.status_code == 201, response.text
        item: dict[str, Any] = response.json()
        return item

    async def item(self, store_id: str, item_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/store/stores/{store_id}/menu-items/{item_id}")
        assert response.status_code == 200, response.text
        item: dict[str, Any] = response.json()
        return item


async def poll(condition: Callable[[], Any], message: str) -> None:
    """Wait until an async `condition()` is true (a bounded poll instead of a guessed sleep)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(0.05)


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert a problem+json answer with this status and code; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body
