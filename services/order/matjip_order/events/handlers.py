"""What order consumes: store's catalog snapshots (its read model) and the saga's replies.

Each saga handler locks the order row, lets domain/saga.py decide, and commits the step with the
inbox record (the consumer de-duplicates redeliveries; the saga's status guards absorb stale messages).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import structlog

from matjip_contracts.events import (
    MenuItemUpdated,
    OrderAcceptedByStore,
    OrderProgressedAtStore,
    OrderRejectedByStore,
    PaymentAuthorized,
    PaymentFailed,
    PaymentRefunded,
    StockReservationRejected,
    StockReserved,
    StoreUpdated,
)
from matjip_order.application.steps import commit_step
from matjip_order.components import OrderComponents
from matjip_order.domain import saga
from matjip_order.domain.order import Order
from matjip_order.repository import catalog, orders
from matjip_platform.handlers import EventHandlers, HandlerContext
from matjip_platform.telemetry import set_order_id

log = structlog.get_logger(__name__)

handlers: EventHandlers[OrderComponents] = EventHandlers()
Context = HandlerContext[OrderComponents]


# --- the read model -----------------------------------------------------------------------------------


@handlers.on(StoreUpdated)
async def store_updated(ctx: Context, event: StoreUpdated) -> None:
    if not await catalog.apply_store_updated(ctx.conn, event):
        log.info("stale_store_snapshot_ignored", store_id=str(event.store_id), revision=event.revision)


@handlers.on(MenuItemUpdated)
async def menu_item_updated(ctx: Context, event: MenuItemUpdated) -> None:
    if not await catalog.apply_menu_item_updated(ctx.conn, event):
        log.info("stale_menu_item_snapshot_ignored", menu_item_id=str(event.menu_item_id), revision=event.revision)


# --- the saga -----------------------------------------------------------------------------------------


async def _advance(ctx: Context, order_id: UUID, decide: Callable[[Order, datetime], saga.Step]) -> None:
    set_order_id(order_id)
    order = await orders.lock_order(ctx.conn, order_id)
    if order is None:
        # Orders exist before any command about them leaves, so this is another system's message.
        log.warning("saga_event_for_unknown_order")
        return
    step = decide(order, datetime.now(UTC))
    if step.order == order and not step.commands:
        log.info("saga_event_ignored", status=order.status.value)
    await commit_step(ctx, order, step, on_awaiting_store=ctx.components.deadlines_changed.set)


@handlers.on(StockReserved)
async def stock_reserved(ctx: Context, event: StockReserved) -> None:
    await _advance(ctx, event.order_id, saga.on_stock_reserved)


@handlers.on(StockReservationRejected)
async def stock_rejected(ctx: Context, event: StockReservationRejected) -> None:
    await _advance(ctx, event.order_id, lambda o, at: saga.on_stock_rejected(o, event.reason, event.detail, at))


@handlers.on(PaymentAuthorized)
async def payment_authorized(ctx: Context, event: PaymentAuthorized) -> None:
    await _advance(ctx, event.order_id, lambda o, at: saga.on_payment_authorized(o, event.payment_id, at))


@handlers.on(PaymentFailed)
async def payment_failed(ctx: Context, event: PaymentFailed) -> None:
    await _advance(ctx, event.order_id, lambda o, at: saga.on_payment_failed(o, event.reason, at))


@handlers.on(PaymentRefunded)
async def payment_refunded(ctx: Context, event: PaymentRefunded) -> None:
    await _advance(ctx, event.order_id, lambda o, _at: saga.on_payment_refunded(o))


@handlers.on(OrderAcceptedByStore)
async def order_accepted(ctx: Context, event: OrderAcceptedByStore) -> None:
    await _advance(ctx, event.order_id, lambda o, at: saga.on_store_accepted(o, event.prep_minutes, at))


@handlers.on(OrderRejectedByStore)
async def order_rejected(ctx: Context, event: OrderRejectedByStore) -> None:
    await _advance(
        ctx, event.order_id, lambda o, at: saga.on_store_rejected(o, event.reason, at, timed_out=event.timed_out)
    )


@handlers.on(OrderProgressedAtStore)
async def order_progressed(ctx: Context, event: OrderProgressedAtStore) -> None:
    await _advance(ctx, event.order_id, lambda o, at: saga.on_store_progressed(o, event.stage, at))
