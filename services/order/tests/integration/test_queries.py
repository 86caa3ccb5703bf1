"""Who sees which orders: the customer's history, one order, and a store's orders for its owner."""

import uuid
from datetime import UTC, datetime, timedelta

from matjip_contracts.events import (
    OrderAcceptedByStore,
    OrderProgressedAtStore,
    OrderRejectedByStore,
    PaymentAuthorized,
    Role,
    StockReserved,
)
from matjip_order.domain.sales import local_day

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


async def test_a_store_owner_reads_the_days_orders_and_sales(order_service: OrderHarness) -> None:
    app = order_service
    store = await app.open_store()
    customer = app.customer()
    url = f"/api/order/stores/{store.store_id}/sales"
    nothing = (await app.client.get(url, headers=store.owner_headers)).json()
    assert nothing["orders_placed"] == 0 and nothing["sales_amount"] == 0
    assert nothing["day"] == local_day(datetime.now(UTC), "Asia/Seoul").isoformat()
    assert nothing["timezone"] == "Asia/Seoul" and nothing["currency"] == "KRW"

    sold, rejected, waiting = [(await app.place(customer, store))["order_id"] for _ in range(3)]  # 9,000 won each
    for order_id in (sold, rejected):
        await app.send(StockReserved(order_id=uuid.UUID(order_id), store_id=store.store_id))
        await app.send(PaymentAuthorized(order_id=uuid.UUID(order_id), payment_id=uuid.uuid4(), amount=9000))
        await app.status_becomes(order_id, customer.headers, "AWAITING_STORE")
    await app.send(OrderAcceptedByStore(order_id=uuid.UUID(sold), store_id=store.store_id, prep_minutes=10))
    for stage in ("PREPARING", "READY", "PICKED_UP"):
        await app.send(OrderProgressedAtStore(order_id=uuid.UUID(sold), store_id=store.store_id, stage=stage))
    await app.status_becomes(sold, customer.headers, "COMPLETED")
    await app.send(OrderRejectedByStore(order_id=uuid.UUID(rejected), store_id=store.store_id, reason="closing early"))
    await app.status_becomes(rejected, customer.headers, "CANCELLED")
    await app.place(app.customer(), await app.open_store())  # another store's

    today = (await app.client.get(url, headers=store.owner_headers)).json()
    assert {k: today[k] for k in today if k.startswith("orders_") or k == "sales_amount"} == {
        "orders_placed": 3,
        "orders_awaiting": 1,
        "orders_sold": 1,
        "orders_handed_over": 1,
        "orders_cancelled": 1,
        "sales_amount": 9000,
    }
    assert waiting  # placed, still before acceptance
    yesterday = (local_day(datetime.now(UTC), "Asia/Seoul") - timedelta(days=1)).isoformat()
    earlier = (await app.client.get(f"{url}?day={yesterday}", headers=app.admin())).json()
    assert earlier["day"] == yesterday and earlier["orders_placed"] == 0

    stranger = app.headers(uuid.uuid4(), Role.OWNER)
    assert (await app.client.get(url, headers=stranger)).json()["code"] == "not_store_owner"
    assert (await app.client.get(url, headers=customer.headers)).status_code == 403
    assert (await app.client.get(f"{url}?day=yesterday", headers=store.owner_headers)).status_code == 422
    # The calendar's last and first days have no bounds in every timezone: refused, not a 500.
    for day in ("9999-12-31", "0001-01-01"):
        outside = await app.client.get(f"{url}?day={day}", headers=store.owner_headers)
        assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "day", outside.text
    assert (await app.client.get(f"{url}?day=9999-12-30", headers=store.owner_headers)).json()["orders_placed"] == 0
    assert (await app.client.get(f"/api/order/stores/{uuid.uuid4()}/sales", headers=app.admin())).status_code == 404
