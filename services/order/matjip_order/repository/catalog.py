"""The read model of stores and menus: upserts that keep the newest revision, and lookups."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from matjip_contracts.events import MenuItemOption, MenuItemUpdated, OpeningHours, StoreUpdated
from matjip_order.domain.menu import MenuItemView, StoreView
from matjip_order.repository.tables import menu_items, stores


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
    upsert = insert(stores).values(values)
    statement = upsert.on_conflict_do_update(
        index_elements=[stores.c.store_id],
        set_={name: upsert.excluded[name] for name in values if name != "store_id"},
        # A redelivered or out-of-order snapshot must not overwrite a newer one.
        where=stores.c.revision < upsert.excluded.revision,
    ).returning(stores.c.store_id)
    return (await conn.execute(statement)).first() is not None


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
    upsert = insert(menu_items).values(values)
    statement = upsert.on_conflict_do_update(
        index_elements=[menu_items.c.menu_item_id],
        set_={name: upsert.excluded[name] for name in values if name != "menu_item_id"},
        where=menu_items.c.revision < upsert.excluded.revision,
    ).returning(menu_items.c.menu_item_id)
    return (await conn.execute(statement)).first() is not None


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
    row = (await conn.execute(select(stores).where(stores.c.store_id == store_id))).first()
    return _store(row) if row is not None else None


async def find_menu_items(conn: AsyncConnection, menu_item_ids: Iterable[UUID]) -> dict[UUID, MenuItemView]:
    wanted = set(menu_item_ids)
    if not wanted:
        return {}
    rows = await conn.execute(select(menu_items).where(menu_items.c.menu_item_id.in_(wanted)))
    return {row.menu_item_id: _menu_item(row) for row in rows}


async def store_menu(conn: AsyncConnection, store_id: UUID) -> list[MenuItemView]:
    """The items the store sells (removed ones left out), in name order."""
    rows = await conn.execute(
        select(menu_items)
        .where(menu_items.c.store_id == store_id, menu_items.c.removed.is_(False))
        .order_by(menu_items.c.name, menu_items.c.menu_item_id)
    )
    return [_menu_item(row) for row in rows]
