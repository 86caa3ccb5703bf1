"""The walking skeleton, end to end through the edge: sign up, open a store, order, prepare, complete.

No service calls another's HTTP API on this path: every step after checkout travels through Kafka."""

import uuid
from typing import Any

from e2e_support import (
    Platform,
    add_dish,
    assert_each_event_consumed_exactly_once,
    eventually,
    expect,
    messages_about,
    open_store,
    order_status,
    owner_moves,
    place_order,
    sign_up,
    wait_for_inbox,
    wait_for_status,
    wait_until_order_can_sell,
)

REVIEW = "The tteokbokki is very spicy and chewy. Gimbap was fresh."


def test_an_order_goes_from_checkout_to_completed_through_events_only(platform: Platform) -> None:
    customer = sign_up(platform, "CUSTOMER", "Jiwoo")
    owner = sign_up(platform, "OWNER", "Minseo")
    store = open_store(owner)
    tteokbokki = add_dish(owner, store["id"], name="Tteokbokki", price=12000, stock=10)
    gimbap = add_dish(owner, store["id"], name="Gimbap", price=4500)
    wait_until_order_can_sell(customer, store["id"], [tteokbokki["id"], gimbap["id"]])

    # The customer browses, fills a cart (priced by order from its own copy of the menu) and checks out.
    listed = expect(customer.get("/api/store/stores", params={"open_now": "true", "limit": 100}), 200)
    assert store["id"] in {s["id"] for s in listed["items"]}
    menu = expect(customer.get(f"/api/store/stores/{store['id']}/menu"), 200)
    assert {i["name"] for i in menu["uncategorized"]} >= {"Tteokbokki", "Gimbap"}
    expect(customer.put(f"/api/order/cart/items/{tteokbokki['id']}", json={"quantity": 2}), 200)
    cart = expect(customer.put(f"/api/order/cart/items/{gimbap['id']}", json={"quantity": 1}), 200)
    assert (cart["total_amount"], cart["can_check_out"]) == (2 * 12000 + 4500, True)

    key = uuid.uuid4().hex
    placed = expect(customer.post("/api/order/orders", headers={"Idempotency-Key": key}), 201)
    order_id = placed["order_id"]
    assert placed["total_amount"] == 2 * 12000 + 4500
    assert expect(customer.get("/api/order/cart"), 200)["lines"] == []  # the cart became the order
    replayed = expect(place_order(customer, store["id"], [(tteokbokki["id"], 2), (gimbap["id"], 1)], key), 422)
    assert replayed["code"] == "idempotency_key_reused"  # same key, different request
    again = expect(customer.post("/api/order/orders", headers={"Idempotency-Key": key}), 200)
    assert again["order_id"] == order_id  # a retried request returns the same order

    wait_for_status(customer, order_id, "AWAITING_STORE")
    entry = wait_for_inbox(owner, store["id"], order_id)
    assert entry["status"] == "PENDING"
    owner_moves(owner, store["id"], order_id, "accept", prep_minutes=15)
    assert wait_for_status(customer, order_id, "ACCEPTED")["prep_minutes"] == 15
    owner_moves(owner, store["id"], order_id, "preparing")
    owner_moves(owner, store["id"], order_id, "ready")
    wait_for_status(customer, order_id, "READY")
    owner_moves(owner, store["id"], order_id, "picked-up")
    completed = wait_for_status(customer, order_id, "COMPLETED")
    assert completed["payment_status"] == "authorized"

    # Each service's own data tells the same story.
    oid = uuid.UUID(order_id)
    [order_row] = platform.sql("SELECT status, total_amount FROM ordering.orders WHERE order_id = $1", oid)
    assert (order_row["status"], order_row["total_amount"]) == ("COMPLETED", 28500)
    [stock] = platform.sql("SELECT stock_quantity FROM store.menu_items WHERE id = $1", uuid.UUID(tteokbokki["id"]))
    assert stock["stock_quantity"] == 8
    [inbox] = platform.sql("SELECT status FROM store.inbox_entries WHERE order_id = $1", oid)
    assert inbox["status"] == "PICKED_UP"
    [intent] = platform.sql("SELECT status, amount FROM payment.payment_intents WHERE order_id = $1", oid)
    assert intent["amount"] == 28500
    # And the PG (the sandbox PG, a process of its own) holds one charge.
    charges = platform.sql("SELECT status FROM sandbox_pg.charges WHERE order_id = $1", order_id)
    assert [c["status"] for c in charges] == ["DONE"]
    statuses = [
        r["payload"] for r in platform.sql(
            "SELECT payload::text AS payload FROM notification.notifications WHERE order_id = $1 AND recipient_id = $2",
            oid,
            uuid.UUID(customer.user_id),
        )
    ]
    assert any("COMPLETED" in s for s in statuses)

    # Every step is an event keyed by the order id; each status is announced once; each event took effect once.
    events = messages_about(platform, order_id)
    types = [env.event_type for _, env, _ in events]
    for expected in (
        "order.placed",
        "store.reserve-stock",
        "store.stock-reserved",
        "payment.authorize",
        "payment.authorized",
        "store.request-acceptance",
        "store.order-accepted",
        "store.order-progressed",
    ):
        assert expected in types, f"{expected} missing from {types}"
    announced = [env.payload["status"] for _, env, _ in events if env.event_type == "order.status-changed"]
    assert announced == [
        "STOCK_RESERVED", "AWAITING_STORE", "ACCEPTED", "PREPARING", "READY", "PICKED_UP", "COMPLETED",
    ]
    assert assert_each_event_consumed_exactly_once(platform, order_id) >= len(events)
    assert order_status(owner, order_id)["status"] == "COMPLETED"  # the store's owner may read it too

    # The customer reviews the completed order; ai answers questions about the menu from the reviews.
    review = {"order_id": order_id, "rating": 5, "text": REVIEW, "menu_item_ids": [tteokbokki["id"]]}
    posted = eventually(
        lambda: (r := customer.post(f"/api/store/stores/{store['id']}/reviews", json=review)).status_code == 201 and r,
        what="store to know the order completed",
    )
    assert posted.json()["rating"] == 5
    assert customer.post(f"/api/store/stores/{store['id']}/reviews", json=review).status_code == 409  # once
    reviews = expect(customer.get(f"/api/store/stores/{store['id']}/reviews"), 200)
    assert [r["text"] for r in reviews["items"]] == [REVIEW]

    def answered() -> dict[str, Any] | None:
        response = customer.post(f"/api/ai/stores/{store['id']}/questions", json={"question": "Is it spicy?"})
        body = response.json() if response.status_code == 200 else {}
        return body if body.get("grounded") else None

    answer = eventually(answered, what="ai to learn the review")
    assert "spicy" in answer["matches"][0]["snippet"].lower()
    assert "Tteokbokki" in {item["name"] for item in answer["menu_items_mentioned"]}
