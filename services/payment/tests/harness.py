"""The payment service under test: running in-process against the real PostgreSQL, Kafka and Redis,
served over real HTTP on a free loopback port too (its adapter calls the mounted sandbox PG through it),
with a producer for order's commands and a live log of what payment publishes."""

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func, select

from matjip_contracts.events.base import Event
from matjip_contracts.events.common import OrderStatus, Role
from matjip_contracts.events.order import OrderStatusChanged
from matjip_contracts.events.payment import AuthorizePayment
from matjip_payment.components import PaymentComponents, components_of
from matjip_payment.domain.gateway import checkout_payment_key
from matjip_payment.reconciliation import ReconciliationReport, reconcile_once
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import outbox_events, processed_events
from matjip_platform.testing import RunningService, TestKeys

WAIT_SECONDS = 20.0
SANDBOX = "/api/payment/sandbox-pg"


class TopicLog:
    """Every message of one topic from its beginning, collected in the background while tests run."""

    def __init__(self, bootstrap: str, topic: str) -> None:
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

    def of_order(self, order_id: uuid.UUID, event_type: str | None = None) -> list[Envelope]:
        return [
            env
            for env in self.envelopes
            if env.key == str(order_id) and (event_type is None or env.event_type == event_type)
        ]

    async def wait_for(self, order_id: uuid.UUID, event_type: str, count: int = 1) -> list[Envelope]:
        def enough() -> bool:
            return len(self.of_order(order_id, event_type)) >= count

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(enough), WAIT_SECONDS)
            except TimeoutError:
                raise AssertionError(
                    f"{count} x {event_type} for {order_id} did not arrive; got {self.of_order(order_id)}"
                ) from None
        return self.of_order(order_id, event_type)


@dataclass
class PaymentUnderTest:
    service: RunningService
    keys: TestKeys
    topic_prefix: str
    producer: AIOKafkaProducer
    events: TopicLog

    @property
    def client(self) -> httpx.AsyncClient:
        return self.service.client

    @property
    def components(self) -> PaymentComponents:
        return components_of(self.service.runtime)

    def headers(self, user_id: uuid.UUID, role: Role = Role.CUSTOMER) -> dict[str, str]:
        return self.keys.auth_header(user_id, role)

    # --- order's side of the conversation ------------------------------------------------------------

    async def send(self, event: Event) -> Envelope:
        """Produce `event` as order would; returns its envelope (send it again to redeliver)."""
        envelope = Envelope.wrap(event, source="test")
        await self.redeliver(envelope, event.topic)
        return envelope

    async def redeliver(self, envelope: Envelope, topic: str) -> None:
        await self.producer.send_and_wait(
            self.topic_prefix + topic,
            value=envelope.kafka_value(),
            key=envelope.key.encode(),
            headers=envelope.kafka_headers(),
        )

    async def authorize(self, customer_id: uuid.UUID, amount: int = 18000) -> tuple[uuid.UUID, Envelope]:
        order_id = uuid.uuid4()
        envelope = await self.send(AuthorizePayment(order_id=order_id, customer_id=customer_id, amount=amount))
        return order_id, envelope

    async def order_status(self, order_id: uuid.UUID, customer_id: uuid.UUID, status: OrderStatus) -> Envelope:
        return await self.send(
            OrderStatusChanged(
                order_id=order_id,
                customer_id=customer_id,
                store_id=uuid.uuid4(),
                status=status,
                previous_status=OrderStatus.AWAITING_STORE,
                reason="customer_cancelled" if status is OrderStatus.CANCELLED else None,
                changed_at=datetime.now(UTC),
            )
        )

    async def processed(self, *envelopes: Envelope) -> None:
        """Wait until payment's consumer has committed the handling of these messages."""
        ids = {env.event_id for env in envelopes}

        async def done() -> bool:
            async with self.service.runtime.db.transaction() as session:
                found = await session.scalars(
                    select(processed_events.c.event_id).where(processed_events.c.event_id.in_(ids))
                )
                return set(found) == ids

        await poll(done, f"payment did not process {ids}")

    async def outbox(self, order_id: uuid.UUID, event_types: Iterable[str] | None = None) -> list[str]:
        """The event types payment has written for an order (published or not): the source of truth for
        "nothing more was published", without waiting for a message that should never come."""
        query = select(outbox_events.c.event_type).where(outbox_events.c.key == str(order_id))
        if event_types is not None:
            query = query.where(outbox_events.c.event_type.in_(list(event_types)))
        async with self.service.runtime.db.transaction() as session:
            return list(await session.scalars(query.order_by(outbox_events.c.id)))

    async def outbox_size(self) -> int:
        async with self.service.runtime.db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(outbox_events)) or 0)

    # --- the sandbox PG ------------------------------------------------------------------------------

    async def scenario(self, customer_id: uuid.UUID, behaviour: str) -> None:
        response = await self.client.put(f"{SANDBOX}/scenarios/{customer_id}", json={"behaviour": behaviour})
        assert response.status_code == 200, response.text

    async def charges(self, order_id: uuid.UUID) -> list[dict[str, Any]]:
        response = await self.client.get(f"{SANDBOX}/charges", params={"orderId": str(order_id)})
        assert response.status_code == 200, response.text
        charges: list[dict[str, Any]] = response.json()["charges"]
        return charges

    async def charge_behind_payments_back(self, order_id: uuid.UUID, customer_id: uuid.UUID, amount: int) -> None:
        """A charge payment never heard of (as when the PG charged and the answer was lost): made straight at
        the sandbox PG with an Idempotency-Key payment never uses."""
        body = {"paymentKey": checkout_payment_key(order_id, customer_id), "orderId": str(order_id), "amount": amount}
        response = await self.components.http.post(
            "/v1/payments/confirm",
            json=body,
            headers={"Idempotency-Key": f"lost-{uuid.uuid4()}"},
        )
        assert response.status_code == 200, response.text

    async def reconcile(self) -> ReconciliationReport:
        return await reconcile_once(self.components)

    async def payment(self, order_id: uuid.UUID) -> dict[str, Any]:
        response = await self.client.get(
            f"/api/payment/payments/{order_id}", headers=self.headers(uuid.uuid4(), Role.ADMIN)
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


async def poll(condition: Callable[[], Awaitable[bool]], message: str) -> None:
    """Wait until an async `condition()` is true (a bounded poll instead of a guessed sleep)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        await asyncio.sleep(0.05)
