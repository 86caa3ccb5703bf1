"""What a payment gateway can answer, in the domain's words. The adapter maps the PG's HTTP answers and
error codes to these values; the rest of the service never sees an HTTP status."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID


class ChargeState(StrEnum):
    CHARGED = "CHARGED"  # the customer's money was taken (the PG's DONE)
    CANCELLED = "CANCELLED"  # taken, then given back in full (the PG's CANCELED)
    NOT_CHARGED = "NOT_CHARGED"  # any other PG state: started, aborted, expired


@dataclass(frozen=True)
class GatewayPayment:
    """One payment as the gateway knows it."""

    payment_key: str
    order_id: UUID
    amount: int
    state: ChargeState
    approved_at: datetime | None


@dataclass(frozen=True)
class Approved:
    payment: GatewayPayment


@dataclass(frozen=True)
class Declined:
    """The PG said no for a reason of the customer's card or account: final, never retried."""

    code: str
    message: str

    @property
    def reason(self) -> str:
        return decline_reason(self.code)


@dataclass(frozen=True)
class Unavailable:
    """The gateway could not be asked, or could not say what happened (timeouts, network, 5xx, a
    misconfigured key). The reconciliation job settles whatever the gateway did meanwhile."""

    detail: str


@dataclass(frozen=True)
class Cancelled:
    payment_key: str


@dataclass(frozen=True)
class NothingToCancel:
    """The gateway has no such payment: nothing was charged under this key."""

    detail: str


@dataclass(frozen=True)
class CancelRefused:
    """The gateway refuses the cancellation (e.g. not cancelable any more): an operator must look."""

    code: str
    message: str


ConfirmOutcome = Approved | Declined | Unavailable
CancelOutcome = Cancelled | NothingToCancel | CancelRefused | Unavailable


class GatewayUnavailable(Exception):
    """A read from the gateway failed after its retries."""


class PaymentGateway(Protocol):
    async def confirm(self, *, order_id: UUID, customer_id: UUID, amount: int) -> ConfirmOutcome: ...

    async def cancel(self, *, order_id: UUID, payment_key: str, reason: str) -> CancelOutcome: ...

    async def find_payment(self, order_id: UUID) -> GatewayPayment | None: ...

    async def list_payments(self, since: datetime, until: datetime) -> list[GatewayPayment]: ...


# Reasons PaymentFailed carries (order only needs to know it failed; support and analytics want why).
CARD_DECLINED = "card_declined"
LIMIT_EXCEEDED = "limit_exceeded"
INVALID_CARD = "invalid_card"
RISK_REJECTED = "risk_rejected"
PAYMENT_REJECTED = "payment_rejected"
GATEWAY_UNAVAILABLE = "gateway_unavailable"
ORDER_CANCELLED = "order_cancelled"

_DECLINE_REASONS: dict[str, str] = {
    "REJECT_CARD_PAYMENT": CARD_DECLINED,
    "REJECT_CARD_COMPANY": CARD_DECLINED,
    "REJECT_ACCOUNT_PAYMENT": CARD_DECLINED,
    "INVALID_REJECT_CARD": CARD_DECLINED,
    "NOT_AVAILABLE_PAYMENT": CARD_DECLINED,
    "EXCEED_MAX_DAILY_PAYMENT_COUNT": LIMIT_EXCEEDED,
    "EXCEED_MAX_PAYMENT_AMOUNT": LIMIT_EXCEEDED,
    "EXCEED_MAX_AMOUNT": LIMIT_EXCEEDED,
    "EXCEED_MAX_ONE_DAY_AMOUNT": LIMIT_EXCEEDED,
    "EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT": LIMIT_EXCEEDED,
    "INVALID_CARD_EXPIRATION": INVALID_CARD,
    "INVALID_STOPPED_CARD": INVALID_CARD,
    "INVALID_CARD_NUMBER": INVALID_CARD,
    "INVALID_CARD_LOST_OR_STOLEN": INVALID_CARD,
    "RESTRICTED_CARD": INVALID_CARD,
    "FDS_ERROR": RISK_REJECTED,
}


def decline_reason(code: str) -> str:
    """The domain reason of a PG decline code; unknown codes are a generic rejection."""
    return _DECLINE_REASONS.get(code, PAYMENT_REJECTED)


# Codes that say our side is misconfigured (key, contract), not that the customer's card was refused.
CONFIGURATION_ERROR_CODES = frozenset(
    {"UNAUTHORIZED_KEY", "INVALID_API_KEY", "FORBIDDEN_REQUEST", "INVALID_AUTHORIZE_AUTH", "INVALID_REQUEST"}
)


def checkout_payment_key(order_id: UUID, customer_id: UUID) -> str:
    """The paymentKey of an order's checkout.

    With a real PG the checkout widget returns it once the customer has authenticated their card. The
    saga has no client-side checkout step, so payment issues the key the widget would: deterministic per
    order (retries and reconciliation agree on it) and bound to the customer (the sandbox reads the
    customer's scenario from it).
    """
    return f"mjp_{customer_id.hex}_{order_id.hex}"


def customer_of_payment_key(payment_key: str) -> UUID | None:
    parts = payment_key.split("_")
    if len(parts) != 3 or parts[0] != "mjp":
        return None
    try:
        return UUID(hex=parts[1])
    except ValueError:
        return None


def idempotency_key(order_id: UUID, operation: str) -> str:
    """The Idempotency-Key of one operation on one order: every retry and redelivery reuses it, so the
    PG answers the first result instead of charging (or refunding) again."""
    return f"matjip-{order_id}-{operation}"
