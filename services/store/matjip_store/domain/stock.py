"""Stock and its reservation: all lines of an order or none."""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

RejectionReason = Literal["sold_out", "store_closed", "unknown_item"]


@dataclass(frozen=True)
class ItemStock:
    """What is left of one menu item: `quantity` None means unlimited; `sold_out` is the owner's switch."""

    quantity: int | None
    sold_out: bool = False

    def __post_init__(self) -> None:
        if self.quantity is not None and self.quantity < 0:
            raise ValueError("stock cannot be negative")

    @property
    def available(self) -> bool:
        return not self.sold_out and (self.quantity is None or self.quantity > 0)

    def can_supply(self, quantity: int) -> bool:
        return not self.sold_out and (self.quantity is None or self.quantity >= quantity)

    def take(self, quantity: int) -> "ItemStock":
        if not self.can_supply(quantity):
            raise ValueError("not enough stock")
        return self if self.quantity is None else ItemStock(self.quantity - quantity, self.sold_out)

    def give_back(self, quantity: int) -> "ItemStock":
        return self if self.quantity is None else ItemStock(self.quantity + quantity, self.sold_out)


@dataclass(frozen=True)
class Reserved:
    """The reservation holds: each item's stock after taking the order's quantities."""

    remaining: Mapping[UUID, ItemStock]


@dataclass(frozen=True)
class Rejected:
    reason: RejectionReason
    detail: str


def requested_quantities(lines: Iterable[tuple[UUID, int]]) -> dict[UUID, int]:
    """Quantities per item; an order may list one item on several lines (with different options)."""
    totals: Counter[UUID] = Counter()
    for item_id, quantity in lines:
        totals[item_id] += quantity
    return dict(totals)


def reserve(
    *, store_open: bool, stock: Mapping[UUID, ItemStock], lines: Iterable[tuple[UUID, int]]
) -> Reserved | Rejected:
    """Decide a reservation. `stock` holds the store's live (not removed) items the order names.

    A closed store answers first (nothing else matters), then an item that is not on the menu, then stock.
    """
    if not store_open:
        return Rejected("store_closed", "The store is not taking orders now.")
    wanted = requested_quantities(lines)
    unknown = sorted(str(item_id) for item_id in wanted if item_id not in stock)
    if unknown:
        return Rejected("unknown_item", f"Not on this store's menu: {', '.join(unknown)}.")
    short = sorted(str(item_id) for item_id, quantity in wanted.items() if not stock[item_id].can_supply(quantity))
    if short:
        return Rejected("sold_out", f"Not enough stock for: {', '.join(short)}.")
    return Reserved({item_id: stock[item_id].take(quantity) for item_id, quantity in wanted.items()})
