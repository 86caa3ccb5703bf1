"""Who sees which orders: the customer's history, one order, and a store's orders for its owner."""

import uuid

from matjip_contracts.events import Role, StockReserved

from .harness import OrderHarness


async def test_history_is_the_customers_own_newest_first_in_pages(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    placed = [(await app.place(customer, store))["order_id"] for _ in range(3)]
    await app.place(app.customer(), store)  # someone else's

    first = (await app.client.get("/api/order/orders?limit=2", headers=customer.headers)).json()
    assert [o["order_id"] for o in first["items"]] == placed[::-1][:2]
    second = (
        await app.client.get(f"/api/order/orders?limit=2&cursor={first['next_cursor']}", headers=customer.headers)
    ).json()
    assert [o["order_id"] for o in second["items"]] == [placed[0]]
    assert second["next_cursor"] is None

    bad = await app.client.get("/api/order/orders?cursor=bm9wZQ", headers=customer.headers)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"
    too_many = await app.client.get("/api/order/orders?limit=101", headers=customer.headers)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "limit"


async def test_an_order_is_seen_by_its_customer_its_stores_owner_and_admins_only(order_service: OrderHarness) -> None:
    app = order_service
    store, other_store = await app.open_store(), await app.open_store()
    customer = app.customer()
    order_id = (await app.place(customer, store))["order_id"]

    for allowed in (customer.headers, store.owner_headers, app.admin()):
        response = await app.client.get(f"/api/order/orders/{order_id}", headers=allowed)
        assert response.status_code == 200 and response.json()["order_id"] == order_id
    for stranger in (app.customer().headers, other_store.owner_headers):
        response = await app.client.get(f"/api/order/orders/{order_id}", headers=stranger)
        assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    assert (await app.client.get(f"/api/order/orders/{order_id}")).status_code == 401
    assert (await app.client.get(f"/api/order/orders/{uuid.uuid4()}", headers=app.admin())).status_code == 404


async def test_a_store_owner_lists_the_stores_orders_by_status(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    older = (await app.place(customer, store))["order_id"]
    newer = (await app.place(app.customer(), store))["order_id"]
    await app.send(StockReserved(order_id=uuid.UUID(older), store_id=store.store_id))
    await app.status_becomes(older, customer.headers, "STOCK_RESERVED")
    url = f"/api/order/stores/{store.store_id}/orders"

    everything = (await app.client.get(url, headers=store.owner_headers)).json()
    assert [o["order_id"] for o in everything["items"]] == [newer, older]
    placed = (await app.client.get(f"{url}?status=PLACED", headers=store.owner_headers)).json()
    assert [o["order_id"] for o in placed["items"]] == [newer]
    both = (await app.client.get(f"{url}?status=PLACED&status=STOCK_RESERVED", headers=app.admin())).json()
    assert len(both["items"]) == 2

    another_owner = app.headers(uuid.uuid4(), Role.OWNER)
    assert (await app.client.get(url, headers=another_owner)).json()["code"] == "not_store_owner"
    assert (await app.client.get(url, headers=customer.headers)).status_code == 403
    assert (await app.client.get(f"{url}?status=COOKING", headers=store.owner_headers)).status_code == 422
    unknown = await app.client.get(f"/api/order/stores/{uuid.uuid4()}/orders", headers=app.admin())
    assert unknown.status_code == 404
