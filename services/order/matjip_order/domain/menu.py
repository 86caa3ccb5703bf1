"""What order believes it can sell (its read model of store's stores and menus) and how it prices an order.

Prices always come from here, never from a client: a line is the menu item's price plus its options'.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from matjip_contracts.events import MenuItemOption, OpeningHours, OrderLine
from matjip_order.domain.errors import (
    EmptyOrder,
    FreeOrder,
    ItemSoldOut,
    OrderTooLarge,
    StoreClosed,
    UnknownMenuItem,
    UnknownOption,
    UnknownStore,
    Unprocessable,
)

MAX_UNITS_PER_ITEM = 100  # the contracts' bound on one StockLine
MAX_ORDER_TOTAL = 10_000_000
"""KRW. A food order beyond ten million won is a mistake or an attack; the bound keeps every amount within
what each service stores (store's inbox keeps the total in a 32-bit column) and the gateway authorizes."""


def window_contains(window: OpeningHours, weekday: int, at: time) -> bool:
    """Is a local wall-clock moment inside the window? `closes <= opens` runs past midnight (into the
    next weekday); `closes == opens` is a full 24 hours (the same reading as store's)."""
    passes_midnight = window.closes <= window.opens
    if weekday == window.weekday and at >= window.opens:
        return passes_midnight or at < window.closes
    return passes_midnight and weekday == (window.weekday + 1) % 7 and at < window.closes


def is_open_at(opening_hours: Iterable[OpeningHours], timezone: str, instant: datetime) -> bool:
    try:
        local = instant.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        return False  # store validates zones; an unknown one here means we cannot tell, so: closed
    at = local.time().replace(tzinfo=None, fold=0)
    return any(window_contains(window, local.weekday(), at) for window in opening_hours)


@dataclass(frozen=True)
class StoreView:
    store_id: UUID
    owner_id: UUID
    name: str
    timezone: str
    opening_hours: tuple[OpeningHours, ...]
    accepting_orders: bool
    revision: int

    def is_open_at(self, instant: datetime) -> bool:
        return is_open_at(self.opening_hours, self.timezone, instant)

    def takes_orders_at(self, instant: datetime) -> bool:
        return self.accepting_orders and self.is_open_at(instant)


@dataclass(frozen=True)
class MenuItemView:
    menu_item_id: UUID
    store_id: UUID
    name: str
    price: int
    options: tuple[MenuItemOption, ...]
    sold_out: bool
    removed: bool
    revision: int

    def unit_price(self, option_ids: Sequence[UUID]) -> int:
        """The price of one unit with the chosen options; UnknownOption for an option it does not have."""
        extras = {option.option_id: option.extra_price for option in self.options}
        unknown = [str(o) for o in option_ids if o not in extras]
        if unknown:
            raise UnknownOption(f"{self.name} has no option {', '.join(unknown)}.", menu_item_id=str(self.menu_item_id))
        return self.price + sum(extras[o] for o in option_ids)


@dataclass(frozen=True)
class RequestedLine:
    """A line as the customer asks for it: which item, how many, which options. No price."""

    menu_item_id: UUID
    quantity: int
    option_ids: tuple[UUID, ...] = ()


def sellable_item(store_id: UUID, item: MenuItemView | None, menu_item_id: UUID) -> MenuItemView:
    """The item if this store sells it now; UnknownMenuItem or ItemSoldOut otherwise."""
    if item is None or item.removed or item.store_id != store_id:
        raise UnknownMenuItem(f"Menu item {menu_item_id} is not on this store's menu.", menu_item_id=str(menu_item_id))
    if item.sold_out:
        raise ItemSoldOut(f"{item.name} is sold out.", menu_item_id=str(item.menu_item_id), name=item.name)
    return item


def price_order(
    store: StoreView | None,
    menu: Mapping[UUID, MenuItemView],
    requested: Sequence[RequestedLine],
    at: datetime,
) -> tuple[OrderLine, ...]:
    """The priced lines of an order the store can take at `at`, or the first reason it cannot."""
    if not requested:
        raise EmptyOrder("The order has no items.")
    if store is None:
        raise UnknownStore("This store is not known to order.")
    if not store.accepting_orders:
        raise StoreClosed(f"{store.name} is not accepting orders right now.", store_id=str(store.store_id))
    if not store.is_open_at(at):
        raise StoreClosed(f"{store.name} is closed now.", store_id=str(store.store_id))
    lines: list[OrderLine] = []
    units: dict[UUID, int] = {}
    for wanted in requested:
        item = sellable_item(store.store_id, menu.get(wanted.menu_item_id), wanted.menu_item_id)
        units[item.menu_item_id] = units.get(item.menu_item_id, 0) + wanted.quantity
        if units[item.menu_item_id] > MAX_UNITS_PER_ITEM:
            raise Unprocessable(
                f"At most {MAX_UNITS_PER_ITEM} of {item.name} fit in one order.",
                code="quantity_exceeded",
                menu_item_id=str(item.menu_item_id),
            )
        lines.append(
            OrderLine(
                menu_item_id=item.menu_item_id,
                name=item.name,
                quantity=wanted.quantity,
                unit_price=item.unit_price(wanted.option_ids),
                option_ids=wanted.option_ids,
            )
        )
    total = sum(line.unit_price * line.quantity for line in lines)
    if total <= 0:
        raise FreeOrder("The order's total is 0 won; payment cannot authorize it.")
    if total > MAX_ORDER_TOTAL:
        raise OrderTooLarge(f"An order may cost at most {MAX_ORDER_TOTAL:,} won; this one costs {total:,}.",
                            total_amount=total, max_total_amount=MAX_ORDER_TOTAL)
    return tuple(lines)
