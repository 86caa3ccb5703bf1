"""The owner's menu: categories, items with options and prices, and stock."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID, uuid4

from matjip_platform.auth import Principal
from matjip_platform.unit_of_work import UnitOfWork, UnitOfWorkFactory
from matjip_store.application.stores import existing_store, managed_store
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


async def get_menu(unit_of_work: UnitOfWorkFactory, store_id: UUID) -> Menu:
    async with unit_of_work() as uow:
        await existing_store(uow.conn, store_id)
        return Menu(await repo.categories(uow.conn, store_id), await repo.live_items(uow.conn, store_id))


async def get_item(unit_of_work: UnitOfWorkFactory, store_id: UUID, item_id: UUID) -> MenuItem:
    async with unit_of_work() as uow:
        await existing_store(uow.conn, store_id)
        item = await repo.fetch_item(uow.conn, store_id, item_id)
        if item is None or item.removed:
            raise MenuItemNotFound(f"Menu item {item_id} is not on this store's menu.")
        return item


async def list_categories(unit_of_work: UnitOfWorkFactory, store_id: UUID) -> list[Category]:
    async with unit_of_work() as uow:
        await existing_store(uow.conn, store_id)
        return await repo.categories(uow.conn, store_id)


# --- categories -------------------------------------------------------------------------------------


async def _ensure_name_free(uow: UnitOfWork, store_id: UUID, name: str, other_than: UUID | None = None) -> None:
    if await repo.category_name_taken(uow.conn, store_id, name, other_than=other_than):
        raise CategoryNameTaken(f"The menu already has a category called {name!r}.")


async def create_category(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, name: str, position: int
) -> Category:
    async with unit_of_work() as uow:
        await managed_store(uow.conn, principal, store_id)
        await _ensure_name_free(uow, store_id, name)
        category = Category(category_id=uuid4(), store_id=store_id, name=name, position=position)
        await repo.insert_category(uow.conn, category)
        return category


async def _category(uow: UnitOfWork, store_id: UUID, category_id: UUID) -> Category:
    category = await repo.fetch_category(uow.conn, store_id, category_id)
    if category is None:
        raise CategoryNotFound(f"Category {category_id} is not on this store's menu.")
    return category


async def update_category(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, category_id: UUID, changes: Mapping[str, Any]
) -> Category:
    async with unit_of_work() as uow:
        await managed_store(uow.conn, principal, store_id)
        category = await _category(uow, store_id, category_id)
        if "name" in changes:
            await _ensure_name_free(uow, store_id, changes["name"], other_than=category_id)
        changed = replace(category, **changes)
        if changed != category:
            await repo.save_category(uow.conn, changed)
        return changed


async def delete_category(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, category_id: UUID
) -> None:
    async with unit_of_work() as uow:
        await managed_store(uow.conn, principal, store_id)
        await _category(uow, store_id, category_id)
        if await repo.count_live_items_in(uow.conn, category_id):
            raise CategoryNotEmpty("Move or remove the category's items first.")
        await repo.delete_category(uow.conn, category_id)


# --- items ------------------------------------------------------------------------------------------


async def _ensure_category(uow: UnitOfWork, store_id: UUID, category_id: UUID | None) -> None:
    if category_id is not None and await repo.fetch_category(uow.conn, store_id, category_id) is None:
        raise UnknownCategory(
            f"Category {category_id} is not on this store's menu.",
            errors=[{"field": "category_id", "message": "not a category of this store"}],
        )


async def _live_item(uow: UnitOfWork, store_id: UUID, item_id: UUID) -> MenuItem:
    item = await repo.fetch_item(uow.conn, store_id, item_id, for_update=True)
    if item is None or item.removed:
        raise MenuItemNotFound(f"Menu item {item_id} is not on this store's menu.")
    return item


async def _publish_if_visible(uow: UnitOfWork, before: MenuItem | None, after: MenuItem) -> MenuItem:
    """Save the item; when others would see a difference, bump its revision and publish the snapshot."""
    if before is None or visible_change(before, after):
        after = replace(after, revision=(before.revision + 1) if before else 1)
        await uow.emit(menu_item_updated(after))
    if before is None:
        await repo.insert_item(uow.conn, after)
    elif after != before:
        await repo.save_item(uow.conn, after)
    return after


async def create_item(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, draft: ItemDraft
) -> MenuItem:
    async with unit_of_work() as uow:
        await managed_store(uow.conn, principal, store_id)
        await _ensure_category(uow, store_id, draft.category_id)
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
        return await _publish_if_visible(uow, None, item)


async def update_item(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, item_id: UUID, changes: Mapping[str, Any]
) -> MenuItem:
    async with unit_of_work() as uow:
        unknown = set(changes) - ITEM_FIELDS
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        await managed_store(uow.conn, principal, store_id)
        item = await _live_item(uow, store_id, item_id)
        updates = dict(changes)
        if "category_id" in updates:
            await _ensure_category(uow, store_id, updates["category_id"])
        if "options" in updates:
            updates["options"] = merge_options(item.options, updates["options"])
        return await _publish_if_visible(uow, item, replace(item, **updates))


async def remove_item(unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, item_id: UUID) -> MenuItem:
    async with unit_of_work() as uow:
        await managed_store(uow.conn, principal, store_id)
        item = await _live_item(uow, store_id, item_id)
        # Kept as a row (reservations, reviews and read models refer to it), announced with `removed`.
        return await _publish_if_visible(uow, item, replace(item, removed=True))


async def set_stock(
    unit_of_work: UnitOfWorkFactory, principal: Principal, store_id: UUID, item_id: UUID, stock: ItemStock
) -> MenuItem:
    async with unit_of_work() as uow:
        await managed_store(uow.conn, principal, store_id)
        item = await _live_item(uow, store_id, item_id)
        return await _publish_if_visible(uow, item, replace(item, stock=stock))
