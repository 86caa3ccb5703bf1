"""Cart use cases: items are checked against the read model when added and priced when shown."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from matjip_order.application.context import carts_of
from matjip_order.domain.cart import PricedCart, price_cart
from matjip_order.domain.errors import CartStoreMismatch, UnknownMenuItem
from matjip_order.domain.menu import RequestedLine, sellable_item
from matjip_order.repository import catalog

if TYPE_CHECKING:
    from matjip_platform.service import Runtime


async def view_cart(runtime: "Runtime", customer_id: UUID) -> PricedCart | None:
    cart = await carts_of(runtime).load(customer_id)
    if cart is None:
        return None
    async with runtime.db.transaction() as session:
        store = await catalog.find_store(session, cart.store_id)
        menu = await catalog.find_menu_items(session, [line.menu_item_id for line in cart.items])
    return price_cart(cart, store, menu, datetime.now(UTC))


async def put_cart_item(
    runtime: "Runtime", customer_id: UUID, line: RequestedLine, *, replace: bool
) -> PricedCart | None:
    """Set how many of a menu item (with which options) the cart holds; the item decides the store."""
    async with runtime.db.transaction() as session:
        item = (await catalog.find_menu_items(session, [line.menu_item_id])).get(line.menu_item_id)
    if item is None:
        raise UnknownMenuItem(f"Menu item {line.menu_item_id} is not on any menu.", menu_item_id=str(line.menu_item_id))
    sellable_item(item.store_id, item, line.menu_item_id).unit_price(line.option_ids)  # refuses bad options
    other_store = await carts_of(runtime).put_item(customer_id, item.store_id, line, replace=replace)
    if other_store is not None:
        raise CartStoreMismatch(
            "Your cart holds items of another store. Empty it first, or add with ?replace=true to start a "
            "new cart with this item.",
            cart_store_id=str(other_store),
        )
    return await view_cart(runtime, customer_id)


async def remove_cart_item(runtime: "Runtime", customer_id: UUID, menu_item_id: UUID) -> PricedCart | None:
    await carts_of(runtime).remove_item(customer_id, menu_item_id)
    return await view_cart(runtime, customer_id)


async def clear_cart(runtime: "Runtime", customer_id: UUID) -> None:
    await carts_of(runtime).clear(customer_id)
