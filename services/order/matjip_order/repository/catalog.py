"""The read model of stores and menus: upserts that keep the newest revision, and lookups."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events import MenuItemOption, MenuItemUpdated, OpeningHours, StoreUpdated
from matjip_order.domain.menu import MenuItemView, StoreView
from matjip_order.repository.tables import menu_items, stores
from matjip_platform.sql import insert_or_update, is_any_of

# A redelivered or out-of-order snapshot must not overwrite a newer one.
_SAVE_STORE = insert_or_update(
    stores,
    ("store_id", "owner_id", "name", "timezone", "opening_hours", "accepting_orders", "revision"),
    on=("store_id",),
    only_if_newer="revision",
    returning=("store_id",),
)
_SAVE_MENU_ITEM = insert_or_update(
    menu_items,
    ("menu_item_id", "store_id", "name", "price", "options", "sold_out", "removed", "revision"),
    on=("menu_item_id",),
    only_if_newer="revision",
    returning=("menu_item_id",),
)


async def apply_store_updated(conn: AsyncConnection, event: StoreUpdated) -> bool:
    """Keep the snapshot unless a newer revision is already known; True when it was applied."""
    values = {
        "store_id": event.store_id,
        "owner_id": event.owner_id,
        "name": event.name,
        "timezone": event.timezone,
        "opening_hours": [hours.model_dump(mode="json") for hours in event.opening_hours],
        "accepting_orders": event.accepting_orders,
        "revision": event.revision,
    }
    return (await conn.execute(_SAVE_STORE, values)).first() is not None


async def apply_menu_item_updated(conn: AsyncConnection, event: MenuItemUpdated) -> bool:
    values = {
        "menu_item_id": event.menu_item_id,
        "store_id": event.store_id,
        "name": event.name,
        "price": event.price,
        "options": [option.model_dump(mode="json") for option in event.options],
        "sold_out": event.sold_out,
        "removed": event.removed,
        "revision": event.revision,
    }
    return (await conn.execute(_SAVE_MENU_ITEM, values)).first() is not None


_FIND_STORE = select(stores).where(stores.c.store_id == bindparam("store_id"))
_FIND_MENU_ITEMS = select(menu_items).where(is_any_of(menu_items.c.menu_item_id, "menu_item_ids"))


def _store(row: Any) -> StoreView:
    return StoreView(
        store_id=row.store_id,
        owner_id=row.owner_id,
        name=row.name,
        timezone=row.timezone,
        opening_hours=tuple(OpeningHours.model_validate(h) for h in row.opening_hours),
        accepting_orders=row.accepting_orders,
        revision=row.revision,
    )


def _menu_item(row: Any) -> MenuItemView:
    return MenuItemView(
        menu_item_id=row.menu_item_id,
        store_id=row.store_id,
        name=row.name,
        price=row.price,
        options=tuple(MenuItemOption.model_validate(o) for o in row.options),
        sold_out=row.sold_out,
        removed=row.removed,
        revision=row.revision,
    )


async def find_store(conn: AsyncConnection, store_id: UUID) -> StoreView | None:
    row = (await conn.execute(_FIND_STORE, {"store_id": store_id})).first()
    return _store(row) if row is not None else None


async def find_menu_items(conn: AsyncConnection, menu_item_ids: Iterable[UUID]) -> dict[UUID, MenuItemView]:
    wanted = set(menu_item_ids)
    if not wanted:
        return {}
    rows = await conn.execute(_FIND_MENU_ITEMS, {"menu_item_ids": list(wanted)})
    return {row.menu_item_id: _menu_item(row) for row in rows}


async def store_menu(conn: AsyncConnection, store_id: UUID) -> list[MenuItemView]:
    """The items the store sells (removed ones left out), in name order."""
    rows = await conn.execute(
        select(menu_items)
        .where(menu_items.c.store_id == store_id, menu_items.c.removed.is_(False))
        .order_by(menu_items.c.name, menu_items.c.menu_item_id)
    )
    return [_menu_item(row) for row in rows]
