"""The store-acceptance timeout: cancelling paid orders no store answered in time."""

from datetime import datetime

import structlog

from matjip_order.application.steps import commit_step
from matjip_order.components import OrderComponents
from matjip_order.domain import saga
from matjip_order.repository import orders
from matjip_platform.telemetry import set_order_id, tracer

log = structlog.get_logger(__name__)

BATCH = 50


async def cancel_overdue_orders(
    components: OrderComponents, now: datetime, *, overdue_since: datetime | None = None
) -> int:
    """Cancel one batch of orders whose `accept_by` is at or before `overdue_since` (default `now`);
    returns how many. Rows locked by another replica are skipped, so any number of replicas can run this
    together and each order is cancelled once."""
    async with components.unit_of_work() as uow:
        overdue = await orders.lock_overdue_awaiting_store(uow.conn, overdue_since or now, BATCH)
        for order in overdue:
            with (
                tracer().start_as_current_span("order store-acceptance timeout"),
                structlog.contextvars.bound_contextvars(order_id=str(order.order_id)),
            ):
                set_order_id(order.order_id)
                await commit_step(uow, order, saga.on_acceptance_deadline(order, now))
                log.info("order_store_timeout")
    return len(overdue)


async def next_acceptance_deadline(components: OrderComponents) -> datetime | None:
    """The earliest `accept_by` of the orders waiting for their store (None: none is waiting)."""
    async with components.unit_of_work() as uow:
        return await orders.earliest_acceptance_deadline(uow.conn)
