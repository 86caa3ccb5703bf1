"""The saga's stock commands through real Kafka: reserve all or nothing, never oversell, release once."""

import asyncio
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from matjip_contracts.events.common import StockLine
from matjip_contracts.events.store import ReleaseStock, ReserveStock
from matjip_platform.envelope import Envelope
from matjip_platform.handlers import HandlerContext
from matjip_store.events.handlers import on_reserve_stock

from .harness import Caller, StoreUnderTest

RESERVED, REJECTED = "store.stock-reserved", "store.stock-reservation-rejected"
ANSWERS = (RESERVED, REJECTED)


def reserve(store_id: str, *lines: tuple[str, int]) -> ReserveStock:
    return ReserveStock(
        order_id=uuid.uuid4(),
        store_id=uuid.UUID(store_id),
        lines=tuple(StockLine(menu_item_id=uuid.UUID(item), quantity=qty) for item, qty in lines),
    )


def release(command: ReserveStock) -> ReleaseStock:
    return ReleaseStock(order_id=command.order_id, store_id=command.store_id, reason="customer_cancelled")


async def test_reserving_takes_stock_for_every_line(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    rice = await store.create_item(owner, shop["id"], stock_quantity=5)
    soup = await store.create_item(owner, shop["id"])  # unlimited
    command = reserve(shop["id"], (rice["id"], 2), (soup["id"], 3), (rice["id"], 1))
    await store.send(command)

    [answer] = await store.events.wait_for(RESERVED, order_id=str(command.order_id))
    assert answer.key == str(command.order_id)
    assert (await store.item(shop["id"], rice["id"]))["stock_quantity"] == 2
    assert (await store.item(shop["id"], soup["id"]))["stock_quantity"] is None


async def test_not_enough_stock_rejects_the_whole_order_and_takes_nothing(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    rice = await store.create_item(owner, shop["id"], stock_quantity=5)
    soup = await store.create_item(owner, shop["id"], stock_quantity=1)
    command = reserve(shop["id"], (rice["id"], 2), (soup["id"], 2))
    await store.send(command)

    [answer] = await store.events.wait_for(REJECTED, order_id=str(command.order_id))
    assert answer.payload["reason"] == "sold_out"
    assert (await store.item(shop["id"], rice["id"]))["stock_quantity"] == 5
    assert (await store.item(shop["id"], soup["id"]))["stock_quantity"] == 1


async def test_a_store_not_taking_orders_is_closed(store: StoreUnderTest, owner: Caller) -> None:
    paused = await store.create_store(owner, accepting_orders=False)
    paused_item = await store.create_item(owner, paused["id"], stock_quantity=3)
    # Open only on the day after tomorrow (on the store's clock), so never at the moment of the test.
    later = (datetime.now(ZoneInfo("Asia/Seoul")) + timedelta(days=2)).weekday()
    after_hours = await store.create_store(
        owner, opening_hours=[{"weekday": later, "opens": "09:00", "closes": "10:00"}]
    )
    after_hours_item = await store.create_item(owner, after_hours["id"], stock_quantity=3)
    assert not paused["open_now"] and not after_hours["open_now"]

    commands = [reserve(paused["id"], (paused_item["id"], 1)), reserve(after_hours["id"], (after_hours_item["id"], 1))]
    for command in commands:
        await store.send(command)
    for command in commands:
        [answer] = await store.events.wait_for(REJECTED, order_id=str(command.order_id))
        assert answer.payload["reason"] == "store_closed"
    assert (await store.item(paused["id"], paused_item["id"]))["stock_quantity"] == 3


async def test_items_not_on_the_menu_are_unknown(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    elsewhere = await store.create_store(owner)
    theirs = await store.create_item(owner, elsewhere["id"], stock_quantity=3)
    removed = await store.create_item(owner, shop["id"], stock_quantity=3)
    deleted = await store.client.delete(
        f"/api/store/stores/{shop['id']}/menu-items/{removed['id']}", headers=owner.headers
    )
    assert deleted.status_code == 204

    commands = [
        reserve(shop["id"], (str(uuid.uuid4()), 1)),
        reserve(shop["id"], (theirs["id"], 1)),  # another store's item
        reserve(shop["id"], (removed["id"], 1)),
        reserve(str(uuid.uuid4()), (theirs["id"], 1)),  # no such store
    ]
    for command in commands:
        await store.send(command)
    for command in commands:
        [answer] = await store.events.wait_for(REJECTED, order_id=str(command.order_id))
        assert answer.payload["reason"] == "unknown_item"
    assert (await store.item(elsewhere["id"], theirs["id"]))["stock_quantity"] == 3


async def test_two_orders_racing_through_kafka_for_the_last_unit(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    last = await store.create_item(owner, shop["id"], stock_quantity=1)
    orders = [reserve(shop["id"], (last["id"], 1)) for _ in range(2)]
    await asyncio.gather(*(store.send(command) for command in orders))

    answers = [(await store.events.wait_for(ANSWERS, order_id=str(command.order_id)))[0] for command in orders]
    assert sorted(a.event_type for a in answers) == sorted([RESERVED, REJECTED])
    assert next(a for a in answers if a.event_type == REJECTED).payload["reason"] == "sold_out"
    item = await store.item(shop["id"], last["id"])
    assert item["stock_quantity"] == 0 and item["sold_out"] is True
    [sold_out] = await store.events.wait_for("store.menu-item-updated", menu_item_id=last["id"], revision=2)
    assert sold_out.payload["sold_out"] is True


async def test_concurrent_handlers_never_oversell(store: StoreUnderTest, owner: Caller) -> None:
    """The handler itself, run in parallel transactions on separate connections (what two replicas of
    store would do): row locks let exactly as many orders through as there are units."""
    shop = await store.create_store(owner)
    dumplings = await store.create_item(owner, shop["id"], stock_quantity=3)
    orders = [reserve(shop["id"], (dumplings["id"], 1)) for _ in range(8)]
    runtime = store.service.runtime

    async def handle(command: ReserveStock) -> None:
        envelope = Envelope.wrap(command, source="test")
        async with runtime.unit_of_work() as uow:
            await on_reserve_stock(HandlerContext.within(uow, envelope, runtime.components), command)

    await asyncio.gather(*(handle(command) for command in orders))

    answers = [(await store.events.wait_for(ANSWERS, order_id=str(c.order_id)))[0] for c in orders]
    assert [a.event_type for a in answers].count(RESERVED) == 3
    assert [a.event_type for a in answers].count(REJECTED) == 5
    assert {a.payload["reason"] for a in answers if a.event_type == REJECTED} == {"sold_out"}
    assert (await store.item(shop["id"], dumplings["id"]))["stock_quantity"] == 0


async def test_release_gives_stock_back_exactly_once(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    rice = await store.create_item(owner, shop["id"], stock_quantity=2)
    command = reserve(shop["id"], (rice["id"], 2))
    await store.send(command)
    await store.events.wait_for(RESERVED, order_id=str(command.order_id))
    assert (await store.item(shop["id"], rice["id"]))["sold_out"] is True

    first = await store.send(release(command))
    await store.processed(first)
    assert (await store.item(shop["id"], rice["id"]))["stock_quantity"] == 2
    [available] = await store.events.wait_for("store.menu-item-updated", menu_item_id=rice["id"], revision=3)
    assert available.payload["sold_out"] is False

    # The saga sends ReleaseStock again (a new command), and Kafka redelivers the first one.
    second = await store.send(release(command))
    await store.processed(second)
    before = store.consumed(first.event_type, "duplicate")
    await store.redeliver(first)
    await store.duplicate_skipped(first, before)
    assert (await store.item(shop["id"], rice["id"]))["stock_quantity"] == 2
    assert await store.outbox_count(shop["id"], ["store.menu-item-updated"]) == 3  # created, sold out, back


async def test_redelivered_reserve_stock_changes_nothing(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    rice = await store.create_item(owner, shop["id"], stock_quantity=5)
    command = reserve(shop["id"], (rice["id"], 2))
    envelope = await store.send(command)
    await store.events.wait_for(RESERVED, order_id=str(command.order_id))

    before = store.consumed(envelope.event_type, "duplicate")
    await store.redeliver(envelope)
    await store.duplicate_skipped(envelope, before)
    assert (await store.item(shop["id"], rice["id"]))["stock_quantity"] == 3
    assert await store.outbox_count(str(command.order_id)) == 1

    # The same order's command sent anew: the first decision is repeated, nothing more is taken.
    again = await store.send(command)
    await store.processed(again)
    assert (await store.item(shop["id"], rice["id"]))["stock_quantity"] == 3
    assert len(await store.events.wait_for(RESERVED, count=2, order_id=str(command.order_id))) == 2


async def test_a_release_that_overtakes_its_reservation_holds_nothing(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    rice = await store.create_item(owner, shop["id"], stock_quantity=5)
    command = reserve(shop["id"], (rice["id"], 2))
    released = await store.send(release(command))
    await store.processed(released)
    late = await store.send(command)
    await store.processed(late)
    assert (await store.item(shop["id"], rice["id"]))["stock_quantity"] == 5
    assert await store.outbox_count(str(command.order_id)) == 0


async def test_a_rejected_order_stays_rejected_when_asked_again(store: StoreUnderTest, owner: Caller) -> None:
    shop = await store.create_store(owner)
    rice = await store.create_item(owner, shop["id"], stock_quantity=1)
    command = reserve(shop["id"], (rice["id"], 2))
    await store.send(command)
    await store.events.wait_for(REJECTED, order_id=str(command.order_id))
    restock = await store.client.put(
        f"/api/store/stores/{shop['id']}/menu-items/{rice['id']}/stock", json={"quantity": 10}, headers=owner.headers
    )
    assert restock.status_code == 200
    await store.send(command)
    answers = await store.events.wait_for(REJECTED, count=2, order_id=str(command.order_id))
    assert {a.payload["reason"] for a in answers} == {"sold_out"}
    assert (await store.item(shop["id"], rice["id"]))["stock_quantity"] == 10
    assert not store.events.matching(RESERVED, order_id=str(command.order_id))
