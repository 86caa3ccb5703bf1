"""The owner's menu: categories, items with options and prices, and stock."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from matjip_platform.auth import Principal
from matjip_store.application.stores import get_store, managed_store
from matjip_store.application.unit import Tx
from matjip_store.domain.menu import (
    Category,
    CategoryNameTaken,
    CategoryNotEmpty,
    CategoryNotFound,
    MenuItem,
    MenuItemNotFound,
    OptionDraft,
    UnknownCategory,
    merge_options,
    visible_change,
)
from matjip_store.domain.stock import ItemStock
from matjip_store.events.published import menu_item_updated
from matjip_store.repository import menu as repo

ITEM_FIELDS = frozenset({"name", "description", "price", "options", "category_id", "position"})


@dataclass(frozen=True)
class ItemDraft:
    name: str
    description: str
    price: int
    options: tuple[OptionDraft, ...]
    category_id: UUID | None
    position: int
    stock: ItemStock


@dataclass(frozen=True)
class Menu:
    categories: list[Category]
    items: list[MenuItem]


async def get_menu(session: AsyncSession, store_id: UUID) -> Menu:
    await get_store(session, store_id)
    return Menu(await repo.categories(session, store_id), await repo.live_items(session, store_id))


async def get_item(session: AsyncSession, store_id: UUID, item_id: UUID) -> MenuItem:
    await get_store(session, store_id)
    item = await repo.fetch_item(session, store_id, item_id)
    if item is None or item.removed:
        raise MenuItemNotFound(f"Menu item {item_id} is not on this store's menu.")
    return item


async def list_categories(session: AsyncSession, store_id: UUID) -> list[Category]:
    await get_store(session, store_id)
    return await repo.categories(session, store_id)


# --- categories -------------------------------------------------------------------------------------


async def _ensure_name_free(tx: Tx, store_id: UUID, name: str, other_than: UUID | None = None) -> None:
    if await repo.category_name_taken(tx.session, store_id, name, other_than=other_than):
        raise CategoryNameTaken(f"The menu already has a category called {name!r}.")


async def create_category(tx: Tx, principal: Principal, store_id: UUID, name: str, position: int) -> Category:
    await managed_store(tx.session, principal, store_id)
    await _ensure_name_free(tx, store_id, name)
    category = Category(category_id=uuid4(), store_id=store_id, name=name, position=position)
    await repo.insert_category(tx.session, category)
    return category


async def _category(tx: Tx, store_id: UUID, category_id: UUID) -> Category:
    category = await repo.fetch_category(tx.session, store_id, category_id)
    if category is None:
        raise CategoryNotFound(f"Category {category_id} is not on this store's menu.")
    return category


async def update_category(
    tx: Tx, principal: Principal, store_id: UUID, category_id: UUID, changes: Mapping[str, Any]
) -> Category:
    await managed_store(tx.session, principal, store_id)
    category = await _category(tx, store_id, category_id)
    if "name" in changes:
        await _ensure_name_free(tx, store_id, changes["name"], other_than=category_id)
    changed = replace(category, **changes)
    if changed != category:
        await repo.save_category(tx.session, changed)
    return changed


async def delete_category(tx: Tx, principal: Principal, store_id: UUID, category_id: UUID) -> None:
    await managed_store(tx.session, principal, store_id)
    await _category(tx, store_id, category_id)
    if await repo.count_live_items_in(tx.session, category_id):
        raise CategoryNotEmpty("Move or remove the category's items first.")
    await repo.delete_category(tx.session, category_id)


# --- items ------------------------------------------------------------------------------------------


async def _ensure_category(tx: Tx, store_id: UUID, category_id: UUID | None) -> None:
    if category_id is not None and await repo.fetch_category(tx.session, store_id, category_id) is None:
        raise UnknownCategory(
            f"Category {category_id} is not on this store's menu.",
            errors=[{"field": "category_id", "message": "not a category of this store"}],
        )


async def _live_item(tx: Tx, store_id: UUID, item_id: UUID) -> MenuItem:
    item = await repo.fetch_item(tx.session, store_id, item_id, for_update=True)
    if item is None or item.removed:
        raise MenuItemNotFound(f"Menu item {item_id} is not on this store's menu.")
    return item


async def _publish_if_visible(tx: Tx, before: MenuItem | None, after: MenuItem) -> MenuItem:
    """Save the item; when others would see a difference, bump its revision and publish the snapshot."""
    if before is None or visible_change(before, after):
        after = replace(after, revision=(before.revision + 1) if before else 1)
        await tx.emit(menu_item_updated(after))
    if before is None:
        await repo.insert_item(tx.session, after)
    elif after != before:
        await repo.save_item(tx.session, after)
    return after


async def create_item(tx: Tx, principal: Principal, store_id: UUID, draft: ItemDraft) -> MenuItem:
    await managed_store(tx.session, principal, store_id)
    await _ensure_category(tx, store_id, draft.category_id)
    item = MenuItem(
        item_id=uuid4(),
        store_id=store_id,
        category_id=draft.category_id,
        name=draft.name,
        description=draft.description,
        price=draft.price,
        options=merge_options((), draft.options),
        stock=draft.stock,
        position=draft.position,
        revision=0,
    )
    return await _publish_if_visible(tx, None, item)


async def update_item(
    tx: Tx, principal: Principal, store_id: UUID, item_id: UUID, changes: Mapping[str, Any]
) -> MenuItem:
    unknown = set(changes) - ITEM_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    await managed_store(tx.session, principal, store_id)
    item = await _live_item(tx, store_id, item_id)
    updates = dict(changes)
    if "category_id" in updates:
        await _ensure_category(tx, store_id, updates["category_id"])
    if "options" in updates:
        updates["options"] = merge_options(item.options, updates["options"])
    return await _publish_if_visible(tx, item, replace(item, **updates))


async def remove_item(tx: Tx, principal: Principal, store_id: UUID, item_id: UUID) -> MenuItem:
    await managed_store(tx.session, principal, store_id)
    item = await _live_item(tx, store_id, item_id)
    # Kept as a row (reservations, reviews and read models refer to it), announced with `removed`.
    return await _publish_if_visible(tx, item, replace(item, removed=True))


async def set_stock(tx: Tx, principal: Principal, store_id: UUID, item_id: UUID, stock: ItemStock) -> MenuItem:
    await managed_store(tx.session, principal, store_id)
    item = await _live_item(tx, store_id, item_id)
    return await _publish_if_visible(tx, item, replace(item, stock=stock))
