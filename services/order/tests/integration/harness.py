"""The order service running in-process on the real stack, with the other services played by the test:
it produces their events to the prefixed topics and collects everything order publishes."""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import time as clock
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from matjip_contracts import topics
from matjip_contracts.events import (
    MenuItemOption,
    MenuItemUpdated,
    OpeningHours,
    Role,
    StoreUpdated,
)
from matjip_platform.envelope import Envelope
from matjip_platform.messaging_tables import outbox_events
from matjip_platform.testing import Published, ServiceUnderTest, TopicLog, poll

WAIT_SECONDS = 15.0
ALL_DAY = tuple(OpeningHours(weekday=d, opens=clock(0), closes=clock(0)) for d in range(7))
PUBLISHED_BY_ORDER = (topics.ORDER_EVENTS, topics.STORE_COMMANDS, topics.PAYMENT_COMMANDS)


class Collector(TopicLog):
    """Reads every topic order publishes to, from the beginning, for the whole session."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        super().__init__(bootstrap, *PUBLISHED_BY_ORDER, prefix=prefix, timeout=WAIT_SECONDS)

    def about(self, order_id: UUID | str) -> list[Published]:
        """What order published about the order, each event once (the relay may legitimately resend)."""
        unique: dict[UUID, Published] = {}
        for published in self.published:
            if published.envelope.key == str(order_id):
                unique.setdefault(published.envelope.event_id, published)
        return list(unique.values())


@dataclass
class Customer:
    user_id: UUID
    headers: dict[str, str]


@dataclass
class StoreFixture:
    store_id: UUID
    owner_id: UUID
    owner_headers: dict[str, str]
    items: dict[str, MenuItemUpdated]  # by name

    def item(self, name: str) -> UUID:
        return self.items[name].menu_item_id


@dataclass
class OrderHarness(ServiceUnderTest):
    collector: Collector

    # --- people -------------------------------------------------------------------------------------

    def customer(self) -> Customer:
        user_id = uuid.uuid4()
        return Customer(user_id, self.keys.auth_header(user_id, Role.CUSTOMER))

    def headers(self, user_id: UUID, role: Role) -> dict[str, str]:
        return self.keys.auth_header(user_id, role)

    def admin(self) -> dict[str, str]:
        return self.keys.auth_header(uuid.uuid4(), Role.ADMIN)

    # --- playing the other services ---------------------------------------------------------------------

    async def open_store(
        self,
        *,
        accepting_orders: bool = True,
        opening_hours: tuple[OpeningHours, ...] = ALL_DAY,
        menu: Iterable[tuple[str, int]] = (("Tuna gimbap", 4500), ("Ramyeon", 5000)),
        sold_out: Iterable[str] = (),
        with_cheese: bool = True,
    ) -> StoreFixture:
        """A store as store would announce it (StoreUpdated, MenuItemUpdated), once order has applied it."""
        store_id, owner_id = uuid.uuid4(), uuid.uuid4()
        await self.send(
            StoreUpdated(
                store_id=store_id,
                owner_id=owner_id,
                name=f"Store {store_id.hex[:6]}",
                timezone="Asia/Seoul",
                opening_hours=opening_hours,
                accepting_orders=accepting_orders,
                revision=1,
            )
        )
        cheese = (MenuItemOption(option_id=uuid.uuid4(), name="Cheese", extra_price=500),) if with_cheese else ()
        items: dict[str, MenuItemUpdated] = {}
        for name, price in menu:
            items[name] = MenuItemUpdated(
                menu_item_id=uuid.uuid4(),
                store_id=store_id,
                name=name,
                price=price,
                options=cheese,
                sold_out=name in set(sold_out),
                revision=1,
            )
            await self.send(items[name])
        # The store's events share one partition: once the last item shows, all were applied.
        await self.menu_shows(store_id, lambda menu: len(menu["items"]) == len(items))
        return StoreFixture(store_id, owner_id, self.headers(owner_id, Role.OWNER), items)

    async def menu_shows(self, store_id: UUID, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        async def menu() -> dict[str, Any] | None:
            response = await self.client.get(f"/api/order/stores/{store_id}/menu")
            return response.json() if response.status_code == 200 and check(response.json()) else None

        found = await poll(menu, f"timed out waiting for the menu of {store_id}", WAIT_SECONDS)
        return found

    # --- orders -------------------------------------------------------------------------------------------

    async def place(
        self, customer: Customer, store: StoreFixture, lines: list[dict[str, Any]] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        body = {
            "store_id": str(store.store_id),
            "lines": lines or [{"menu_item_id": str(store.item("Tuna gimbap")), "quantity": 2}],
        }
        response = await self.client.post(
            "/api/order/orders",
            json=body,
            headers={**customer.headers, "Idempotency-Key": key or uuid.uuid4().hex},
        )
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    async def order(self, order_id: UUID | str, headers: dict[str, str]) -> dict[str, Any]:
        response = await self.client.get(f"/api/order/orders/{order_id}", headers=headers)
        assert response.status_code == 200, response.text
        order: dict[str, Any] = response.json()
        return order

    async def status_becomes(self, order_id: UUID | str, headers: dict[str, str], status: str) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            order = await self.order(order_id, headers)
            return order if order["status"] == status else None

        found = await poll(reached, f"timed out waiting for order {order_id} to be {status}", WAIT_SECONDS)
        return found

    async def published(self, order_id: UUID | str, event_type: str, count: int = 1) -> list[Published]:
        """Waits until order published `count` messages of this type about the order."""

        async def found() -> list[Published] | None:
            matching = [p for p in self.collector.about(order_id) if p.event_type == event_type]
            return matching if len(matching) >= count else None

        result = await poll(found, f"timed out waiting for {count} x {event_type} for {order_id}", WAIT_SECONDS)
        return result

    async def settled(self, order_id: UUID | str, *consumed: Envelope) -> list[Published]:
        """Everything order published about the order, once it handled `consumed` and the relay caught up.

        The outbox is the record of what order emitted, so the collector must hold exactly its rows."""

        await self.processed(*consumed, timeout=WAIT_SECONDS)

        async def outbox_rows() -> int:
            async with self.service.runtime.db.transaction() as conn:
                count = await conn.scalar(
                    select(func.count()).select_from(outbox_events).where(outbox_events.c.key == str(order_id))
                )
            return int(count or 0)

        expected = await outbox_rows()

        async def caught_up() -> list[Published] | None:
            found = self.collector.about(order_id)
            return found if found and len(found) >= expected else None

        result = await poll(caught_up, f"timed out waiting for {expected} messages about {order_id}", WAIT_SECONDS)
        assert len(result) == expected, "order published events its outbox does not hold"
        return result


def statuses(published: list[Published]) -> list[str]:
    """The order's journey, as its OrderStatusChanged events tell it (one topic and key, so in order)."""
    return [p.payload["status"] for p in published if p.event_type == "order.status-changed"]


def commands(published: list[Published]) -> list[str]:
    return sorted(p.event_type for p in published if p.topic != topics.ORDER_EVENTS)
