"""Checkout: price the order from the read model, place it and start the saga, exactly once per key."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_order import metrics
from matjip_order.application.context import about_order
from matjip_order.application.steps import commit_step
from matjip_order.components import OrderComponents
from matjip_order.domain import saga
from matjip_order.domain.errors import EmptyOrder
from matjip_order.domain.idempotency import check_replay, request_fingerprint
from matjip_order.domain.menu import RequestedLine, price_order
from matjip_order.domain.order import Order
from matjip_order.repository import catalog, orders


@dataclass(frozen=True)
class ExplicitOrder:
    """An order given in the request instead of the cart (what to buy, never at what price)."""

    store_id: UUID
    lines: tuple[RequestedLine, ...]
    as_json: dict[str, Any]  # the validated body, for the request fingerprint


@dataclass(frozen=True)
class Checkout:
    order: Order
    created: bool  # False: a replay of a request already served


async def _replayed(conn: AsyncConnection, customer_id: UUID, key: str, fingerprint: str) -> Checkout:
    seen = await orders.find_checkout_request(conn, customer_id, key)
    assert seen is not None, "a key that could not be claimed is held by a committed checkout"
    check_replay(key, seen.request_hash, fingerprint)
    order = await orders.find_order(conn, seen.order_id)
    assert order is not None, "a checkout key always commits with its order"
    about_order(order.order_id)
    return Checkout(order, created=False)


async def place_order(
    components: OrderComponents, customer_id: UUID, key: str, explicit: ExplicitOrder | None
) -> Checkout:
    """Place the cart (`explicit` None) or the given lines. A request replayed with its key returns the
    order it created (whatever state it reached since); the key with another request is refused.

    One transaction: the key is claimed first (a concurrent request with the same key waits for this one
    and then replays its order), then the order is priced from the read model and placed with the saga's
    first messages. A refusal (sold out, closed) rolls the claim back with everything else."""
    fingerprint = request_fingerprint(explicit.as_json if explicit is not None else None)
    cart = await components.carts.load(customer_id) if explicit is None else None
    now = datetime.now(UTC)
    order_id = uuid4()
    async with components.unit_of_work() as uow:
        if not await orders.claim_checkout_key(uow.conn, customer_id, key, fingerprint, order_id):
            return await _replayed(uow.conn, customer_id, key, fingerprint)
        if explicit is not None:
            store_id, requested = explicit.store_id, explicit.lines
        elif cart is not None:
            store_id, requested = cart.store_id, cart.items
        else:
            raise EmptyOrder("Your cart is empty.")
        store = await catalog.find_store(uow.conn, store_id)
        menu = await catalog.find_menu_items(uow.conn, [line.menu_item_id for line in requested])
        order = Order.place(
            order_id=order_id,
            customer_id=customer_id,
            store_id=store_id,
            lines=price_order(store, menu, requested, now),
            at=now,
            acceptance_window=components.settings.store_accept_timeout,
        )
        about_order(order.order_id)
        await orders.insert_order(uow.conn, order)
        await commit_step(uow, order, saga.start(order))
        uow.after_commit(metrics.orders_placed.inc)
    if cart is not None:
        await components.carts.clear(customer_id)  # only after the order is safely committed
    return Checkout(order, created=True)
