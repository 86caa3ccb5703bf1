"""Menu items: prices in KRW (integer won), options with their extra price, and what "sold out" means."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from uuid import UUID, uuid4

from matjip_platform.errors import Conflict, DomainError, NotFound
from matjip_store.domain.stock import ItemStock


class UnknownCategory(DomainError):
    status, code, title = 422, "unknown_category", "Unknown category"


class CategoryNotEmpty(Conflict):
    code = "category_not_empty"


class CategoryNameTaken(Conflict):
    code = "category_name_taken"


class UnknownOption(DomainError):
    status, code, title = 422, "unknown_option", "Unknown option"


@dataclass(frozen=True)
class MenuOption:
    option_id: UUID
    name: str
    extra_price: int


@dataclass(frozen=True)
class OptionDraft:
    """An option as the owner sends it: without an id it is new; with one it keeps an existing option's id
    (carts and the order service's price list refer to options by id, so an edit must not renumber them)."""

    name: str
    extra_price: int
    option_id: UUID | None = None


def merge_options(existing: Iterable[MenuOption], drafts: Sequence[OptionDraft]) -> tuple[MenuOption, ...]:
    """The item's new option list; UnknownOption when a draft names an id this item does not have."""
    known = {option.option_id for option in existing}
    merged: list[MenuOption] = []
    for index, draft in enumerate(drafts):
        if draft.option_id is not None and draft.option_id not in known:
            raise UnknownOption(
                f"Option {draft.option_id} is not an option of this item.",
                errors=[{"field": f"options[{index}].option_id", "message": "not an option of this item"}],
            )
        merged.append(MenuOption(draft.option_id or uuid4(), draft.name, draft.extra_price))
    return tuple(merged)


class MenuItemNotFound(NotFound):
    code = "menu_item_not_found"


class CategoryNotFound(NotFound):
    code = "category_not_found"


@dataclass(frozen=True)
class MenuItem:
    item_id: UUID
    store_id: UUID
    category_id: UUID | None
    name: str
    description: str
    price: int
    options: tuple[MenuOption, ...]
    stock: ItemStock
    position: int
    revision: int
    removed: bool = False

    @property
    def sold_out(self) -> bool:
        """What customers see: sold out when the owner says so or nothing is left."""
        return not self.stock.available


@dataclass(frozen=True)
class Category:
    category_id: UUID
    store_id: UUID
    name: str
    position: int


def visible_change(before: MenuItem, after: MenuItem) -> bool:
    """Whether the change is news for other services: any change of the item, except a stock count that
    leaves the item as available (or as sold out) as it was."""

    def without_stock(item: MenuItem) -> MenuItem:
        return replace(item, stock=ItemStock(None), revision=0)

    return without_stock(before) != without_stock(after) or before.sold_out != after.sold_out
