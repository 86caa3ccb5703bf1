"""The read model of menus (newest revision wins) and the Redis cart priced from it."""

import uuid

from matjip_contracts.events import MenuItemUpdated, Role, StoreUpdated
from matjip_order.repository.carts import cart_key

from .harness import ALL_DAY, OrderHarness


async def test_menu_keeps_the_newest_revision_whatever_order_snapshots_arrive_in(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    gimbap = store.items["Tuna gimbap"]
    newer_store = StoreUpdated(
        store_id=store.store_id,
        owner_id=store.owner_id,
        name="Renamed",
        timezone="Asia/Seoul",
        opening_hours=ALL_DAY,
        accepting_orders=False,
        revision=3,
    )
    await app.send(newer_store)
    await app.send(newer_store.model_copy(update={"name": "Stale", "accepting_orders": True, "revision": 2}))
    await app.send(gimbap.model_copy(update={"price": 5200, "sold_out": True, "revision": 5}))
    await app.send(gimbap.model_copy(update={"price": 1, "revision": 4}))  # stale: must not undercut the price
    await app.send(store.items["Ramyeon"].model_copy(update={"removed": True, "revision": 2}))
    # A marker sent last on the same partition: once it shows, everything before it was applied.
    marker = MenuItemUpdated(
        menu_item_id=uuid.uuid4(), store_id=store.store_id, name="Marker", price=100, sold_out=False, revision=1
    )
    await app.send(marker)
    menu = await app.menu_shows(store.store_id, lambda m: any(i["name"] == "Marker" for i in m["items"]))

    assert menu["store"]["name"] == "Renamed"
    assert menu["store"]["accepting_orders"] is False and menu["store"]["open_now"] is False
    by_name = {item["name"]: item for item in menu["items"]}
    assert "Ramyeon" not in by_name  # removed items are not sold
    assert by_name["Tuna gimbap"]["price"] == 5200 and by_name["Tuna gimbap"]["sold_out"] is True
    assert by_name["Tuna gimbap"]["options"][0]["extra_price"] == 500


async def test_menu_of_an_unknown_store_is_404(order_service: OrderHarness) -> None:
    response = await order_service.client.get(f"/api/order/stores/{uuid.uuid4()}/menu")
    assert response.status_code == 404
    assert response.json()["code"] == "store_not_found"


async def test_cart_is_priced_from_the_read_model(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    gimbap, cheese = store.item("Tuna gimbap"), store.items["Tuna gimbap"].options[0].option_id

    response = await app.client.put(
        f"/api/order/cart/items/{gimbap}",
        json={"quantity": 2, "option_ids": [str(cheese)]},
        headers=customer.headers,
    )
    assert response.status_code == 200, response.text
    response = await app.client.put(
        f"/api/order/cart/items/{store.item('Ramyeon')}", json={"quantity": 1}, headers=customer.headers
    )
    cart = response.json()
    assert cart["store_id"] == str(store.store_id)
    priced = sorted((line["name"], line["unit_price"], line["line_total"]) for line in cart["lines"])
    assert priced == [("Ramyeon", 5000, 5000), ("Tuna gimbap", 5000, 10000)]  # 4500 + 500 for the cheese
    assert cart["total_amount"] == 15000 and cart["can_check_out"] is True

    # store raises the price: the cart follows the menu, not what it was when added.
    await app.send(store.items["Ramyeon"].model_copy(update={"price": 6000, "revision": 2}))
    await app.menu_shows(store.store_id, lambda m: any(i["price"] == 6000 for i in m["items"]))
    cart = (await app.client.get("/api/order/cart", headers=customer.headers)).json()
    assert cart["total_amount"] == 16000

    ttl = await app.service.runtime.redis.ttl(cart_key(customer.user_id))
    assert 0 < ttl <= 24 * 3600


async def test_a_client_cannot_send_a_price(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    response = await app.client.put(
        f"/api/order/cart/items/{store.item('Tuna gimbap')}",
        json={"quantity": 1, "unit_price": 1},
        headers=customer.headers,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["unit_price"]
    assert (await app.client.get("/api/order/cart", headers=customer.headers)).json()["lines"] == []


async def test_cart_holds_one_store_unless_replaced(order_service: OrderHarness) -> None:
    app = order_service
    first, second = await app.open_store(), await app.open_store()
    customer = app.customer()
    await app.client.put(
        f"/api/order/cart/items/{first.item('Tuna gimbap')}", json={"quantity": 1}, headers=customer.headers
    )

    refused = await app.client.put(
        f"/api/order/cart/items/{second.item('Ramyeon')}", json={"quantity": 1}, headers=customer.headers
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "cart_store_mismatch"
    assert refused.json()["cart_store_id"] == str(first.store_id)
    cart = (await app.client.get("/api/order/cart", headers=customer.headers)).json()
    assert cart["store_id"] == str(first.store_id) and len(cart["lines"]) == 1

    replaced = await app.client.put(
        f"/api/order/cart/items/{second.item('Ramyeon')}?replace=true", json={"quantity": 3}, headers=customer.headers
    )
    assert replaced.status_code == 200
    assert replaced.json()["store_id"] == str(second.store_id)
    assert [(line["name"], line["quantity"]) for line in replaced.json()["lines"]] == [("Ramyeon", 3)]


async def test_removing_items_and_clearing_the_cart(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    for name in ("Tuna gimbap", "Ramyeon"):
        await app.client.put(
            f"/api/order/cart/items/{store.item(name)}", json={"quantity": 1}, headers=customer.headers
        )

    cart = (await app.client.delete(f"/api/order/cart/items/{store.item('Ramyeon')}", headers=customer.headers)).json()
    assert [line["name"] for line in cart["lines"]] == ["Tuna gimbap"]
    # The last item leaving empties the cart, so another store's items are welcome again.
    cart = (
        await app.client.delete(f"/api/order/cart/items/{store.item('Tuna gimbap')}", headers=customer.headers)
    ).json()
    assert cart == {**cart, "store_id": None, "lines": [], "total_amount": 0}

    await app.client.put(
        f"/api/order/cart/items/{store.item('Ramyeon')}", json={"quantity": 1}, headers=customer.headers
    )
    assert (await app.client.delete("/api/order/cart", headers=customer.headers)).status_code == 204
    assert (await app.client.get("/api/order/cart", headers=customer.headers)).json()["lines"] == []


async def test_cart_refuses_what_cannot_be_sold(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store(sold_out=["Ramyeon"])
    customer = app.customer()

    async def put(item: uuid.UUID, body: dict[str, object]) -> tuple[int, str]:
        response = await app.client.put(f"/api/order/cart/items/{item}", json=body, headers=customer.headers)
        return response.status_code, response.json().get("code", "")

    assert await put(uuid.uuid4(), {"quantity": 1}) == (422, "unknown_menu_item")
    assert await put(store.item("Ramyeon"), {"quantity": 1}) == (409, "item_sold_out")
    assert await put(store.item("Tuna gimbap"), {"quantity": 1, "option_ids": [str(uuid.uuid4())]}) == (
        422,
        "unknown_option",
    )
    assert await put(store.item("Tuna gimbap"), {"quantity": 0}) == (422, "validation_failed")
    assert await put(store.item("Tuna gimbap"), {"quantity": 101}) == (422, "validation_failed")
    # A count is a whole number, never coerced from a boolean or a string.
    assert await put(store.item("Tuna gimbap"), {"quantity": True}) == (422, "validation_failed")
    assert await put(store.item("Tuna gimbap"), {"quantity": "2"}) == (422, "validation_failed")


async def test_cart_needs_a_customer(order_service: OrderHarness) -> None:
    app = order_service
    assert (await app.client.get("/api/order/cart")).status_code == 401
    owner = app.headers(uuid.uuid4(), Role.OWNER)
    response = await app.client.get("/api/order/cart", headers=owner)
    assert response.status_code == 403 and response.json()["code"] == "role_required"
    # Two customers never see each other's carts.
    store = await app.open_store()
    alice, bob = app.customer(), app.customer()
    await app.client.put(f"/api/order/cart/items/{store.item('Ramyeon')}", json={"quantity": 1}, headers=alice.headers)
    assert (await app.client.get("/api/order/cart", headers=bob.headers)).json()["lines"] == []


async def test_a_menu_may_be_shared_for_a_second_and_revalidates_with_its_etag(order_service: OrderHarness) -> None:
    store = await order_service.open_store()
    await order_service.menu_shows(store.store_id, lambda m: bool(m["items"]))
    url = f"/api/order/stores/{store.store_id}/menu"

    first = await order_service.client.get(url)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=1"  # the edge and a CDN may keep it a second
    unchanged = await order_service.client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304 and unchanged.content == b""
    other = await order_service.client.get(url, headers={"If-None-Match": '"not-this-one"'})
    assert other.status_code == 200 and other.json() == first.json()
