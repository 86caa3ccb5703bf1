"""Committing a saga step: the order row, its OrderStatusChanged events and its commands, together."""

from collections.abc import Callable

from matjip_contracts.events import Event, OrderStatus
from matjip_order import metrics
from matjip_order.domain.order import Order
from matjip_order.domain.saga import Step
from matjip_order.events.messages import status_changed
from matjip_order.repository import orders
from matjip_platform.unit_of_work import UnitOfWork


def messages_of(step: Step) -> list[Event]:
    """Every transition is announced (OrderStatusChanged) before the commands it caused."""
    return [*(status_changed(step.order, t) for t in step.transitions), *step.commands]


async def commit_step(
    uow: UnitOfWork, before: Order, step: Step, *, on_awaiting_store: Callable[[], None] | None = None
) -> None:
    """Persist what the step changed and queue its messages, in the caller's (locked) transaction.
    Metrics count the transitions once they have committed; `on_awaiting_store` runs after the commit of
    a step that left the order waiting for its store (a new acceptance deadline)."""
    if step.order != before:
        await orders.save_order(uow.conn, step.order)
    messages = messages_of(step)
    if messages:
        await uow.emit(*messages)
    if step.transitions:
        uow.after_commit(lambda: metrics.record_transitions(step.order, step.transitions))
        if on_awaiting_store is not None and step.order.status is OrderStatus.AWAITING_STORE:
            uow.after_commit(on_awaiting_store)
