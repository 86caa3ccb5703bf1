"""Reading orders (who may see which) and the customer's cancellation."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events import OrderStatus
from matjip_order.application.context import about_order
from matjip_order.application.steps import commit_step
from matjip_order.components import OrderComponents
from matjip_order.domain import saga, sales
from matjip_order.domain.errors import NotStoreOwner, OrderNotFound, StoreNotFound
from matjip_order.domain.menu import StoreView
from matjip_order.domain.order import Order
from matjip_order.repository import catalog, orders
from matjip_platform.auth import Principal


def _not_found(order_id: UUID) -> OrderNotFound:
    # The same answer whether the order does not exist or belongs to someone else: ids are not probed.
    return OrderNotFound(f"There is no order {order_id} for you.")


async def get_order(components: OrderComponents, principal: Principal, order_id: UUID) -> Order:
    """The order, for its customer, its store's owner or an admin."""
    about_order(order_id)
    async with components.unit_of_work() as uow:
        order = await orders.find_order(uow.conn, order_id)
        if order is None:
            raise _not_found(order_id)
        if principal.is_admin or order.customer_id == principal.user_id:
            return order
        store = await catalog.find_store(uow.conn, order.store_id)
    if store is not None and store.owner_id == principal.user_id:
        return order
    raise _not_found(order_id)


async def cancel_order(components: OrderComponents, customer_id: UUID, order_id: UUID) -> Order:
    """The customer's own cancellation, allowed until the store accepts (OrderNotCancellable after)."""
    about_order(order_id)
    async with components.unit_of_work() as uow:
        order = await orders.lock_order(uow.conn, order_id)
        if order is None or order.customer_id != customer_id:
            raise _not_found(order_id)
        step = saga.cancel_by_customer(order, datetime.now(UTC))
        await commit_step(uow, order, step)
    return step.order


async def customer_history(
    components: OrderComponents, customer_id: UUID, cursor: str | None, limit: int
) -> orders.Page:
    async with components.unit_of_work() as uow:
        return await orders.customer_orders(uow.conn, customer_id, cursor, limit)


async def store_inbox(
    components: OrderComponents,
    principal: Principal,
    store_id: UUID,
    statuses: Sequence[OrderStatus],
    cursor: str | None,
    limit: int,
) -> orders.Page:
    """A store's orders, for its owner (as order knows it from StoreUpdated) or an admin."""
    async with components.unit_of_work() as uow:
        await _store_seen_by(uow.conn, principal, store_id)
        return await orders.store_orders(uow.conn, store_id, statuses, cursor, limit)


async def store_day_sales(
    components: OrderComponents, principal: Principal, store_id: UUID, day: date | None
) -> sales.DaySales:
    """The store's orders and sales of one of its calendar days (today when `day` is None)."""
    async with components.unit_of_work() as uow:
        store = await _store_seen_by(uow.conn, principal, store_id)
        day = day or sales.local_day(datetime.now(UTC), store.timezone)
        start, end = sales.day_bounds(day, store.timezone)
        totals = await orders.store_status_totals(uow.conn, store_id, start, end)
    return sales.summarize(day, store.timezone, totals)


async def _store_seen_by(conn: AsyncConnection, principal: Principal, store_id: UUID) -> StoreView:
    """The store, when the caller owns it or is an admin: a store's orders are its owner's business."""
    store = await catalog.find_store(conn, store_id)
    if store is None:
        raise StoreNotFound(f"There is no store {store_id}.")
    if not principal.is_admin and store.owner_id != principal.user_id:
        raise NotStoreOwner("Only the store's owner sees its orders.")
    return store
