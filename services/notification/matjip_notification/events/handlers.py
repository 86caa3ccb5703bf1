"""What notification consumes: order's events (order.events) and store owners (store.events).

Each notification is stored in the same transaction as the inbox record of the event that caused it;
the open streams are woken once that transaction has committed."""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events.order import OrderPlaced, OrderStatusChanged
from matjip_contracts.events.store import StoreUpdated
from matjip_notification.components import NotificationComponents
from matjip_notification.domain.routing import Audience, Delivery, route_order_placed, route_status_change
from matjip_notification.repository import notifications as repo
from matjip_platform.handlers import EventHandlers, HandlerContext


async def dispatch(conn: AsyncConnection, deliveries: list[Delivery]) -> set[UUID]:
    """Store each delivery for its recipient (or hold an owner's until the store's owner is known);
    returns the recipients that got something new."""
    resolved: list[tuple[UUID, Delivery]] = []
    for delivery in deliveries:
        if delivery.audience is Audience.CUSTOMER:
            assert delivery.customer_id is not None
            resolved.append((delivery.customer_id, delivery))
            continue
        owner = await repo.owner_of(conn, delivery.store_id)
        if owner is None:
            await repo.hold_for_owner(
                conn,
                delivery.store_id,
                kind=delivery.kind,
                order_id=delivery.order_id,
                dedup_key=delivery.dedup_key,
                payload=delivery.body,
            )
        else:
            resolved.append((owner, delivery))
    notified: set[UUID] = set()
    # Recipients' sequence rows are locked in one global order, so concurrent consumers cannot deadlock.
    for recipient_id, delivery in sorted(resolved, key=lambda pair: str(pair[0])):
        stored = await repo.deliver(
            conn,
            recipient_id,
            kind=delivery.kind,
            order_id=delivery.order_id,
            dedup_key=delivery.dedup_key,
            payload=delivery.body,
        )
        if stored is not None:
            notified.add(recipient_id)
    return notified


handlers: EventHandlers[NotificationComponents] = EventHandlers()


@handlers.on(OrderPlaced)
async def on_order_placed(ctx: HandlerContext[NotificationComponents], event: OrderPlaced) -> None:
    await repo.record_order(ctx.conn, event)
    notified = await dispatch(ctx.conn, route_order_placed(event))
    ctx.components.hub.wake_after_commit(ctx, notified)


@handlers.on(OrderStatusChanged)
async def on_order_status_changed(ctx: HandlerContext[NotificationComponents], event: OrderStatusChanged) -> None:
    summary = await repo.summary_of(ctx.conn, event.order_id)
    notified = await dispatch(ctx.conn, route_status_change(event, summary))
    ctx.components.hub.wake_after_commit(ctx, notified)


@handlers.on(StoreUpdated)
async def on_store_updated(ctx: HandlerContext[NotificationComponents], event: StoreUpdated) -> None:
    if not await repo.record_store_owner(ctx.conn, event.store_id, event.owner_id, event.revision):
        return  # an older snapshot than the one kept
    notified: set[UUID] = set()
    for held in await repo.take_held(ctx.conn, event.store_id):
        stored = await repo.deliver(
            ctx.conn,
            event.owner_id,
            kind=held["kind"],
            order_id=held["order_id"],
            dedup_key=held["dedup_key"],
            payload=held["payload"],
        )
        if stored is not None:
            notified.add(event.owner_id)
    ctx.components.hub.wake_after_commit(ctx, notified)
