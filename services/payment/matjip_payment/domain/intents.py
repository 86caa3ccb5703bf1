"""The payment intent of an order (one per order) and the rules that decide what to do with it."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from matjip_contracts.events.common import OrderStatus, Role


class IntentStatus(StrEnum):
    PENDING = "PENDING"  # only ever seen inside the transaction that asks the gateway
    AUTHORIZED = "AUTHORIZED"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"


# Every allowed move; anything else is a bug. FAILED -> AUTHORIZED is the reconciliation finding a charge
# the intent did not know about (the gateway charged, then failed to answer).
TRANSITIONS: dict[IntentStatus, frozenset[IntentStatus]] = {
    IntentStatus.PENDING: frozenset({IntentStatus.AUTHORIZED, IntentStatus.FAILED}),
    IntentStatus.FAILED: frozenset({IntentStatus.AUTHORIZED}),
    IntentStatus.AUTHORIZED: frozenset({IntentStatus.REFUNDED}),
    IntentStatus.REFUNDED: frozenset(),
}


class IllegalIntentTransition(Exception):
    pass


def check_transition(current: IntentStatus, to: IntentStatus) -> None:
    if to not in TRANSITIONS[current]:
        raise IllegalIntentTransition(f"a payment intent cannot go from {current} to {to}")


@dataclass(frozen=True)
class PaymentIntent:
    payment_id: UUID
    order_id: UUID
    customer_id: UUID | None  # unknown only for a charge the reconciliation found with no trace of its order
    amount: int
    currency: str
    status: IntentStatus
    payment_key: str | None
    failure_reason: str | None
    failure_code: str | None
    created_at: datetime
    updated_at: datetime
    authorized_at: datetime | None
    failed_at: datetime | None
    refunded_at: datetime | None


class AuthorizationDecision(StrEnum):
    CHARGE = "CHARGE"
    ALREADY_DECIDED = "ALREADY_DECIDED"  # a redelivered or repeated command: its outcome was already published
    REFUSE_ORDER_CANCELLED = "REFUSE_ORDER_CANCELLED"


def decide_authorization(
    current: IntentStatus, *, order_cancelled: bool, refund_requested: bool
) -> AuthorizationDecision:
    """What an AuthorizePayment command does, given the order's intent (PENDING when it is new)."""
    if current is not IntentStatus.PENDING:
        return AuthorizationDecision.ALREADY_DECIDED
    if order_cancelled or refund_requested:
        # The order is already over: charging now would only mean refunding at once.
        return AuthorizationDecision.REFUSE_ORDER_CANCELLED
    return AuthorizationDecision.CHARGE


class RefundDecision(StrEnum):
    REFUND = "REFUND"
    NOTHING_CHARGED = "NOTHING_CHARGED"
    ALREADY_REFUNDED = "ALREADY_REFUNDED"


def decide_refund(current: IntentStatus | None) -> RefundDecision:
    """What a RefundPayment command does. Nothing charged means nothing to refund: the request is
    recorded (a charge found later by the reconciliation is then refunded) and no event is published."""
    if current is IntentStatus.AUTHORIZED:
        return RefundDecision.REFUND
    if current is IntentStatus.REFUNDED:
        return RefundDecision.ALREADY_REFUNDED
    return RefundDecision.NOTHING_CHARGED


def refund_due(current: IntentStatus | None, *, order_status: OrderStatus | None, refund_requested: bool) -> bool:
    """Whether money we hold must go back: a charge for a cancelled order, or a refund asked for."""
    return current is IntentStatus.AUTHORIZED and (order_status is OrderStatus.CANCELLED or refund_requested)


def visible_to(intent_customer: UUID | None, *, user_id: UUID, role: Role) -> bool:
    """An intent is shown to its customer and to admins; to anyone else it does not exist."""
    return role is Role.ADMIN or (role is Role.CUSTOMER and intent_customer == user_id)
