"""Which consumed events take effect in a service: a handler for the type, and its `only` filter."""

import uuid

from matjip_contracts.events import PaymentAuthorized, PaymentFailed
from matjip_platform.envelope import Envelope
from matjip_platform.handlers import EventHandlers, HandlerContext


async def _handle(ctx: HandlerContext[None], event: PaymentAuthorized) -> None:
    return None


def test_an_event_is_acted_on_only_with_a_handler_whose_filter_takes_it() -> None:
    handlers: EventHandlers[None] = EventHandlers()
    handlers.on(PaymentAuthorized, only=lambda event: event.amount > 10)(_handle)
    order = uuid.uuid4()

    def authorized(amount: int) -> Envelope:
        return Envelope.wrap(PaymentAuthorized(order_id=order, payment_id=uuid.uuid4(), amount=amount), source="t")

    assert handlers.acts_on(authorized(11))
    assert not handlers.acts_on(authorized(10))  # skipped by the filter: no inbox row will show it
    failed = Envelope.wrap(PaymentFailed(order_id=order, reason="card_declined"), source="t")
    assert not handlers.acts_on(failed)  # no handler for the type
