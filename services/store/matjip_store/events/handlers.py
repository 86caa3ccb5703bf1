"""What store consumes: the saga's commands on store.commands, and order statuses for review eligibility."""

from datetime import UTC, datetime

from matjip_contracts.events.common import OrderStatus
from matjip_contracts.events.order import OrderStatusChanged
from matjip_contracts.events.store import ReleaseStock, RequestStoreAcceptance, ReserveStock
from matjip_platform.handlers import EventHandlers, HandlerContext
from matjip_store.application import inbox, reviews, stock
from matjip_store.components import StoreComponents

handlers: EventHandlers[StoreComponents] = EventHandlers()


@handlers.on(ReserveStock)
async def on_reserve_stock(ctx: HandlerContext[StoreComponents], command: ReserveStock) -> None:
    # Judged against the store's hours when the command is handled, by store's own clock.
    await stock.reserve_stock(ctx, command, now=datetime.now(UTC))


@handlers.on(ReleaseStock)
async def on_release_stock(ctx: HandlerContext[StoreComponents], command: ReleaseStock) -> None:
    await stock.release_stock(ctx, command)


@handlers.on(RequestStoreAcceptance)
async def on_request_store_acceptance(ctx: HandlerContext[StoreComponents], command: RequestStoreAcceptance) -> None:
    await inbox.request_acceptance(
        ctx, command, now=datetime.now(UTC), on_new_deadline=ctx.components.deadlines_changed.set
    )


# Reviews need only to know which orders completed: the other statuses are skipped before any transaction.
@handlers.on(OrderStatusChanged, only=lambda event: event.status is OrderStatus.COMPLETED)
async def on_order_status_changed(ctx: HandlerContext[StoreComponents], event: OrderStatusChanged) -> None:
    await reviews.record_order_status(ctx, event)
