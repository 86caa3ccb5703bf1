"""The order aggregate: its state, the one table of allowed transitions (docs/saga.md), and its refunds."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID

from matjip_contracts.events import OrderLine, OrderStatus
from matjip_order.domain.errors import IllegalTransition

S = OrderStatus

# Any move not listed here is refused. CANCELLED and COMPLETED are final.
TRANSITIONS: MappingProxyType[OrderStatus, frozenset[OrderStatus]] = MappingProxyType(
    {
        S.PLACED: frozenset({S.STOCK_RESERVED, S.CANCELLED}),
        S.STOCK_RESERVED: frozenset({S.AWAITING_STORE, S.CANCELLED}),
        S.AWAITING_STORE: frozenset({S.ACCEPTED, S.CANCELLED}),
        S.ACCEPTED: frozenset({S.PREPARING, S.READY}),
        S.PREPARING: frozenset({S.READY}),
        S.READY: frozenset({S.PICKED_UP, S.DELIVERED}),
        S.PICKED_UP: frozenset({S.COMPLETED}),
        S.DELIVERED: frozenset({S.COMPLETED}),
        S.COMPLETED: frozenset(),
        S.CANCELLED: frozenset(),
    }
)

# The customer may change their mind until the store has committed to cooking.
CANCELLABLE = frozenset({S.PLACED, S.STOCK_RESERVED, S.AWAITING_STORE})


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


class PaymentStatus(StrEnum):
    """What order knows of the order's money, so a refund is asked for once and its completion is seen."""

    NOT_AUTHORIZED = "not_authorized"
    AUTHORIZED = "authorized"
    FAILED = "failed"
    REFUND_REQUESTED = "refund_requested"
    REFUNDED = "refunded"


class CancelReason(StrEnum):
    """Why an order ended CANCELLED: the `reason` of its OrderStatusChanged and the metric label."""

    CUSTOMER_CANCELLED = "customer_cancelled"
    PAYMENT_FAILED = "payment_failed"
    STORE_REJECTED = "store_rejected"
    STORE_TIMEOUT = "store_timeout"
    SOLD_OUT = "sold_out"
    STORE_CLOSED = "store_closed"
    UNKNOWN_ITEM = "unknown_item"


@dataclass(frozen=True)
class Transition:
    """One move of the state machine, with how long the order sat in the state it left."""

    previous: OrderStatus
    status: OrderStatus
    reason: str
    at: datetime
    entered_previous_at: datetime

    @property
    def seconds_in_previous(self) -> float:
        return max((self.at - self.entered_previous_at).total_seconds(), 0.0)


@dataclass(frozen=True)
class Order:
    order_id: UUID
    customer_id: UUID
    store_id: UUID
    status: OrderStatus
    lines: tuple[OrderLine, ...]
    total_amount: int
    placed_at: datetime
    status_changed_at: datetime
    # How long the store has to answer once the order is paid: fixed when the order is placed.
    acceptance_window: timedelta
    accept_by: datetime | None = None
    prep_minutes: int | None = None
    cancel_reason: str | None = None
    cancel_detail: str | None = None
    payment_status: PaymentStatus = PaymentStatus.NOT_AUTHORIZED
    payment_id: UUID | None = None

    @classmethod
    def place(
        cls,
        *,
        order_id: UUID,
        customer_id: UUID,
        store_id: UUID,
        lines: tuple[OrderLine, ...],
        at: datetime,
        acceptance_window: timedelta,
    ) -> "Order":
        return cls(
            order_id=order_id,
            customer_id=customer_id,
            store_id=store_id,
            status=S.PLACED,
            lines=lines,
            total_amount=sum(line.unit_price * line.quantity for line in lines),
            placed_at=at,
            status_changed_at=at,
            acceptance_window=acceptance_window,
        )

    def can_move_to(self, target: OrderStatus) -> bool:
        return can_transition(self.status, target)

    def move_to(self, target: OrderStatus, *, reason: str, at: datetime) -> tuple["Order", Transition]:
        """The order in `target`, and the transition to announce; IllegalTransition if the table refuses."""
        if not self.can_move_to(target):
            raise IllegalTransition(
                f"Order {self.order_id} cannot go from {self.status} to {target}.",
                current_status=self.status.value,
            )
        moved = replace(self, status=target, status_changed_at=at)
        return moved, Transition(self.status, target, reason, at, self.status_changed_at)

    @property
    def is_cancellable(self) -> bool:
        return self.status in CANCELLABLE

    @property
    def holds_customer_money(self) -> bool:
        """A payment was authorized and no refund has been asked for yet."""
        return self.payment_status is PaymentStatus.AUTHORIZED
