"""Builders of the snapshots store publishes on store.events; read models elsewhere keep the newest revision."""

from matjip_contracts.events.store import MenuItemOption, MenuItemUpdated, OpeningHours, StoreUpdated
from matjip_store.domain.menu import MenuItem
from matjip_store.domain.store import Store


def store_updated(store: Store) -> StoreUpdated:
    return StoreUpdated(
        store_id=store.store_id,
        owner_id=store.owner_id,
        name=store.name,
        timezone=store.timezone,
        opening_hours=tuple(
            OpeningHours(weekday=w.weekday, opens=w.opens, closes=w.closes) for w in store.opening_hours
        ),
        accepting_orders=store.accepting_orders,
        revision=store.revision,
    )


def menu_item_updated(item: MenuItem) -> MenuItemUpdated:
    return MenuItemUpdated(
        menu_item_id=item.item_id,
        store_id=item.store_id,
        name=item.name,
        price=item.price,
        options=tuple(
            MenuItemOption(option_id=o.option_id, name=o.name, extra_price=o.extra_price) for o in item.options
        ),
        sold_out=item.sold_out,
        removed=item.removed,
        revision=item.revision,
    )
