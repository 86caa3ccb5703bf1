"""Commands order sends to payment, and the events payment publishes."""

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from matjip_contracts import topics
from matjip_contracts.events.base import Event


class AuthorizePayment(Event):
    event_type: ClassVar[str] = "payment.authorize"
    topic: ClassVar[str] = topics.PAYMENT_COMMANDS

    order_id: UUID
    customer_id: UUID
    amount: int = Field(gt=0)
    currency: str = "KRW"

    def key(self) -> str:
        return str(self.order_id)


class RefundPayment(Event):
    event_type: ClassVar[str] = "payment.refund"
    topic: ClassVar[str] = topics.PAYMENT_COMMANDS

    order_id: UUID
    reason: str

    def key(self) -> str:
        return str(self.order_id)


class PaymentAuthorized(Event):
    event_type: ClassVar[str] = "payment.authorized"
    topic: ClassVar[str] = topics.PAYMENT_EVENTS

    order_id: UUID
    payment_id: UUID
    amount: int

    def key(self) -> str:
        return str(self.order_id)


class PaymentFailed(Event):
    event_type: ClassVar[str] = "payment.failed"
    topic: ClassVar[str] = topics.PAYMENT_EVENTS

    order_id: UUID
    reason: str

    def key(self) -> str:
        return str(self.order_id)


class PaymentRefunded(Event):
    event_type: ClassVar[str] = "payment.refunded"
    topic: ClassVar[str] = topics.PAYMENT_EVENTS

    order_id: UUID
    payment_id: UUID
    amount: int

    def key(self) -> str:
        return str(self.order_id)
