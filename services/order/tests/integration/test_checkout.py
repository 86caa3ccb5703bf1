"""Checkout: priced from the read model, refused with a clear problem, exactly once per Idempotency-Key."""

import asyncio
import uuid
from typing import Any

from prometheus_client import REGISTRY

from .harness import OrderHarness


def gimbap_line(store: Any, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    return {"menu_item_id": str(store.item("Tuna gimbap")), "quantity": quantity, **extra}


async def test_checkout_of_the_cart_places_the_order_and_starts_the_saga(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    cheese = str(store.items["Tuna gimbap"].options[0].option_id)
    await app.client.put(
        f"/api/order/cart/items/{store.item('Tuna gimbap')}",
        json={"quantity": 2, "option_ids": [cheese]},
        headers=customer.headers,
    )
    await app.client.put(
        f"/api/order/cart/items/{store.item('Ramyeon')}", json={"quantity": 1}, headers=customer.headers
    )
    placed_before = REGISTRY.get_sample_value("orders_placed_total") or 0.0

    response = await app.client.post(
        "/api/order/orders", headers={**customer.headers, "Idempotency-Key": "cart-checkout-1"}
    )

    assert response.status_code == 201, response.text
    order = response.json()
    assert response.headers["Location"] == f"/api/order/orders/{order['order_id']}"
    assert order["status"] == "PLACED" and order["customer_id"] == str(customer.user_id)
    assert order["total_amount"] == 2 * 5000 + 5000
    assert sorted((line["name"], line["unit_price"], line["quantity"]) for line in order["lines"]) == [
        ("Ramyeon", 5000, 1),
        ("Tuna gimbap", 5000, 2),
    ]
    (placed,) = await app.published(order["order_id"], "order.placed")
    (reserve,) = await app.published(order["order_id"], "store.reserve-stock")
    assert placed.payload["total_amount"] == 15000 and placed.topic == "order.events"
    assert reserve.topic == "store.commands" and reserve.payload["store_id"] == str(store.store_id)
    assert sorted(line["quantity"] for line in reserve.payload["lines"]) == [1, 2]
    # The cart is cleared only after the order committed.
    assert (await app.client.get("/api/order/cart", headers=customer.headers)).json()["lines"] == []
    assert REGISTRY.get_sample_value("orders_placed_total") == placed_before + 1


async def test_a_replayed_key_returns_the_same_order_and_a_reused_key_is_refused(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    headers = {**customer.headers, "Idempotency-Key": f"key-{uuid.uuid4().hex}"}
    body = {"store_id": str(store.store_id), "lines": [gimbap_line(store, 2)]}

    first = await app.client.post("/api/order/orders", json=body, headers=headers)
    # The same request, formatted differently (key order, defaults spelled out), is the same request.
    again = await app.client.post(
        "/api/order/orders",
        json={
            "lines": [{"option_ids": [], "quantity": 2, "menu_item_id": str(store.item("Tuna gimbap"))}],
            "store_id": str(store.store_id),
        },
        headers=headers,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()

    other_body = {"store_id": str(store.store_id), "lines": [gimbap_line(store, 3)]}
    reused = await app.client.post("/api/order/orders", json=other_body, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    # ...and the cart-form with that key is a different request too.
    assert (await app.client.post("/api/order/orders", headers=headers)).json()["code"] == "idempotency_key_reused"

    # Keys are the customer's own: another customer's identical key is another order.
    someone_else = app.customer()
    theirs = await app.client.post(
        "/api/order/orders", json=body, headers={**someone_else.headers, "Idempotency-Key": headers["Idempotency-Key"]}
    )
    assert theirs.status_code == 201 and theirs.json()["order_id"] != first.json()["order_id"]

    history = (await app.client.get("/api/order/orders", headers=customer.headers)).json()
    assert [o["order_id"] for o in history["items"]] == [first.json()["order_id"]]
    assert len(await app.published(first.json()["order_id"], "store.reserve-stock")) == 1


async def test_concurrent_requests_with_one_key_place_one_order(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    headers = {**customer.headers, "Idempotency-Key": f"race-{uuid.uuid4().hex}"}
    body = {"store_id": str(store.store_id), "lines": [gimbap_line(store)]}

    responses = await asyncio.gather(
        *(app.client.post("/api/order/orders", json=body, headers=headers) for _ in range(4))
    )

    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert len({r.json()["order_id"] for r in responses}) == 1
    history = (await app.client.get("/api/order/orders", headers=customer.headers)).json()
    assert len(history["items"]) == 1


async def test_the_idempotency_key_is_required_and_checked(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    body = {"store_id": str(store.store_id), "lines": [gimbap_line(store)]}

    missing = await app.client.post("/api/order/orders", json=body, headers=customer.headers)
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["Idempotency-Key"]
    for bad in ("short", "x" * 129, "no spaces allowed", "semi;colon-key"):
        response = await app.client.post(
            "/api/order/orders", json=body, headers={**customer.headers, "Idempotency-Key": bad}
        )
        assert response.status_code == 422, bad
        assert [e["field"] for e in response.json()["errors"]] == ["Idempotency-Key"]
    assert (await app.client.get("/api/order/orders", headers=customer.headers)).json()["items"] == []


async def test_a_price_sent_by_the_client_is_rejected_and_nothing_is_written(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    body = {"store_id": str(store.store_id), "lines": [gimbap_line(store, unit_price=1)]}

    response = await app.client.post(
        "/api/order/orders", json=body, headers={**customer.headers, "Idempotency-Key": uuid.uuid4().hex}
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["lines[0].unit_price"]
    assert (await app.client.get("/api/order/orders", headers=customer.headers)).json()["items"] == []


async def test_checkout_refusals(order_service: OrderHarness) -> None:
    app = order_service
    open_store = await app.open_store(sold_out=["Ramyeon"])
    paused = await app.open_store(accepting_orders=False)
    after_hours = await app.open_store(opening_hours=())  # accepting, but its hours never include now
    customer = app.customer()

    async def checkout(body: dict[str, Any] | None) -> dict[str, Any]:
        response = await app.client.post(
            "/api/order/orders",
            json=body,
            headers={**customer.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code in (409, 422), response.text
        problem: dict[str, Any] = response.json()
        return problem

    sold_out = await checkout(
        {
            "store_id": str(open_store.store_id),
            "lines": [gimbap_line(open_store), {"menu_item_id": str(open_store.item("Ramyeon")), "quantity": 1}],
        }
    )
    assert sold_out["code"] == "item_sold_out" and sold_out["status"] == 409
    assert "Ramyeon" in sold_out["detail"] and sold_out["menu_item_id"] == str(open_store.item("Ramyeon"))

    for store in (paused, after_hours):
        closed = await checkout({"store_id": str(store.store_id), "lines": [gimbap_line(store)]})
        assert closed["code"] == "store_closed" and closed["status"] == 409

    unknown = await checkout(
        {"store_id": str(open_store.store_id), "lines": [{"menu_item_id": str(uuid.uuid4()), "quantity": 1}]}
    )
    assert unknown["code"] == "unknown_menu_item"
    elsewhere = await checkout({"store_id": str(open_store.store_id), "lines": [gimbap_line(paused)]})
    assert elsewhere["code"] == "unknown_menu_item"
    assert (await checkout({"store_id": str(open_store.store_id), "lines": []}))["code"] == "empty_order"
    assert (await checkout(None))["code"] == "empty_order"  # an empty cart
    assert (await checkout({"store_id": str(uuid.uuid4()), "lines": [gimbap_line(open_store)]}))[
        "code"
    ] == "unknown_store"

    assert (await app.client.get("/api/order/orders", headers=customer.headers)).json()["items"] == []
    assert not [p for p in app.collector.published if p.payload.get("customer_id") == str(customer.user_id)]


async def test_checkout_needs_a_customer(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    body = {"store_id": str(store.store_id), "lines": [gimbap_line(store)]}
    response = await app.client.post(
        "/api/order/orders", json=body, headers={**store.owner_headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert response.status_code == 403 and response.json()["code"] == "role_required"
    response = await app.client.post("/api/order/orders", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 401
