"""Killing the order service mid-saga loses no order and applies no event twice."""

import uuid

from e2e_support import (
    Platform,
    add_dish,
    assert_each_event_consumed_exactly_once,
    expect,
    messages_about,
    open_store,
    owner_moves,
    place_order,
    sign_up,
    wait_for_inbox,
    wait_for_status,
    wait_until_order_can_sell,
)

ORDER_PATH = ("STOCK_RESERVED", "AWAITING_STORE", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "COMPLETED")


def restart(platform: Platform, service: str) -> None:
    platform.stack.kill(service)  # SIGKILL: no drain, no outbox flush, offsets not committed
    platform.stack.start(service)
    platform.stack.wait_ready(service, timeout=120)


def test_killing_order_between_checkout_and_completion_loses_nothing(platform: Platform) -> None:
    customer = sign_up(platform, "CUSTOMER")
    owner = sign_up(platform, "OWNER")
    store = open_store(owner, name="Crash-proof Kimbap")
    dish = add_dish(owner, store["id"], name="Chamchi Kimbap", price=5000, stock=5)
    wait_until_order_can_sell(customer, store["id"], [dish["id"]])

    orders = [expect(place_order(customer, store["id"], [(dish["id"], 1)]), 201)["order_id"] for _ in range(2)]
    restart(platform, "order")  # right after checkout: events may still sit in the outbox

    for order_id in orders:
        wait_for_status(customer, order_id, "AWAITING_STORE", timeout=60)
        wait_for_inbox(owner, store["id"], order_id)
        owner_moves(owner, store["id"], order_id, "accept", prep_minutes=10)
    restart(platform, "order")  # while store's acceptances are in flight to order
    for order_id in orders:
        wait_for_status(customer, order_id, "ACCEPTED", timeout=60)
        owner_moves(owner, store["id"], order_id, "preparing")
        owner_moves(owner, store["id"], order_id, "ready")
        owner_moves(owner, store["id"], order_id, "picked-up")
        wait_for_status(customer, order_id, "COMPLETED", timeout=60)

    for order_id in orders:
        # A crash may make the relay send an event again (same event id); it must never decide twice,
        # which would show as two different events announcing one status.
        transitions = {
            (env.payload["status"], str(env.event_id))
            for _, env, _ in messages_about(platform, order_id)
            if env.event_type == "order.status-changed"
        }
        statuses = [status for status, _ in transitions]
        assert len(set(statuses)) == len(statuses), transitions
        assert set(statuses) == set(ORDER_PATH)
        assert assert_each_event_consumed_exactly_once(platform, order_id) > 0
        charges = platform.sql("SELECT count(*) AS n FROM sandbox_pg.charges WHERE order_id = $1", order_id)
        assert charges[0]["n"] == 1
    [stock] = platform.sql("SELECT stock_quantity FROM store.menu_items WHERE id = $1", uuid.UUID(dish["id"]))
    assert stock["stock_quantity"] == 3
    assert len(platform.sql(
        "SELECT order_id FROM ordering.orders WHERE customer_id = $1", uuid.UUID(customer.user_id)
    )) == 2
