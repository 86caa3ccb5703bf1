"""Who may do what: owners change only their own stores, admins any, customers and anonymous callers
only browse. Every mutating endpoint is tried by every kind of intruder, and nothing changes."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from matjip_contracts.events.common import OrderLine
from matjip_contracts.events.store import RequestStoreAcceptance
from matjip_platform.testing import TestKeys

from .harness import Caller, StoreUnderTest, problem


@pytest.fixture
async def shop(store: StoreUnderTest, owner: Caller) -> dict[str, str]:
    """A store with a category, an item and a pending order, owned by `owner`."""
    created = await store.create_store(owner)
    store_id = created["id"]
    category = await store.client.post(
        f"/api/store/stores/{store_id}/categories", json={"name": "Mains"}, headers=owner.headers
    )
    item = await store.create_item(owner, store_id, stock_quantity=4)
    command = RequestStoreAcceptance(
        order_id=uuid.uuid4(),
        store_id=uuid.UUID(store_id),
        customer_id=uuid.uuid4(),
        lines=(OrderLine(menu_item_id=uuid.UUID(item["id"]), name="Dish", quantity=1, unit_price=9000),),
        total_amount=9000,
        accept_by=datetime.now(UTC) + timedelta(minutes=10),
    )
    await store.processed(await store.send(command))
    return {
        "store": store_id,
        "category": category.json()["id"],
        "item": item["id"],
        "order": str(command.order_id),
    }


def mutations(ids: dict[str, str]) -> list[tuple[str, str, dict[str, Any] | None]]:
    s, c, i, o = ids["store"], ids["category"], ids["item"], ids["order"]
    base = f"/api/store/stores/{s}"
    return [
        ("PATCH", base, {"name": "Taken over"}),
        ("PUT", f"{base}/opening-hours", {"opening_hours": []}),
        ("POST", f"{base}/categories", {"name": "Desserts"}),
        ("PATCH", f"{base}/categories/{c}", {"name": "Renamed"}),
        ("DELETE", f"{base}/categories/{c}", None),
        ("POST", f"{base}/menu-items", {"name": "Intruder special", "price": 1}),
        ("PATCH", f"{base}/menu-items/{i}", {"price": 1}),
        ("PUT", f"{base}/menu-items/{i}/stock", {"quantity": 0}),
        ("DELETE", f"{base}/menu-items/{i}", None),
        ("POST", f"{base}/orders/{o}/accept", {"prep_minutes": 10}),
        ("POST", f"{base}/orders/{o}/reject", {"reason": "no"}),
        ("POST", f"{base}/orders/{o}/preparing", None),
        ("POST", f"{base}/orders/{o}/ready", None),
        ("POST", f"{base}/orders/{o}/picked-up", None),
        ("POST", f"{base}/orders/{o}/delivered", None),
    ]


def owner_reads(ids: dict[str, str]) -> list[str]:
    base = f"/api/store/stores/{ids['store']}"
    return [f"{base}/orders", f"{base}/orders/{ids['order']}"]


async def unchanged(store: StoreUnderTest, ids: dict[str, str], owner: Caller) -> None:
    detail = (await store.client.get(f"/api/store/stores/{ids['store']}")).json()
    assert detail["revision"] == 1 and len(detail["opening_hours"]) == 7
    menu = (await store.client.get(f"/api/store/stores/{ids['store']}/menu")).json()
    assert [c["name"] for c in menu["categories"]] == ["Mains"]
    item = await store.item(ids["store"], ids["item"])
    assert item["price"] == 9000 and item["stock_quantity"] == 4
    entry = await store.client.get(f"/api/store/stores/{ids['store']}/orders/{ids['order']}", headers=owner.headers)
    assert entry.json()["status"] == "PENDING"


async def test_another_owner_gets_403_everywhere(
    store: StoreUnderTest, shop: dict[str, str], owner: Caller, other_owner: Caller
) -> None:
    for method, path, body in mutations(shop):
        response = await store.client.request(method, path, json=body, headers=other_owner.headers)
        problem(response, 403, "not_store_owner")
    for path in owner_reads(shop):
        problem(await store.client.get(path, headers=other_owner.headers), 403, "not_store_owner")
    await unchanged(store, shop, owner)
    assert await store.outbox_count(shop["order"]) == 0


async def test_customers_get_403_everywhere(
    store: StoreUnderTest, shop: dict[str, str], owner: Caller, customer: Caller
) -> None:
    create = await store.client.post("/api/store/stores", json={"name": "x"}, headers=customer.headers)
    problem(create, 403, "role_required")
    for method, path, body in mutations(shop):
        problem(await store.client.request(method, path, json=body, headers=customer.headers), 403, "role_required")
    for path in owner_reads(shop):
        problem(await store.client.get(path, headers=customer.headers), 403, "role_required")
    await unchanged(store, shop, owner)


async def test_anonymous_callers_get_401_on_changes_and_200_on_browsing(
    store: StoreUnderTest, shop: dict[str, str], owner: Caller
) -> None:
    problem(await store.client.post("/api/store/stores", json={"name": "x"}), 401, "missing_token")
    for method, path, body in mutations(shop):
        response = await store.client.request(method, path, json=body)
        problem(response, 401, "missing_token")
        assert response.headers["www-authenticate"].startswith("Bearer")
    for path in owner_reads(shop):
        problem(await store.client.get(path), 401, "missing_token")
    review = {"order_id": str(uuid.uuid4()), "rating": 5}
    problem(await store.client.post(f"/api/store/stores/{shop['store']}/reviews", json=review), 401, "missing_token")
    await unchanged(store, shop, owner)

    base = f"/api/store/stores/{shop['store']}"
    for path in (
        "/api/store/stores",
        base,
        f"{base}/menu",
        f"{base}/categories",
        f"{base}/menu-items/{shop['item']}",
        f"{base}/reviews",
    ):
        response = await store.client.get(path)
        assert response.status_code == 200, (path, response.text)


async def test_a_forged_or_expired_token_is_401(store: StoreUnderTest, shop: dict[str, str], owner: Caller) -> None:
    forged = TestKeys(kid=store.keys.kid).auth_header(owner.user_id, "OWNER")  # same kid, another key
    path = f"/api/store/stores/{shop['store']}"
    problem(await store.client.patch(path, json={"name": "Forged"}, headers=forged), 401, "invalid_token")
    expired = {"Authorization": f"Bearer {store.keys.token(owner.user_id, 'OWNER', expires_in=timedelta(minutes=-5))}"}
    problem(await store.client.patch(path, json={"name": "Expired"}, headers=expired), 401, "token_expired")
    await unchanged(store, shop, owner)


async def test_the_owner_and_an_admin_may_change_the_store(
    store: StoreUnderTest, shop: dict[str, str], owner: Caller, admin: Caller
) -> None:
    path = f"/api/store/stores/{shop['store']}"
    by_owner = await store.client.patch(path, json={"name": "By the owner"}, headers=owner.headers)
    assert by_owner.status_code == 200 and by_owner.json()["revision"] == 2
    by_admin = await store.client.patch(path, json={"name": "By an admin"}, headers=admin.headers)
    assert by_admin.status_code == 200 and by_admin.json()["revision"] == 3
    accepted = await store.client.post(
        f"{path}/orders/{shop['order']}/accept", json={"prep_minutes": 9}, headers=admin.headers
    )
    assert accepted.status_code == 200, accepted.text


async def test_stores_are_created_for_oneself_or_by_an_admin_for_an_owner(
    store: StoreUnderTest, owner: Caller, other_owner: Caller, admin: Caller
) -> None:
    body = {"name": "Hansik", "delivery_area": {"lat": 37.5, "lng": 127.0, "radius_m": 2000}}
    for_someone_else = await store.client.post(
        "/api/store/stores", json={**body, "owner_id": str(other_owner.user_id)}, headers=owner.headers
    )
    problem(for_someone_else, 403, "not_store_owner")
    problem(await store.client.post("/api/store/stores", json=body, headers=admin.headers), 422, "owner_required")
    by_admin = await store.client.post(
        "/api/store/stores", json={**body, "owner_id": str(owner.user_id)}, headers=admin.headers
    )
    assert by_admin.status_code == 201, by_admin.text
    assert by_admin.json()["owner_id"] == str(owner.user_id)
    renamed = await store.client.patch(
        f"/api/store/stores/{by_admin.json()['id']}", json={"name": "Mine"}, headers=owner.headers
    )
    assert renamed.status_code == 200
