"""Who is told what about an order: the routing rules of notifications (no I/O).

- The customer hears about their order: it was placed, then every transition.
- The store's owner hears about orders awaiting their acceptance, and about the cancellation of orders
  that had reached their inbox (an order cancelled before it got there, e.g. on a failed payment, was
  never theirs to know about).
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from matjip_contracts.events.common import OrderLine, OrderStatus
from matjip_contracts.events.order import OrderPlaced, OrderStatusChanged


class Audience(StrEnum):
    CUSTOMER = "CUSTOMER"
    STORE_OWNER = "STORE_OWNER"  # resolved to a user through the store's owner


class Kind(StrEnum):
    """The SSE `event:` field of a notification."""

    ORDER_PLACED = "order.placed"
    ORDER_STATUS_CHANGED = "order.status-changed"
    STORE_ORDER_AWAITING_ACCEPTANCE = "store.order-awaiting-acceptance"
    STORE_ORDER_CANCELLED = "store.order-cancelled"


CUSTOMER_MESSAGES: dict[OrderStatus, str] = {
    OrderStatus.PLACED: "Your order was placed.",
    OrderStatus.STOCK_RESERVED: "The store has what you ordered; taking payment.",
    OrderStatus.AWAITING_STORE: "Payment done; waiting for the store to accept your order.",
    OrderStatus.ACCEPTED: "The store accepted your order.",
    OrderStatus.PREPARING: "The store is preparing your order.",
    OrderStatus.READY: "Your order is ready.",
    OrderStatus.PICKED_UP: "Your order was picked up.",
    OrderStatus.DELIVERED: "Your order was delivered.",
    OrderStatus.COMPLETED: "Your order is complete. Enjoy!",
    OrderStatus.CANCELLED: "Your order was cancelled.",
}

# Statuses in which an order sits in (or has passed through) the owner's inbox.
REACHED_THE_STORE = frozenset(
    {
        OrderStatus.AWAITING_STORE,
        OrderStatus.ACCEPTED,
        OrderStatus.PREPARING,
        OrderStatus.READY,
        OrderStatus.PICKED_UP,
        OrderStatus.DELIVERED,
    }
)


@dataclass(frozen=True)
class OrderSummary:
    """What notification remembers of a placed order, to tell the owner what was ordered."""

    total_amount: int
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True)
class Delivery:
    audience: Audience
    store_id: UUID
    order_id: UUID
    kind: Kind
    # Unique per recipient: a replayed or repeated event never notifies twice.
    dedup_key: str
    body: dict[str, Any] = field(hash=False)
    customer_id: UUID | None = None  # the recipient when the audience is CUSTOMER

    def __post_init__(self) -> None:
        if (self.audience is Audience.CUSTOMER) != (self.customer_id is not None):
            raise ValueError("a customer delivery names its customer; an owner delivery names none")


def _lines(lines: tuple[OrderLine, ...]) -> list[dict[str, Any]]:
    return [{"name": line.name, "quantity": line.quantity, "unit_price": line.unit_price} for line in lines]


def _at(moment: datetime) -> str:
    return moment.isoformat()


def route_order_placed(event: OrderPlaced) -> list[Delivery]:
    body = {
        "order_id": str(event.order_id),
        "store_id": str(event.store_id),
        "status": OrderStatus.PLACED.value,
        "message": CUSTOMER_MESSAGES[OrderStatus.PLACED],
        "total_amount": event.total_amount,
        "occurred_at": _at(event.placed_at),
    }
    return [
        Delivery(
            audience=Audience.CUSTOMER,
            customer_id=event.customer_id,
            store_id=event.store_id,
            order_id=event.order_id,
            kind=Kind.ORDER_PLACED,
            dedup_key=f"{event.order_id}:{Kind.ORDER_PLACED}",
            body=body,
        )
    ]


def route_status_change(event: OrderStatusChanged, order: OrderSummary | None) -> list[Delivery]:
    common = {
        "order_id": str(event.order_id),
        "store_id": str(event.store_id),
        "status": event.status.value,
        "previous_status": event.previous_status.value,
        "reason": event.reason,
        "occurred_at": _at(event.changed_at),
    }
    deliveries = [
        Delivery(
            audience=Audience.CUSTOMER,
            customer_id=event.customer_id,
            store_id=event.store_id,
            order_id=event.order_id,
            kind=Kind.ORDER_STATUS_CHANGED,
            dedup_key=f"{event.order_id}:{Kind.ORDER_STATUS_CHANGED}:{event.status}",
            body={**common, "message": CUSTOMER_MESSAGES[event.status]},
        )
    ]
    if event.status is OrderStatus.AWAITING_STORE:
        details = {"total_amount": order.total_amount, "lines": _lines(order.lines)} if order else {}
        deliveries.append(
            Delivery(
                audience=Audience.STORE_OWNER,
                store_id=event.store_id,
                order_id=event.order_id,
                kind=Kind.STORE_ORDER_AWAITING_ACCEPTANCE,
                dedup_key=f"{event.order_id}:{Kind.STORE_ORDER_AWAITING_ACCEPTANCE}",
                body={**common, "message": "A new order awaits your acceptance.", **details},
            )
        )
    elif event.status is OrderStatus.CANCELLED and event.previous_status in REACHED_THE_STORE:
        deliveries.append(
            Delivery(
                audience=Audience.STORE_OWNER,
                store_id=event.store_id,
                order_id=event.order_id,
                kind=Kind.STORE_ORDER_CANCELLED,
                dedup_key=f"{event.order_id}:{Kind.STORE_ORDER_CANCELLED}",
                body={**common, "message": "An order of your store was cancelled."},
            )
        )
    return deliveries
