"""Cart use cases: items are checked against the read model when added and priced when shown."""

from datetime import UTC, datetime
from uuid import UUID

from matjip_order.components import OrderComponents
from matjip_order.domain.cart import PricedCart, price_cart
from matjip_order.domain.errors import CartStoreMismatch, UnknownMenuItem
from matjip_order.domain.menu import RequestedLine, sellable_item
from matjip_order.repository import catalog


async def view_cart(components: OrderComponents, customer_id: UUID) -> PricedCart | None:
    cart = await components.carts.load(customer_id)
    if cart is None:
        return None
    async with components.unit_of_work() as uow:
        store = await catalog.find_store(uow.conn, cart.store_id)
        menu = await catalog.find_menu_items(uow.conn, [line.menu_item_id for line in cart.items])
    return price_cart(cart, store, menu, datetime.now(UTC))


async def put_cart_item(
    components: OrderComponents, customer_id: UUID, line: RequestedLine, *, replace: bool
) -> PricedCart | None:
    """Set how many of a menu item (with which options) the cart holds; the item decides the store."""
    async with components.unit_of_work() as uow:
        item = (await catalog.find_menu_items(uow.conn, [line.menu_item_id])).get(line.menu_item_id)
    if item is None:
        raise UnknownMenuItem(f"Menu item {line.menu_item_id} is not on any menu.", menu_item_id=str(line.menu_item_id))
    sellable_item(item.store_id, item, line.menu_item_id).unit_price(line.option_ids)  # refuses bad options
    other_store = await components.carts.put_item(customer_id, item.store_id, line, replace=replace)
    if other_store is not None:
        raise CartStoreMismatch(
            "Your cart holds items of another store. Empty it first, or add with ?replace=true to start a "
            "new cart with this item.",
            cart_store_id=str(other_store),
        )
    return await view_cart(components, customer_id)


async def remove_cart_item(components: OrderComponents, customer_id: UUID, menu_item_id: UUID) -> PricedCart | None:
    await components.carts.remove_item(customer_id, menu_item_id)
    return await view_cart(components, customer_id)


async def clear_cart(components: OrderComponents, customer_id: UUID) -> None:
    await components.carts.clear(customer_id)
