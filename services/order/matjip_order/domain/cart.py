"""A customer's cart: items of one store, priced from the read model each time it is shown."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from matjip_order.domain.menu import MenuItemView, RequestedLine, StoreView, sellable_item
from matjip_platform.errors import DomainError


@dataclass(frozen=True)
class Cart:
    store_id: UUID
    items: tuple[RequestedLine, ...]


@dataclass(frozen=True)
class CartLine:
    menu_item_id: UUID
    quantity: int
    option_ids: tuple[UUID, ...]
    name: str | None
    unit_price: int | None
    # Why the line cannot be ordered as it is (the code of the refusal checkout would give), or None.
    problem: str | None

    @property
    def line_total(self) -> int | None:
        return None if self.unit_price is None else self.unit_price * self.quantity


@dataclass(frozen=True)
class PricedCart:
    store_id: UUID
    store_name: str | None
    store_open: bool
    lines: tuple[CartLine, ...]

    @property
    def total_amount(self) -> int:
        return sum(line.line_total or 0 for line in self.lines if line.problem is None)

    @property
    def can_check_out(self) -> bool:
        return self.store_open and bool(self.lines) and all(line.problem is None for line in self.lines)


def price_cart(cart: Cart, store: StoreView | None, menu: Mapping[UUID, MenuItemView], at: datetime) -> PricedCart:
    """The cart at today's prices, each line flagged when checkout would refuse it."""
    lines: list[CartLine] = []
    for wanted in cart.items:
        found = menu.get(wanted.menu_item_id)
        name = found.name if found is not None and not found.removed else None
        try:
            item = sellable_item(cart.store_id, found, wanted.menu_item_id)
            price: int | None = item.unit_price(wanted.option_ids)
            problem = None
        except DomainError as refusal:
            price, problem = None, refusal.code
        lines.append(CartLine(wanted.menu_item_id, wanted.quantity, wanted.option_ids, name, price, problem))
    return PricedCart(
        store_id=cart.store_id,
        store_name=store.name if store is not None else None,
        store_open=store is not None and store.takes_orders_at(at),
        lines=tuple(lines),
    )
