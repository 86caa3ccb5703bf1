"""The menus order sells, as its read model says, for browsing.

Browsing is most of the platform's traffic, and every customer of a store asks for the same menu: each
store's menu is read from the database at most once per `menu_cache_seconds` (one second by default) and
shared by the requests of that second. A menu a second old is as fresh as the read model itself, which
follows store's events; checkout never uses it (it prices from the database in its own transaction).
"""

import asyncio
import time
from dataclasses import dataclass
from uuid import UUID

from matjip_order.domain.errors import StoreNotFound
from matjip_order.domain.menu import MenuItemView, StoreView
from matjip_order.repository import catalog
from matjip_platform.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class StoreMenu:
    store: StoreView
    items: list[MenuItemView]


class MenuReads:
    def __init__(self, unit_of_work: UnitOfWorkFactory, *, fresh_seconds: float, max_stores: int = 10_000) -> None:
        self.unit_of_work = unit_of_work
        self.fresh_seconds = fresh_seconds
        self.max_stores = max_stores
        self._read: dict[UUID, tuple[float, StoreMenu]] = {}
        self._reading: dict[UUID, asyncio.Future[StoreMenu]] = {}

    async def menu(self, store_id: UUID) -> StoreMenu:
        """The store's menu; StoreNotFound when order does not know the store (never cached)."""
        found = self._read.get(store_id)
        if found is not None and time.monotonic() - found[0] < self.fresh_seconds:
            return found[1]
        pending = self._reading.get(store_id)
        if pending is not None:  # another request is reading this very menu now: share its answer
            return await asyncio.shield(pending)
        reading: asyncio.Future[StoreMenu] = asyncio.get_running_loop().create_future()
        self._reading[store_id] = reading
        try:
            menu = await self._from_database(store_id)
        except asyncio.CancelledError:
            reading.cancel()
            raise
        except Exception as exc:
            reading.set_exception(exc)
            reading.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            del self._reading[store_id]
        if len(self._read) >= self.max_stores:
            self._read.clear()
        self._read[store_id] = (time.monotonic(), menu)
        reading.set_result(menu)
        return menu

    async def _from_database(self, store_id: UUID) -> StoreMenu:
        async with self.unit_of_work() as uow:
            store = await catalog.find_store(uow.conn, store_id)
            if store is None:
                raise StoreNotFound(f"There is no store {store_id}.")
            return StoreMenu(store, await catalog.store_menu(uow.conn, store_id))
