"""Menu categories and items (with their stock)."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_platform.sql import is_any_of
from matjip_store.domain.menu import Category, MenuItem, MenuOption
from matjip_store.domain.stock import ItemStock
from matjip_store.repository.tables import menu_categories, menu_items

_LOCK_LIVE_ITEMS = (
    select(menu_items)
    .where(
        menu_items.c.store_id == bindparam("store_id"), is_any_of(menu_items.c.id, "item_ids"), ~menu_items.c.removed
    )
    .order_by(menu_items.c.id)
    .with_for_update()
)


def _item(row: Any) -> MenuItem:
    return MenuItem(
        item_id=row.id,
        store_id=row.store_id,
        category_id=row.category_id,
        name=row.name,
        description=row.description,
        price=row.price,
        options=tuple(MenuOption(UUID(o["option_id"]), o["name"], int(o["extra_price"])) for o in row.options),
        stock=ItemStock(row.stock_quantity, row.sold_out),
        position=row.position,
        revision=row.revision,
        removed=row.removed,
    )


def _item_columns(item: MenuItem) -> dict[str, Any]:
    return {
        "store_id": item.store_id,
        "category_id": item.category_id,
        "name": item.name,
        "description": item.description,
        "price": item.price,
        "options": [
            {"option_id": str(o.option_id), "name": o.name, "extra_price": o.extra_price} for o in item.options
        ],
        "stock_quantity": item.stock.quantity,
        "sold_out": item.stock.sold_out,
        "position": item.position,
        "revision": item.revision,
        "removed": item.removed,
    }


def _category(row: Any) -> Category:
    return Category(category_id=row.id, store_id=row.store_id, name=row.name, position=row.position)


async def fetch_item(
    conn: AsyncConnection, store_id: UUID, item_id: UUID, *, for_update: bool = False
) -> MenuItem | None:
    query = select(menu_items).where(menu_items.c.id == item_id, menu_items.c.store_id == store_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return _item(row) if row is not None else None


async def lock_live_items(conn: AsyncConnection, store_id: UUID, item_ids: Iterable[UUID]) -> dict[UUID, MenuItem]:
    """The store's items among `item_ids` that are still on the menu, row-locked in id order (one order
    for every transaction, so two reservations can never deadlock on each other's rows)."""
    ids = sorted(set(item_ids))
    rows = await conn.execute(_LOCK_LIVE_ITEMS, {"store_id": store_id, "item_ids": ids})
    return {row.id: _item(row) for row in rows}


async def lock_items(conn: AsyncConnection, item_ids: Iterable[UUID]) -> dict[UUID, MenuItem]:
    """Items by id, removed or not, row-locked in id order (giving stock back)."""
    ids = sorted(set(item_ids))
    rows = await conn.execute(
        select(menu_items).where(menu_items.c.id.in_(ids)).order_by(menu_items.c.id).with_for_update()
    )
    return {row.id: _item(row) for row in rows}


async def insert_item(conn: AsyncConnection, item: MenuItem) -> None:
    await conn.execute(insert(menu_items).values(id=item.item_id, **_item_columns(item)))


async def save_item(conn: AsyncConnection, item: MenuItem) -> None:
    await conn.execute(
        update(menu_items).where(menu_items.c.id == item.item_id).values(**_item_columns(item), updated_at=func.now())
    )


async def live_items(conn: AsyncConnection, store_id: UUID) -> list[MenuItem]:
    rows = await conn.execute(
        select(menu_items)
        .where(menu_items.c.store_id == store_id, ~menu_items.c.removed)
        .order_by(menu_items.c.position, menu_items.c.created_at, menu_items.c.id)
    )
    return [_item(row) for row in rows]


async def categories(conn: AsyncConnection, store_id: UUID) -> list[Category]:
    rows = await conn.execute(
        select(menu_categories)
        .where(menu_categories.c.store_id == store_id)
        .order_by(menu_categories.c.position, menu_categories.c.created_at, menu_categories.c.id)
    )
    return [_category(row) for row in rows]


async def fetch_category(conn: AsyncConnection, store_id: UUID, category_id: UUID) -> Category | None:
    row = (
        await conn.execute(
            select(menu_categories).where(menu_categories.c.id == category_id, menu_categories.c.store_id == store_id)
        )
    ).first()
    return _category(row) if row is not None else None


async def category_name_taken(
    conn: AsyncConnection, store_id: UUID, name: str, *, other_than: UUID | None = None
) -> bool:
    query = select(menu_categories.c.id).where(
        menu_categories.c.store_id == store_id, func.lower(menu_categories.c.name) == name.lower()
    )
    if other_than is not None:
        query = query.where(menu_categories.c.id != other_than)
    return (await conn.scalar(query.limit(1))) is not None


async def insert_category(conn: AsyncConnection, category: Category) -> None:
    await conn.execute(
        insert(menu_categories).values(
            id=category.category_id, store_id=category.store_id, name=category.name, position=category.position
        )
    )


async def save_category(conn: AsyncConnection, category: Category) -> None:
    await conn.execute(
        update(menu_categories)
        .where(menu_categories.c.id == category.category_id)
        .values(name=category.name, position=category.position, updated_at=func.now())
    )


async def count_live_items_in(conn: AsyncConnection, category_id: UUID) -> int:
    count = await conn.scalar(
        select(func.count()).where(menu_items.c.category_id == category_id, ~menu_items.c.removed)
    )
    return int(count or 0)


async def delete_category(conn: AsyncConnection, category_id: UUID) -> None:
    await conn.execute(delete(menu_categories).where(menu_categories.c.id == category_id))


async def item_ids_of_store(conn: AsyncConnection, store_id: UUID, item_ids: Iterable[UUID]) -> set[UUID]:
    """Which of `item_ids` are (or were: removed ones count) items of the store."""
    rows = await conn.scalars(
        select(menu_items.c.id).where(menu_items.c.store_id == store_id, menu_items.c.id.in_(list(item_ids)))
    )
    return set(rows)
