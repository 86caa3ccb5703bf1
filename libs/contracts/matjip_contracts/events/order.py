"""Events published by order (the saga orchestrator)."""

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from matjip_contracts import topics
from matjip_contracts.events.base import Event
from matjip_contracts.events.common import OrderLine, OrderStatus


class OrderPlaced(Event):
    event_type: ClassVar[str] = "order.placed"
    topic: ClassVar[str] = topics.ORDER_EVENTS

    order_id: UUID
    customer_id: UUID
    store_id: UUID
    lines: tuple[OrderLine, ...]
    total_amount: int
    placed_at: datetime

    def key(self) -> str:
        return str(self.order_id)


class OrderStatusChanged(Event):
    """Every transition of the order state machine, for read models and notifications."""

    event_type: ClassVar[str] = "order.status-changed"
    topic: ClassVar[str] = topics.ORDER_EVENTS

    order_id: UUID
    customer_id: UUID
    store_id: UUID
    status: OrderStatus
    previous_status: OrderStatus
    reason: str | None = None
    changed_at: datetime

    def key(self) -> str:
        return str(self.order_id)
