"""The payment service under test: running in-process against the real PostgreSQL, Kafka and Redis, its
adapter calling the sandbox PG over real HTTP, with a producer for order's commands, a live log of what
payment publishes and the sandbox's control API (scenarios, the charges it holds)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from matjip_contracts.events.common import OrderStatus, Role
from matjip_contracts.events.order import OrderStatusChanged
from matjip_contracts.events.payment import AuthorizePayment
from matjip_payment.components import PaymentComponents
from matjip_payment.domain.gateway import checkout_payment_key
from matjip_payment.reconciliation import ReconciliationReport, reconcile_once
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import outbox_events
from matjip_platform.testing import ServiceUnderTest, TopicLog
from matjip_sandbox_pg.client import Behaviour, Charge, SandboxPgClient


@dataclass
class PaymentUnderTest(ServiceUnderTest):
    events: TopicLog  # payment.events
    pg: SandboxPgClient  # the sandbox PG's control API

    @property
    def components(self) -> PaymentComponents:
        components: PaymentComponents = self.service.components
        return components

    def headers(self, user_id: uuid.UUID, role: Role = Role.CUSTOMER) -> dict[str, str]:
        return self.keys.auth_header(user_id, role)

    # --- order's side of the conversation ------------------------------------------------------------

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

    async def outbox(self, order_id: uuid.UUID, event_types: Iterable[str] | None = None) -> list[str]:
        """The event types payment has written for an order (published or not): the source of truth for
        "nothing more was published", without waiting for a message that should never come."""
        query = select(outbox_events.c.event_type).where(outbox_events.c.key == str(order_id))
        if event_types is not None:
            query = query.where(outbox_events.c.event_type.in_(list(event_types)))
        async with self.service.runtime.db.transaction() as conn:
            return list(await conn.scalars(query.order_by(outbox_events.c.id)))

    async def outbox_size(self) -> int:
        async with self.service.runtime.db.transaction() as conn:
            return int(await conn.scalar(select(func.count()).select_from(outbox_events)) or 0)

    # --- the sandbox PG ------------------------------------------------------------------------------

    async def scenario(self, customer_id: uuid.UUID, behaviour: Behaviour) -> None:
        await self.pg.set_scenario(customer_id, behaviour)

    async def charges(self, order_id: uuid.UUID) -> list[Charge]:
        return await self.pg.charges(order_id)

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
