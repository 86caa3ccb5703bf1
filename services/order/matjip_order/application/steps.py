"""Committing a saga step: the order row, its OrderStatusChanged events and its commands, together."""

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from matjip_contracts.events import Event
from matjip_order import metrics
from matjip_order.domain.order import Order
from matjip_order.domain.saga import Step
from matjip_order.events.messages import status_changed
from matjip_order.repository import orders
from matjip_platform.outbox import Outbox


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction commits (never on rollback): metrics count what
    happened, not what was attempted and retried."""
    event.listen(session.sync_session, "after_commit", lambda _session: callback(), once=True)


def messages_of(step: Step) -> list[Event]:
    """Every transition is announced (OrderStatusChanged) before the commands it caused."""
    return [*(status_changed(step.order, t) for t in step.transitions), *step.commands]


async def commit_step(session: AsyncSession, outbox: Outbox, before: Order, step: Step) -> None:
    """Persist what the step changed and queue its messages, in the caller's (locked) transaction."""
    if step.order != before:
        await orders.save_order(session, step.order)
    messages = messages_of(step)
    if messages:
        await outbox.add(session, *messages)
    if step.transitions:
        after_commit(session, lambda: metrics.record_transitions(step.order, step.transitions))
